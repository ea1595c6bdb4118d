//! Drawing the drafts and the sent-log: one line a slip, overdue replies marked.

use super::SlipsView;
use crate::slip::drafts::SavedDraft;
use crate::slip::sent_log::SentRecord;
use crate::tui::text;
use crate::tui::widgets::popup::{clear_popup, popup};
use chrono::NaiveDate;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

/// Who the slip is about and how it begins, so that five slips to one doctor can be told apart.
fn about(masked_name: Option<&str>, summary: &str) -> String {
    format!(
        "{}「{summary}」",
        masked_name.unwrap_or(text::SLIPS_NO_NAME)
    )
}

fn draft_line(draft: &SavedDraft) -> String {
    let saved = draft
        .saved_at
        .map(|t| t.format("%m/%d %H:%M").to_string())
        .unwrap_or_default();
    match &draft.slip {
        Ok(slip) => format!(
            "{saved}  {} {} {}  {}  {}  {}",
            slip.to.institution,
            slip.to.doctor,
            text::SENSEI,
            slip.channel.label(),
            about(
                slip.patient.masked_name.as_deref(),
                &crate::slip::sent_log::summary(&slip.request.body, 16)
            ),
            slip.purpose.label()
        ),
        Err(_) => format!("{saved}  {}（{}.toml）", text::SLIPS_DAMAGED, draft.id),
    }
}

/// When, to whom, and the state of the reply first — so that 期限切れ is never cut off at the
/// right edge — then the format and which slip it was.
fn sent_line(record: &SentRecord, today: NaiveDate) -> Line<'static> {
    let mut spans = vec![Span::raw(format!(
        "{}  {} {} {}  ",
        record.exported_at.format("%m/%d %H:%M"),
        record.institution,
        record.doctor,
        text::SENSEI,
    ))];
    if let Some(reply) = &record.reply {
        spans.push(
            Span::raw(format!(
                "{} {} {}",
                text::REPLIED,
                reply.date.format("%m/%d"),
                reply.outcome
            ))
            .bold(),
        );
    } else if let Some(reply_by) = record.reply_by {
        let due = Span::raw(format!("{} {}", text::REPLY_BY, reply_by.format("%m/%d")));
        if record.overdue(today) {
            spans.push(due.bold());
            spans.push(Span::raw(format!(" {}", text::OVERDUE)).add_modifier(Modifier::REVERSED));
        } else {
            spans.push(due);
        }
    }
    spans.push(Span::raw(format!(
        "  {}  {}",
        record.format.label(),
        about(record.masked_name.as_deref(), &record.summary),
    )));
    Line::from(spans)
}

pub fn draw_slips(frame: &mut Frame, view: &SlipsView, today: NaiveDate, area: Rect) {
    let rect = popup(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    clear_popup(frame, rect);
    let block = Block::bordered().title(format!(" {} ", text::SLIPS_TITLE));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [drafts_area, sent_area, notice] = Layout::vertical([
        Constraint::Percentage(50),
        Constraint::Min(2),
        Constraint::Length(1),
    ])
    .areas(inner);

    let drafts_block = Block::new().title(Span::raw(text::SLIPS_DRAFTS).bold());
    match &view.drafts {
        None => frame.render_widget(
            Paragraph::new(text::SLIPS_LOADING).block(drafts_block),
            drafts_area,
        ),
        Some(drafts) if drafts.is_empty() => frame.render_widget(
            Paragraph::new(text::SLIPS_NONE).block(drafts_block),
            drafts_area,
        ),
        Some(drafts) => {
            let items: Vec<ListItem> = drafts
                .iter()
                .map(|d| ListItem::new(draft_line(d)))
                .collect();
            let mut state = ListState::default()
                .with_selected((view.selected < drafts.len()).then_some(view.selected));
            frame.render_stateful_widget(
                List::new(items)
                    .block(drafts_block)
                    .highlight_symbol("▶ ")
                    .highlight_style(Modifier::REVERSED),
                drafts_area,
                &mut state,
            );
        }
    }
    let sent_block = Block::new().title(Span::raw(text::SLIPS_SENT).bold());
    if view.sent.is_empty() {
        frame.render_widget(
            Paragraph::new(text::SLIPS_NONE).block(sent_block),
            sent_area,
        );
    } else {
        let drafts = view.drafts.as_ref().map_or(0, Vec::len);
        let items: Vec<ListItem> = view
            .sent
            .iter()
            .map(|r| ListItem::new(sent_line(r, today)))
            .collect();
        let mut state = ListState::default().with_selected(view.selected.checked_sub(drafts));
        frame.render_stateful_widget(
            List::new(items)
                .block(sent_block)
                .highlight_symbol("▶ ")
                .highlight_style(Modifier::REVERSED),
            sent_area,
            &mut state,
        );
    }
    // Why something was refused first; the next key clears it.
    let message = match (&view.error, &view.reply, &view.confirm_delete) {
        (Some(error), _, _) => error.clone(),
        (None, Some(form), _) => format!("{}{}▏", text::REPLY_PROMPT, form.text),
        (None, None, Some(_)) => text::SLIPS_CONFIRM_DELETE.to_string(),
        (None, None, None) => String::new(),
    };
    frame.render_widget(
        Paragraph::new(Span::raw(message).bold()).wrap(Wrap { trim: true }),
        notice,
    );
}
