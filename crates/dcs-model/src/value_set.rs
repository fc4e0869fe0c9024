//! Value sets: the enums of `dcs_model::types` (`InstanceStatus`, `Engine`, `BackupStatus`,
//! ...) share one design, chosen so that a new value is never a breaking change and never
//! changes what existing code means.
//!
//! - Every enum is `#[non_exhaustive]`: match the variants you need and end with `_`.
//! - A value this version does not know decodes as `Unknown(UnknownValue)`, is kept exactly,
//!   and is sent back as it came: decoding an answer never fails on a new value.
//! - [`UnknownValue`] cannot be built outside this crate. The only way to get one is
//!   `From<&str>`, which always maps a known value to its variant. So `Unknown` never holds a
//!   known value, and code cannot build `Unknown("RUNNING")` that would fail to equal
//!   `Running`. When a later release names a value that used to be unknown, `From<&str>` and
//!   decoding start returning the new variant: code matching on variants and `_` keeps its
//!   meaning. (Code that inspects `Unknown`'s text would not, which is why its docs say not to.)
//!
//! This is smithy-rs's design (a sealed unknown variant) rather than google-cloud-rust's
//! newtype with associated constants: a Rust `match` with variant names reads better and the
//! compiler checks the names, and the sealed variant gives the same safety across releases.

use std::fmt;

/// A value of a value set that this version of the SDK does not know, kept as the service sent
/// it. Read it with [`as_str`](Self::as_str); it cannot be built outside this crate.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// Only the generated `From<&str>` impls call this, after every known value was tried.
    #[allow(dead_code)] // a build without any resource group has no value set
    pub(crate) fn new(s: &str) -> Self {
        Self(s.to_string())
    }

    /// The value as the service sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnknownValue({:?})", self.0)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What every value set offers, for code that handles them generically (validation, the
/// command line's help).
pub trait ValueSet: Clone + fmt::Debug + fmt::Display + for<'a> From<&'a str> {
    /// The set's name, e.g. `"InstanceStatus"`.
    const NAME: &'static str;
    /// Every known value, as the API spells it.
    const VALUES: &'static [&'static str];
    /// The value as the API spells it.
    fn as_str(&self) -> &str;
    /// Whether this is one of the known values (not `Unknown`).
    fn is_known(&self) -> bool;
}

/// The impls every generated value set shares: `ValueSet`, `From<String>`, `FromStr`,
/// `Display`, `AsRef<str>`, and serde as a string (decoded leniently: a number or boolean is
/// read as its text, so it becomes `Unknown` instead of failing the answer).
#[allow(unused_macros)] // a build without any resource group has no value set
macro_rules! value_set_impls {
    ($name:ident, $label:literal) => {
        impl $crate::value_set::ValueSet for $name {
            const NAME: &'static str = $label;
            const VALUES: &'static [&'static str] = $name::VALUES;
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
            fn is_known(&self) -> bool {
                $name::is_known(self)
            }
        }
        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::from(s.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(Self::from($crate::lenient::text(d)?.as_str()))
            }
        }
    };
}

#[allow(unused_imports)] // used by the generated value sets, which a feature set may leave out
pub(crate) use value_set_impls;
