//! PATCH bodies must tell a field left out (keep the value) from a field sent as `null` (clear
//! it); serde alone reads both as `None`.

use serde::{Deserialize, Deserializer};

/// For an `Option<Option<T>>` field with `#[serde(default, deserialize_with = "present_or_null")]`:
/// left out is `None`, `null` is `Some(None)`, a value is `Some(Some(value))`.
pub fn present_or_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
