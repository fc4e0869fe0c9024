//! A minimal Redis client over tokio TCP: RESP2 requests (arrays of bulk strings) and replies.
//!
//! The emulator drives each instance's `redis-server` with it (passwords, ACL users,
//! `CONFIG SET`, `FLUSHALL`, snapshots, scans, the slow log and the client list), and tests
//! may use it to talk to an instance the way an application would: connect to the address
//! ShowInstance reports, `AUTH`, `SET`, `GET`. It speaks only what that needs: no RESP3, no
//! pub/sub, no cluster redirections. Any Redis client works against the instances as well.

use std::fmt;
use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, ToSocketAddrs};

/// The longest bulk string read (Redis's own `proto-max-bulk-len` ceiling): 512 MiB.
const MAX_BULK: usize = 512 * 1024 * 1024;
/// The most elements of one array read.
const MAX_ARRAY: usize = 64 * 1024 * 1024;
/// The most levels of nested arrays read.
const MAX_DEPTH: usize = 32;
/// The longest header line (`+OK`, `-ERR ...`, `$5`, `*3`, `:1`) read.
const MAX_LINE: usize = 64 * 1024;

/// A reply from Redis.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RespValue {
    /// `+OK`: a simple string.
    Simple(String),
    /// `-ERR ...`: an error reply (the command failed; the connection is still usable).
    Error(String),
    /// `:42`: an integer.
    Integer(i64),
    /// `$N`: a bulk string.
    Bulk(Vec<u8>),
    /// `$-1` or `*-1`: no value (a missing key, say).
    Nil,
    /// `*N`: an array of replies.
    Array(Vec<RespValue>),
}

impl RespValue {
    /// The bytes of a bulk or simple string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            RespValue::Bulk(b) => Some(b),
            RespValue::Simple(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// A bulk or simple string as text (`None` when it is not UTF-8 or not a string).
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// An integer reply.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            RespValue::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// The elements of an array reply.
    pub fn as_array(&self) -> Option<&[RespValue]> {
        match self {
            RespValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The message of an error reply.
    pub fn error(&self) -> Option<&str> {
        match self {
            RespValue::Error(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is the nil reply.
    pub fn is_nil(&self) -> bool {
        matches!(self, RespValue::Nil)
    }

    /// The reply, or its message when it is an error reply.
    pub fn into_result(self) -> Result<RespValue, String> {
        match self {
            RespValue::Error(e) => Err(e),
            v => Ok(v),
        }
    }
}

impl fmt::Debug for RespValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RespValue::Simple(s) => write!(f, "+{s}"),
            RespValue::Error(e) => write!(f, "-{e}"),
            RespValue::Integer(n) => write!(f, ":{n}"),
            // Long values (a 5 MB string) are shown by their length only.
            RespValue::Bulk(b) if b.len() > 128 => write!(f, "${} bytes", b.len()),
            RespValue::Bulk(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            RespValue::Nil => f.write_str("(nil)"),
            RespValue::Array(a) => f.debug_list().entries(a).finish(),
        }
    }
}

/// One connection to a Redis server.
#[derive(Debug)]
pub struct RespConnection {
    stream: BufReader<TcpStream>,
}

/// A command's arguments, written as RESP: `*N` then each as a bulk string.
pub(crate) fn encode<A: AsRef<[u8]>>(args: &[A], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// What one header line announces.
enum Item {
    Value(RespValue),
    Array(usize),
}

impl RespConnection {
    /// Connects (no `AUTH`: send it as a command when the server has a password).
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let tcp = TcpStream::connect(addr).await?;
        let _ = tcp.set_nodelay(true);
        Ok(Self {
            stream: BufReader::new(tcp),
        })
    }

    /// Connects and authenticates: `AUTH password` for the default user, `AUTH user
    /// password` for an ACL user. An `-ERR`/`-WRONGPASS` answer is an error of kind
    /// `PermissionDenied` carrying the server's message.
    pub async fn connect_auth(
        addr: impl ToSocketAddrs,
        user: Option<&str>,
        password: &str,
    ) -> io::Result<Self> {
        let mut c = Self::connect(addr).await?;
        let reply = match user {
            Some(u) => c.command(&["AUTH", u, password]).await?,
            None => c.command(&["AUTH", password]).await?,
        };
        if let Some(e) = reply.error() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                e.to_string(),
            ));
        }
        Ok(c)
    }

    /// Sends one command and reads its reply. An error reply (`-ERR ...`) is a value
    /// ([`RespValue::Error`]), not an `Err`: `Err` means the connection failed.
    pub async fn command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<RespValue> {
        let mut out = Vec::new();
        encode(args, &mut out);
        self.stream.get_mut().write_all(&out).await?;
        self.read_value().await
    }

    /// Sends several commands at once and reads their replies, in order.
    pub async fn pipeline<A: AsRef<[u8]>>(
        &mut self,
        commands: &[Vec<A>],
    ) -> io::Result<Vec<RespValue>> {
        let mut out = Vec::new();
        for c in commands {
            encode(c, &mut out);
        }
        self.stream.get_mut().write_all(&out).await?;
        let mut replies = Vec::with_capacity(commands.len());
        for _ in commands {
            replies.push(self.read_value().await?);
        }
        Ok(replies)
    }

    async fn line(&mut self) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        let n = (&mut self.stream)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        if !line.ends_with(b"\r\n") {
            return Err(bad("a reply line is too long or not ended by CRLF"));
        }
        line.truncate(line.len() - 2);
        Ok(line)
    }

