//! "Can I call now?" — from a person's weekly contact windows and a clock (DESIGN §5.1):
//! reachable now until when and how, or the next window. Pure: the clock is a parameter.

use crate::directory::{ClockTime, Contact, ContactMethod, Weekday};
use chrono::{Datelike, NaiveDateTime, Timelike};

const DAY: u32 = 24 * 60;
const WEEK: u32 = 7 * DAY;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Inside a window now; it (and any window that follows without a gap) ends at `until`.
    Now {
        until: ClockTime,
        methods: Vec<ContactMethod>,
    },
    /// Outside every window; the next one starts then.
    Next {
        day: Weekday,
        start: ClockTime,
        methods: Vec<ContactMethod>,
        /// Today's weekday, but a week away (Wednesday evening → next Wednesday).
        next_week: bool,
    },
    /// The person lists no contact windows (use the preferred methods at a sensible hour).
    NoWindows,
}

impl Availability {
    pub fn is_now(&self) -> bool {
        matches!(self, Availability::Now { .. })
    }

    /// 「今 電話可 〜14:00」, 「次: 水 13:00 電話」, 「時間の指定なし」.
    pub fn label(&self) -> String {
        match self {
            Availability::Now { until, methods } => {
                format!("今 {}可 〜{until}", methods_label(methods))
            }
            Availability::Next {
                day,
                start,
                methods,
                next_week,
            } => {
                let week = if *next_week { "来週" } else { "" };
                format!(
                    "次: {week}{} {start} {}",
                    day.label(),
                    methods_label(methods)
                )
            }
            Availability::NoWindows => "時間の指定なし".to_string(),
        }
    }
}

fn methods_label(methods: &[ContactMethod]) -> String {
    if methods.is_empty() {
        "連絡".to_string()
    } else {
        methods
            .iter()
            .map(|m| m.label())
            .collect::<Vec<_>>()
            .join("・")
    }
}

/// A window occurrence in minutes from Monday 00:00; `end` may pass the week's end.
struct Span<'a> {
    start: u32,
    end: u32,
    methods: &'a [ContactMethod],
}

fn spans(contact: &Contact) -> Vec<Span<'_>> {
    let mut spans = Vec::new();
    for window in &contact.windows {
        let methods = if window.methods.is_empty() {
            &contact.preferred_methods[..]
        } else {
            &window.methods[..]
        };
        let start = u32::from(window.start.minutes());
        let mut end = u32::from(window.end.minutes());
        if end <= start {
            end += DAY; // runs past midnight into the next day
        }
        for day in &window.days {
            let base = day.index() as u32 * DAY;
            spans.push(Span {
                start: base + start,
                end: base + end,
                methods,
            });
        }
    }
    spans
}

/// Where `now` falls in the person's week.
pub fn availability(contact: &Contact, now: NaiveDateTime) -> Availability {
    let spans = spans(contact);
    if spans.is_empty() {
        return Availability::NoWindows;
    }
    let t = now.weekday().num_days_from_monday() * DAY + now.hour() * 60 + now.minute();
    // Each span also one week earlier (Sunday night reaching into Monday) and one week later.
    let shifted: Vec<(u32, u32, &[ContactMethod])> = spans
        .iter()
        .flat_map(|s| {
            [
                (s.start + WEEK, s.end + WEEK),
                (s.start, s.end),
                (s.start + 2 * WEEK, s.end + 2 * WEEK),
            ]
            .map(|(a, b)| (a, b, s.methods))
        })
        .collect();
    let t = t + WEEK; // so that "one week earlier" needs no negative numbers

    let mut methods: Vec<ContactMethod> = Vec::new();
    let mut until: Option<u32> = None;
    for (_, end, m) in shifted.iter().filter(|(a, b, _)| *a <= t && t < *b) {
        until = Some(until.map_or(*end, |u| u.max(*end)));
        add_methods(&mut methods, m);
    }
    if let Some(mut until) = until {
        // Back-to-back windows (12:00–13:00 then 13:00–14:00) read as one.
        while let Some((_, end, m)) = shifted.iter().find(|(a, b, _)| *a <= until && until < *b) {
            until = *end;
            add_methods(&mut methods, m);
        }
        let minutes = (until % DAY) as u16;
        let until = if minutes == 0 {
            ClockTime::END_OF_DAY
        } else {
            clock(minutes)
        };
        return Availability::Now { until, methods };
    }
    let t = t - WEEK;

    let next = spans
        .iter()
        .min_by_key(|s| (s.start % WEEK + WEEK - t) % WEEK)
        .expect("spans is not empty");
    let start = next.start % WEEK;
    let ahead = (start + WEEK - t) % WEEK;
    Availability::Next {
        day: Weekday::ALL[(start / DAY) as usize],
        start: clock((start % DAY) as u16),
        methods: next.methods.to_vec(),
        next_week: start / DAY == t / DAY && ahead > 6 * DAY,
    }
}

