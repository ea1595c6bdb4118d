//! The composer's right-hand panel: the doctor being written to, what the guide says of the
//! step, the personal information found and the rules broken, as the slip stands.

use super::fields::Step;
use super::model::Composer;
use crate::search::SearchIndex;
use crate::slip::model::{Channel, Purpose};
use crate::slip::rules::{Severity, EMERGENCY_GUIDANCE};
use crate::tui::text;
use crate::tui::widgets::fold::fold_lines;
use crate::tui::widgets::person_card::person_lines;
use chrono::NaiveDateTime;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

pub(super) fn draw_panel(
    frame: &mut Frame,
    c: &Composer,
    index: Option<&SearchIndex>,
    now: NaiveDateTime,
    area: Rect,
) {
    let mut lines: Vec<Line> = Vec::new();
    let title = match c.step {
        Step::Recipient => {
            let person =
                c.to.person_id
                    .as_deref()
                    .and_then(|id| index?.person_by_id(id));
            match person {
                Some(p) => {
                    let org = index.and_then(|i| i.organization_by_id(&p.organization_id));
                    let availability = crate::availability::availability(&p.contact, now);
                    person_lines(&mut lines, p, org, Some(availability), now);
                }
                None => {
                    lines.push(Line::from(format!(
                        "{} {} 先生",
                        c.to.institution, c.to.doctor
                    )));
                }
            }
            text::PANEL_DOCTOR
        }
        Step::Purpose => {
            purpose_guide(&mut lines, c);
            text::PANEL_GUIDE
        }
        Step::Patient => {
            for line in text::PATIENT_GUIDE {
                lines.push(Line::from(*line));
            }
            text::PANEL_GUIDE
        }
        Step::Body => {
            findings(&mut lines, c);
            text::PANEL_FINDINGS
        }
        Step::Review => {
            violations(&mut lines, c);
            text::PANEL_RULES
        }
    };
    let block = Block::bordered().title(format!(" {title} "));
    let width = block.inner(area).width;
    frame.render_widget(Paragraph::new(fold_lines(lines, width)).block(block), area);
}

fn purpose_guide(lines: &mut Vec<Line<'_>>, c: &Composer) {
    if c.urgent == Some(true) {
        lines.push(Line::from(Span::raw(text::URGENT_STOP).bold()));
        lines.push(Line::from(""));
        lines.push(Line::from(EMERGENCY_GUIDANCE));
        return;
    }
    let first = c.first_contact == Some(true);
    for purpose in Purpose::ALL {
        let mut label = format!(
            "{:>2}.{}［{}］",
            purpose.number(),
            purpose.label(),
            purpose.kind().label()
        );
        if first && !purpose.is_scheduling() {
            label.push_str(&format!(" {}", text::FIRST_CONTACT_ONLY));
        }
        let span = Span::raw(label);
        lines.push(Line::from(if purpose == c.purpose {
            span.add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else if first && !purpose.is_scheduling() {
            span.dim()
        } else {
            span
        }));
    }
    for v in &c.checks.violations {
        use crate::slip::rules::RuleCode::*;
        if matches!(
            v.code,
            FirstContactScheduleOnly | ConsultNeedsRelationship | ConsentRequired
        ) {
            lines.push(Line::from(""));
            lines.push(violation_line(v));
        }
    }
}

fn findings(lines: &mut Vec<Line<'_>>, c: &Composer) {
    if c.channel == Channel::Phone {
        lines.push(Line::from(text::PANEL_PHONE_NO_CHECK).dim());
    }
    if c.checks.findings.is_empty() {
        lines.push(Line::from(text::PANEL_NO_FINDINGS));
    }
    for f in &c.checks.findings {
        lines.push(Line::from(vec![
            Span::raw(format!("「{}」", f.text)).add_modifier(Modifier::REVERSED),
            Span::raw(format!(" {}", f.message)),
        ]));
    }
    // As it is typed: a text that reads like an emergency (R3, seed §4-6), or one too long (R8).
    for v in &c.checks.violations {
        use crate::slip::rules::RuleCode::{TooLong, UrgentSigns};
        if matches!(v.code, UrgentSigns | TooLong) {
            lines.push(Line::from(""));
            lines.push(violation_line(v));
        }
    }
}

fn violations(lines: &mut Vec<Line<'_>>, c: &Composer) {
    if let Some(why) = c.name_check_missing() {
        // Never 「規則違反はありません」 before the name has been checked.
        lines.push(Line::from(vec![
            Span::raw(format!("{} ", text::ERROR_LABEL))
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
            Span::raw(format!("{}{why}", text::EXPORT_NEEDS_NAME_CHECK)),
        ]));
    } else if c.checks.violations.is_empty() {
        lines.push(Line::from(text::PANEL_NO_VIOLATIONS));
    }
    for v in &c.checks.violations {
        lines.push(violation_line(v));
    }
}

fn violation_line(v: &crate::slip::rules::Violation) -> Line<'static> {
    let label = if v.severity == Severity::Error {
        Span::raw(format!("{} ", text::ERROR_LABEL))
            .add_modifier(Modifier::REVERSED | Modifier::BOLD)
    } else {
        Span::raw(format!("{} ", text::WARNING_LABEL)).bold()
    };
    // The rule's code is for `--json` and the command line; on screen the message says it.
    Line::from(vec![label, Span::raw(v.message.clone())])
}
