//! Times and durations on the command line: `--since 2026-11-01T00:00:00Z`, `--since 24h`
//! (that long ago), `--older-than 7d`, `--timeout 90s`; and the service's timestamps.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A duration: a number with `s`, `m`, `h` or `d` (`90s`, `15m`, `24h`, `7d`); a bare number
/// is seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 90s, 15m, 24h, 7d)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    if !(secs.is_finite() && (0.0..1e10).contains(&secs)) {
        return Err(format!("{text:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Seconds since the epoch of a timestamp as DCS writes them: `2020-06-17T07:38:42.423Z`,
/// with or without fraction, zone (`Z`, `+08:00`; none means UTC) or `T`; or `yyyyMMddHHmmss`.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let compact = t.len() == 14 && digits.len() == 14;
    let (date, rest) = if compact {
        (
            format!("{}-{}-{}", &t[0..4], &t[4..6], &t[6..8]),
            format!("{}:{}:{}", &t[8..10], &t[10..12], &t[12..14]),
        )
    } else {
        let (d, r) = t.split_once(['T', ' '])?;
        (d.to_string(), r.to_string())
    };
    let mut dp = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, d) = (dp.next()??, dp.next()??, dp.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest.as_str(), ""),
    };
    let clock = clock.split('.').next()?;
    let mut cp = clock.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (cp.next()??, cp.next()??, cp.next().flatten().unwrap_or(0));
    if !(0..24).contains(&hh) || !(0..60).contains(&mm) || !(0..61).contains(&ss) {
        return None;
    }
    let off = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let body = o[1..].replace(':', "");
            if body.len() != 4 {
                return None;
            }
            let h: i64 = body[..2].parse().ok()?;
            let mi: i64 = body[2..].parse().ok()?;
            sign * (h * 3600 + mi * 60)
        }
    };
    // The calendar arithmetic is the signer's (one implementation of it in the project).
    let sdk = format!("{y:04}{m:02}{d:02}T{hh:02}{mm:02}{ss:02}Z");
    let date = dcs_transport::SdkDate::parse(&sdk).ok()?;
    Some(date.unix_seconds() - off)
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
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(compact_utc(t), "20200617073842");
        assert_eq!(compact_utc(0), "19700101000000");
    }
}
