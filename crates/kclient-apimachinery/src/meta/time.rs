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
    Timestamp::from_str(s).map_err(|source| Error::InvalidTime {
        input: s.to_string(),
        source,
    })
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
                let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

time_impls!(Time, false);
time_impls!(MicroTime, true);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn time_is_written_with_second_precision_in_utc() {
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
