//! The `dcs-emulator` binary serves a seeded Task Center on the port it is given.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Kills the child when the test ends, also when an assertion fails first.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn binary_serves_and_answers_unsigned_requests_with_401() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_dcs-emulator"))
            .args(["--port", "0", "--task", "t1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("binary starts"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "DELETE /v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/tasks/t1 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    drop(child);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("APIGW.0301"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id:"),
        "{answer}"
    );
    assert!(answer.contains("missing Authorization header"), "{answer}");
}

#[test]
fn binary_refuses_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_dcs-emulator"))
        .args(["--port", "not-a-port"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}
