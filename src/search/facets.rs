//! What the filters and the number search look at, as columns of the index (issue 15): a
//! filter, or a caller's number typed in, then runs over small integers and digit strings, and
//! no record is decoded — the TUI never needs the whole snapshot in memory to search it.

use super::columns::{ends_rise, range_of, Reader, Strings, Writer};
use crate::directory::{ContactMethod, Organization, Person};

/// `ContactMethod` as one bit.
pub(super) fn method_bit(m: ContactMethod) -> u8 {
    1 << (m as u8)
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Facets {
    /// Per person: `Role` as its position.
    pub role: Vec<u8>,
    /// Per person: the preferred methods, one bit each.
    pub methods: Vec<u8>,
    /// Per organisation: `OrganizationKind` as its position.
    pub kind: Vec<u8>,
    /// Per organisation: its ward and district, as positions in `places`.
    pub ward: Vec<u32>,
    pub district: Vec<u32>,
    /// Per organisation: the procedures it can manage, one bit each (23 of them).
    pub procedures: Vec<u32>,
    /// Per organisation: 0 without home care, else 1 + `Accepting` as its position; bit 7 set
    /// when it visits.
    pub care: Vec<u8>,
    /// Per organisation: a phone, FAX, email listed — one bit each, as `method_bit`.
    pub listed: Vec<u8>,
    /// Per organisation: the districts it visits, as positions in `places`.
    pub visit_ends: Vec<u32>,
    pub visits: Vec<u32>,
    /// Ward and district names, each once.
    pub places: Strings,
    /// Per entry (people, then organisations): the digits of its own phone and FAX ("" for
    /// none).
    pub phones: Strings,
    pub faxes: Strings,
}

pub(super) const VISITS: u8 = 0x80;

fn digits(number: Option<&str>) -> String {
    number
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Interns place names while the facets are built.
#[derive(Default)]
pub(super) struct Places {
    positions: std::collections::HashMap<String, u32>,
}

impl Places {
    fn id(&mut self, facets: &mut Facets, name: &str) -> u32 {
        if let Some(&id) = self.positions.get(name) {
            return id;
        }
        let id = facets.places.len() as u32;
        facets.places.push(name);
        self.positions.insert(name.to_string(), id);
        id
    }
}

impl Facets {
    pub fn push_person(&mut self, person: &Person) {
        self.role.push(person.role as u8);
        self.methods.push(
            person
                .contact
                .preferred_methods
                .iter()
                .fold(0, |bits, m| bits | method_bit(*m)),
        );
        self.phones.push(&digits(person.contact.phone.as_deref()));
        self.faxes.push(&digits(person.contact.fax.as_deref()));
    }

    pub fn push_organization(&mut self, places: &mut Places, org: &Organization) {
        self.kind.push(org.kind as u8);
        let ward = places.id(self, &org.ward);
        self.ward.push(ward);
        let district = places.id(self, &org.district);
        self.district.push(district);
        let care = org.home_care.as_ref();
        self.procedures.push(care.map_or(0, |c| {
            c.procedures
                .iter()
                .fold(0, |bits, p| bits | 1 << (*p as u32))
        }));
        self.care.push(care.map_or(0, |c| {
            (1 + c.accepting as u8) | if c.home_visits { VISITS } else { 0 }
        }));
        let listed = [
            (org.phone.is_some(), ContactMethod::Phone),
            (org.fax.is_some(), ContactMethod::Fax),
            (org.email.is_some(), ContactMethod::Email),
        ];
        self.listed.push(
            listed
                .iter()
                .filter(|(has, _)| *has)
                .fold(0, |bits, (_, m)| bits | method_bit(*m)),
        );
        for d in care
            .map(|c| c.visit_districts.as_slice())
            .unwrap_or_default()
        {
            let id = places.id(self, d);
            self.visits.push(id);
        }
        self.visit_ends.push(self.visits.len() as u32);
    }

    /// The organisation's own numbers go after every person's (entries are people first).
    pub fn push_organization_numbers(&mut self, org: &Organization) {
        self.phones.push(&digits(org.phone.as_deref()));
        self.faxes.push(&digits(org.fax.as_deref()));
    }

    pub fn visits_of(&self, org: usize) -> &[u32] {
        &self.visits[range_of(&self.visit_ends, org)]
    }

    /// The people's facets of `other` after these (the index is built on every core).
    pub fn extend_people(&mut self, other: Facets) {
        self.role.extend(other.role);
        self.methods.extend(other.methods);
        self.phones.extend(&other.phones);
        self.faxes.extend(&other.faxes);
    }

    pub fn encode(&self, out: &mut Writer) {
        out.bytes(&self.role);
        out.bytes(&self.methods);
        out.bytes(&self.kind);
        out.u32s(&self.ward);
        out.u32s(&self.district);
        out.u32s(&self.procedures);
        out.bytes(&self.care);
        out.bytes(&self.listed);
        out.u32s(&self.visit_ends);
        out.u32s(&self.visits);
        for s in [&self.places, &self.phones, &self.faxes] {
            out.bytes(s.text.as_bytes());
            out.u32s(&s.ends);
        }
    }

    /// Back from [`Facets::encode`]; None when anything is out of range.
    pub fn decode(input: &mut Reader<'_>, people: usize, orgs: usize) -> Option<Facets> {
        let role = input.bytes()?.to_vec();
        let methods = input.bytes()?.to_vec();
        let kind = input.bytes()?.to_vec();
        let ward = input.u32s()?;
        let district = input.u32s()?;
        let procedures = input.u32s()?;
        let care = input.bytes()?.to_vec();
        let listed = input.bytes()?.to_vec();
        let visit_ends = input.u32s()?;
        let visits = input.u32s()?;
        let places = read_strings(input)?;
        let phones = read_strings(input)?;
        let faxes = read_strings(input)?;
        let facets = Facets {
            role,
            methods,
            kind,
            ward,
            district,
            procedures,
            care,
            listed,
            visit_ends,
            visits,
            places,
            phones,
            faxes,
        };
        facets.fits(people, orgs).then_some(facets)
    }

    fn fits(&self, people: usize, orgs: usize) -> bool {
        let places = self.places.len() as u32;
        let visits_rise = ends_rise(&self.visit_ends)
            && self
                .visit_ends
                .last()
                .is_none_or(|&e| e as usize == self.visits.len());
        self.role.len() == people
            && self.methods.len() == people
            && [
                self.kind.len(),
                self.ward.len(),
                self.district.len(),
                self.procedures.len(),
                self.care.len(),
                self.listed.len(),
                self.visit_ends.len(),
            ]
            .iter()
            .all(|&l| l == orgs)
            && self.phones.len() == people + orgs
            && self.faxes.len() == people + orgs
            && visits_rise
            && self
                .ward
                .iter()
                .chain(&self.district)
                .chain(&self.visits)
                .all(|&p| p < places)
            && self
                .role
                .iter()
                .all(|&r| usize::from(r) < crate::directory::Role::ALL.len())
            && self
                .kind
                .iter()
                .all(|&k| usize::from(k) < crate::directory::OrganizationKind::ALL.len())
            && self
                .care
                .iter()
                .all(|&c| usize::from(c & !VISITS) <= crate::directory::Accepting::ALL.len())
    }
}

fn read_strings(input: &mut Reader<'_>) -> Option<Strings> {
    let text = super::columns::string_from(input.bytes()?.to_vec())?;
    let ends = input.u32s()?;
    let strings = Strings { text, ends };
    strings.is_valid().then_some(strings)
}

#[cfg(test)]
mod tests {
    use crate::directory::{Accepting, ContactMethod, OrganizationKind, Procedure, Role, Snapshot};
    use crate::search::{EntryRef, Filters, SearchIndex};

    /// The filters as they read on the records themselves: the reference the facet columns
    /// must agree with.
    fn passes(s: &Snapshot, entry: EntryRef, f: &Filters, reachable: bool) -> bool {
        let person = match entry {
            EntryRef::Person(i) => Some(&s.people[i]),
            EntryRef::Organization(_) => None,
        };
        let org = match entry {
            EntryRef::Person(i) => s.organization(&s.people[i].organization_id),
            EntryRef::Organization(i) => Some(&s.organizations[i]),
        };
        if (f.people_only || f.reachable_now || f.doctors_only) && person.is_none() {
            return false;
        }
        if f.doctors_only && !person.is_some_and(|p| matches!(p.role, Role::Doctor | Role::Dentist))
        {
            return false;
        }
        if f.reachable_now && !reachable {
            return false;
        }
        if let (Some(m), Some(p)) = (f.method, person) {
            if !p.contact.preferred_methods.contains(&m) {
                return false;
            }
        }
        let Some(org) = org else {
            return f.kinds.is_empty()
                && f.ward.is_none()
                && f.district.is_none()
                && f.procedures.is_empty()
                && f.accepting.is_none()
                && f.visit_district.is_none();
        };
        let care = org.home_care.as_ref();
        (f.kinds.is_empty() || f.kinds.contains(&org.kind))
            && f.ward.as_ref().is_none_or(|w| *w == org.ward)
            && f.district.as_ref().is_none_or(|d| *d == org.district)
            && (f.procedures.is_empty()
                || care.is_some_and(|c| f.procedures.iter().all(|p| c.procedures.contains(p))))
            && f.accepting
                .is_none_or(|a| care.map(|c| c.accepting) == Some(a))
            && f.visit_district.as_ref().is_none_or(|d| {
                care.is_some_and(|c| c.home_visits && c.visit_districts.iter().any(|v| v == d))
            })
            && (person.is_some()
                || f.method.is_none_or(|m| match m {
                    ContactMethod::Phone => org.phone.is_some(),
                    ContactMethod::Fax => org.fax.is_some(),
                    ContactMethod::Email => org.email.is_some(),
                }))
    }

    /// Issue 15: filters run on the index's columns, not on records. Every filter, alone and
    /// in pairs, finds exactly the entries the records say — in the index as built and as read
    /// back from its bytes.
    #[test]
    fn filters_on_the_columns_agree_with_the_records() {
        let mut snapshot = crate::demo::generate(1500, 4);
        // A person whose organisation is missing (a bad delta) passes only person filters.
        snapshot.people[7].organization_id = "o-missing".into();
        let built = SearchIndex::build(snapshot.clone());
        let read = built.read_back().expect("reads back");
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(10, 30, 0)
            .unwrap();
        let some_org = &snapshot.organizations[3];
        let visited = snapshot
            .organizations
            .iter()
            .find_map(|o| o.home_care.as_ref()?.visit_districts.first().cloned())
            .expect("the demo visits somewhere");
        let mut each: Vec<Filters> = vec![Filters::default()];
        let one = |f: &mut dyn FnMut(&mut Filters)| {
            let mut filters = Filters::default();
            f(&mut filters);
            filters
        };
        for kind in OrganizationKind::ALL {
            each.push(one(&mut |f| f.kinds = vec![*kind]));
        }
        each.push(one(&mut |f| f.ward = Some(some_org.ward.to_string())));
        each.push(one(&mut |f| {
            f.district = Some(some_org.district.to_string())
        }));
        each.push(one(&mut |f| f.district = Some("どこにもない地区".into())));
        for p in [Procedure::ALL[0], Procedure::ALL[5], Procedure::ALL[22]] {
            each.push(one(&mut |f| f.procedures = vec![p]));
        }
        for a in Accepting::ALL {
            each.push(one(&mut |f| f.accepting = Some(*a)));
        }
        each.push(one(&mut |f| f.visit_district = Some(visited.to_string())));
        for m in ContactMethod::ALL {
            each.push(one(&mut |f| f.method = Some(*m)));
        }
        each.push(one(&mut |f| f.reachable_now = true));
        each.push(one(&mut |f| f.people_only = true));
        each.push(one(&mut |f| f.doctors_only = true));
        let mut filters = each.clone();
        for (i, a) in each.iter().enumerate().skip(1) {
            for b in each.iter().skip(i + 1).step_by(3) {
                let mut both = a.clone();
                both.kinds.extend(b.kinds.iter().copied());
                both.ward = both.ward.or(b.ward.clone());
                both.district = both.district.or(b.district.clone());
                both.procedures.extend(b.procedures.iter().copied());
                both.accepting = both.accepting.or(b.accepting);
                both.visit_district = both.visit_district.or(b.visit_district.clone());
                both.method = both.method.or(b.method);
                both.reachable_now |= b.reachable_now;
                both.people_only |= b.people_only;
                both.doctors_only |= b.doctors_only;
                filters.push(both);
            }
        }
        let mut nonempty = 0;
        for f in &filters {
            // An empty query lists everything the filters let through.
            let expected: Vec<EntryRef> = (0..snapshot.people.len())
                .map(EntryRef::Person)
                .chain((0..snapshot.organizations.len()).map(EntryRef::Organization))
                .filter(|&e| {
                    let reachable = built.availability(e, now).is_some_and(|a| a.is_now());
                    passes(&snapshot, e, f, reachable)
                })
                .collect();
            for index in [&built, &read] {
                let mut found: Vec<EntryRef> = index
                    .search("", f, now)
                    .into_iter()
                    .map(|h| h.entry)
                    .collect();
                let mut want = expected.clone();
                let key = |e: &EntryRef| match e {
                    EntryRef::Person(i) => (0, *i),
                    EntryRef::Organization(i) => (1, *i),
                };
                found.sort_by_key(key);
                want.sort_by_key(key);
                assert_eq!(found, want, "{f:?}");
            }
            nonempty += usize::from(!expected.is_empty());
        }
        assert!(
            nonempty > filters.len() / 2,
            "the filters must find something"
        );
    }

    /// A caller's number: found from the digit columns exactly as from the records.
    #[test]
    fn numbers_on_the_columns_find_their_owners() {
        let snapshot = crate::demo::generate(800, 2);
        let built = SearchIndex::build(snapshot.clone());
        let read = built.read_back().expect("reads back");
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(10, 30, 0)
            .unwrap();
        let org = &snapshot.organizations[5];
        let phone = org.phone.clone().expect("the demo lists phones");
        for index in [&built, &read] {
            let hits = index.search(&phone, &Filters::default(), now);
            assert_eq!(hits[0].entry, EntryRef::Organization(5), "the owner first");
            // Its people without a phone of their own follow, by the line they share.
            for hit in &hits[1..] {
                if let EntryRef::Person(i) = hit.entry {
                    let p = &snapshot.people[i];
                    assert!(
                        p.organization_id == org.id || p.contact.phone.as_deref() == Some(&phone)
                    );
                }
            }
            let last_four: String = phone.chars().filter(char::is_ascii_digit).collect();
            let last_four = &last_four[last_four.len() - 4..];
            assert!(index
                .search(last_four, &Filters::default(), now)
                .iter()
                .any(|h| h.entry == EntryRef::Organization(5)));
        }
    }
}
