//! Drawing the main screen: reads the state, never changes it (STYLE). Black-on-default
//! friendly colours, wide (CJK) characters measured by ratatui, and no arithmetic that can
//! underflow at tiny sizes.

use super::{Focus, Search};
use crate::directory::Person;
use crate::search::{EntryRef, SearchIndex};
use crate::tui::context::Context;
use crate::tui::screens::filters::chips;
use crate::tui::text;
use crate::tui::widgets::fold::shorten;
use crate::tui::widgets::person_card::{numbers_line, organization_lines, person_lines};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;
/// Side-by-side list and detail from this width; below it the detail replaces the list.
const SPLIT_WIDTH: u16 = 100;

/// The screen; the caret in the search box (where an IME composes). `focused`: no layer is
/// over this one, so its focused pane is shown in bold.
pub fn draw(
    frame: &mut Frame,
    s: &Search,
    area: Rect,
    ctx: &Context,
    focused: bool,
) -> Option<Position> {
    let chip_list = chips(&s.filters);
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
            Span::raw(format!("  {}", ctx.status.member)),
        ]),
        title,
    );
    let caret = draw_query(frame, s, query, focused);
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

    let pane_focus = Some(s.focus).filter(|_| focused);
    if body.width >= SPLIT_WIDTH {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
        draw_results(frame, s, ctx, list, pane_focus);
        draw_detail(frame, s, ctx, detail, pane_focus);
    } else if s.focus == Focus::Detail {
        draw_detail(frame, s, ctx, body, pane_focus);
    } else {
        draw_results(frame, s, ctx, body, pane_focus);
    }
    draw_status(frame, ctx, status);
    caret
}

fn draw_query(frame: &mut Frame, s: &Search, area: Rect, focused: bool) -> Option<Position> {
    let block = Block::bordered()
        .title(format!(" {} ", text::SEARCH_BOX))
        .border_style(if focused {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        });
    let inner = block.inner(area);
    let line = if s.query.value.is_empty() {
        Line::from(Span::raw(text::QUERY_PLACEHOLDER).add_modifier(Modifier::DIM))
    } else {
        Line::from(s.query.value.as_str())
    };
    frame.render_widget(Paragraph::new(line).block(block), area);
    // The real cursor sits at the caret, so an IME composes in the right place.
    let before: String = s.query.value.chars().take(s.query.caret).collect();
    let x = inner.x.saturating_add(Span::raw(before).width() as u16);
    Some(Position::new(
        x.min(inner.right().saturating_sub(1)),
        inner.y,
    ))
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

fn draw_results(frame: &mut Frame, s: &Search, ctx: &Context, area: Rect, focus: Option<Focus>) {
    let block = pane(
        format!(" {}{} ", text::RESULTS, text::count(s.hits.len())),
        focus == Some(Focus::List),
    );
    let Some(index) = &ctx.index else {
        frame.render_widget(Paragraph::new(text::NO_DIRECTORY).block(block), area);
        return;
    };
    if s.hits.is_empty() {
        let mut lines = vec![Line::from(text::NO_RESULTS)];
        lines.extend(
            s.why_nothing()
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
    let start = s.selected.saturating_sub(visible.saturating_sub(1));
    let items: Vec<ListItem> = s
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
                .then(|| s.availability(hit.entry, ctx))
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
    let mut state = ListState::default().with_selected(Some(s.selected - start));
    frame.render_stateful_widget(list, area, &mut state);
}

fn draw_detail(frame: &mut Frame, s: &Search, ctx: &Context, area: Rect, focus: Option<Focus>) {
    let title = if s.detail_scroll > 0 {
        format!(" {}{} ", text::DETAIL, text::DETAIL_SCROLL_UP)
    } else {
        format!(" {}{} ", text::DETAIL, text::DETAIL_SCROLL_DOWN)
    };
    let block = pane(title, focus == Some(Focus::Detail));
    let (Some(index), Some(hit)) = (&ctx.index, s.selected_hit()) else {
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
                s.availability(hit.entry, ctx),
                ctx.now,
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
        organization_lines(&mut lines, o, ctx.now, ctx.stale_after_months);
    }
    if let EntryRef::Organization(i) = hit.entry {
        doctors_lines(&mut lines, s, ctx, index, i);
    }
    // PgDn scrolls; never past the last line.
    let scroll = s
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
    s: &Search,
    ctx: &Context,
    index: &SearchIndex,
    org: usize,
) {
    let mut people: Vec<(usize, &Person)> = index
        .people_of(org)
        .into_iter()
        .map(|i| (i, index.person(i)))
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
        let when = s
            .availability(EntryRef::Person(i), ctx)
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

fn draw_status(frame: &mut Frame, ctx: &Context, area: Rect) {
    let status = &ctx.status;
    let sync = text::sync_state(status.synced_at, Some(status.online), status.revision);
    let mut spans = vec![Span::raw(sync).add_modifier(Modifier::REVERSED)];
    if status.syncing {
        spans.push(Span::raw(format!(" {}", text::SYNCING)));
    }
    if let Some(flash) = &ctx.flash {
        spans.push(Span::raw(format!(" {flash}")).add_modifier(Modifier::BOLD));
    } else if let Some(error) = &status.error {
        spans.push(Span::raw(format!(" {error}")));
    }
    if status.drafts > 0 {
        spans.push(Span::raw(text::drafts_waiting(status.drafts)).add_modifier(Modifier::BOLD));
    }
    spans.push(Span::raw(text::STATUS_KEYS));
    frame.render_widget(Line::from(spans), area);
}
