//! Contact windows edited on the weekly grid (DESIGN §7): days down, half hours across from
//! 07:00 to 21:00; Space paints or clears a half hour and moves on, so holding it paints a
//! range. Enter turns the grid back into windows — one per time range, with the days that share
//! it — keeping the methods and note of a window whose times did not change.

use crate::directory::{ClockTime, ContactWindow, Weekday};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};

/// The grid's first half hour starts here; it has `SLOTS` of them.
const FIRST_MINUTE: u16 = 7 * 60;
pub const SLOTS: usize = 28;
const SLOT_MINUTES: u16 = 30;

#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    cells: [[bool; SLOTS]; 7],
    pub day: usize,
    pub slot: usize,
    /// The windows it was opened with: their methods and notes are kept where the times stay.
    original: Vec<ContactWindow>,
}

/// The half-hour index of a time on the grid, if it lies on one.
fn slot_of(time: ClockTime) -> Option<usize> {
    let minutes = time.minutes();
    (minutes >= FIRST_MINUTE && (minutes - FIRST_MINUTE).is_multiple_of(SLOT_MINUTES))
        .then(|| usize::from((minutes - FIRST_MINUTE) / SLOT_MINUTES))
        .filter(|s| *s <= SLOTS)
}

fn time_of(slot: usize) -> ClockTime {
    let minutes = FIRST_MINUTE + slot as u16 * SLOT_MINUTES;
    ClockTime::new((minutes / 60) as u8, (minutes % 60) as u8).unwrap_or(ClockTime::MIDNIGHT)
}

impl Grid {
    /// The grid of `windows`, or why they cannot be shown on it (then they are edited as text).
    pub fn from_windows(windows: &[ContactWindow]) -> Result<Grid, &'static str> {
        let mut cells = [[false; SLOTS]; 7];
        for window in windows {
            let (Some(from), Some(to)) = (slot_of(window.start), slot_of(window.end)) else {
                return Err(crate::tui::text::LISTING_GRID_CANNOT);
            };
            if to <= from {
                return Err(crate::tui::text::LISTING_GRID_CANNOT);
            }
            for day in &window.days {
                for cell in &mut cells[day.index()][from..to] {
                    *cell = true;
                }
            }
        }
        // Start where the first window begins (or 13:00, the lunch hour most windows are).
        let (day, slot) = (0..7)
            .flat_map(|d| (0..SLOTS).map(move |s| (d, s)))
            .find(|(d, s)| cells[*d][*s])
            .unwrap_or((0, 12));
        Ok(Grid {
            cells,
            day,
            slot,
            original: windows.to_vec(),
        })
    }

    pub fn move_by(&mut self, days: i32, slots: i32) {
        self.day = (self.day as i32 + days).clamp(0, 6) as usize;
        self.slot = (self.slot as i32 + slots).clamp(0, SLOTS as i32 - 1) as usize;
    }

    /// Space: the half hour flips, and the cursor moves on to the next.
    pub fn toggle(&mut self) {
        let cell = &mut self.cells[self.day][self.slot];
        *cell = !*cell;
        self.move_by(0, 1);
    }

    /// Each day's runs of painted half hours.
    fn runs(&self, day: usize) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut start = None;
        for slot in 0..=SLOTS {
            let on = slot < SLOTS && self.cells[day][slot];
            match (on, start) {
                (true, None) => start = Some(slot),
                (false, Some(from)) => {
                    runs.push((from, slot));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    /// The windows the grid shows: one per time range with every day that has it, in the order
    /// of the week and the day; a range that an original window had keeps its methods and note.
    pub fn windows(&self) -> Vec<ContactWindow> {
        let mut ranges: Vec<((usize, usize), Vec<Weekday>)> = Vec::new();
        for (d, day) in Weekday::ALL.iter().enumerate() {
            for range in self.runs(d) {
                match ranges.iter_mut().find(|(r, _)| *r == range) {
                    Some((_, days)) => days.push(*day),
                    None => ranges.push((range, vec![*day])),
                }
            }
        }
        ranges.sort_by_key(|((from, _), days)| (days[0].index(), *from));
        ranges
            .into_iter()
            .map(|((from, to), days)| {
                let (start, end) = (time_of(from), time_of(to));
                let kept = self.original.iter().find(|w| {
                    w.start == start && w.end == end && days.iter().all(|d| w.days.contains(d))
                });
                ContactWindow {
                    days,
                    start,
                    end,
                    methods: kept.map(|w| w.methods.clone()).unwrap_or_default(),
                    note: kept.and_then(|w| w.note.clone()),
                }
            })
            .collect()
    }

    /// The grid as lines: hours across, each day a row, the cursor reversed.
    pub fn lines(&self) -> Vec<Line<'static>> {
        // Under the day column (「 月  」, five cells wide).
        let mut header = String::from("     ");
        for slot in (0..SLOTS).step_by(2) {
            header.push_str(&format!("{:<4}", time_of(slot).hour()));
        }
        let mut lines = vec![Line::from(header)];
        for (d, day) in Weekday::ALL.iter().enumerate() {
            let mut spans = vec![Span::raw(format!(" {}  ", day.label()))];
            for slot in 0..SLOTS {
                let cell = Span::raw(if self.cells[d][slot] {
                    "██"
                } else {
                    "··"
                });
                spans.push(if d == self.day && slot == self.slot {
                    cell.add_modifier(Modifier::REVERSED)
                } else {
                    cell
                });
            }
            lines.push(Line::from(spans));
        }
        let at = time_of(self.slot);
        lines.push(Line::from(
            format!(
                "{}曜 {}〜{}",
                Weekday::ALL[self.day].label(),
                at,
                time_of(self.slot + 1)
            )
            .bold(),
        ));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::window_text::{format_windows, parse_windows};

    #[test]
    fn windows_come_back_from_the_grid_with_their_methods() {
        let windows =
            parse_windows("月水金 13:00-14:00 電話（昼休み）; 木 9:00-12:00 FAX").unwrap();
        let grid = Grid::from_windows(&windows).unwrap();
        assert_eq!(grid.windows(), windows);
        // Wednesday's lunch extended by half an hour: a window of its own, without the methods.
        let mut grid = grid;
        grid.day = 2;
        grid.slot = 14; // 14:00
        grid.toggle();
        assert_eq!(
            format_windows(&grid.windows()),
            "月金 13:00-14:00 電話（昼休み）; 水 13:00-14:30; 木 09:00-12:00 FAX"
        );
    }

    #[test]
    fn windows_off_the_grid_are_left_to_the_text() {
        let night = parse_windows("月 22:00-23:00").unwrap();
        assert!(Grid::from_windows(&night).is_err());
        let odd = parse_windows("月 13:15-14:00").unwrap();
        assert!(Grid::from_windows(&odd).is_err());
        let empty = Grid::from_windows(&[]).unwrap();
        assert!(empty.windows().is_empty());
    }
}
