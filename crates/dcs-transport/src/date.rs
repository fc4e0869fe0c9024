//! The `X-Sdk-Date` timestamp: `YYYYMMDDTHHMMSSZ` in UTC.
//!
//! Formatting and parsing are done by hand (civil-from-days), so signing needs no date crate
//! and no clock: callers hand in the time.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A signing timestamp, second precision, UTC. Formats as `YYYYMMDDTHHMMSSZ`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SdkDate {
    unix: i64,
}

/// The text was not a valid `YYYYMMDDTHHMMSSZ` timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid X-Sdk-Date {value:?}: expected YYYYMMDDTHHMMSSZ (UTC)")]
pub struct DateParseError {
    value: String,
}

impl SdkDate {
    /// The timestamp for a point in time (sub-second part dropped). Times before 1970 clamp to
    /// the epoch.
    pub fn from_system_time(t: SystemTime) -> Self {
        let unix = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2),
            Err(_) => 0,
        };
        Self { unix }
    }

    /// The timestamp for whole seconds since the Unix epoch.
    pub fn from_unix_seconds(unix: i64) -> Self {
        Self { unix }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.unix
    }

    /// As a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        if self.unix >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.unix as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(self.unix.unsigned_abs())
        }
    }

    /// Parses `YYYYMMDDTHHMMSSZ`, checking every field's range.
    pub fn parse(text: &str) -> Result<Self, DateParseError> {
        let err = || DateParseError {
            value: text.chars().take(64).collect(),
        };
        let b = text.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let mut v = 0i64;
            for &c in &b[r] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Some(v)
        };
        let (y, mo, d) = (num(0..4), num(4..6), num(6..8));
        let (h, mi, s) = (num(9..11), num(11..13), num(13..15));
        let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (y, mo, d, h, mi, s) else {
            return Err(err());
        };
        if !(1..=12).contains(&mo)
            || d < 1
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || s > 59
        {
            return Err(err());
        }
        let days = days_from_civil(y, mo, d);
        Ok(Self {
            unix: days * 86_400 + h * 3600 + mi * 60 + s,
        })
    }

    /// Writes the 16 ASCII bytes of `YYYYMMDDTHHMMSSZ`.
    pub fn to_bytes(self) -> [u8; 16] {
        let days = self.unix.div_euclid(86_400);
        let secs = self.unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (h, mi, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
        let mut out = *b"00000000T000000Z";
        let mut put = |at: usize, width: usize, mut v: i64| {
            for i in (0..width).rev() {
                out[at + i] = b'0' + (v.rem_euclid(10)) as u8;
                v /= 10;
            }
        };
        put(0, 4, y);
        put(4, 2, m);
        put(6, 2, d);
        put(9, 2, h);
        put(11, 2, mi);
        put(13, 2, s);
        out
    }
}

impl fmt::Display for SdkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.to_bytes();
        // The bytes are ASCII digits and two ASCII letters by construction.
        f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for SdkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SdkDate({self})")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days-from-civil algorithm, re-derived.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_timestamps() {
        assert_eq!(
            SdkDate::from_unix_seconds(0).to_string(),
            "19700101T000000Z"
        );
        // 2024-03-15T08:09:10Z
        assert_eq!(
            SdkDate::from_unix_seconds(1_710_490_150).to_string(),
            "20240315T080910Z"
        );
        assert_eq!(
            SdkDate::parse("20240229T235959Z").unwrap().unix_seconds(),
            1_709_251_199
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "20240315T080910",
            "20240315 080910Z",
            "2024031XT080910Z",
            "20241315T080910Z",
            "20230229T000000Z",
            "20240315T240000Z",
            "20240315T236000Z",
            "20240315T080960Z",
            "20240315T080910Zx",
            "２0240315T080910Z",
        ] {
            assert!(SdkDate::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    proptest! {
        #[test]
        fn format_parse_roundtrip(secs in 0i64..253_402_300_799) {
            let d = SdkDate::from_unix_seconds(secs);
            let text = d.to_string();
            prop_assert_eq!(SdkDate::parse(&text).unwrap(), d);
        }
    }
}
