//! Times and durations on the command line: `--since 2026-11-01T00:00:00Z`, `--since 24h`
//! (that long ago), `--older-than 7d`, `--timeout 90s`; and the service's timestamps.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A duration: a number with `ms`, `s`, `m`, `h` or `d` (`500ms`, `90s`, `15m`, `24h`,
/// `7d`); a bare number is seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 500ms, 90s, 15m, 24h, 7d)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        _ => return Err(format!("{text:?}: the unit must be ms, s, m, h or d")),
    };
    if !(secs.is_finite() && (0.0..1e10).contains(&secs)) {
        return Err(format!("{text:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Seconds since the epoch of a timestamp as DCS writes them: `2020-06-17T07:38:42.423Z`,
/// with or without fraction, zone (`Z`, `+08:00`, `+0800`; none means UTC) or `T`; or
/// `yyyyMMddHHmmss`. `None` for anything else.
///
/// The text comes from the server, so it is read as characters, never cut at byte offsets: any
/// input, however broken (non-ASCII digits, a zone of `+1é1`), gives `None`, never a panic.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, rest): (&str, &str) = if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) {
        // All ASCII digits: every byte is a character.
        let (d, c) = t.split_at(8);
        let (y, md) = d.split_at(4);
        let (m, dd) = md.split_at(2);
        let (hh, ms) = c.split_at(2);
        let (mi, ss) = ms.split_at(2);
        return from_parts(
            number(y)?,
            number(m)?,
            number(dd)?,
            number(hh)?,
            number(mi)?,
            number(ss)?,
            0,
        );
    } else {
        t.split_once(['T', ' '])?
    };
    let mut dp = date.split('-');
    let (y, m, d) = (dp.next()?, dp.next()?, dp.next()?);
    if dp.next().is_some() {
        return None;
    }
    // The zone starts at the first `Z`, `+` or `-` after the clock (`find` gives a char
    // boundary, so both halves are whole characters).
    let (clock, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let clock = clock.split('.').next()?;
    let mut cp = clock.split(':');
    let (hh, mm) = (cp.next()?, cp.next()?);
    let ss = match cp.next() {
        Some(s) => number(s)?,
        None => 0,
    };
    if cp.next().is_some() {
        return None;
    }
    let offset = match zone {
        "" | "Z" | "z" => 0,
        z => {
            let mut chars = z.chars();
            let sign = match chars.next()? {
                '+' => 1,
                '-' => -1,
                _ => return None,
            };
            // `HH:MM` or `HHMM`, ASCII digits only.
            let digits: Vec<u32> = chars
                .filter(|&c| c != ':')
                .map(|c| {
                    if c.is_ascii_digit() {
                        c.to_digit(10)
                    } else {
                        None
                    }
                })
                .collect::<Option<Vec<u32>>>()?;
            let colons = z.chars().filter(|&c| c == ':').count();
            if digits.len() != 4 || colons > 1 {
                return None;
            }
            let h = i64::from(digits[0] * 10 + digits[1]);
            let mi = i64::from(digits[2] * 10 + digits[3]);
            if h > 23 || mi > 59 {
                return None;
            }
            sign * (h * 3600 + mi * 60)
        }
    };
    from_parts(
        number(y)?,
        number(m)?,
        number(d)?,
        number(hh)?,
        number(mm)?,
        ss,
        offset,
    )
}

/// A whole number written in ASCII digits only (no sign, no spaces), at most 9 of them.
fn number(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Seconds since the epoch of a civil UTC time minus `offset` seconds, with the fields
/// checked.
fn from_parts(y: i64, m: i64, d: i64, hh: i64, mm: i64, ss: i64, offset: i64) -> Option<i64> {
    if !(0..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || !(0..24).contains(&hh)
        || !(0..60).contains(&mm)
        || !(0..61).contains(&ss)
    {
        return None;
    }
    // The calendar arithmetic is the signer's (one implementation of it in the project).
    let sdk = format!("{y:04}{m:02}{d:02}T{hh:02}{mm:02}{ss:02}Z");
    let date = dcs_transport::SdkDate::parse(&sdk).ok()?;
    Some(date.unix_seconds() - offset)
}

/// `yyyyMMddHHmmss` in UTC, as `ListCenterTask` takes `start_time` and `end_time`.
pub fn compact_utc(secs: i64) -> String {
    // `YYYYMMDDTHHMMSSZ` without the `T` and the `Z`.
    let b = dcs_transport::SdkDate::from_unix_seconds(secs).to_bytes();
    b.iter()
        .filter(|c| c.is_ascii_digit())
        .map(|&c| c as char)
        .collect()
}

/// Now, in seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `--since`/`--until`: a timestamp, or a duration meaning that long before now.
pub fn point(text: &str) -> Result<i64, String> {
    if let Some(t) = parse_timestamp(text) {
        return Ok(t);
    }
    duration(text)
        .map(|d| now_secs() - d.as_secs() as i64)
        .map_err(|_| format!("{text:?} is neither a time (2026-11-01T00:00:00Z, 20261101000000) nor a duration (24h, 7d)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(duration("5w").is_err());
        assert!(duration("x").is_err());
    }

    #[test]
    fn timestamps_in_every_form_dcs_writes() {
        let t = 1_592_379_522; // 2020-06-17T07:38:42Z
        assert_eq!(parse_timestamp("2020-06-17T07:38:42.423Z"), Some(t));
        assert_eq!(parse_timestamp("2020-06-17T07:38:42Z"), Some(t));
        assert_eq!(parse_timestamp("2020-06-17T07:38:42"), Some(t));
        assert_eq!(parse_timestamp("2020-06-17 07:38:42"), Some(t));
        assert_eq!(parse_timestamp("2020-06-17T15:38:42+08:00"), Some(t));
        assert_eq!(parse_timestamp("20200617073842"), Some(t));
        assert_eq!(parse_timestamp("2020-06-17T15:38:42+0800"), Some(t));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(compact_utc(t), "20200617073842");
        assert_eq!(compact_utc(0), "19700101000000");
    }

    /// Issue 16 row 5: server text that is not ASCII where digits belong is `None`, never a
    /// panic from cutting a `str` inside a character.
    #[test]
    fn non_ascii_server_times_are_none_not_a_panic() {
        for bad in [
            "2020-01-01T00:00:00+1\u{e9}1",
            "2020-01-01T00:00:00+\u{e9}",
            "2020-01-01T00:00:00-\u{e9}\u{e9}",
            "2020-01-01T00:00:00+01:\u{e9}",
            "2020-01-01T0\u{e9}:00:00Z",
            "\u{ff12}\u{ff10}\u{ff12}\u{ff10}-01-01T00:00:00Z",
            "2020-01-01T00:00:00\u{e9}",
            "2020\u{e9}0101000000",
            "202001010000\u{e9}",
            "+2020-01-01T00:00:00Z",
            "2020-01-01T00:00:00+01:00:00",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }
}
