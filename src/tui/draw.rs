//! Drawing: reads the state, never changes it (STYLE). Black-on-default friendly colours, wide
//! (CJK) characters measured by ratatui, and no arithmetic that can underflow at tiny sizes.

use super::app::{chips, filter_label, App, Focus, FILTER_ROWS};
use super::text;
use crate::availability::Availability;
use crate::directory::{ContactWindow, Numbers, Organization, Person};
use crate::search::EntryRef;
use chrono::{Datelike, NaiveDateTime, Timelike};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;
/// Side-by-side list and detail from this width; below it the detail replaces the list.
const SPLIT_WIDTH: u16 = 100;
/// Hours shown in the weekly grid.
const GRID_HOURS: std::ops::RangeInclusive<u32> = 8..=19;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let message = Paragraph::new(text::TOO_SMALL).wrap(Wrap { trim: true });
        frame.render_widget(message, area);
        return;
    }
    if let Some(form) = &app.login {
        draw_login(frame, form, area);
        return;
    }
    if app.locked {
        draw_lock(frame, app, area);
        return;
    }
    if let Some(composer) = &app.composer {
        super::composer::draw::draw_composer(frame, composer, app.index.as_deref(), app.now, area);
        return;
    }
    let chip_list = chips(&app.filters);
    let [title, query, chip_row, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(u16::from(!chip_list.is_empty())),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);

    frame.render_widget(
        Line::from(vec![
            Span::raw(format!(" {} ", text::TITLE))
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
            Span::raw(format!("  {}", app.status.member)),
        ]),
        title,
    );
    draw_query(frame, app, query);
    if !chip_list.is_empty() {
        let spans: Vec<Span> = chip_list
            .iter()
            .flat_map(|c| {
                [
                    Span::raw(format!("[{c}]")).add_modifier(Modifier::BOLD),
                    Span::raw(" "),
                ]
            })
            .collect();
        frame.render_widget(Line::from(spans), chip_row);
    }

    if body.width >= SPLIT_WIDTH {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
        draw_results(frame, app, list);
        draw_detail(frame, app, detail);
    } else if app.focus == Focus::Detail {
        draw_detail(frame, app, body);
    } else {
        draw_results(frame, app, body);
    }
    draw_status(frame, app, status);

    if app.focus == Focus::Filters {
        draw_filters(frame, app, area);
    }
    if let Some(view) = &app.slips {
        super::slips::draw_slips(frame, view, app.now.date(), area);
    }
    if app.help {
        draw_help(frame, area);
    }
}

fn draw_query(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus != Focus::Filters;
    let block = Block::bordered().title(" 検索 ").border_style(if focused {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    });
    let inner = block.inner(area);
    let line = if app.query.is_empty() {
        Line::from(Span::raw(text::QUERY_PLACEHOLDER).add_modifier(Modifier::DIM))
    } else {
        Line::from(app.query.as_str())
    };
    frame.render_widget(Paragraph::new(line).block(block), area);
    if focused {
        // The real cursor sits at the caret, so an IME composes in the right place.
        let before: String = app.query.chars().take(app.caret).collect();
        let x = inner.x.saturating_add(Span::raw(before).width() as u16);
        frame.set_cursor_position(Position::new(
            x.min(inner.right().saturating_sub(1)),
            inner.y,
        ));
    }
}

/// The pane that ↑↓ and Enter act on has a bold border.
fn pane(title: String, focused: bool) -> Block<'static> {
    let block = Block::bordered().title(title);
    if focused {
        block
            .border_style(Style::new().add_modifier(Modifier::BOLD))
            .title_style(Style::new().add_modifier(Modifier::BOLD))
    } else {
        block
    }
}

