//! Drawing the composer: the steps across the top, the form on the left, what the guide and the
//! checks say on the right, the field's hint and the keys at the bottom. Reads state only.

use super::fields::{Field, Step};
use super::model::{channel_for, number_for, Composer};
use crate::search::SearchIndex;
use crate::slip::export::{to_phone_script, to_text};
use crate::slip::model::Channel;
use crate::slip::rules::{mask_hides_enough, MAX_BODY_CHARS};
use crate::tui::text;
use crate::tui::widgets::fold::fold_lines;
use crate::tui::widgets::text_field::{caret_cell, wrap};
use chrono::NaiveDateTime;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// Display columns for a field's label.
const LABEL_WIDTH: usize = 20;

/// Draws the composer; returns the caret of the focused text field (for the IME).
pub fn draw_composer(
    frame: &mut Frame,
    c: &Composer,
    index: Option<&SearchIndex>,
    now: NaiveDateTime,
    area: Rect,
) -> Option<Position> {
    let [title, main, hint, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(frame, c, title);
    let [form, panel] = split(main);
    let caret = match c.step {
        Step::Review => {
            draw_preview(frame, c, form);
            None
        }
        Step::Body => draw_body_step(frame, c, form),
        _ => draw_form(frame, c, form),
    };
    super::panel::draw_panel(frame, c, index, now, panel);
    let hint_line = match (&c.problem, &c.notice, c.field()) {
        (Some(problem), _, _) => Line::from(Span::raw(format!("⚠ {problem}")).bold()),
        (None, Some(notice), _) => Line::from(Span::raw(format!("✓ {notice}")).bold()),
        (None, None, Some(field)) => Line::from(Span::raw(field.hint()).dim()),
        (None, None, None) => Line::from(""),
    };
    frame.render_widget(Paragraph::new(hint_line), hint);
    let key_help = if c.step == Step::Review {
        text::REVIEW_KEYS
    } else {
        text::COMPOSER_KEYS
    };
    frame.render_widget(Line::from(Span::raw(key_help).reversed()), keys);
    caret
}

/// The form and the panel: side by side on a wide terminal, one above the other otherwise.
fn split(main: Rect) -> [Rect; 2] {
    if main.width >= 100 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main)
    }
}

/// The body box's inner width on a terminal of this size, for moving the caret up and down
/// by screen lines (the runtime tells the composer after a resize).
pub fn body_width(width: u16, height: u16) -> u16 {
    let [form, _] = split(Rect::new(0, 0, width, height.saturating_sub(3)));
    form.width.saturating_sub(2)
}

fn draw_title(frame: &mut Frame, c: &Composer, area: Rect) {
    let mut spans = vec![
        Span::raw(format!(" {} ", text::COMPOSER_TITLE))
            .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        Span::raw(" "),
    ];
    for (i, step) in Step::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" › "));
        }
        let label = Span::raw(format!("{} {}", step.number(), step.label()));
        spans.push(if *step == c.step {
            label.add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            label
        });
    }
    if let Some(at) = c.saved_at {
        spans.push(
            Span::raw(format!(
                "   {} {}",
                text::DRAFT_SAVED,
                at.format("%H:%M:%S")
            ))
            .dim(),
        );
    }
    frame.render_widget(Line::from(spans), area);
}

fn pad(label: &str) -> String {
    let width = Span::raw(label).width();
    format!("{label}{}", " ".repeat(LABEL_WIDTH.saturating_sub(width)))
}

/// One field on one line; the caret's column for a focused text field.
fn field_line(c: &Composer, field: Field, focused: bool) -> (Line<'static>, Option<u16>) {
    let marker = if focused { "▶ " } else { "  " };
    let mut spans = vec![
        Span::raw(marker),
        Span::raw(pad(field.label())).add_modifier(if focused {
            Modifier::BOLD
        } else {
            Modifier::empty()
        }),
    ];
    let mut caret = None;
    if field.is_choice() {
        let value = c.choice_value(field);
        spans.push(if focused {
            Span::raw(format!("‹ {value} ›")).add_modifier(Modifier::REVERSED)
        } else {
            Span::raw(value)
        });
    } else if let Some(t) = c.text(field) {
        if focused {
            let before: String = t.value.chars().take(t.caret).collect();
            caret = Some((2 + LABEL_WIDTH + Span::raw(before).width()) as u16);
            spans.push(Span::raw(t.value.replace('\n', " ")).underlined());
        } else if t.value.is_empty() {
            spans.push(Span::raw("—").dim());
        } else {
            spans.push(Span::raw(t.value.replace('\n', " ")));
        }
    }
    if let Some(note) = annotation(c, field) {
        spans.push(Span::raw(format!("  {note}")).dim());
    }
    (Line::from(spans), caret)
}

