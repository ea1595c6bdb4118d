//! The filter panel (F2, Ctrl-F) over the search: kind, ward, district, procedure, acceptance,
//! contact method, reachable now, doctors only. Letters narrow a row's choices, ←→ move among
//! them, Space chooses; every change goes to the search beneath at once.

pub mod choices;

use crate::search::Filters;
use crate::tui::context::Context;
use crate::tui::keymap::{bind, lookup, Binding, Help, Key, Press};
use crate::tui::message::Message;
use crate::tui::screen::{LayerKind, Nav, Outcome, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::popup::{clear_popup, popup};
use choices::{cycle_filter, filter_label};
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, List, ListItem, ListState};
use ratatui::Frame;

pub use choices::chips;

/// The rows of the filter panel, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterRow {
    Kind,
    Ward,
    District,
    Procedure,
    Accepting,
    Method,
    Reachable,
    Doctors,
}

pub const FILTER_ROWS: [FilterRow; 8] = [
    FilterRow::Kind,
    FilterRow::Ward,
    FilterRow::District,
    FilterRow::Procedure,
    FilterRow::Accepting,
    FilterRow::Method,
    FilterRow::Reachable,
    FilterRow::Doctors,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterAction {
    Up,
    Down,
    Left,
    Right,
    /// Letters narrow the row's choices.
    Type(char),
    Backspace,
    /// Space: add or remove the choice shown (kind, procedure), else the next value.
    Toggle,
    /// One key clears every filter.
    ClearAll,
    Close,
}

const KEYS: &[Binding<FilterAction>] = &[
    bind(&[Key::Code(KeyCode::Up)], FilterAction::Up, Help::Hidden),
    bind(
        &[Key::Code(KeyCode::Down)],
        FilterAction::Down,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Left)],
        FilterAction::Left,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Right)],
        FilterAction::Right,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Delete), Key::Code(KeyCode::F(8))],
        FilterAction::ClearAll,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Backspace)],
        FilterAction::Backspace,
        Help::Hidden,
    ),
    bind(
        &[
            Key::Code(KeyCode::Esc),
            Key::Code(KeyCode::Enter),
            Key::Code(KeyCode::F(2)),
            Key::Ctrl('f'),
        ],
        FilterAction::Close,
        Help::Hidden,
    ),
    // Space in either width (the IME's full-width space too).
    bind(&[Key::Char(' ')], FilterAction::Toggle, Help::Hidden),
];

pub struct FilterPanel {
    filters: Filters,
    /// Index into `FILTER_ROWS`.
    row: usize,
    /// Letters typed in the row, and the choice shown in a multi-choice row.
    typed: String,
    cursor: Option<usize>,
}

impl FilterPanel {
    /// Over the search, starting from its filters.
    pub fn new(filters: Filters) -> FilterPanel {
        FilterPanel {
            filters,
            row: 0,
            typed: String::new(),
            cursor: None,
        }
    }

    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// Letters, Backspace and Space in a row (see `choices`).
    fn edit(&mut self, action: &FilterAction, ctx: &Context) {
        let row = FILTER_ROWS[self.row];
        let areas = ctx.areas();
        match action {
            FilterAction::Type(c) => self.typed.push(*c),
            FilterAction::Backspace => {
                self.typed.pop();
            }
            _ => {}
        }
        if matches!(row, FilterRow::Reachable | FilterRow::Doctors) {
            if *action == FilterAction::Toggle {
                cycle_filter(&mut self.filters, row, true, &areas);
            }
            self.typed.clear();
            return;
        }
        if *action == FilterAction::Toggle {
            if choices::is_multi(row) {
                let cursor = self.cursor.or_else(|| {
                    choices::narrowed(row, &self.typed, &self.filters, &areas)
                        .first()
                        .copied()
                });
                if let Some(c) = cursor {
                    choices::toggle(row, &mut self.filters, c);
                    self.cursor = Some(c);
                }
            } else {
                cycle_filter(&mut self.filters, row, true, &areas);
            }
            return;
        }
        // Typed: the first choice that matches is shown (and taken, in a single row).
        if self.typed.is_empty() {
            return;
        }
        let first = choices::narrowed(row, &self.typed, &self.filters, &areas)
            .first()
            .copied();
        if first.is_some() {
            self.cursor = first;
            if !choices::is_multi(row) {
                choices::set(row, &mut self.filters, &areas, first);
            }
        }
    }

