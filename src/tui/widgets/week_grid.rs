//! The weekly grid of contact windows: days down, hours across, the current day and hour
//! marked.

use crate::directory::ContactWindow;
use chrono::{Datelike, NaiveDateTime, Timelike};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};

/// Hours shown in the weekly grid.
const GRID_HOURS: std::ops::RangeInclusive<u32> = 8..=19;

/// Days × hours, a filled cell where a window touches that hour, the current day and hour
/// marked.
pub fn week_grid(lines: &mut Vec<Line<'_>>, windows: &[ContactWindow], now: NaiveDateTime) {
    let today = now.weekday().num_days_from_monday() as usize;
    let hour = now.hour();
    let mut header = vec![Span::raw("    ")];
    for h in GRID_HOURS {
        let label = Span::raw(format!("{h:>2} "));
        header.push(if h == hour {
            label.add_modifier(Modifier::REVERSED)
        } else {
            label
        });
    }
    lines.push(Line::from(header));
    for (d, day) in crate::directory::Weekday::ALL.iter().enumerate() {
        let label = Span::raw(format!(" {} ", day.label()));
        let mut row = vec![
            if d == today {
                label.add_modifier(Modifier::REVERSED)
            } else {
                label
            },
            Span::raw(" "),
        ];
        for h in GRID_HOURS {
            let covered = windows.iter().any(|w| covers(w, d, h));
            row.push(Span::raw(if covered { "██ " } else { "·· " }));
        }
        lines.push(Line::from(row));
    }
}

fn covers(w: &ContactWindow, day: usize, hour: u32) -> bool {
    let (from, to) = (hour * 60, hour * 60 + 60);
    let start = u32::from(w.start.minutes());
    let end = u32::from(w.end.minutes());
    let on = |d: usize| w.days.iter().any(|x| x.index() == d);
    if start < end {
        on(day) && start < to && from < end
    } else {
        // Past midnight: the evening on the listed day, the small hours on the next.
        (on(day) && from < 24 * 60 && start < to) || (on((day + 6) % 7) && from < end)
    }
}
