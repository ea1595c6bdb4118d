//! The filter panel's choices (F2): typed letters narrow the row's choices (`mito` finds
//! 看取り among 23 procedures at once, `kanyo` nothing), ←→ move among what is left, and the
//! kind and procedure rows take several choices (Space adds or removes the one shown). Pure
//! functions of the filters and the directory's areas; the panel's state is the screen's.

use super::{FilterRow, FILTER_ROWS};
use crate::directory::{Accepting, Area, ContactMethod, OrganizationKind, Procedure};
use crate::search::{fold, Filters};
use crate::tui::text;

/// Rows that take several choices: any of the kinds, all of the procedures.
pub fn is_multi(row: FilterRow) -> bool {
    matches!(row, FilterRow::Kind | FilterRow::Procedure)
}

/// The row's choices as (label, reading), in the order ←→ walks them.
pub fn choices(row: FilterRow, filters: &Filters, areas: &[Area]) -> Vec<(String, String)> {
    let place = |p: &str| {
        (
            p.to_string(),
            crate::search::place_reading(p)
                .unwrap_or_default()
                .to_string(),
        )
    };
    match row {
        FilterRow::Kind => OrganizationKind::ALL
            .iter()
            .map(|k| {
                (
                    k.label().to_string(),
                    crate::search::kind_reading(*k).to_string(),
                )
            })
            .collect(),
        FilterRow::Ward => areas.iter().map(|a| place(&a.ward)).collect(),
        FilterRow::District => districts(filters, areas).iter().map(|d| place(d)).collect(),
        FilterRow::Procedure => Procedure::ALL
            .iter()
            .map(|p| {
                (
                    p.label().to_string(),
                    crate::search::procedure_reading(*p).to_string(),
                )
            })
            .collect(),
        FilterRow::Accepting => Accepting::ALL
            .iter()
            .map(|a| (a.label().to_string(), String::new()))
            .collect(),
        FilterRow::Method => ContactMethod::ALL
            .iter()
            .map(|m| (m.label().to_string(), String::new()))
            .collect(),
        FilterRow::Reachable | FilterRow::Doctors => Vec::new(),
    }
}

fn districts(filters: &Filters, areas: &[Area]) -> Vec<String> {
    areas
        .iter()
        .filter(|a| filters.ward.as_ref().is_none_or(|w| *w == a.ward))
        .flat_map(|a| a.districts.clone())
        .collect()
}

