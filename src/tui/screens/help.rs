//! The help (F1, ?): the keys of the screen beneath, written from its key table, so the help
//! says what the keys do. Any key closes it.

use super::one_line::first_line;
use crate::tui::context::Context;
use crate::tui::keymap::Press;
use crate::tui::screen::{LayerKind, Nav, Outcome, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::popup::{clear_popup, popup};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

pub struct HelpScreen {
    rows: Vec<(String, &'static str)>,
}

impl HelpScreen {
    /// `rows`: keys and what they do (`keymap::help_rows`).
    pub fn new(rows: Vec<(String, &'static str)>) -> HelpScreen {
        HelpScreen { rows }
    }

    pub fn rows(&self) -> &[(String, &'static str)] {
        &self.rows
    }
}

/// Any key closes the help.
pub struct Close;

impl Screen for HelpScreen {
    type Action = Close;
    const ID: ScreenId = ScreenId::Help;
    const KIND: LayerKind = LayerKind::Overlay;

    fn action_for(&self, _press: &Press, _ctx: &Context) -> Option<Close> {
        Some(Close)
    }

    fn paste(&self, text: &str) -> Vec<Close> {
        first_line(text).take(1).map(|_| Close).collect()
    }

    fn update(&mut self, _action: Close, _ctx: &mut Context) -> Outcome {
        Outcome::nav(Nav::Pop)
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        _ctx: &Context,
        _focused: bool,
    ) -> Option<Position> {
        draw_help(frame, &self.rows, area);
        None
    }
}

fn draw_help(frame: &mut Frame, rows: &[(String, &str)], area: Rect) {
    // The keys' column as wide as its widest entry, and a space after it; the box as wide as
    // its widest row (on a narrow terminal the rows are cut at its edge).
    let column = rows
        .iter()
        .map(|(key, _)| Span::raw(key.as_str()).width() + 1)
        .max()
        .unwrap_or(0);
    let widest = rows
        .iter()
        .map(|(_, what)| column + Span::raw(*what).width())
        .max()
        .unwrap_or(0);
    // A leading space and the two borders.
    let width = u16::try_from(widest + 3).unwrap_or(u16::MAX).max(76);
    let rect = popup(area, width, rows.len() as u16 + 2);
    let lines: Vec<Line> = rows
        .iter()
        .map(|(key, what)| {
            let pad = column.saturating_sub(Span::raw(key.as_str()).width());
            Line::from(vec![
                Span::raw(format!(" {key}{}", " ".repeat(pad))).add_modifier(Modifier::BOLD),
                Span::raw(*what),
            ])
        })
        .collect();
    clear_popup(frame, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(" {} ", text::HELP_TITLE))),
        rect,
    );
}
