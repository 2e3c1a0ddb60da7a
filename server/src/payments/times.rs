//! The gateways' time formats, in Beijing time (UTC+8) as both write them: Alipay's
//! `yyyy-MM-dd HH:mm:ss` and WeChat Pay's RFC 3339 with `+08:00`.

const BEIJING_OFFSET_S: i64 = 8 * 3600;

/// (year, month, day, hour, minute, second) of Unix time `at`, in Beijing.
fn civil(at: i64) -> (i64, i64, i64, i64, i64, i64) {
    let local = at + BEIJING_OFFSET_S;
    let (days, seconds) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    )
}

/// `2026-12-05 12:30:00`
pub fn alipay(at: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(at);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `2026-12-05T12:30:00+08:00`
pub fn rfc3339(at: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(at);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+08:00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_beijing_time() {
        // 2026-12-05T04:30:00Z
        assert_eq!(alipay(1_796_445_000), "2026-12-05 12:30:00");
        assert_eq!(rfc3339(1_796_445_000), "2026-12-05T12:30:00+08:00");
        assert_eq!(alipay(0), "1970-01-01 08:00:00");
        // A leap day.
        assert_eq!(alipay(1_709_164_800), "2024-02-29 08:00:00");
    }
}
