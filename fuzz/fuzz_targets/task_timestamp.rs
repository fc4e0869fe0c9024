//! The `dcs` command line's reader of Task Center times (`created_at`, checked for `--since`,
//! `--until` and `--older-than`): server text, so any bytes must give seconds or `None`, never
//! a panic, and seconds it reads must be those the text is written as. The module is the
//! binary's own source, compiled here as it is there.
#![no_main]

#[allow(dead_code)]
#[path = "../../crates/dcs-cli/src/when.rs"]
mod when;

use libfuzzer_sys::fuzz_target;

/// `secs` as `YYYY-MM-DDTHH:MM:SSZ`, from the signer's calendar.
fn iso(secs: i64) -> String {
    let d = dcs_transport::SdkDate::from_unix_seconds(secs).to_string();
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(secs) = when::parse_timestamp(&text) else {
        return;
    };
    // The years a four-digit calendar can write.
    let min = when::parse_timestamp("0000-01-01T00:00:00Z").unwrap() - 24 * 3600;
    let max = when::parse_timestamp("9999-12-31T23:59:59Z").unwrap() + 24 * 3600;
    assert!((min..=max).contains(&secs), "{text:?}: {secs}");
    if (0..=253_402_300_799).contains(&secs) {
        // Written back in both forms the service uses, it reads the same.
        assert_eq!(when::parse_timestamp(&iso(secs)), Some(secs), "{text:?}");
        assert_eq!(
            when::parse_timestamp(&when::compact_utc(secs)),
            Some(secs),
            "{text:?}"
        );
    }
});