/// The choices that the typed letters match (label or reading, folded like the search), all of
/// them when nothing is typed.
pub fn narrowed(row: FilterRow, typed: &str, filters: &Filters, areas: &[Area]) -> Vec<usize> {
    let key = fold(typed);
    choices(row, filters, areas)
        .iter()
        .enumerate()
        .filter(|(_, (label, reading))| {
            key.is_empty() || fold(label).contains(&key) || fold(reading).contains(&key)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The position of the row's current value among its choices (single rows).
pub fn current(row: FilterRow, filters: &Filters, areas: &[Area]) -> Option<usize> {
    let all = choices(row, filters, areas);
    let label = match row {
        FilterRow::Kind => filters.kinds.first().map(|k| k.label().to_string()),
        FilterRow::Ward => filters.ward.clone(),
        FilterRow::District => filters.district.clone(),
        FilterRow::Procedure => filters.procedures.first().map(|p| p.label().to_string()),
        FilterRow::Accepting => filters.accepting.map(|a| a.label().to_string()),
        FilterRow::Method => filters.method.map(|m| m.label().to_string()),
        FilterRow::Reachable | FilterRow::Doctors => None,
    }?;
    all.iter().position(|(l, _)| *l == label)
}

/// Sets a single row to choice `index` (None: all).
pub fn set(row: FilterRow, filters: &mut Filters, areas: &[Area], index: Option<usize>) {
    let districts = districts(filters, areas);
    match row {
        FilterRow::Ward => {
            filters.ward = index.and_then(|i| areas.get(i)).map(|a| a.ward.clone());
            filters.district = None;
        }
        FilterRow::District => filters.district = index.and_then(|i| districts.get(i)).cloned(),
        FilterRow::Accepting => {
            filters.accepting = index.and_then(|i| Accepting::ALL.get(i)).copied()
        }
        FilterRow::Method => {
            filters.method = index.and_then(|i| ContactMethod::ALL.get(i)).copied()
        }
        FilterRow::Kind => {
            filters.kinds = index
                .and_then(|i| OrganizationKind::ALL.get(i))
                .copied()
                .into_iter()
                .collect()
        }
        FilterRow::Procedure => {
            filters.procedures = index
                .and_then(|i| Procedure::ALL.get(i))
                .copied()
                .into_iter()
                .collect()
        }
        FilterRow::Reachable | FilterRow::Doctors => {}
    }
}

/// Adds choice `index` to a multi row, or takes it out.
pub fn toggle(row: FilterRow, filters: &mut Filters, index: usize) {
    match row {
        FilterRow::Kind => {
            if let Some(k) = OrganizationKind::ALL.get(index) {
                match filters.kinds.iter().position(|x| x == k) {
                    Some(at) => {
                        filters.kinds.remove(at);
                    }
                    None => filters.kinds.push(*k),
                }
            }
        }
        FilterRow::Procedure => {
            if let Some(p) = Procedure::ALL.get(index) {
                match filters.procedures.iter().position(|x| x == p) {
                    Some(at) => {
                        filters.procedures.remove(at);
                    }
                    None => filters.procedures.push(*p),
                }
            }
        }
        _ => {}
    }
}

/// Whether choice `index` of a multi row is chosen.
pub fn chosen(row: FilterRow, filters: &Filters, index: usize) -> bool {
    match row {
        FilterRow::Kind => OrganizationKind::ALL
            .get(index)
            .is_some_and(|k| filters.kinds.contains(k)),
        FilterRow::Procedure => Procedure::ALL
            .get(index)
            .is_some_and(|p| filters.procedures.contains(p)),
        _ => false,
    }
}

/// What a row shows in the panel: the choice under the cursor for a multi row (✓ when chosen)
/// and what is chosen; the value for a single row; the letters typed, if any.
pub fn shown(
    row: FilterRow,
    filters: &Filters,
    areas: &[Area],
    cursor: Option<usize>,
    typed: &str,
) -> String {
    let all = choices(row, filters, areas);
    let mut out = if is_multi(row) {
        match cursor.and_then(|c| all.get(c).map(|(l, _)| (c, l))) {
            Some((c, label)) => {
                let mark = if chosen(row, filters, c) { "✓ " } else { "" };
                format!("◀ {mark}{label} ▶")
            }
            None => format!("◀ {} ▶", text::ANY),
        }
    } else {
        format!("◀ {} ▶", filter_value(filters, row))
    };
    if is_multi(row) {
        let value = filter_value(filters, row);
        if value != text::ANY {
            out.push_str(&format!(" {}{value}", text::FILTER_CHOSEN));
        }
    }
    if !typed.is_empty() {
        out.push_str(&format!(" 「{typed}」"));
    }
    out
}

/// The next (or previous) value after `current`; None ("all") sits before the first value.
fn cycle<T: Clone + PartialEq>(current: Option<&T>, values: &[T], forward: bool) -> Option<T> {
    let position = current.and_then(|c| values.iter().position(|v| v == c));
    let next = match (position, forward) {
        (None, true) => Some(0),
        (None, false) => values.len().checked_sub(1),
        (Some(i), true) => (i + 1 < values.len()).then_some(i + 1),
        (Some(i), false) => i.checked_sub(1),
    };
    next.map(|i| values[i].clone())
}

pub fn cycle_filter(
    filters: &mut Filters,
    row: FilterRow,
    forward: bool,
    areas: &[crate::directory::Area],
) {
    match row {
        FilterRow::Kind => {
            let next = cycle(filters.kinds.first(), OrganizationKind::ALL, forward);
            filters.kinds = next.into_iter().collect();
        }
        FilterRow::Ward => {
            let wards: Vec<String> = areas.iter().map(|a| a.ward.clone()).collect();
            filters.ward = cycle(filters.ward.as_ref(), &wards, forward);
            filters.district = None;
        }
        FilterRow::District => {
            let districts: Vec<String> = areas
                .iter()
                .filter(|a| filters.ward.as_ref().is_none_or(|w| *w == a.ward))
                .flat_map(|a| a.districts.clone())
                .collect();
            filters.district = cycle(filters.district.as_ref(), &districts, forward);
        }
        FilterRow::Procedure => {
            let next = cycle(filters.procedures.first(), Procedure::ALL, forward);
            filters.procedures = next.into_iter().collect();
        }
        FilterRow::Accepting => {
            filters.accepting = cycle(filters.accepting.as_ref(), Accepting::ALL, forward)
        }
        FilterRow::Method => {
            filters.method = cycle(filters.method.as_ref(), ContactMethod::ALL, forward)
        }
        FilterRow::Reachable => filters.reachable_now = !filters.reachable_now,
        FilterRow::Doctors => filters.doctors_only = !filters.doctors_only,
    }
}

/// The value a filter row shows.
pub fn filter_value(filters: &Filters, row: FilterRow) -> String {
    let any = || text::ANY.to_string();
    match row {
        FilterRow::Kind if filters.kinds.is_empty() => any(),
        FilterRow::Kind => filters
            .kinds
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("・"),
        FilterRow::Ward => filters.ward.clone().unwrap_or_else(any),
        FilterRow::District => filters.district.clone().unwrap_or_else(any),
        FilterRow::Procedure if filters.procedures.is_empty() => any(),
        FilterRow::Procedure => filters
            .procedures
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join("・"),
        FilterRow::Accepting => filters
            .accepting
            .map_or_else(any, |a| a.label().to_string()),
        FilterRow::Method => filters.method.map_or_else(any, |m| m.label().to_string()),
        FilterRow::Reachable => if filters.reachable_now {
            text::ON
        } else {
            text::OFF
        }
        .to_string(),
        FilterRow::Doctors => if filters.doctors_only {
            text::ON
        } else {
            text::OFF
        }
        .to_string(),
    }
}

pub fn filter_label(row: FilterRow) -> &'static str {
    match row {
        FilterRow::Kind => text::FILTER_KIND,
        FilterRow::Ward => text::FILTER_WARD,
        FilterRow::District => text::FILTER_DISTRICT,
        FilterRow::Procedure => text::FILTER_PROCEDURE,
        FilterRow::Accepting => text::FILTER_ACCEPTING,
        FilterRow::Method => text::FILTER_METHOD,
        FilterRow::Reachable => text::FILTER_REACHABLE,
        FilterRow::Doctors => text::FILTER_DOCTORS,
    }
}

/// Active filters as chips under the query box.
pub fn chips(filters: &Filters) -> Vec<String> {
    FILTER_ROWS
        .iter()
        .filter(|row| match row {
            FilterRow::Kind => !filters.kinds.is_empty(),
            FilterRow::Ward => filters.ward.is_some(),
            FilterRow::District => filters.district.is_some(),
            FilterRow::Procedure => !filters.procedures.is_empty(),
            FilterRow::Accepting => filters.accepting.is_some(),
            FilterRow::Method => filters.method.is_some(),
            FilterRow::Reachable => filters.reachable_now,
            FilterRow::Doctors => filters.doctors_only,
        })
        .map(|row| match row {
            FilterRow::Reachable => text::REACHABLE_CHIP.to_string(),
            FilterRow::Doctors => text::DOCTORS_CHIP.to_string(),
            _ => format!("{}: {}", filter_label(*row), filter_value(filters, *row)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_narrows_by_label_or_reading() {
        let filters = Filters::default();
        let procedures = |typed| narrowed(FilterRow::Procedure, typed, &filters, &[]);
        let at = |p: Procedure| Procedure::ALL.iter().position(|x| *x == p).unwrap();
        assert_eq!(procedures("mito"), vec![at(Procedure::TerminalCare)]);
        assert_eq!(procedures("看取"), vec![at(Procedure::TerminalCare)]);
        assert_eq!(procedures("さんそ"), vec![at(Procedure::HomeOxygen)]);
        assert_eq!(procedures("").len(), Procedure::ALL.len());
        assert!(procedures("鬱").is_empty());
    }

    #[test]
    fn multi_rows_take_several_choices() {
        let mut filters = Filters::default();
        toggle(FilterRow::Procedure, &mut filters, 0);
        toggle(FilterRow::Procedure, &mut filters, 18);
        assert_eq!(filters.procedures.len(), 2);
        assert!(chosen(FilterRow::Procedure, &filters, 18));
        toggle(FilterRow::Procedure, &mut filters, 0);
        assert_eq!(filters.procedures, vec![Procedure::ALL[18]]);
    }
}
