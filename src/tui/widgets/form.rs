//! A small form in a box: labelled one-line fields, the focused label reversed, then a line
//! that says what is happening or what went wrong, and the keys. The login and the password
//! change draw with it.

use super::popup::{clear_popup, popup};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// Columns for a label (a kanji takes two).
const LABEL_WIDTH: usize = 12;

pub struct Form<'a> {
    pub title: String,
    /// Labels and what each field shows (a password as `*`).
    pub fields: &'a [(&'a str, String)],
    pub focus: usize,
    /// Under the fields: busy, or the error, in bold.
    pub message: Option<&'a str>,
    pub hint: &'a str,
}

/// Draws the form; the caret at the end of the focused field (an IME composes there).
pub fn draw_form(frame: &mut Frame, form: &Form<'_>, area: Rect) -> Option<Position> {
    let height = form.fields.len() as u16 + 7;
    let rect = popup(area, 72, height);
    let block = Block::bordered().title(form.title.clone());
    let inner = block.inner(rect);
    let mut lines: Vec<Line> = Vec::new();
    for (i, (label, value)) in form.fields.iter().enumerate() {
        let pad = LABEL_WIDTH.saturating_sub(Span::raw(*label).width());
        let label = Span::raw(format!("{label}{}", " ".repeat(pad)));
        let label = if i == form.focus {
            label.add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            label
        };
        lines.push(Line::from(vec![
            label,
            Span::raw(" "),
            Span::raw(value.clone()),
        ]));
    }
    lines.push(Line::from(""));
    if let Some(message) = form.message {
        lines.push(Line::from(
            Span::raw(message.to_string()).add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::from(
        Span::raw(form.hint.to_string()).add_modifier(Modifier::DIM),
    ));
    clear_popup(frame, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        rect,
    );
    let focus = form.focus.min(form.fields.len().saturating_sub(1));
    let value = form.fields.get(focus).map_or("", |(_, v)| v.as_str());
    let x = inner
        .x
        .saturating_add(LABEL_WIDTH as u16 + 1)
        .saturating_add(Span::raw(value).width() as u16);
    let y = inner.y.saturating_add(focus as u16);
    (x < inner.right() && y < inner.bottom()).then(|| Position::new(x, y))
}

/// A password as the form shows it.
pub fn masked(secret: &str) -> String {
    "*".repeat(secret.chars().count())
}