/// One contact window in six bytes, for the search index: "reachable now?" for every hit of
/// every keystroke without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactWindow {
    /// Bit 0 = Monday … bit 6 = Sunday.
    days: u8,
    start: u16,
    /// Earlier than (or equal to) `start`: the window runs past midnight.
    end: u16,
}

impl CompactWindow {
    /// Its bytes for the persisted index: days, start, end.
    pub(crate) fn parts(self) -> (u8, u16, u16) {
        (self.days, self.start, self.end)
    }

    /// Back from [`CompactWindow::parts`]; minutes beyond a day are clamped to its end.
    pub(crate) fn from_parts(days: u8, start: u16, end: u16) -> CompactWindow {
        let day = DAY as u16;
        CompactWindow {
            days: days & 0x7f,
            start: start.min(day),
            end: end.min(day),
        }
    }
}

pub fn compact_windows(contact: &Contact) -> Box<[CompactWindow]> {
    contact
        .windows
        .iter()
        .map(|w| CompactWindow {
            days: w.days.iter().fold(0u8, |bits, d| bits | 1 << d.index()),
            start: w.start.minutes(),
            end: w.end.minutes(),
        })
        .collect()
}

/// Minutes from Monday 00:00 of `now`.
pub fn minute_of_week(now: NaiveDateTime) -> u32 {
    now.weekday().num_days_from_monday() * DAY + now.hour() * 60 + now.minute()
}

/// Whether minute `t` of the week falls in one of the windows (agrees with [`availability`]).
pub fn reachable_at(windows: &[CompactWindow], t: u32) -> bool {
    let day = (t / DAY) % 7;
    let minute = (t % DAY) as u16;
    let yesterday = (day + 6) % 7;
    windows.iter().any(|w| {
        let on = |d: u32| w.days & (1 << d) != 0;
        if w.start < w.end {
            on(day) && w.start <= minute && minute < w.end
        } else {
            (on(day) && minute >= w.start) || (on(yesterday) && minute < w.end)
        }
    })
}

fn clock(minutes: u16) -> ClockTime {
    ClockTime::new((minutes / 60) as u8, (minutes % 60) as u8).unwrap_or(ClockTime::MIDNIGHT)
}

