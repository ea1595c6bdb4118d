//! Drawing the listing editor: the fields (changed ones marked ＊), the requests' state beside
//! them (below on a narrow terminal), the weekly grid of the contact windows being edited, and
//! the review and checklist boxes over it.

use super::rows::{self, Row};
use super::{ListingScreen, Mode};
use crate::directory::ContactWindow;
use crate::listing::{describe_change, field_label, ChangeStatus, FieldChange};
use crate::tui::context::Context;
use crate::tui::text;
use crate::tui::widgets::fold::shorten;
use crate::tui::widgets::popup::{clear_popup, popup};
use crate::tui::widgets::week_grid::week_grid;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// Columns for a field's label.
const LABEL_WIDTH: usize = 26;

pub fn draw(
    screen: &ListingScreen,
    frame: &mut Frame,
    area: Rect,
    ctx: &Context,
) -> Option<Position> {
    let [main, footer] = Layout::vertical([Constraint::Min(5), Constraint::Length(3)]).areas(area);
    let wide = area.width >= 110;
    let (editor, side) = if wide {
        let [editor, side] =
            Layout::horizontal([Constraint::Min(60), Constraint::Length(44)]).areas(main);
        (editor, side)
    } else {
        // The weekly grid needs its eight lines when a person's windows are being edited.
        let on_windows = matches!(screen.row(), Some(Row::PersonField(_, "contact.windows")));
        let side = if on_windows { 11 } else { 7 };
        let [editor, side] =
            Layout::vertical([Constraint::Min(6), Constraint::Length(side)]).areas(main);
        (editor, side)
    };
    // The diff, once a frame: the fields' marks, the footer's count and the review read it.
    let changes = screen.changes();
    let caret = draw_fields(screen, &changes, frame, editor);
    draw_side(screen, frame, side, ctx);
    draw_footer(screen, changes.len(), frame, footer);
    match &screen.mode {
        Mode::Review(note) => draw_review(screen, &changes, frame, area, note),
        Mode::Pick {
            field,
            choices,
            cursor,
        } => {
            draw_pick(frame, area, field, choices, *cursor);
            None
        }
        Mode::Grid(grid) => {
            let mut lines = grid.lines();
            lines.push(Line::from(text::LISTING_GRID_HINT.dim()));
            let rect = popup(area, 64, lines.len() as u16 + 3);
            clear_popup(frame, rect);
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered().title(format!(" {} ", text::LISTING_GRID_TITLE))),
                rect,
            );
            None
        }
        _ => caret,
    }
}

