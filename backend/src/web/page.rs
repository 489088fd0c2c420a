//! Paging of every list: the `limit` and `cursor` query parameters, the one opaque [`Cursor`]
//! form, and the cut of the one extra row that tells whether another page follows.
//!
//! A list handler takes `Paged<Filter, Key>`: the query string is read once, and every bad
//! field — `limit`, `cursor` and each filter parameter — is reported in one 400, before any
//! database work. `Key` is the list's sort key (the last row's position); the cursor a client
//! sees is its text form in URL-safe base64, so no client builds one by hand.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The paging parameters every list shares (documented once; the filter's own parameters
/// follow it in each operation).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; left out: the first page.
    pub cursor: Option<String>,
}

/// A list's sort key, as a cursor carries it.
pub trait CursorKey: Sized {
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Option<Self>;
}

/// A numeric row id.
impl CursorKey for i64 {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// `(created_at, id)`: lists in creation order.
impl CursorKey for (NaiveDateTime, String) {
    fn to_text(&self) -> String {
        format!("{}|{}", self.0.and_utc().timestamp_micros(), self.1)
    }
    fn from_text(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('|')?;
        Some((micros_to_time(micros)?, id.to_string()))
    }
}

/// `(date, created_at, id)`: lists ordered by a date of their own first.
impl CursorKey for (NaiveDate, NaiveDateTime, String) {
    fn to_text(&self) -> String {
        format!(
            "{}|{}|{}",
            self.0,
            self.1.and_utc().timestamp_micros(),
            self.2
        )
    }
    fn from_text(text: &str) -> Option<Self> {
        let (date, rest) = text.split_once('|')?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        let (created_at, id) = <(NaiveDateTime, String)>::from_text(rest)?;
        Some((date, created_at, id))
    }
}

fn micros_to_time(micros: &str) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_micros(micros.parse().ok()?).map(|t| t.naive_utc())
}

/// The opaque form of a sort key.
pub struct Cursor;

impl Cursor {
    pub fn encode<K: CursorKey>(key: &K) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_text())
    }

    pub fn decode<K: CursorKey>(text: &str) -> Option<K> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        K::from_text(std::str::from_utf8(&bytes).ok()?)
    }
}

/// Rules between a list's filter parameters (a date range's order, say), checked with the
/// paging parameters so that one answer names every bad field.
pub trait FilterRules {
    fn check(&self) -> Vec<FieldError> {
        Vec::new()
    }
}

/// The filter of a list that has none: any parameter besides `limit` and `cursor` is refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFilter {}

impl FilterRules for NoFilter {}

/// A list request, read and checked: the page size, the position after which the page starts,
/// and the list's own filter `F` (a struct of optional fields that refuses unknown ones).
#[derive(Debug)]
pub struct Paged<F, K> {
    pub limit: i64,
    pub after: Option<K>,
    pub filter: F,
}

impl<F, K> Paged<F, K> {
    /// How many rows to load: one more than the page, to learn whether another follows.
    pub fn rows_to_load(&self) -> i64 {
        self.limit + 1
    }
}

