//! Calendar days as a compact number.
//!
//! The core never reads a clock and never parses text: a [`Day`] is the count of days since
//! 1970-01-01 (negative before it), handed in by the edges. Converting to and from a civil
//! (proleptic Gregorian) date is plain arithmetic, so reports and rejections can print dates
//! without a date crate in the core.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar day: days since 1970-01-01.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize, Default,
)]
pub struct Day(pub i32);

impl Day {
    /// The day for a civil date, or `None` when the date does not exist (2021-02-30).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // Shift the year so that it starts in March: the leap day is then the last day.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400); // [0, 399]
        let mp = (month + 9) % 12; // March = 0
        let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
        let doe = yoe as u32 * 365 + yoe as u32 / 4 - yoe as u32 / 100 + doy; // [0, 146096]
        Some(Day(era * 146_097 + doe as i32 - 719_468))
    }

    /// The civil date (year, month, day) of this day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097) as u32;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe as i32 + era * 400 + i32::from(m <= 2);
        (y, m, d)
    }

    /// The next day.
    pub fn next(self) -> Day {
        Day(self.0 + 1)
    }

    /// This day plus `n` days.
    pub fn plus(self, n: i32) -> Day {
        Day(self.0 + n)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
        assert_eq!(
            Day::from_ymd(2021, 10, 18).unwrap().to_string(),
            "2021-10-18"
        );
        assert_eq!(
            Day::from_ymd(2000, 2, 29).unwrap().next().to_string(),
            "2000-03-01"
        );
        assert_eq!(Day::from_ymd(2021, 2, 29), None);
        assert_eq!(Day::from_ymd(1969, 12, 31), Some(Day(-1)));
    }

    #[test]
    fn round_trips_over_four_centuries() {
        for n in -200_000..200_000 {
            let (y, m, d) = Day(n).ymd();
            assert_eq!(Day::from_ymd(y, m, d), Some(Day(n)), "day {n}");
        }
    }
}
