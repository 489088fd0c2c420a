//! Paging of lists ordered by a numeric row id: the `limit` query parameter and the cut of
//! the one extra row that tells whether another page follows.

use crate::error::ApiError;

/// Checks a `limit` query parameter: 1–200, 50 when left out.
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 200"));
    }
    Ok(limit)
}

/// Rows loaded with `limit + 1`: the page, and the cursor of its last row when more follow.
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: i64,
    cursor: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<i64>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(cursor);
        (rows, next)
    } else {
        (rows, None)
    }
}
