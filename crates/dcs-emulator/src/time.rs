//! Timestamps in the two forms DCS uses: `2020-06-17T07:38:42.503Z` in answers and
//! `20200617073842` (UTC) in the list filters.

use std::time::{SystemTime, UNIX_EPOCH};

/// `YYYYMMDDTHHMMSSZ` and the milliseconds of `t`: the calendar arithmetic is the signer's
/// (`SdkDate`), the one implementation of it in the project.
fn civil(t: SystemTime) -> ([u8; 16], u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let b = dcs_transport::SdkDate::from_unix_seconds(d.as_secs() as i64).to_bytes();
    (b, d.subsec_millis())
}

fn part(b: &[u8; 16], from: usize, to: usize) -> &str {
    std::str::from_utf8(&b[from..to]).unwrap_or("00")
}

/// `2020-06-17T07:38:42.503Z`
pub(crate) fn iso(t: SystemTime) -> String {
    let (b, ms) = civil(t);
    format!(
        "{}-{}-{}T{}:{}:{}.{ms:03}Z",
        part(&b, 0, 4),
        part(&b, 4, 6),
        part(&b, 6, 8),
        part(&b, 9, 11),
        part(&b, 11, 13),
        part(&b, 13, 15)
    )
}

/// `20200617073842`
pub(crate) fn compact(t: SystemTime) -> String {
    let (b, _) = civil(t);
    format!("{}{}", part(&b, 0, 8), part(&b, 9, 15))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        let t = UNIX_EPOCH + Duration::from_millis(1_592_379_522_503);
        assert_eq!(iso(t), "2020-06-17T07:38:42.503Z");
        assert_eq!(compact(t), "20200617073842");
        assert_eq!(iso(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(compact(leap), "20000229000000");
    }
}
