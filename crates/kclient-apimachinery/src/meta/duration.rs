//! `Duration`: `metav1.Duration`, a signed nanosecond count written the way Go's
//! `time.Duration.String()` writes it (`1h2m3.5s`, `300ms`, `1.5µs`) and parsed like
//! `time.ParseDuration`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
/// 2^63, the magnitude limit Go uses while parsing.
const LIMIT: u64 = 1 << 63;

/// A span of time in nanoseconds, negative allowed, with Go's text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub i64);

impl Duration {
    /// The duration in nanoseconds.
    pub fn as_nanos(self) -> i64 {
        self.0
    }

    /// A duration of whole seconds, saturating at the `i64` nanosecond range.
    pub fn from_secs(secs: i64) -> Self {
        Self(secs.saturating_mul(1_000_000_000))
    }

    /// A duration of whole milliseconds, saturating at the `i64` nanosecond range.
    pub fn from_millis(millis: i64) -> Self {
        Self(millis.saturating_mul(1_000_000))
    }

    /// Parses Go's format, as `time.ParseDuration`: a sequence of decimal numbers, each with an
    /// optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), with an optional sign.
    /// Errors carry Go's exact message, such as `time: missing unit in duration "1"`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        parse_go_duration(s).map_err(|message| Error::InvalidDuration { message })
    }

    /// The non-negative part as a `std::time::Duration`; `None` if negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

impl TryFrom<std::time::Duration> for Duration {
    type Error = Error;
    fn try_from(d: std::time::Duration) -> Result<Self, Error> {
        i64::try_from(d.as_nanos())
            .map(Self)
            .map_err(|_| Error::InvalidDuration {
                message: "duration does not fit in int64 nanoseconds".to_string(),
            })
    }
}