fn draw_fields(
    screen: &ListingScreen,
    changed: &[FieldChange],
    frame: &mut Frame,
    area: Rect,
) -> Option<Position> {
    let is_changed = |record: &str, field: &str| {
        changed
            .iter()
            .any(|c| c.record == record && (c.field == field || c.field.is_empty()))
    };
    let removed = screen.removed();
    let rows = screen.rows();
    let block = Block::bordered().title(format!(
        " {}: {} ",
        text::LISTING_TITLE,
        screen.organization_name
    ));
    let inner = block.inner(area);
    let height = inner.height as usize;
    let offset = screen.cursor.saturating_sub(height.saturating_sub(2));
    let mut lines = Vec::new();
    let mut caret = None;
    let value_width = (inner.width as usize).saturating_sub(LABEL_WIDTH + 3);
    for (i, row) in rows.iter().enumerate().skip(offset).take(height) {
        let selected = i == screen.cursor;
        let (label, value, mark) = match row {
            Row::Organization(path) => (
                format!("  {}", field_label(path)),
                rows::to_text(path, rows::value_at(&screen.after, row)),
                is_changed(&screen.organization_id, path),
            ),
            Row::Person(id) => {
                let person = screen
                    .after
                    .people
                    .get(id)
                    .or_else(|| screen.before.people.get(id));
                let name = person
                    .and_then(|p| p["name"].as_str())
                    .filter(|n| !n.is_empty())
                    .unwrap_or(text::LISTING_NEW_PERSON);
                let role = person
                    .map(|p| rows::to_text("role", &p["role"]))
                    .unwrap_or_default();
                let gone = removed.contains(&id);
                let line = Line::from(vec![
                    Span::raw(if selected { "▶ " } else { "  " }),
                    if gone {
                        Span::raw(format!("{name}（{role}）— {}", text::LISTING_REMOVED))
                            .add_modifier(Modifier::CROSSED_OUT)
                    } else {
                        Span::raw(format!("■ {name}（{role}）")).bold()
                    },
                ]);
                lines.push(line);
                continue;
            }
            Row::PersonField(id, path) => (
                format!("    {}", field_label(path)),
                rows::to_text(path, rows::value_at(&screen.after, row)),
                is_changed(id, path),
            ),
            Row::AddPerson => {
                let line = Span::raw(format!(
                    "{}{}",
                    if selected { "▶ " } else { "  " },
                    text::LISTING_ADD_PERSON
                ));
                lines.push(Line::from(line.add_modifier(Modifier::DIM)));
                continue;
            }
        };
        let label_cells = Span::raw(label.as_str()).width();
        let pad = LABEL_WIDTH.saturating_sub(label_cells);
        let shown = match (&screen.mode, selected) {
            (Mode::Text(field), true) => {
                let before: String = field.value.chars().take(field.caret).collect();
                let x =
                    inner.x + (LABEL_WIDTH + 3) as u16 + Span::raw(before.as_str()).width() as u16;
                let y = inner.y + (i - offset) as u16;
                if x < inner.right() {
                    caret = Some(Position::new(x, y));
                }
                field.value.clone()
            }
            _ if value.is_empty() => "—".to_string(),
            _ => shorten(&value, value_width),
        };
        let mut spans = vec![
            Span::raw(if mark { "＊" } else { "  " }),
            Span::raw(format!("{label}{}", " ".repeat(pad))),
            Span::raw(" "),
        ];
        let value_span = Span::raw(shown);
        spans.push(if mark { value_span.bold() } else { value_span });
        let mut line = Line::from(spans);
        if selected {
            line = line.add_modifier(Modifier::REVERSED);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
    caret
}

fn draw_side(screen: &ListingScreen, frame: &mut Frame, area: Rect, ctx: &Context) {
    let mut lines: Vec<Line> = Vec::new();
    // The windows being edited, as the week looks (the grid the care managers read).
    if let Some(Row::PersonField(_, "contact.windows")) = screen.row() {
        let value = rows::value_at(&screen.after, &screen.row().unwrap_or(Row::AddPerson));
        let windows: Vec<ContactWindow> = serde_json::from_value(value.clone()).unwrap_or_default();
        lines.push(Line::from(text::LISTING_GRID.bold()));
        week_grid(&mut lines, &windows, ctx.now);
        lines.push(Line::from(""));
    }
    let focused = screen.mode == Mode::Requests;
    lines.push(Line::from(text::LISTING_REQUESTS.bold()));
    let mut index = 0;
    let mark = |i: usize| {
        if focused && i == screen.request_cursor {
            "▶ "
        } else {
            "  "
        }
    };
    for q in &screen.queued {
        let state = match &q.refused {
            Some(why) => format!("{}: {why}", text::LISTING_STATE_REFUSED),
            None => text::LISTING_STATE_WAITING.to_string(),
        };
        lines.push(Line::from(format!(
            "{}{} {} 項目",
            mark(index),
            state,
            q.request.changes.len()
        )));
        index += 1;
    }
    for r in &screen.requests {
        let what = if r.is_confirmation() {
            text::LISTING_CONFIRMATION.to_string()
        } else {
            format!("{} 項目", r.changes.len())
        };
        let state = Span::raw(format!("【{}】", r.status.label()));
        let state = match r.status {
            ChangeStatus::Rejected => state.bold(),
            _ => state,
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{}No.{} {} ",
                mark(index),
                r.id,
                r.submitted_at.format("%m/%d %H:%M")
            )),
            state,
            Span::raw(format!(" {what}")),
        ]));
        if let Some(reason) = &r.reason {
            lines.push(Line::from(format!(
                "    {}: {reason}",
                text::LISTING_REASON
            )));
        }
        index += 1;
    }
    if index == 0 {
        lines.push(Line::from(text::LISTING_NO_REQUESTS.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered()),
        area,
    );
}

