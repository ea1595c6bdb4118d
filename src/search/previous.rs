//! The rows of an index built before, offered to the next build (issue 15: "rebuilt
//! incrementally when a delta arrives"). Folding every name is most of building an index; after
//! a delta nearly everybody is as they were. Each person's folded row is found again by id and
//! reused when the fields it was folded from are unchanged — a fingerprint of the fields, and
//! the contact windows compared as they are — so only the people a delta changed (or added) are
//! folded again. Organisations, facets and the kana order are rebuilt in full: they cost little.
//!
//! Reuse is decided per person from the records themselves, never from what a delta says it
//! holds, so a delta, a full resync after 410 and a snapshot file all reuse what they can and
//! the result is the same index a full build makes (the tests compare them column by column).

use super::columns::Columns;
use crate::availability::CompactWindow;
use crate::directory::{Organization, Person};
use foldhash::fast::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// Earlier positions by id.
pub(super) type ById<'a> = HashMap<&'a str, usize, RandomState>;

/// Each person's row of the index before, by id.
pub struct PreviousRows {
    pub(super) cols: Columns,
    /// Per person (position in `cols`): the fingerprint of what the row was folded from.
    fingerprints: Vec<u64>,
    /// Per organisation (its rows follow the people's): the same for its rows and fields.
    org_fingerprints: Vec<u64>,
    /// Seeded at random per process (a fingerprint never leaves it, so nobody can aim for a
    /// collision); foldhash, several times quicker than the standard library's SipHash over
    /// 100 000 people's names.
    hasher: RandomState,
}

/// What a person's folded row is made of, besides the contact windows: exactly what
/// `index::push_person` reads to fold it (the organisation is looked up again on every build).
fn fingerprint(hasher: &RandomState, person: &Person) -> u64 {
    let mut h = hasher.build_hasher();
    // `str`'s hash ends each string and a vector's starts with its length: fields cannot run
    // into each other.
    person.name.hash(&mut h);
    person.name_kana.hash(&mut h);
    person.specialties.hash(&mut h);
    person.title.hash(&mut h);
    person.role.label().hash(&mut h);
    h.finish()
}

/// What an organisation's row and fields are folded from: what `index::build_unranked` and
/// `index::organization_fields` read.
fn organization_fingerprint(hasher: &RandomState, org: &Organization) -> u64 {
    let mut h = hasher.build_hasher();
    org.name.hash(&mut h);
    org.name_kana.hash(&mut h);
    org.ward.hash(&mut h);
    org.district.hash(&mut h);
    org.kind.label().hash(&mut h);
    org.address.hash(&mut h);
    match &org.home_care {
        Some(care) => {
            care.procedures.len().hash(&mut h);
            for p in &care.procedures {
                p.label().hash(&mut h);
            }
        }
        None => usize::MAX.hash(&mut h),
    }
    h.finish()
}

impl PreviousRows {
    /// `cols`: an index's columns, whose rows are `people`'s then `organizations`', in order.
    pub(super) fn new(
        cols: Columns,
        people: &[Person],
        organizations: &[Organization],
    ) -> PreviousRows {
        let hasher = RandomState::default();
        let fingerprints = super::records::in_parallel(people, |part| {
            part.iter()
                .map(|p| fingerprint(&hasher, p))
                .collect::<Vec<_>>()
        })
        .concat();
        let org_fingerprints = organizations
            .iter()
            .map(|o| organization_fingerprint(&hasher, o))
            .collect();
        PreviousRows {
            cols,
            fingerprints,
            org_fingerprints,
            hasher,
        }
    }

