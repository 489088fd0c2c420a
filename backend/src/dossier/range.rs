//! `Range` requests on downloads (RFC 9110 §14): phone PDF viewers fetch a large document in
//! pieces and resume broken downloads.
//!
//! Deliberately narrow: one byte range is served as 206; a range that cannot be satisfied
//! answers 416; several ranges, another unit or anything malformed are ignored and the whole
//! file is sent as 200, which RFC 9110 §14.2 allows ("a server MAY ignore the Range header").
//! That spares us `multipart/byteranges`, which no client we serve needs.

use std::ops::Range;

/// What to send for a request's `Range` (and `If-Range`) against a file of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeAnswer {
    /// 200 with the whole file.
    Full,
    /// 206 with these bytes (never empty, always within the file).
    Partial(Range<u64>),
    /// 416 with `Content-Range: bytes */size`.
    NotSatisfiable,
}

/// Decides what to send. `if_range` is the request's `If-Range`: the range is only honoured
/// when it names our current `etag` (a date, or another tag, means the client's copy may be
/// something else, so it gets the whole file, RFC 9110 §13.1.5).
pub fn evaluate(range: Option<&str>, if_range: Option<&str>, etag: &str, size: u64) -> RangeAnswer {
    let Some(range) = range else {
        return RangeAnswer::Full;
    };
    if if_range.is_some_and(|validator| validator.trim() != etag) {
        return RangeAnswer::Full;
    }
    match parse(range) {
        None => RangeAnswer::Full,
        Some(spec) => spec.against(size),
    }
}

/// One `range-spec` of `bytes=…`, RFC 9110 §14.1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `first-last`, or `first-` (`last` = None).
    From { first: u64, last: Option<u64> },
    /// `-length`: the last `length` bytes.
    Suffix(u64),
}

impl Spec {
    fn against(self, size: u64) -> RangeAnswer {
        match self {
            Spec::From { first, .. } if first >= size => RangeAnswer::NotSatisfiable,
            Spec::From { first, last } => {
                let end = last.map_or(size, |last| last.saturating_add(1).min(size));
                RangeAnswer::Partial(first..end)
            }
            Spec::Suffix(0) => RangeAnswer::NotSatisfiable,
            Spec::Suffix(_) if size == 0 => RangeAnswer::NotSatisfiable,
            Spec::Suffix(length) => RangeAnswer::Partial(size.saturating_sub(length)..size),
        }
    }
}

/// A single well-formed byte range, or `None` for anything to be ignored.
fn parse(header: &str) -> Option<Spec> {
    let (unit, set) = header.trim().split_once('=')?;
    if !unit.eq_ignore_ascii_case("bytes") || set.contains(',') {
        return None;
    }
    let (first, last) = set.split_once('-')?;
    match (first, last) {
        ("", length) => Some(Spec::Suffix(number(length)?)),
        (first, "") => Some(Spec::From {
            first: number(first)?,
            last: None,
        }),
        (first, last) => {
            let (first, last) = (number(first)?, number(last)?);
            // RFC 9110 §14.1.1: a last position below the first makes the range invalid.
            (last >= first).then_some(Spec::From {
                first,
                last: Some(last),
            })
        }
    }
}

/// 1*DIGIT. A number too large for u64 is still a valid position, past any file: it becomes
/// u64::MAX (so `bytes=99999999999999999999-` is unsatisfiable, not ignored).
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::RangeAnswer::{Full, NotSatisfiable, Partial};
    use super::*;

    const TAG: &str = "\"abc\"";

    fn answer(range: &str, size: u64) -> RangeAnswer {
        evaluate(Some(range), None, TAG, size)
    }

    #[test]
    fn dossier_range_single_ranges_are_served() {
        assert_eq!(answer("bytes=0-99", 1000), Partial(0..100));
        assert_eq!(answer("bytes=10-10", 1000), Partial(10..11));
        assert_eq!(answer("bytes=900-", 1000), Partial(900..1000));
        assert_eq!(answer("bytes=-100", 1000), Partial(900..1000));
        assert_eq!(answer("Bytes=0-0", 1000), Partial(0..1));
        // A last position past the end is cut to the end; so is a suffix longer than the file.
        assert_eq!(answer("bytes=500-5000", 1000), Partial(500..1000));
        assert_eq!(answer("bytes=-5000", 1000), Partial(0..1000));
        assert_eq!(
            answer("bytes=0-99999999999999999999999", 1000),
            Partial(0..1000)
        );
    }

    #[test]
    fn dossier_range_unsatisfiable_ranges_are_refused() {
        assert_eq!(answer("bytes=1000-", 1000), NotSatisfiable);
        assert_eq!(answer("bytes=1000-2000", 1000), NotSatisfiable);
        assert_eq!(answer("bytes=-0", 1000), NotSatisfiable);
        assert_eq!(
            answer("bytes=99999999999999999999999-", 1000),
            NotSatisfiable
        );
        assert_eq!(answer("bytes=-1", 0), NotSatisfiable);
    }

    #[test]
    fn dossier_range_multiple_malformed_or_foreign_ranges_are_ignored() {
        for header in [
            "bytes=0-1,5-6",
            "bytes=0-1, 5-6",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=5-1",
            "bytes=+1-2",
            "bytes= 0-1",
            "items=0-1",
            "bytes 0-1",
            "bytes=0x10-",
            "",
        ] {
            assert_eq!(answer(header, 1000), Full, "{header:?}");
        }
        assert_eq!(evaluate(None, None, TAG, 1000), Full);
    }

    #[test]
    fn dossier_range_if_range_must_name_the_current_etag() {
        assert_eq!(
            evaluate(Some("bytes=0-9"), Some(TAG), TAG, 100),
            Partial(0..10)
        );
        assert_eq!(
            evaluate(Some("bytes=0-9"), Some("\"other\""), TAG, 100),
            Full
        );
        assert_eq!(
            evaluate(
                Some("bytes=0-9"),
                Some("Wed, 21 Oct 2015 07:28:00 GMT"),
                TAG,
                100
            ),
            Full
        );
        // Weak tags never match for ranges (strong comparison).
        assert_eq!(
            evaluate(Some("bytes=0-9"), Some("W/\"abc\""), TAG, 100),
            Full
        );
    }
}
