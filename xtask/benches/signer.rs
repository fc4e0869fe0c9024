//! Signer micro-benchmarks (divan).
//!
//! `cargo bench -p xtask --bench signer`
//!
//! Three requests shaped like the ones `TasksClient` sends for DeleteCenterTask (same
//! headers, path and authority as production; the time is passed in, so no clock is read):
//!
//! * `sign_no_body`: the seed DELETE without a body;
//! * `sign_body_1k`: the same DELETE with a 1 KiB JSON body;
//! * `sign_body_100k`: the same DELETE with a 100 KiB JSON body.
//!
//! `floor_sha256_*` hash exactly the same body bytes with `sha2` and nothing else. Signing has
//! to hash the body once, so that is the floor the signer is compared against: the signer's
//! own overhead is `sign_body_N - floor_sha256_N`.
//!
//! `floor_crypto_no_body` is the unavoidable cryptography of the body-less request: SHA-256 of
//! its exact canonical request, then the HMAC-SHA256 of the exact string to sign (both taken
//! from `signer::canonical_form` once, outside the timed loop). `sign_no_body` minus this is
//! what canonicalisation, formatting and allocation cost.

use dcs_transport::config::default_user_agent;
use dcs_transport::signer::{self, SignableRequest, SigningOutput};
use dcs_transport::{SdkDate, SecretString};
use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const AUTHORITY: &str = "dcs.cn-north-4.myhuaweicloud.com";
const PROJECT_ID: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
const PATH: &str = "/v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/tasks/ff8080818e1c6f1b018e2b7d5a3c0042";
const CONTENT_TYPE: &str = "application/json;charset=utf-8";
const ACCESS_KEY: &str = "QTWAOYTTINDUT2QVKYUC";
const SECRET_KEY: &str = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";
const UNIX_TIME: i64 = 1_710_490_150;

fn main() {
    divan::main();
}

/// The headers the real client sends before signing adds Host, X-Sdk-Date and Authorization.
struct Fixture {
    user_agent: String,
    canonical_no_body: Vec<u8>,
    string_to_sign_no_body: Vec<u8>,
    secret: SecretString,
    body_1k: Vec<u8>,
    body_100k: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let user_agent = default_user_agent();
        let headers = headers(&user_agent);
        let form = match signer::canonical_form(
            &request(&headers, &[]),
            SdkDate::from_unix_seconds(UNIX_TIME),
        ) {
            Ok(f) => f,
            Err(e) => panic!("the benchmark request must canonicalise: {e}"),
        };
        Fixture {
            canonical_no_body: form.canonical_request.into_bytes(),
            string_to_sign_no_body: form.string_to_sign.into_bytes(),
            user_agent,
            secret: SecretString::new(SECRET_KEY),
            body_1k: json_body(1024),
            body_100k: json_body(100 * 1024),
        }
    })
}

/// The caller's headers, as `HttpClient` passes them to the signer.
fn headers(user_agent: &str) -> [(&str, &str); 3] {
    [
        ("Content-Type", CONTENT_TYPE),
        ("User-Agent", user_agent),
        ("X-Project-Id", PROJECT_ID),
    ]
}

fn request<'a>(headers: &'a [(&'a str, &'a str)], body: &'a [u8]) -> SignableRequest<'a> {
    SignableRequest {
        method: "DELETE",
        authority: AUTHORITY,
        path: PATH,
        query: &[],
        headers,
        body,
    }
}

/// `{"message":"..."}` padded with printable text to exactly `len` bytes.
fn json_body(len: usize) -> Vec<u8> {
    const HEAD: &[u8] = b"{\"message\":\"";
    const TAIL: &[u8] = b"\"}";
    let filler = len - HEAD.len() - TAIL.len();
    let mut v = Vec::with_capacity(len);
    v.extend_from_slice(HEAD);
    v.extend((0..filler).map(|i| b'a' + (i % 26) as u8));
    v.extend_from_slice(TAIL);
    assert_eq!(v.len(), len);
    v
}

fn sign_with(body: &[u8]) -> SigningOutput {
    let f = fixture();
    let headers = headers(&f.user_agent);
    let req = request(&headers, body);
    match signer::sign(
        black_box(&req),
        ACCESS_KEY,
        &f.secret,
        SdkDate::from_unix_seconds(UNIX_TIME),
    ) {
        Ok(out) => out,
        Err(e) => panic!("the benchmark request must sign: {e}"),
    }
}

#[divan::bench]
fn sign_no_body(bencher: Bencher<'_, '_>) {
    bencher.bench(|| sign_with(black_box(&[])));
}

#[divan::bench]
fn sign_body_1k(bencher: Bencher<'_, '_>) {
    let body = fixture().body_1k.as_slice();
    bencher
        .counter(BytesCount::of_slice(body))
        .bench(|| sign_with(black_box(body)));
}

#[divan::bench]
fn sign_body_100k(bencher: Bencher<'_, '_>) {
    let body = fixture().body_100k.as_slice();
    bencher
        .counter(BytesCount::of_slice(body))
        .bench(|| sign_with(black_box(body)));
}

#[divan::bench]
fn floor_sha256_1k(bencher: Bencher<'_, '_>) {
    let body = fixture().body_1k.as_slice();
    bencher
        .counter(BytesCount::of_slice(body))
        .bench(|| Sha256::digest(black_box(body)));
}

#[divan::bench]
fn floor_sha256_100k(bencher: Bencher<'_, '_>) {
    let body = fixture().body_100k.as_slice();
    bencher
        .counter(BytesCount::of_slice(body))
        .bench(|| Sha256::digest(black_box(body)));
}

#[divan::bench]
fn floor_crypto_no_body(bencher: Bencher<'_, '_>) {
    let f = fixture();
    bencher.bench(|| {
        let canonical_hash = Sha256::digest(black_box(&f.canonical_no_body));
        let Ok(mut mac) =
            <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(f.secret.expose_secret().as_bytes())
        else {
            panic!("HMAC takes keys of any length")
        };
        mac.update(black_box(&f.string_to_sign_no_body));
        (canonical_hash, mac.finalize().into_bytes())
    });
}