impl<F: DeserializeOwned + FilterRules, K: CursorKey> Paged<F, K> {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|e| ApiError::BadRequest(format!("The query string is not valid: {e}")))?;
        let mut errors = Vec::new();
        let mut limit: Option<&str> = None;
        let mut cursor: Option<&str> = None;
        let mut rest: Vec<(&str, &str)> = Vec::new();
        for (name, value) in &pairs {
            let slot = match name.as_str() {
                "limit" => &mut limit,
                "cursor" => &mut cursor,
                _ => {
                    rest.push((name, value));
                    continue;
                }
            };
            if slot.replace(value).is_some() {
                errors.push(FieldError::new(name.as_str(), "is given more than once"));
            }
        }

        let limit = match limit.map(str::parse::<i64>) {
            None => Some(DEFAULT_LIMIT),
            Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => Some(limit),
            Some(_) => {
                errors.push(FieldError::new(
                    "limit",
                    format!("must be a whole number between 1 and {MAX_LIMIT}"),
                ));
                None
            }
        };
        let after = cursor.and_then(|text| {
            let key = Cursor::decode::<K>(text);
            if key.is_none() {
                errors.push(FieldError::new(
                    "cursor",
                    "is not a cursor this API returned",
                ));
            }
            key
        });

        // Each filter parameter is read on its own first, so that every bad one is named (serde
        // stops at the first); then all of them together, and the rules between them.
        let mut filter_valid = true;
        for (name, value) in &rest {
            if let Err(error) = filter_from::<F>(&[(name, value)]) {
                let message = if error.starts_with("unknown field") {
                    "is not a parameter of this list".to_string()
                } else {
                    error
                };
                errors.push(FieldError::new(*name, message));
                filter_valid = false;
            }
        }
        let filter = if filter_valid {
            match filter_from::<F>(&rest) {
                Ok(filter) => {
                    errors.extend(filter.check());
                    Some(filter)
                }
                Err(error) => {
                    errors.push(FieldError::new("query", error));
                    None
                }
            }
        } else {
            None
        };
        match (limit, filter) {
            (Some(limit), Some(filter)) if errors.is_empty() => Ok(Paged {
                limit,
                after,
                filter,
            }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

fn filter_from<F: DeserializeOwned>(pairs: &[(&str, &str)]) -> Result<F, String> {
    let text = serde_urlencoded::to_string(pairs).map_err(|e| e.to_string())?;
    serde_urlencoded::from_str(&text).map_err(|e| e.to_string())
}

impl<F: DeserializeOwned + FilterRules, K: CursorKey> FromRequest for Paged<F, K> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(req.query_string()).map_err(Into::into))
    }
}

/// Rows loaded with [`Paged::rows_to_load`]: the page, and the sort key of its last row when
/// more follow.
pub fn split_page<T, K>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> K,
) -> (Vec<T>, Option<K>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(key);
        (rows, next)
    } else {
        (rows, None)
    }
}

/// The check of a list filter naming a record by id: absent, or a UUID.
pub fn uuid_filter(field: &str, value: &Option<String>) -> Option<FieldError> {
    value
        .as_deref()
        .filter(|id| uuid::Uuid::try_parse(id).is_err())
        .map(|_| FieldError::new(field, "must be a UUID"))
}

/// The limit check of a list paged by its own parameter (the event feed's `after`).
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be a whole number between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Filter {
        status: Option<bool>,
        #[allow(dead_code)]
        from: Option<NaiveDate>,
    }
    impl FilterRules for Filter {}

    fn errors(query: &str) -> Vec<String> {
        match Paged::<Filter, i64>::parse(query) {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn one_answer_names_every_bad_field() {
        assert_eq!(
            errors("limit=0&cursor=%21&status=maybe&from=yesterday&colour=red"),
            ["limit", "cursor", "status", "from", "colour"]
        );
        assert_eq!(errors("limit=abc"), ["limit"]);
        assert_eq!(errors("limit=1&limit=2"), ["limit"]);
    }

    #[test]
    fn a_good_query_gives_limit_position_and_filter() {
        let cursor = Cursor::encode(&41_i64);
        let paged =
            Paged::<Filter, i64>::parse(&format!("limit=7&cursor={cursor}&status=true")).unwrap();
        assert_eq!((paged.limit, paged.after), (7, Some(41)));
        assert_eq!(paged.filter.status, Some(true));
        let paged = Paged::<NoFilter, i64>::parse("").unwrap();
        assert_eq!((paged.limit, paged.after), (DEFAULT_LIMIT, None));
    }

    #[test]
    fn every_key_survives_its_cursor() {
        let time = chrono::DateTime::from_timestamp_micros(1_764_000_000_123_456)
            .unwrap()
            .naive_utc();
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let pair = (time, "a|b".to_string());
        assert_eq!(Cursor::decode(&Cursor::encode(&pair)), Some(pair));
        let triple = (date, time, "x".to_string());
        assert_eq!(Cursor::decode(&Cursor::encode(&triple)), Some(triple));
        assert_eq!(
            Cursor::decode::<(NaiveDate, NaiveDateTime, String)>("bm9wZQ"),
            None
        );
    }

    #[test]
    fn split_page_keeps_limit_rows_and_names_the_last() {
        assert_eq!(split_page(vec![1, 2, 3], 2, |r| *r), (vec![1, 2], Some(2)));
        assert_eq!(split_page(vec![1, 2], 2, |r| *r), (vec![1, 2], None));
    }
}