fn add_methods(into: &mut Vec<ContactMethod>, methods: &[ContactMethod]) {
    for m in methods {
        if !into.contains(m) {
            into.push(*m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::ContactWindow;
    use chrono::NaiveDate;

    fn window(
        days: &[Weekday],
        start: &str,
        end: &str,
        methods: &[ContactMethod],
    ) -> ContactWindow {
        ContactWindow {
            days: days.to_vec(),
            start: ClockTime::parse(start).unwrap(),
            end: ClockTime::parse(end).unwrap(),
            methods: methods.to_vec(),
            note: None,
        }
    }

    fn contact(windows: Vec<ContactWindow>) -> Contact {
        Contact {
            preferred_methods: vec![ContactMethod::Fax, ContactMethod::Phone],
            windows,
            ..Contact::default()
        }
    }

    /// 2026-11-23 is a Monday.
    fn at(day_offset: u32, time: &str) -> NaiveDateTime {
        let t = ClockTime::parse(time).unwrap();
        NaiveDate::from_ymd_opt(2026, 11, 23 + day_offset)
            .unwrap()
            .and_hms_opt(u32::from(t.hour()), u32::from(t.minute()), 0)
            .unwrap()
    }

    use ContactMethod::*;
    use Weekday::*;

    #[test]
    fn inside_a_window_says_until_when_and_how() {
        let c = contact(vec![window(&[Mon, Wed, Fri], "13:00", "14:00", &[Phone])]);
        let a = availability(&c, at(0, "13:30"));
        assert_eq!(a.label(), "今 電話可 〜14:00");
        assert!(a.is_now());
        // The end is exclusive.
        assert_eq!(
            availability(&c, at(0, "14:00")).label(),
            "次: 水 13:00 電話"
        );
        assert_eq!(
            availability(&c, at(0, "12:59")).label(),
            "次: 月 13:00 電話"
        );
    }

    #[test]
    fn days_off_skip_to_the_next_listed_day() {
        let c = contact(vec![window(&[Mon, Wed, Fri], "13:00", "14:00", &[Phone])]);
        assert_eq!(
            availability(&c, at(3, "13:30")).label(),
            "次: 金 13:00 電話"
        ); // Thursday
        assert_eq!(
            availability(&c, at(5, "10:00")).label(),
            "次: 月 13:00 電話"
        ); // Saturday → Monday
        assert_eq!(
            availability(&c, at(4, "15:00")).label(),
            "次: 月 13:00 電話"
        ); // Friday after
           // Wednesday evening, a Wednesday-only window: next week's, and it says so.
        let c = contact(vec![window(&[Wed], "13:00", "14:00", &[Phone])]);
        assert_eq!(
            availability(&c, at(2, "18:00")).label(),
            "次: 来週水 13:00 電話"
        );
        assert_eq!(
            availability(&c, at(2, "09:00")).label(),
            "次: 水 13:00 電話",
            "later today is not next week"
        );
    }

    #[test]
    fn across_midnight_and_across_the_week_end() {
        let c = contact(vec![window(&[Sun], "22:00", "01:00", &[Phone])]);
        assert_eq!(
            availability(&c, at(6, "23:00")).label(),
            "今 電話可 〜01:00"
        );
        // Monday 00:30 is still inside Sunday's window.
        assert_eq!(
            availability(&c, at(0, "00:30")).label(),
            "今 電話可 〜01:00"
        );
        assert_eq!(
            availability(&c, at(0, "01:00")).label(),
            "次: 日 22:00 電話"
        );
    }

    #[test]
    fn back_to_back_windows_read_as_one_and_methods_default_to_preferred() {
        let c = contact(vec![
            window(&[Tue], "12:00", "13:00", &[]),
            window(&[Tue], "13:00", "14:30", &[Email]),
        ]);
        assert_eq!(
            availability(&c, at(1, "12:10")).label(),
            "今 FAX・電話・メール可 〜14:30"
        );
        let to_midnight = contact(vec![window(&[Tue], "20:00", "24:00", &[Phone])]);
        assert_eq!(
            availability(&to_midnight, at(1, "21:00")).label(),
            "今 電話可 〜24:00"
        );
    }

    #[test]
    fn reachable_at_agrees_with_availability() {
        let c = contact(vec![
            window(&[Sun], "22:00", "01:00", &[Phone]),
            window(&[Mon, Wed], "13:00", "14:00", &[]),
        ]);
        let ranges = compact_windows(&c);
        for day in 0..7 {
            for minute in (0..24 * 60).step_by(10) {
                let now = at(day, &format!("{:02}:{:02}", minute / 60, minute % 60));
                assert_eq!(
                    reachable_at(&ranges, minute_of_week(now)),
                    availability(&c, now).is_now(),
                    "{now}"
                );
            }
        }
    }

    #[test]
    fn no_windows() {
        assert_eq!(
            availability(&contact(vec![]), at(0, "10:00")),
            Availability::NoWindows
        );
    }
}