    /// Where each earlier person's row is, by id.
    pub(super) fn positions(&self) -> ById<'_> {
        (0..self.fingerprints.len())
            .map(|i| (self.cols.ids.get(i), i))
            .collect()
    }

    /// Where each earlier organisation is among the organisations, by id.
    pub(super) fn organization_positions(&self) -> ById<'_> {
        let people = self.fingerprints.len();
        (0..self.org_fingerprints.len())
            .map(|j| (self.cols.ids.get(people + j), j))
            .collect()
    }

    /// The earlier row (position in `cols`) and fields (position among the organisations) of
    /// `org` when they were folded from the same fields; None: fold them again.
    pub(super) fn reusable_organization(
        &self,
        positions: &ById<'_>,
        org: &Organization,
    ) -> Option<(usize, usize)> {
        let &j = positions.get(org.id.as_str())?;
        (self.org_fingerprints[j] == organization_fingerprint(&self.hasher, org))
            .then_some((self.fingerprints.len() + j, j))
    }

    /// The position of `person`'s earlier row when it was folded from the same fields and has
    /// the same contact windows; None: fold it again.
    pub(super) fn reusable(
        &self,
        positions: &ById<'_>,
        person: &Person,
        week: &[CompactWindow],
    ) -> Option<usize> {
        let &at = positions.get(person.id.as_str())?;
        (self.fingerprints[at] == fingerprint(&self.hasher, person) && self.cols.week(at) == week)
            .then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use crate::availability::compact_windows;
    use crate::directory::{Organization, Person, Role, Snapshot};
    use crate::search::SearchIndex;
    use rand::{Rng, SeedableRng};
    use std::collections::HashMap;

    /// Changes of every kind a delta (or a full resync) can bring, at random: the fields a row
    /// is folded from, the contact windows, what no row holds (a phone number), another
    /// organisation, an organisation's own fields (its people's masks), people deleted, added
    /// and moved.
    fn change(snapshot: &mut Snapshot, rng: &mut impl Rng) {
        let people = snapshot.people.len();
        for _ in 0..people / 10 {
            let at = rng.gen_range(0..snapshot.people.len());
            let orgs = snapshot.organizations.len();
            let p = &mut snapshot.people[at];
            match rng.gen_range(0..9) {
                0 => p.name = format!("{}助", p.name).into(),
                1 => p.name_kana = format!("{}すけ", p.name_kana).into(),
                2 => p.title = Some("副院長".into()),
                3 => p.specialties.push("在宅医療".into()),
                4 => {
                    p.role = if p.role == Role::Nurse {
                        Role::Doctor
                    } else {
                        Role::Nurse
                    }
                }
                5 => {
                    if let Some(w) = p.contact.windows.first_mut() {
                        w.days.pop();
                    } else {
                        p.contact.windows.clear();
                    }
                }
                6 => p.contact.phone = Some("042-000-0000".into()),
                7 => p.organization_id = snapshot.organizations[rng.gen_range(0..orgs)].id.clone(),
                _ => p.contact.windows.reverse(),
            }
        }
        for _ in 0..snapshot.organizations.len() / 10 {
            let at = rng.gen_range(0..snapshot.organizations.len());
            let org = &mut snapshot.organizations[at];
            match rng.gen_range(0..5) {
                0 => org.name = format!("{}分院", org.name).into(),
                1 => {
                    org.ward = if org.ward == "緑区" {
                        "南区"
                    } else {
                        "緑区"
                    }
                    .into()
                }
                2 => org.address = format!("{}2階", org.address).into(),
                3 => {
                    if let Some(care) = &mut org.home_care {
                        care.procedures.pop();
                    }
                }
                // Nothing any row holds.
                _ => org.phone = Some("042-111-1111".into()),
            }
        }
        for _ in 0..people / 50 {
            let at = rng.gen_range(0..snapshot.people.len());
            snapshot.people.remove(at);
        }
        for k in 0..people / 50 {
            let mut p = snapshot.people[rng.gen_range(0..snapshot.people.len())].clone();
            p.id = format!("p-new-{k}").into();
            p.name = format!("新井 {k}郎").into();
            snapshot.people.push(p);
        }
        let last = snapshot.people.len() - 1;
        snapshot.people.swap(0, last);
        // An organisation removed: its people's rows remain findable by name alone.
        snapshot
            .organizations
            .remove(rng.gen_range(0..snapshot.organizations.len()));
    }

    /// Whether `now`'s row is folded from the same fields as `before`'s — compared field by
    /// field, not by fingerprint.
    fn same_row(before: &Person, now: &Person) -> bool {
        before.name == now.name
            && before.name_kana == now.name_kana
            && before.specialties == now.specialties
            && before.title == now.title
            && before.role == now.role
            && compact_windows(&before.contact) == compact_windows(&now.contact)
    }

    fn same_organization_rows(before: &Organization, now: &Organization) -> bool {
        let procedures = |o: &Organization| o.home_care.as_ref().map(|c| c.procedures.clone());
        before.name == now.name
            && before.name_kana == now.name_kana
            && before.ward == now.ward
            && before.district == now.district
            && before.kind == now.kind
            && before.address == now.address
            && procedures(before) == procedures(now)
    }

    #[test]
    fn an_index_built_on_earlier_rows_is_the_index_a_full_build_makes() {
        for seed in 0..6 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let original = crate::demo::generate(3000, seed);
            let (snapshot, previous) = SearchIndex::build(original.clone()).into_parts();
            assert_eq!(snapshot, original, "the snapshot comes back as it was");
            let mut changed = snapshot;
            change(&mut changed, &mut rng);

            let full = SearchIndex::build(changed.clone());
            let (incremental, reused) =
                SearchIndex::build_reusing(changed.clone(), Some(&previous));
            let (full_cols, full_facets) = full.columns_and_facets();
            let (cols, facets) = incremental.columns_and_facets();
            assert!(
                cols == full_cols,
                "seed {seed}: the columns differ from a full build's"
            );
            assert!(facets == full_facets, "seed {seed}: the facets differ");

            let before: HashMap<&str, &Person> =
                original.people.iter().map(|p| (p.id.as_str(), p)).collect();
            let unchanged = changed
                .people
                .iter()
                .filter(|p| before.get(p.id.as_str()).is_some_and(|b| same_row(b, p)))
                .count();
            let orgs_before: HashMap<&str, &Organization> = original
                .organizations
                .iter()
                .map(|o| (o.id.as_str(), o))
                .collect();
            let unchanged_orgs = changed
                .organizations
                .iter()
                .filter(|o| {
                    orgs_before
                        .get(o.id.as_str())
                        .is_some_and(|b| same_organization_rows(b, o))
                })
                .count();
            assert_eq!(
                reused,
                unchanged + unchanged_orgs,
                "seed {seed}: every unchanged row is reused, no other"
            );
            assert!(unchanged_orgs < changed.organizations.len());
            assert!(unchanged > changed.people.len() * 3 / 4 && unchanged < changed.people.len());
        }
    }

    /// Rows reused twice over (a second delta on an index that was itself built on rows) are
    /// still a full build's.
    #[test]
    fn rows_reused_from_an_incremental_build_stay_right() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut snapshot = crate::demo::generate(1500, 7);
        let mut index = SearchIndex::build(snapshot.clone());
        for _ in 0..3 {
            let (_, previous) = index.into_parts();
            change(&mut snapshot, &mut rng);
            index = SearchIndex::build_reusing(snapshot.clone(), Some(&previous)).0;
            let full = SearchIndex::build(snapshot.clone());
            assert!(index.columns_and_facets() == full.columns_and_facets());
        }
    }
}
