//! `Time` and `MicroTime`: RFC 3339 timestamps as the API server writes them — `Time` with second
//! precision (`2024-01-02T03:04:05Z`), `MicroTime` with microseconds (`2024-01-02T03:04:05.123456Z`).

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::tz::Offset;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// `metav1.Time`: a timestamp serialized in UTC with second precision.
///
/// The full precision of the wrapped [`Timestamp`] is kept in memory (like Go's `metav1.Time`);
/// only the wire form drops sub-second digits. Parsing accepts any RFC 3339 timestamp, with or
/// without fractional seconds, with `Z` or a numeric offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub Timestamp);

/// `metav1.MicroTime`: a timestamp serialized in UTC with microsecond precision, used by
/// `Lease` and `Event` objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MicroTime(pub Timestamp);

/// Writes `ts` in UTC as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
fn write_rfc3339(f: &mut fmt::Formatter<'_>, ts: Timestamp, micros: bool) -> fmt::Result {
    let dt = Offset::UTC.to_datetime(ts);
    let year = dt.year();
    if year < 0 {
        write!(f, "-{:04}", -i32::from(year))?;
    } else {
        write!(f, "{year:04}")?;
    }
    write!(
        f,
        "-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )?;
    if micros {
        write!(f, ".{:06}", dt.subsec_nanosecond() / 1_000)?;
    }
    f.write_str("Z")
}

fn parse_timestamp(s: &str) -> Result<Timestamp, Error> {
    if let Some(ts) = parse_utc_fast(s.as_bytes()) {
        return Ok(ts);
    }
    Timestamp::from_str(s).map_err(|source| Error::InvalidTime {
        input: s.to_string(),
        source,
    })
}

/// The form the API server writes, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, parsed directly (a
/// decoded object has a dozen timestamps, and the general RFC 3339 parser is most of their
/// cost). Anything else, or anything out of range, is left to the general parser (`None`).
fn parse_utc_fast(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b.get(range)?.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let value = num(20..20 + digits.len())?;
            let scale = 10i64.pow(u32::try_from(9 - digits.len()).ok()?);
            value * scale
        }
        _ => return None,
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    if seconds < 0 && nanos > 0 {
        return None; // before 1970 with a fraction: jiff wants both parts negative
    }
    Timestamp::new(seconds, i32::try_from(nanos).ok()?).ok()
}

macro_rules! time_impls {
    ($ty:ident, $micros:expr) => {
        impl $ty {
            /// The current time.
            pub fn now() -> Self {
                Self(Timestamp::now())
            }

            /// Parses an RFC 3339 timestamp.
            pub fn parse(s: &str) -> Result<Self, Error> {
                parse_timestamp(s).map(Self)
            }

            /// The wrapped timestamp.
            pub fn timestamp(&self) -> Timestamp {
                self.0
            }
        }

        impl From<Timestamp> for $ty {
            fn from(ts: Timestamp) -> Self {
                Self(ts)
            }
        }

        impl From<$ty> for Timestamp {
            fn from(t: $ty) -> Self {
                t.0
            }
        }

        /// Prints the wire form.
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_rfc3339(f, self.0, $micros)
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::parse(s)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(TimeVisitor).map(Self)
            }
        }
    };
}

/// Reads a timestamp from a string without copying it (serde's `Cow<str>` always copies).
struct TimeVisitor;

impl serde::de::Visitor<'_> for TimeVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
        parse_timestamp(s).map_err(E::custom)
    }
}

time_impls!(Time, false);
time_impls!(MicroTime, true);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn time_is_written_with_second_precision_in_utc() {
        // The fast path agrees with the general parser.
        for text in [
            "2024-01-02T03:04:05Z",
            "2024-02-29T23:59:59Z",
            "1969-12-31T23:59:59.5Z",
            "0001-01-01T00:00:00Z",
            "9999-12-30T21:59:59.123Z",
            "2000-03-01T00:00:00.000000001Z",
        ] {
            let general = Timestamp::from_str(text).unwrap();
            assert_eq!(super::parse_timestamp(text).unwrap(), general, "{text}");
            match super::parse_utc_fast(text.as_bytes()) {
                Some(fast) => assert_eq!(fast, general, "{text}"),
                None => assert!(text.starts_with("1969"), "no fast path for {text}"),
            }
        }
        assert!(super::parse_utc_fast(b"2023-02-29T00:00:00Z").is_none());
        assert!(super::parse_utc_fast(b"2024-01-02T03:04:05+02:00").is_none());
        let t = Time::parse("2024-01-02T03:04:05.987654321Z").unwrap();
        assert_eq!(t.to_string(), "2024-01-02T03:04:05Z");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""2024-01-02T03:04:05Z""#
        );
        let offset = Time::parse("2024-01-02T05:04:05+02:00").unwrap();
        assert_eq!(offset.to_string(), "2024-01-02T03:04:05Z");
        let back: Time = serde_json::from_str(r#""2024-01-02T03:04:05Z""#).unwrap();
        assert_eq!(back.to_string(), "2024-01-02T03:04:05Z");
        assert_eq!(back.timestamp().as_second(), 1_704_164_645);
    }

    #[test]
    fn micro_time_keeps_microseconds() {
        let t = MicroTime::parse("2024-01-02T03:04:05.123456789Z").unwrap();
        assert_eq!(t.to_string(), "2024-01-02T03:04:05.123456Z");
        let whole = MicroTime::parse("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(
            serde_json::to_string(&whole).unwrap(),
            r#""2024-01-02T03:04:05.000000Z""#
        );
    }

    #[test]
    fn bad_timestamps_are_errors_not_panics() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-01-02T03:04:05",
        ] {
            let err = Time::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidTime { .. }), "{bad}: {err}");
        }
        assert!(serde_json::from_str::<Time>("12").is_err());
        assert!(Time::now() > Time::parse("2020-01-01T00:00:00Z").unwrap());
    }
}