fn draw_footer(screen: &ListingScreen, changes: usize, frame: &mut Frame, area: Rect) {
    let hint = match screen.mode {
        Mode::Text(_) => text::LISTING_HINT_TEXT,
        Mode::Requests => text::LISTING_HINT_REQUESTS,
        _ if area.width < 110 => text::LISTING_HINT_SHORT,
        _ => text::LISTING_HINT,
    };
    let mut lines = vec![Line::from(
        screen
            .message
            .clone()
            .unwrap_or_else(|| format!("{}: {changes}", text::LISTING_CHANGED)),
    )
    .bold()];
    lines.push(Line::from(hint.dim()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn draw_review(
    screen: &ListingScreen,
    changes: &[FieldChange],
    frame: &mut Frame,
    area: Rect,
    note: &crate::tui::widgets::text_field::TextField,
) -> Option<Position> {
    let height = (changes.len() as u16 + 9).min(area.height);
    let rect = popup(area, area.width.saturating_sub(6).min(100), height);
    let block = Block::bordered().title(format!(" {} ", text::LISTING_REVIEW_TITLE));
    let inner = block.inner(rect);
    let mut lines = Vec::new();
    if changes.is_empty() {
        lines.push(Line::from(text::LISTING_NO_CHANGE));
    } else {
        lines.push(Line::from(text::LISTING_DIFF_HEAD.bold()));
        for c in changes {
            let person = screen
                .before
                .people
                .get(&c.record)
                .or_else(|| screen.after.people.get(&c.record))
                .and_then(|p| p["name"].as_str());
            let person = (!c.field.is_empty()).then_some(person).flatten();
            lines.push(Line::from(format!("・{}", describe_change(c, person))));
        }
    }
    lines.push(Line::from(""));
    let note_line = lines.len() as u16;
    lines.push(Line::from(vec![
        Span::raw(format!("{}: ", text::LISTING_NOTE)).bold(),
        Span::raw(note.value.clone()),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::from(text::LISTING_REVIEW_HINT.dim()));
    clear_popup(frame, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
    let before: String = note.value.chars().take(note.caret).collect();
    let x = inner.x
        + Span::raw(format!("{}: ", text::LISTING_NOTE)).width() as u16
        + Span::raw(before.as_str()).width() as u16;
    let y = inner.y + note_line;
    (x < inner.right() && y < inner.bottom()).then(|| Position::new(x, y))
}

fn draw_pick(
    frame: &mut Frame,
    area: Rect,
    field: &str,
    choices: &[(String, String, bool)],
    cursor: usize,
) {
    let height = (choices.len() as u16 + 4).min(area.height);
    let rect = popup(area, 50, height);
    let block = Block::bordered().title(format!(" {} ", field_label(field)));
    let inner = block.inner(rect);
    let visible = inner.height.saturating_sub(1) as usize;
    let offset = cursor.saturating_sub(visible.saturating_sub(1));
    let mut lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, (_, label, on))| {
            let line = Line::from(format!("{} {label}", if *on { "[x]" } else { "[ ]" }));
            if i == cursor {
                line.add_modifier(Modifier::REVERSED)
            } else {
                line
            }
        })
        .collect();
    lines.push(Line::from(text::LISTING_PICK_HINT.dim()));
    clear_popup(frame, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
