//! A custom CA bundle: a loopback rustls server whose certificate chains to a test CA that
//! only the bundle trusts.
//!
//! The fixtures in `tests/data/tls` were made once with `openssl` (a P-256 CA valid for 100
//! years, whose key was then deleted, and a leaf for `localhost` and 127.0.0.1 signed by it).

use dcs_transport::{
    ClientConfig, ConfigError, Credentials, Endpoint, HttpClient, Method, Request, RetryPolicy,
    TransportErrorKind,
};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use std::io::{Read, Write};
use std::sync::Arc;

const CA: &[u8] = include_bytes!("data/tls/ca.pem");
const LEAF: &[u8] = include_bytes!("data/tls/leaf.pem");
const LEAF_KEY: &[u8] = include_bytes!("data/tls/leaf.key");

/// A TLS server on a thread of its own: answers each connection's first request with a 200.
fn tls_server() -> std::net::SocketAddr {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(LEAF)
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_slice(LEAF_KEY).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let config = config.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

fn builder(addr: std::net::SocketAddr) -> dcs_transport::HttpClientBuilder {
    HttpClient::builder(
        Endpoint::parse(&format!("https://localhost:{}", addr.port())).unwrap(),
        Credentials::new("AK", "SK"),
    )
    .config(ClientConfig::default().retry(RetryPolicy::disabled()))
}

#[tokio::test]
async fn a_server_signed_by_a_bundled_ca_is_trusted() {
    let addr = tls_server();
    let client = builder(addr).ca_bundle_pem(CA).build().unwrap();
    let r = client
        .send(&Request::new(Method::GET, "/v2/p/tasks"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.body().as_ref(), b"ok");
}

#[tokio::test]
async fn without_the_bundle_the_same_server_is_a_tls_error() {
    let addr = tls_server();
    let client = builder(addr).build().unwrap();
    let e = client
        .send(&Request::new(Method::GET, "/v2/p/tasks"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::Tls, "{e}");
    assert!(!e.may_have_been_sent());
}

#[test]
fn a_bundle_without_a_certificate_fails_the_build() {
    let addr = "127.0.0.1:1".parse().unwrap();
    for bad in [&b"not a pem"[..], LEAF_KEY] {
        let e = builder(addr).ca_bundle_pem(bad).build().unwrap_err();
        assert!(matches!(e, ConfigError::Tls(_)), "{e}");
    }
}