/// A few words after a field's value: the number used, whether a mask hides enough.
fn annotation(c: &Composer, field: Field) -> Option<String> {
    match field {
        Field::Channel => {
            let number = match number_for(&c.to, c.channel) {
                Some(number) => number.to_string(),
                None => text::NO_NUMBER_FOR_CHANNEL
                    .trim_start_matches('の')
                    .to_string(),
            };
            let preferred = c
                .preferred
                .iter()
                .position(|m| channel_for(*m) == c.channel);
            Some(match preferred {
                Some(i) => format!("{number}  {}{}", text::PREFERRED_RANK, i + 1),
                None if c.preferred.is_empty() => number,
                None => format!("{number}  {}", text::NOT_PREFERRED),
            })
        }
        Field::MaskedName if !c.masked_name.trimmed().is_empty() => {
            Some(if mask_hides_enough(c.masked_name.trimmed()) {
                text::MASK_OK.to_string()
            } else {
                text::MASK_NOT_ENOUGH.to_string()
            })
        }
        Field::Consent if c.purpose.is_scheduling() => Some(text::CONSENT_NOT_NEEDED.to_string()),
        Field::Area | Field::Slot1 | Field::Slot2 | Field::Slot3 => {
            let value = c.text(field)?.trimmed();
            let found = c
                .checks
                .violations
                .iter()
                .filter_map(|v| v.finding.as_ref())
                .find(|f| !value.is_empty() && value.contains(f.text.as_str()))?;
            Some(format!("⚠ {}", found.message))
        }
        _ => None,
    }
}

fn draw_form(frame: &mut Frame, c: &Composer, area: Rect) -> Option<Position> {
    let block = Block::bordered().title(format!(" {} {} ", c.step.number(), c.step.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    draw_fields(frame, c, 0, inner)
}

/// The step's fields from `first` on, one a line; the caret of a focused text field.
fn draw_fields(frame: &mut Frame, c: &Composer, first: usize, area: Rect) -> Option<Position> {
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, field) in c.step.fields().iter().enumerate().skip(first) {
        let (line, caret) = field_line(c, *field, i == c.focus);
        if let Some(x) = caret {
            cursor = Some((x, lines.len() as u16));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
    cursor.and_then(|(x, y)| caret_at(area, x, y))
}

/// The real cursor at the caret, so an IME composes in place; kept inside the box.
fn caret_at(inner: Rect, x: u16, y: u16) -> Option<Position> {
    if inner.width == 0 || inner.height == 0 || y >= inner.height {
        return None;
    }
    Some(Position::new(
        inner
            .x
            .saturating_add(x)
            .min(inner.right().saturating_sub(1)),
        inner.y + y,
    ))
}

fn draw_body_step(frame: &mut Frame, c: &Composer, area: Rect) -> Option<Position> {
    let [body_area, rest] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(area);
    let count = c.body.value.chars().count();
    let focused = c.field() == Some(Field::Body);
    let title = format!(
        " {} {}{} ",
        c.step.number(),
        text::FIELD_BODY,
        text::body_length(count, MAX_BODY_CHARS)
    );
    let block = Block::bordered().title(title).border_style(if focused {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    });
    let inner = block.inner(body_area);
    frame.render_widget(block, body_area);
    let highlights: Vec<(usize, usize)> = if c.channel == Channel::Phone {
        Vec::new()
    } else {
        c.checks.findings.iter().map(|f| (f.start, f.end)).collect()
    };
    let chars: Vec<char> = c.body.value.chars().collect();
    let lines = wrap(&c.body.value, inner.width);
    let (row, column) = caret_cell(&lines, &c.body.value, c.body.caret);
    let scroll = row.saturating_sub(usize::from(inner.height.saturating_sub(1)));
    let rendered: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .map(|(start, end)| highlighted_line(&chars, *start, *end, &highlights))
        .collect();
    frame.render_widget(Paragraph::new(rendered), inner);
    // The slots and the reply-by date under the body.
    let below = draw_fields(frame, c, 1, rest);
    if focused {
        caret_at(inner, column as u16, (row - scroll) as u16)
    } else {
        below
    }
}

/// A line of the body with what the detector found reversed and underlined.
fn highlighted_line(
    chars: &[char],
    start: usize,
    end: usize,
    highlights: &[(usize, usize)],
) -> Line<'static> {
    let mut spans: Vec<Span> = Vec::new();
    let mut run = String::new();
    let mut run_marked = false;
    for (i, ch) in chars.iter().enumerate().take(end).skip(start) {
        let marked = highlights.iter().any(|(s, e)| (*s..*e).contains(&i));
        if marked != run_marked && !run.is_empty() {
            spans.push(styled(std::mem::take(&mut run), run_marked));
        }
        run_marked = marked;
        run.push(*ch);
    }
    if !run.is_empty() {
        spans.push(styled(run, run_marked));
    }
    Line::from(spans)
}

fn styled(text: String, marked: bool) -> Span<'static> {
    if marked {
        Span::raw(text).add_modifier(Modifier::REVERSED | Modifier::UNDERLINED)
    } else {
        Span::raw(text)
    }
}

fn draw_preview(frame: &mut Frame, c: &Composer, area: Rect) {
    let slip = c.slip();
    let preview = if c.channel == Channel::Phone {
        to_phone_script(&slip)
    } else {
        to_text(&slip)
    };
    let block = Block::bordered().title(format!(
        " {} {} — {} ",
        c.step.number(),
        text::PANEL_PREVIEW,
        c.channel.label()
    ));
    let lines = fold_lines(
        preview.lines().map(Line::from).collect(),
        block.inner(area).width,
    );
    // ↑↓ scroll a long slip; never past its end.
    let scroll = c.review_scroll.min(
        lines
            .len()
            .saturating_sub(usize::from(block.inner(area).height)) as u16,
    );
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}
