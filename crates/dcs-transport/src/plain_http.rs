//! One unsigned HTTP/1.1 exchange over a fresh TCP connection, for the link-local credential
//! services (ECS metadata, Pod Identity). Never through a proxy, no TLS, no pool, no retries:
//! a connect timeout, a limit on the whole exchange and a cap on the body.

use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// The most body bytes read from these services.
const MAX_BODY: usize = 64 * 1024;

/// An answer. No `Debug`: a body may hold secrets.
pub(crate) struct PlainResponse {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

impl PlainResponse {
    /// What an error message says of the body of a credentials endpoint's answer: its size
    /// only. Whatever the status, such a body may carry an access key, a secret key or a
    /// token (a server that answers 500 with the credential JSON, a proxy echoing the
    /// request), so no byte of it is ever quoted.
    pub(crate) fn unquoted(&self) -> String {
        format!(
            "({} bytes; a credentials endpoint's answer is never quoted, as it may hold secrets)",
            self.body.len()
        )
    }
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum PlainError {
    /// No TCP connection: refused, unreachable, or not within the connect timeout. Nothing
    /// is listening there.
    Connect(String),
    /// Connected, but the exchange failed or took too long.
    Exchange(String),
}

impl std::fmt::Display for PlainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlainError::Connect(e) => write!(f, "cannot connect: {e}"),
            PlainError::Exchange(e) => f.write_str(e),
        }
    }
}

/// Where to connect: `host:port` (port 80 when the authority has none) and the `Host` header.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) addr: String,
    pub(crate) host_header: String,
}

impl Target {
    pub(crate) fn new(endpoint: &crate::config::Endpoint) -> Self {
        let authority = endpoint.authority().to_string();
        let addr = if authority == endpoint.host() {
            format!("{authority}:80")
        } else {
            authority.clone()
        };
        Self {
            addr,
            host_header: authority,
        }
    }
}

/// Sends one request and reads the answer.
pub(crate) async fn exchange(
    target: &Target,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
    connect_timeout: Duration,
    attempt_timeout: Duration,
) -> Result<PlainResponse, PlainError> {
    let stream = match tokio::time::timeout(
        connect_timeout,
        tokio::net::TcpStream::connect(target.addr.as_str()),
    )
    .await
    {
        Err(_) => {
            return Err(PlainError::Connect(format!(
                "no connection to {} within {connect_timeout:?}",
                target.addr
            )))
        }
        Ok(Err(e)) => return Err(PlainError::Connect(format!("{}: {e}", target.addr))),
        Ok(Ok(s)) => s,
    };
    let _ = stream.set_nodelay(true);
    let work = async {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| PlainError::Exchange(format!("HTTP handshake failed: {e}")))?;
        let driver = tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, target.host_header.as_str());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| PlainError::Exchange(format!("cannot build the request: {e}")))?;
        let result = async {
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| PlainError::Exchange(format!("request failed: {e}")))?;
            let (parts, body) = resp.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| PlainError::Exchange(format!("reading the answer failed: {e}")))?
                .to_bytes();
            Ok(PlainResponse {
                status: parts.status.as_u16(),
                body,
            })
        }
        .await;
        driver.abort();
        result
    };
    match tokio::time::timeout(attempt_timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(PlainError::Exchange(format!(
            "no answer from {} within {attempt_timeout:?}",
            target.addr
        ))),
    }
}
