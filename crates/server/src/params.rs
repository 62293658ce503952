//! Query strings: `a=1&theme=x&theme=y`, percent-decoded, repeated keys
//! kept; an unknown key is an error (a typo would otherwise be ignored).

use crate::error::ApiError;
use std::str::FromStr;

pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        for (k, _) in &pairs {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError {
                    detail: serde_json::json!({ "parameter": k, "allowed": allowed }),
                    ..ApiError::param(k, format!("unknown parameter {k:?}"))
                });
            }
        }
        Ok(Params { pairs })
    }

    /// Every non-empty value of `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// The last non-empty value of `key`.
    pub fn one(&self, key: &str) -> Option<String> {
        self.all(key).pop()
    }

    pub fn num<T: FromStr>(&self, key: &str) -> Result<Option<T>, ApiError> {
        self.one(key)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|_| ApiError::param(key, format!("{key}={v:?}: not a number")))
            })
            .transpose()
    }

    /// `1`/`true`/`yes` or `0`/`false`/`no`.
    pub fn flag(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.one(key)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ApiError::param(
                    key,
                    format!("{key}={v:?}: expected true or false"),
                )),
            })
            .transpose()
    }
}