    async fn item(&mut self) -> io::Result<Item> {
        let line = self.line().await?;
        let (kind, rest) = line
            .split_first()
            .ok_or_else(|| bad("an empty reply line"))?;
        let text = String::from_utf8_lossy(rest).into_owned();
        let number = |t: &str| -> io::Result<i64> {
            t.parse::<i64>()
                .map_err(|_| bad(format!("{t:?} is not a number")))
        };
        Ok(match kind {
            b'+' => Item::Value(RespValue::Simple(text)),
            b'-' => Item::Value(RespValue::Error(text)),
            b':' => Item::Value(RespValue::Integer(number(&text)?)),
            b'$' => {
                let n = number(&text)?;
                if n < 0 {
                    return Ok(Item::Value(RespValue::Nil));
                }
                let n = usize::try_from(n).map_err(|_| bad("bulk length"))?;
                if n > MAX_BULK {
                    return Err(bad(format!("a bulk string of {n} bytes is over the limit")));
                }
                let mut buf = vec![0u8; n + 2];
                self.stream.read_exact(&mut buf).await?;
                if !buf.ends_with(b"\r\n") {
                    return Err(bad("a bulk string is not ended by CRLF"));
                }
                buf.truncate(n);
                Item::Value(RespValue::Bulk(buf))
            }
            b'*' => {
                let n = number(&text)?;
                if n < 0 {
                    return Ok(Item::Value(RespValue::Nil));
                }
                let n = usize::try_from(n).map_err(|_| bad("array length"))?;
                if n > MAX_ARRAY {
                    return Err(bad(format!("an array of {n} elements is over the limit")));
                }
                Item::Array(n)
            }
            other => {
                return Err(bad(format!(
                    "reply type {:?} is not RESP2",
                    char::from(*other)
                )))
            }
        })
    }

    /// Reads one whole reply, arrays included (without recursion: a stack of open arrays).
    async fn read_value(&mut self) -> io::Result<RespValue> {
        let mut open: Vec<(usize, Vec<RespValue>)> = Vec::new();
        loop {
            let mut value = match self.item().await? {
                Item::Array(0) => RespValue::Array(Vec::new()),
                Item::Array(n) => {
                    if open.len() >= MAX_DEPTH {
                        return Err(bad("arrays are nested too deeply"));
                    }
                    open.push((n, Vec::with_capacity(n.min(1024))));
                    continue;
                }
                Item::Value(v) => v,
            };
            // Put the value in the innermost open array; close every array it completes.
            loop {
                let Some((want, items)) = open.last_mut() else {
                    return Ok(value);
                };
                items.push(value);
                if items.len() < *want {
                    break;
                }
                let (_, done) = open.pop().unwrap_or_default();
                value = RespValue::Array(done);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that answers any request with `reply` once, then closes.
    async fn canned(reply: &'static [u8]) -> std::net::SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            s.write_all(reply).await.unwrap();
        });
        addr
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        encode(&["SET", "k", ""], &mut out);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }

    #[tokio::test]
    async fn nested_replies_are_read_whole() {
        let addr = canned(b"*3\r\n:1\r\n*2\r\n$3\r\nabc\r\n$-1\r\n*0\r\n+OK\r\n-ERR no\r\n").await;
        let mut c = RespConnection::connect(addr).await.unwrap();
        let v = c.command(&["X"]).await.unwrap();
        assert_eq!(
            v,
            RespValue::Array(vec![
                RespValue::Integer(1),
                RespValue::Array(vec![RespValue::Bulk(b"abc".to_vec()), RespValue::Nil]),
                RespValue::Array(vec![]),
            ])
        );
        // The rest of the stream: two more replies.
        assert_eq!(c.read_value().await.unwrap().as_str(), Some("OK"));
        assert_eq!(c.read_value().await.unwrap().error(), Some("ERR no"));
        // Then the server is gone.
        let e = c.read_value().await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn malformed_replies_are_errors_not_panics() {
        for reply in [
            &b"$5\r\nab\r\n"[..],
            b"?1\r\n",
            b":x\r\n",
            b"$999999999999\r\n",
        ] {
            let reply: &'static [u8] = Box::leak(reply.to_vec().into_boxed_slice());
            let addr = canned(reply).await;
            let mut c = RespConnection::connect(addr).await.unwrap();
            assert!(c.command(&["X"]).await.is_err(), "{reply:?}");
        }
        let deep: &'static [u8] = Box::leak("*1\r\n".repeat(40).into_bytes().into_boxed_slice());
        let addr = canned(deep).await;
        let mut c = RespConnection::connect(addr).await.unwrap();
        let e = c.command(&["X"]).await.unwrap_err();
        assert!(e.to_string().contains("nested"), "{e}");
    }
}
