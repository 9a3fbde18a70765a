//! Raw header bytes in JSON: a string when they are UTF-8 (nearly always),
//! else `{"b64": "..."}`, so the stored model keeps every byte.

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Repr {
    Text(String),
    Bytes { b64: String },
}

pub(super) mod opt {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(b) => match std::str::from_utf8(b) {
                Ok(t) => Repr::Text(t.to_string()).serialize(s),
                Err(_) => Repr::Bytes {
                    b64: base64::engine::general_purpose::STANDARD.encode(b),
                }
                .serialize(s),
            },
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Ok(match Option::<Repr>::deserialize(d)? {
            None => None,
            Some(Repr::Text(t)) => Some(t.into_bytes()),
            Some(Repr::Bytes { b64 }) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(serde::de::Error::custom)?,
            ),
        })
    }
}