    /// ←→: among the choices the typed letters leave (a single row takes the one shown), else
    /// the row's next or previous value.
    fn step(&mut self, forward: bool, ctx: &Context) {
        let row = FILTER_ROWS[self.row];
        let areas = ctx.areas();
        if choices::is_multi(row) || !self.typed.is_empty() {
            let list = choices::narrowed(row, &self.typed, &self.filters, &areas);
            let at = self.cursor.and_then(|c| list.iter().position(|i| *i == c));
            let next = match (at, forward) {
                (None, true) => list.first().copied(),
                (None, false) => list.last().copied(),
                (Some(i), true) => list.get((i + 1) % list.len()).copied(),
                (Some(i), false) => list.get((i + list.len() - 1) % list.len()).copied(),
            };
            self.cursor = next;
            if !choices::is_multi(row) {
                choices::set(row, &mut self.filters, &areas, next);
            }
        } else {
            cycle_filter(&mut self.filters, row, forward, &areas);
        }
    }
}

impl Screen for FilterPanel {
    type Action = FilterAction;
    const ID: ScreenId = ScreenId::Filters;
    const KIND: LayerKind = LayerKind::Overlay;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<FilterAction> {
        lookup(&[KEYS], press).or_else(|| press.text().map(FilterAction::Type))
    }

    fn update(&mut self, action: FilterAction, ctx: &mut Context) -> Outcome {
        let before = self.filters.clone();
        match action {
            FilterAction::Close => return Outcome::nav(Nav::Pop),
            FilterAction::Up | FilterAction::Down => {
                self.row = if action == FilterAction::Up {
                    self.row.saturating_sub(1)
                } else {
                    (self.row + 1).min(FILTER_ROWS.len() - 1)
                };
                self.typed.clear();
                self.cursor = None;
            }
            FilterAction::Left | FilterAction::Right => {
                self.step(action == FilterAction::Right, ctx)
            }
            FilterAction::ClearAll => {
                self.filters = Filters::default();
                self.typed.clear();
                self.cursor = None;
            }
            FilterAction::Type(_) | FilterAction::Backspace | FilterAction::Toggle => {
                self.edit(&action, ctx)
            }
        }
        if self.filters == before {
            return Outcome::none();
        }
        Outcome::none().and_post(Message::FiltersChanged(self.filters.clone()))
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        _focused: bool,
    ) -> Option<Position> {
        draw_filters(frame, self, area, ctx);
        None
    }
}

fn draw_filters(frame: &mut Frame, panel: &FilterPanel, area: Rect, ctx: &Context) {
    let rect = popup(area, 96, FILTER_ROWS.len() as u16 + 2);
    let areas = ctx.areas();
    let items: Vec<ListItem> = FILTER_ROWS
        .iter()
        .map(|row| {
            let label = filter_label(*row);
            // Pad by display width: a kanji takes two cells.
            let pad = 10usize.saturating_sub(Span::raw(label).width());
            let current = FILTER_ROWS[panel.row] == *row;
            let shown = choices::shown(
                *row,
                &panel.filters,
                &areas,
                panel.cursor.filter(|_| current),
                if current { &panel.typed } else { "" },
            );
            ListItem::new(format!("{label}{} {shown}", " ".repeat(pad)))
        })
        .collect();
    let list = List::new(items)
        .block(Block::bordered().title(format!(" {} ", text::FILTERS)))
        .highlight_symbol("▶ ")
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    clear_popup(frame, rect);
    frame.render_stateful_widget(
        list,
        rect,
        &mut ListState::default().with_selected(Some(panel.row)),
    );
}