/// Go's `quote` from package time: `"` + s + `"`, escaping `"`, `\` and any non-ASCII or control byte.
fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if !c.is_ascii() || (c as u32) < 0x20 {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        "us" | "\u{00b5}s" | "\u{03bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

/// Port of `time.ParseDuration`; returns Go's error text.
fn parse_go_duration(orig: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {}", go_time_quote(orig));
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(Duration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // The integer part, [0-9]*.
        let int_len = s.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &c in &s[..int_len] {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        let pre = int_len > 0;
        s = &s[int_len..];
        // The fraction, (\.[0-9]*)?.
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let frac_len = s.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for &c in &s[..frac_len] {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = frac_len > 0;
            s = &s[frac_len..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // The unit: everything up to the next '.' or digit.
        let unit_len = s
            .iter()
            .take_while(|c| !(**c == b'.' || c.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_time_quote(orig)
            ));
        }
        let unit_text = String::from_utf8_lossy(&s[..unit_len]);
        s = &s[unit_len..];
        let Some(unit) = unit_nanos(&unit_text) else {
            return Err(format!(
                "time: unknown unit {} in duration {}",
                go_time_quote(&unit_text),
                go_time_quote(orig)
            ));
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            // As in Go: float64 is exact enough for fractions of the largest unit (hours).
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let frac = (f as f64 * (unit as f64 / scale)) as u64;
            v += frac;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        // total <= 2^63, so the negation fits (2^63 itself is i64::MIN).
        return Ok(Duration(0i64.wrapping_sub_unsigned(total)));
    }
    i64::try_from(total).map(Duration).map_err(|_| invalid())
}

/// Writes `v / 10^prec` as `.ddd` with trailing zeros removed (nothing if the fraction is zero),
/// returning the integer part, as Go's `fmtFrac`.
fn frac(out: &mut String, v: u64, prec: u32) -> u64 {
    let pow = 10u64.pow(prec);
    let digits = v % pow;
    if digits != 0 {
        let text = format!("{digits:0width$}", width = prec as usize);
        out.push('.');
        out.push_str(text.trim_end_matches('0'));
    }
    v / pow
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let u = self.0.unsigned_abs();
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if u < SECOND {
            // Sub-second durations use smaller units, like 1.2ms.
            let (prec, unit) = match u {
                0 => return f.write_str("0s"),
                _ if u < MICROSECOND => (0, "ns"),
                _ if u < MILLISECOND => (3, "\u{00b5}s"),
                _ => (6, "ms"),
            };
            let mut tail = String::new();
            let int = frac(&mut tail, u, prec);
            out.push_str(&int.to_string());
            out.push_str(&tail);
            out.push_str(unit);
        } else {
            let mut tail = String::new();
            let secs = frac(&mut tail, u, 9);
            let (hours, mins, secs) = (secs / 3600, (secs / 60) % 60, secs % 60);
            if hours > 0 {
                out.push_str(&format!("{hours}h"));
            }
            if hours > 0 || mins > 0 {
                out.push_str(&format!("{mins}m"));
            }
            out.push_str(&format!("{secs}{tail}s"));
        }
        f.write_str(&out)
    }
}

impl FromStr for Duration {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> i64 {
        Duration::parse(s).unwrap().0
    }

    #[test]
    fn display_matches_go() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{00b5}s"),
            (2_200_000, "2.2ms"),
            (300_000_000, "300ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60 * 1_000_000_000 + 5_000_000_000, "4m5s"),
            (4 * 60 * 1_000_000_000 + 5_001_000_000, "4m5.001s"),
            (
                5 * 3600 * 1_000_000_000 + 6 * 60 * 1_000_000_000 + 7_001_000_000,
                "5h6m7.001s",
            ),
            (3600 * 1_000_000_000, "1h0m0s"),
            (8 * 60 * 1_000_000_000 + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (-1_500_000_000, "-1.5s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(Duration(*nanos).to_string(), *text, "{nanos}");
            assert_eq!(d(text), *nanos, "{text}");
        }
    }

    #[test]
    fn parse_matches_go() {
        assert_eq!(d("1h2m3.5s"), 3_723_500_000_000);
        assert_eq!(d("+5s"), 5_000_000_000);
        assert_eq!(d("-0"), 0);
        assert_eq!(d(".5s"), 500_000_000);
        assert_eq!(d("1.s"), 1_000_000_000);
        assert_eq!(d("1us"), 1_000);
        assert_eq!(d("1\u{03bc}s"), 1_000);
        assert_eq!(d("1.0000000000000000000001h"), 3_600_000_000_000);
        assert_eq!(d("9223372036854775807ns"), i64::MAX);
        assert_eq!(d("-9223372036854775808ns"), i64::MIN);
    }

    #[test]
    fn errors_carry_go_messages() {
        let msg = |s: &str| Duration::parse(s).unwrap_err().to_string();
        assert_eq!(msg(""), r#"time: invalid duration """#);
        assert_eq!(msg("1"), r#"time: missing unit in duration "1""#);
        assert_eq!(msg("1d"), r#"time: unknown unit "d" in duration "1d""#);
        assert_eq!(msg("."), r#"time: invalid duration ".""#);
        assert_eq!(msg("-"), r#"time: invalid duration "-""#);
        assert_eq!(msg("s"), r#"time: invalid duration "s""#);
        assert_eq!(
            msg("9223372036854775808ns"),
            r#"time: invalid duration "9223372036854775808ns""#
        );
        assert_eq!(
            msg("1é"),
            r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#
        );
    }

    #[test]
    fn serde_and_std() {
        let v: Duration = serde_json::from_str(r#""90s""#).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""1m30s""#);
        assert_eq!(v.to_std(), Some(std::time::Duration::from_secs(90)));
        assert_eq!(Duration(-1).to_std(), None);
        assert_eq!(
            Duration::try_from(std::time::Duration::from_millis(5)).unwrap(),
            Duration::from_millis(5)
        );
        assert!(Duration::try_from(std::time::Duration::MAX).is_err());
        assert_eq!(Duration::from_secs(i64::MAX).0, i64::MAX);
    }
}
