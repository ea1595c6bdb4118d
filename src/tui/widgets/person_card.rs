//! A person or an organisation as the detail pane and the composer show them: name and
//! reading, numbers saying whose they are, preferred methods, when they can be reached, the
//! institution's home care.

use super::week_grid::week_grid;
use crate::availability::Availability;
use crate::directory::{Numbers, Organization, Person};
use crate::tui::text;
use chrono::NaiveDateTime;
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};

pub fn person_lines<'a>(
    lines: &mut Vec<Line<'a>>,
    p: &'a Person,
    org: Option<&'a Organization>,
    availability: Option<Availability>,
    now: NaiveDateTime,
) {
    lines.push(Line::from(vec![
        Span::raw(p.name.to_string()).add_modifier(Modifier::BOLD),
        Span::raw(format!("（{}）", p.name_kana)),
        Span::raw(format!(" {}", p.title.as_deref().unwrap_or(p.role.label()))),
    ]));
    if let Some(o) = org {
        lines.push(Line::from(format!(
            "{}（{}）{}{}",
            o.name,
            o.kind.label(),
            o.ward,
            o.district
        )));
    }
    if !p.specialties.is_empty() {
        lines.push(Line::from(
            p.specialties
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("・"),
        ));
    }
    numbers_line(lines, p.numbers(org), Some(p));
    let preferred: Vec<String> = p
        .contact
        .preferred_methods
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}. {}", i + 1, m.label()))
        .collect();
    lines.push(Line::from(format!(
        "{}: {}",
        text::DETAIL_PREFERRED,
        preferred.join("  ")
    )));
    if let Some(a) = availability {
        let span = Span::raw(a.label());
        lines.push(Line::from(if a.is_now() {
            span.add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            span.add_modifier(Modifier::BOLD)
        }));
    }
    if let Some(note) = &p.contact.note {
        lines.push(Line::from(format!("{}: {note}", text::DETAIL_NOTE)));
    }
    lines.push(Line::from(format!("{}:", text::DETAIL_WINDOWS)));
    week_grid(lines, &p.contact.windows, now);
}

/// The numbers, each saying whose it is when a person has none of their own: 「電話 042-…（代表）」.
pub fn numbers_line(lines: &mut Vec<Line<'_>>, numbers: Numbers<'_>, person: Option<&Person>) {
    use crate::directory::ContactMethod;
    let parts: Vec<String> = [
        (text::PHONE, numbers.phone, ContactMethod::Phone),
        (text::FAX, numbers.fax, ContactMethod::Fax),
        (text::EMAIL, numbers.email, ContactMethod::Email),
    ]
    .iter()
    .filter_map(|(label, v, method)| {
        let v = (*v)?;
        let shared = person.is_some_and(|p| p.own(*method) != Some(v));
        Some(if shared {
            format!("{label} {v}{}", text::MAIN_LINE)
        } else {
            format!("{label} {v}")
        })
    })
    .collect();
    lines.push(Line::from(format!(
        "{}: {}",
        text::DETAIL_NUMBERS,
        parts.join(" ／ ")
    )));
}

pub fn organization_lines<'a>(
    lines: &mut Vec<Line<'a>>,
    o: &'a Organization,
    now: chrono::NaiveDateTime,
    stale_after_months: u32,
) {
    home_care_lines(lines, o);
    freshness_line(lines, o, now, stale_after_months);
}

/// When the listing was last confirmed by its member (DESIGN §7), and — past the period — that
/// it may be out of date: a care manager calling at a listed time should know how old it is.
fn freshness_line(
    lines: &mut Vec<Line<'_>>,
    o: &Organization,
    now: chrono::NaiveDateTime,
    stale_after_months: u32,
) {
    let (label, at) = match o.confirmed_at {
        Some(at) => (text::DETAIL_CONFIRMED, at),
        None => (text::DETAIL_UPDATED, o.updated_at),
    };
    let stale = now
        .checked_sub_months(chrono::Months::new(stale_after_months))
        .is_some_and(|cutoff| at.naive_local() < cutoff);
    let line = format!("{label}: {}", at.format("%Y-%m-%d"));
    lines.push(if stale {
        Line::from(vec![
            Span::raw(line),
            Span::raw(format!("　⚠ {stale_after_months}{}", text::DETAIL_STALE))
                .add_modifier(Modifier::BOLD),
        ])
    } else {
        Line::from(line)
    });
}

fn home_care_lines<'a>(lines: &mut Vec<Line<'a>>, o: &'a Organization) {
    let Some(care) = &o.home_care else { return };
    let procedures: Vec<&str> = care.procedures.iter().map(|p| p.label()).collect();
    lines.push(Line::from(format!(
        "{}: {}",
        text::DETAIL_PROCEDURES,
        if procedures.is_empty() {
            "—".to_string()
        } else {
            procedures.join("、")
        }
    )));
    let mut visits = care
        .visit_districts
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join("、");
    if let Some(note) = &care.visit_area_note {
        visits.push_str(&format!("（{note}）"));
    }
    if care.home_visits {
        lines.push(Line::from(format!("{}: {visits}", text::DETAIL_VISITS)));
    }
    let mut accepting = care.accepting.label().to_string();
    if let Some(note) = &care.note {
        accepting.push_str(&format!("（{note}）"));
    }
    lines.push(Line::from(format!(
        "{}: {accepting}",
        text::DETAIL_ACCEPTING
    )));
}
