//! The portal's calendar is the Dutch one. Sick days, recovery dates, Poortwachter deadlines and
//! dates of birth are calendar days in the Netherlands: a report at 00:30 in Amsterdam is for
//! that day although UTC is still on the previous date.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Europe::Amsterdam;

/// Today's date in the Netherlands.
pub fn today() -> NaiveDate {
    dutch_date(Utc::now())
}

/// The Dutch calendar day at the instant `at`.
pub fn dutch_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Amsterdam).date_naive()
}

/// The Dutch calendar day of a stored (naive UTC) timestamp.
pub fn dutch_date_of(stored: NaiveDateTime) -> NaiveDate {
    dutch_date(stored.and_utc())
}

/// The stored (naive UTC) instant at which the Dutch day `day` begins.
pub fn start_of_dutch_day(day: NaiveDate) -> NaiveDateTime {
    let midnight = day.and_time(NaiveTime::MIN);
    // Midnight always exists in Amsterdam (clocks change at 02:00 and 03:00); `earliest` only
    // keeps the type honest.
    midnight
        .and_local_timezone(Amsterdam)
        .earliest()
        .map_or(midnight, |local| local.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_winter_night_after_23_utc_is_already_the_next_dutch_day() {
        assert_eq!(dutch_date(at("2026-12-01T23:05:00Z")), day("2026-12-02"));
        assert_eq!(dutch_date(at("2026-12-01T22:59:59Z")), day("2026-12-01"));
    }

    #[test]
    fn a_dutch_day_starts_an_hour_before_utc_midnight_in_winter_and_two_in_summer() {
        assert_eq!(
            start_of_dutch_day(day("2026-12-02")),
            at("2026-12-01T23:00:00Z").naive_utc()
        );
        assert_eq!(
            start_of_dutch_day(day("2026-07-02")),
            at("2026-07-01T22:00:00Z").naive_utc()
        );
    }

    #[test]
    fn a_summer_night_after_22_utc_is_already_the_next_dutch_day() {
        assert_eq!(dutch_date(at("2026-07-01T22:00:00Z")), day("2026-07-02"));
        assert_eq!(dutch_date(at("2026-07-01T21:59:59Z")), day("2026-07-01"));
    }
}