fn draw_results(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane(
        format!(" {}（{} 件） ", text::RESULTS, app.hits.len()),
        app.focus == Focus::List,
    );
    let Some(index) = &app.index else {
        frame.render_widget(Paragraph::new(text::NO_DIRECTORY).block(block), area);
        return;
    };
    if app.hits.is_empty() {
        let mut lines = vec![Line::from(text::NO_RESULTS)];
        lines.extend(
            app.why_nothing()
                .into_iter()
                .map(|l| Line::from(l).add_modifier(Modifier::BOLD)),
        );
        frame.render_widget(
            Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    // The row's width inside the border and the highlight symbol.
    let row_width = usize::from(area.width.saturating_sub(4));
    // Only the rows that can be seen are built.
    let visible = area.height.saturating_sub(2) as usize;
    let start = app.selected.saturating_sub(visible.saturating_sub(1));
    let items: Vec<ListItem> = app
        .hits
        .iter()
        .skip(start)
        .take(visible.max(1))
        .map(|hit| {
            let org = index.organization_of(hit.entry);
            let place = org.map(|o| o.district.to_string()).unwrap_or_default();
            // What must be seen whole: the name, and 「今 電話可 〜14:00」 at the end; the
            // organisation's name gives way first (shortened with …), then the district.
            let reachable = hit
                .reachable_now
                .then(|| app.availability(hit.entry))
                .flatten()
                .map(|a| format!(" {}", a.label()));
            let (mut spans, shrinkable) = match hit.entry {
                EntryRef::Person(i) => {
                    let p = index.person(i);
                    (
                        vec![
                            Span::raw(p.name.to_string()).add_modifier(Modifier::BOLD),
                            Span::raw(format!(
                                " {} ",
                                p.title.as_deref().unwrap_or(p.role.label())
                            )),
                        ],
                        org.map(|o| o.name.to_string()).unwrap_or_default(),
                    )
                }
                EntryRef::Organization(i) => {
                    let o = index.organization(i);
                    (
                        vec![
                            Span::raw(format!("[{}] ", text::ORGANIZATION_BADGE)),
                            Span::raw(o.name.to_string()).add_modifier(Modifier::BOLD),
                            Span::raw(format!(" {}", o.kind.label())),
                        ],
                        String::new(),
                    )
                }
            };
            let mut tail = vec![Span::raw(format!(" {place}"))];
            if let Some(care) = org.and_then(|o| o.home_care.as_ref()) {
                if matches!(hit.entry, EntryRef::Organization(_)) {
                    tail.push(Span::raw(format!(" {}", care.accepting.label())));
                }
            }
            let label = reachable.map(|l| Span::raw(l).add_modifier(Modifier::REVERSED));
            let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
            let label_width = label.as_ref().map_or(0, |l| l.width());
            // The organisation gives way first, then the district, then the title; the name
            // and the label stay whole.
            let mut room = row_width.saturating_sub(width(&spans) + width(&tail) + label_width);
            if room < 4 && !shrinkable.is_empty() && label.is_some() {
                tail.clear();
                room = row_width.saturating_sub(width(&spans) + label_width);
            }
            if room == 0 && label.is_some() && spans.len() > 1 {
                let fixed = spans[0].width() + label_width + 2;
                let title = spans[1].content.trim().to_string();
                spans[1] = Span::raw(format!(
                    " {} ",
                    shorten(&title, row_width.saturating_sub(fixed))
                ));
            }
            spans.push(Span::raw(shorten(&shrinkable, room)));
            spans.extend(tail);
            spans.extend(label);
            ListItem::new(Line::from(spans))
        })
        .collect();
    let list = List::new(items)
        .block(block)
        .highlight_symbol("▶ ")
        .highlight_style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let mut state = ListState::default().with_selected(Some(app.selected - start));
    frame.render_stateful_widget(list, area, &mut state);
}

/// At most `width` display columns, ending in … when cut.
fn shorten(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = super::composer::field::char_width(c);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let title = if app.detail_scroll > 0 {
        format!(" {}（PgUp で上へ） ", text::DETAIL)
    } else {
        format!(" {}（PgDn で続き） ", text::DETAIL)
    };
    let block = pane(title, app.focus == Focus::Detail);
    let (Some(index), Some(hit)) = (&app.index, app.selected_hit()) else {
        frame.render_widget(block, area);
        return;
    };
    let org = index.organization_of(hit.entry);
    let mut lines: Vec<Line> = Vec::new();
    match hit.entry {
        EntryRef::Person(i) => {
            let person = index.person(i);
            person_lines(
                &mut lines,
                person,
                org,
                app.availability(hit.entry),
                app.now,
            );
        }
        EntryRef::Organization(i) => {
            let o = index.organization(i);
            lines.push(Line::from(vec![
                Span::raw(o.name.to_string()).add_modifier(Modifier::BOLD),
                Span::raw(format!("（{}）", o.name_kana)),
            ]));
            lines.push(Line::from(format!("{}　{}", o.kind.label(), o.address)));
            numbers_line(&mut lines, o.numbers(), None);
        }
    }
    if let Some(o) = org {
        organization_lines(&mut lines, o);
    }
    if let EntryRef::Organization(i) = hit.entry {
        doctors_lines(&mut lines, app, index, i);
    }
    // PgDn scrolls; never past the last line.
    let scroll = app
        .detail_scroll
        .min(u16::try_from(lines.len().saturating_sub(2)).unwrap_or(u16::MAX));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

/// An organisation's doctors (and dentists) with when they can be reached, then its other
/// people: who to ask for when calling the clinic.
fn doctors_lines(
    lines: &mut Vec<Line<'_>>,
    app: &App,
    index: &crate::search::SearchIndex,
    org: usize,
) {
    let o = index.organization(org);
    let mut people: Vec<(usize, &Person)> = index
        .snapshot()
        .people
        .iter()
        .enumerate()
        .filter(|(_, p)| p.organization_id == o.id)
        .collect();
    if people.is_empty() {
        return;
    }
    people.sort_by_key(|(_, p)| {
        !matches!(
            p.role,
            crate::directory::Role::Doctor | crate::directory::Role::Dentist
        )
    });
    lines.push(Line::from(format!("{}:", text::DETAIL_PEOPLE)).add_modifier(Modifier::BOLD));
    for (i, p) in people {
        let when = app
            .availability(EntryRef::Person(i))
            .map(|a| a.label())
            .unwrap_or_default();
        lines.push(Line::from(format!(
            "・{} {}  {}",
            p.name,
            p.title.as_deref().unwrap_or(p.role.label()),
            when
        )));
    }
}

pub(crate) fn person_lines<'a>(
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
fn numbers_line(lines: &mut Vec<Line<'_>>, numbers: Numbers<'_>, person: Option<&Person>) {
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

fn organization_lines<'a>(lines: &mut Vec<Line<'a>>, o: &'a Organization) {
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

/// Days × hours, a filled cell where a window touches that hour, the current day and hour
/// marked.
fn week_grid(lines: &mut Vec<Line<'_>>, windows: &[ContactWindow], now: NaiveDateTime) {
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

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let sync = match app.status.synced_at {
        Some(at) => {
            let at = at.format("%m/%d %H:%M");
            let revision = app.status.revision;
            if app.status.online {
                format!("オンライン — 同期 {at}（版 {revision}）")
            } else {
                format!("オフライン — 最終同期 {at}（版 {revision}）")
            }
        }
        None => "未同期".to_string(),
    };
    let mut spans = vec![Span::raw(sync).add_modifier(Modifier::REVERSED)];
    if app.status.syncing {
        spans.push(Span::raw(format!(" {}", text::SYNCING)));
    }
    if let Some(flash) = &app.flash {
        spans.push(Span::raw(format!(" {flash}")).add_modifier(Modifier::BOLD));
    } else if let Some(error) = &app.status.error {
        spans.push(Span::raw(format!(" {error}")));
    }
    if app.status.drafts > 0 {
        spans.push(Span::raw(text::drafts_waiting(app.status.drafts)).add_modifier(Modifier::BOLD));
    }
    spans.push(Span::raw(text::STATUS_KEYS));
    frame.render_widget(Line::from(spans), area);
}

/// Clears a popup's area, and the wide characters of what lies beneath that straddle its edges:
/// a kanji whose right half falls under the border would otherwise be cut in half on screen.
pub(crate) fn clear_popup(frame: &mut Frame, rect: Rect) {
    frame.render_widget(Clear, rect);
    let buffer = frame.buffer_mut();
    let bounds = buffer.area;
    for y in rect.top()..rect.bottom() {
        if rect.x > bounds.x {
            let left = &mut buffer[(rect.x - 1, y)];
            if Span::raw(left.symbol().to_string()).width() > 1 {
                left.set_symbol(" ");
            }
        }
        if rect.right() < bounds.right() {
            // The cell after the popup may be the right half of a wide character whose left half
            // the popup covered: give it a blank of its own.
            let right = &mut buffer[(rect.right(), y)];
            if right.symbol().is_empty() {
                right.set_symbol(" ");
            }
        }
    }
}

pub(crate) fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

fn draw_filters(frame: &mut Frame, app: &App, area: Rect) {
    let rect = popup(area, 96, FILTER_ROWS.len() as u16 + 2);
    let areas = app.areas();
    let items: Vec<ListItem> = FILTER_ROWS
        .iter()
        .map(|row| {
            let label = filter_label(*row);
            // Pad by display width: a kanji takes two cells.
            let pad = 10usize.saturating_sub(Span::raw(label).width());
            let current = FILTER_ROWS[app.filter_row] == *row;
            let shown = super::filter_panel::shown(
                *row,
                &app.filters,
                &areas,
                app.filter_cursor.filter(|_| current),
                if current { &app.filter_typed } else { "" },
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
        &mut ListState::default().with_selected(Some(app.filter_row)),
    );
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let rect = popup(area, 76, text::HELP.len() as u16 + 2);
    let lines: Vec<Line> = text::HELP
        .iter()
        .map(|(key, what)| {
            let pad = 13usize.saturating_sub(Span::raw(*key).width());
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

fn draw_login(frame: &mut Frame, form: &super::app::LoginForm, area: Rect) {
    let rect = popup(area, 72, 10);
    let block = Block::bordered().title(format!(" {} — {} ", text::TITLE, text::LOGIN_TITLE));
    let inner = block.inner(rect);
    let masked = "*".repeat(form.password.chars().count());
    let fields = [
        (text::LOGIN_SERVER, form.server.as_str()),
        (text::LOGIN_ID, form.login_id.as_str()),
        (text::LOGIN_PASSWORD, masked.as_str()),
    ];
    let mut lines: Vec<Line> = Vec::new();
    for (i, (label, value)) in fields.iter().enumerate() {
        let pad = 12usize.saturating_sub(Span::raw(*label).width());
        let label = Span::raw(format!("{label}{}", " ".repeat(pad)));
        let label = if i == form.field {
            label.add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            label
        };
        lines.push(Line::from(vec![
            label,
            Span::raw(" "),
            Span::raw(value.to_string()),
        ]));
    }
    lines.push(Line::from(""));
    if form.busy {
        lines.push(Line::from(text::LOGIN_BUSY));
    } else if let Some(error) = &form.error {
        lines.push(Line::from(
            Span::raw(error.clone()).add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::from(
        Span::raw(text::LOGIN_HINT).add_modifier(Modifier::DIM),
    ));
    clear_popup(frame, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        rect,
    );
    // The caret at the end of the field being typed in (IME composes there).
    let value = fields[form.field.min(2)].1;
    let x = inner
        .x
        .saturating_add(13)
        .saturating_add(Span::raw(value).width() as u16);
    let y = inner.y.saturating_add(form.field as u16);
    if x < inner.right() && y < inner.bottom() {
        frame.set_cursor_position(Position::new(x, y));
    }
}

fn draw_lock(frame: &mut Frame, app: &App, area: Rect) {
    let rect = popup(area, 70, 7);
    let mut lines = vec![
        Line::from(text::LOCKED_BODY),
        Line::from(""),
        Line::from(format!(
            "{}: {}",
            text::LOGIN_PASSWORD,
            "*".repeat(app.lock_input.chars().count())
        )),
    ];
    if let Some(error) = app.lock_error {
        lines.push(Line::from(Span::raw(error).add_modifier(Modifier::BOLD)));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(format!(" {} ", text::LOCKED_TITLE))),
        rect,
    );
}
