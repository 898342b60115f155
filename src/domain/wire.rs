//! How stored values go out in JSON: a 0/1 flag as a boolean, an instant (unix ms) as an RFC
//! 3339 time in UTC. Named in `serialize_with` on the rows the API returns.

use chrono::{DateTime, SecondsFormat};
use serde::Serializer;

pub fn flag<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}

pub fn instant<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

/// `2026-12-03T08:10:00.000Z`.
pub fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Row {
        #[serde(serialize_with = "flag")]
        archived: i64,
        #[serde(serialize_with = "instant")]
        at: i64,
    }

    #[test]
    fn flags_are_booleans_and_instants_times() {
        let json = serde_json::to_string(&Row {
            archived: 1,
            at: 1_764_749_400_000,
        })
        .expect("json");
        assert_eq!(json, r#"{"archived":true,"at":"2025-12-03T08:10:00.000Z"}"#);
    }
}
