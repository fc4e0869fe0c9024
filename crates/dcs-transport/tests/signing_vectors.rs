//! Conformance: every SDK-HMAC-SHA256 vector produced by the official Python SDK.
//!
//! Reads the file named by `DCS_SIGNING_VECTORS`, else the copy checked in beside this test
//! (`tests/data/signing.json`, produced by the official Python SDK). Fails when the file is missing or holds no vector of our
//! algorithm. Every field of `expected` that the algorithm defines is compared.

use dcs_transport::signer::{canonical_form, sign, SignableRequest, ALGORITHM};
use dcs_transport::{SdkDate, SecretString};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Vectors we deliberately do not reproduce, each with its reason. None today: every quirk of
/// the Python signer is reproduced, because the gateway verifies against the same rules.
const SKIPPED: &[(&str, &str)] = &[];

fn vectors_path() -> PathBuf {
    if let Some(p) = std::env::var_os("DCS_SIGNING_VECTORS") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/signing.json")
}

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} is not a string"))
        .to_string()
}

fn body_of(v: &Value) -> Vec<u8> {
    if let Some(b64) = v["body_base64"].as_str() {
        return decode_base64(b64);
    }
    v["body"]
        .as_str()
        .map(|b| b.as_bytes().to_vec())
        .unwrap_or_default()
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
    {
        let v = ALPHA.iter().position(|a| *a == c).expect("base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn signing_vectors() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read signing vectors at {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("vectors file is JSON");
    let vectors = doc["vectors"].as_array().expect("vectors array");
    let mut checked = 0;
    let mut failures = Vec::new();
    for v in vectors {
        if v["algorithm"] != ALGORITHM {
            continue;
        }
        let name = s(v, "name");
        if let Some((_, why)) = SKIPPED.iter().find(|(n, _)| *n == name) {
            use std::io::Write;
            let _ = writeln!(std::io::stdout().lock(), "skipped {name}: {why}");
            continue;
        }
        let headers_owned: Vec<(String, String)> = v["headers"]
            .as_object()
            .expect("headers object")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let headers: Vec<(&str, &str)> = headers_owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let query_owned: Vec<(String, String)> = v["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect();
        let query: Vec<(&str, &str)> = query_owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let body = body_of(v);
        let method = s(v, "method");
        let host = s(v, "host");
        let path = s(v, "path");
        let req = SignableRequest {
            method: &method,
            authority: &host,
            path: &path,
            query: &query,
            headers: &headers,
            body: &body,
        };
        // The clock: the vector's date (the headers carry it too).
        let now = SdkDate::parse(&s(v, "x_sdk_date")).unwrap();
        let exp = &v["expected"];
        let form = canonical_form(&req, now).expect("canonical form");
        let out = sign(&req, &s(v, "ak"), &SecretString::new(s(v, "sk")), now).expect("sign");

        let mut check = |field: &str, got: &str| {
            let want = exp[field].as_str().unwrap_or_default();
            if got != want {
                failures.push(format!(
                    "{name}: {field}\n  got:  {got:?}\n  want: {want:?}"
                ));
            }
        };
        check("canonical_request", &form.canonical_request);
        check("string_to_sign", &form.string_to_sign);
        check("signed_headers", &form.signed_headers);
        check("payload_hash", &form.payload_hash);
        check("signed_headers", &out.signed_headers);
        check("signature", &out.signature);
        check("authorization", out.authorization());
        let uri = form
            .canonical_request
            .split('\n')
            .nth(1)
            .unwrap_or_default();
        check("canonical_uri", uri);
        let q = form
            .canonical_request
            .split('\n')
            .nth(2)
            .unwrap_or_default();
        check("canonical_query_string", q);

        // Headers after signing: the caller's (trimmed) plus what the signer added.
        let mut after: BTreeMap<String, String> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    dcs_transport::signer::trim_header_value(v).to_string(),
                )
            })
            .collect();
        for (k, v) in &out.added_headers {
            after.insert(k.to_string(), v.clone());
        }
        let want: BTreeMap<String, String> = exp["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        if after != want {
            failures.push(format!(
                "{name}: headers\n  got:  {after:?}\n  want: {want:?}"
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 0, "no {ALGORITHM} vectors in {}", path.display());
    // Written to the real stdout (not the test harness's capture) so it always shows.
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "checked {checked} vectors");
}
