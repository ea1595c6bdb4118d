//! The index: one folded haystack per person and per organisation, fields in falling weight,
//! with character masks as a cheap prefilter before any fuzzy scoring.

use super::columns::{Columns, NO_ORGANIZATION};
use super::facets::{method_bit, Facets, Places, VISITS};
use super::normalize::{fold, fold_query, katakana_to_hiragana};
use super::previous::PreviousRows;
use super::readings::{
    kind_reading, place_reading, procedure_reading, role_reading, specialty_reading,
};
use super::records::{in_parallel, Records};
use crate::availability::{
    availability, compact_windows, minute_of_week, reachable_at, Availability, CompactWindow,
};
use crate::directory::{
    Accepting, ContactMethod, Organization, OrganizationKind, Person, Procedure, Snapshot,
};
use chrono::NaiveDateTime;
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use memchr::memmem::Finder;

/// Separates fields inside a haystack; never produced by folding.
const SEP: char = '\u{1}';
/// Fields before this index are the entry's own names: name and reading (weight 3).
const NAME_FIELDS: usize = 2;
/// Fuzzy (subsequence) matching only for tokens at least this long: shorter ones match nearly
/// everything and would drown the exact hits.
const MIN_FUZZY_CHARS: usize = 3;
/// Skim gives about 16–20 per matched character when the match is tight; scattered matches
/// score far less.
const MIN_FUZZY_SCORE_PER_CHAR: i64 = 12;
/// Per token: each organisation's score for it, computed at most once per keystroke.
struct OrgMemo {
    names: Vec<i16>,
    fields: Vec<i16>,
}

impl OrgMemo {
    fn new(organizations: usize) -> OrgMemo {
        OrgMemo {
            names: vec![ORG_UNKNOWN; organizations],
            fields: vec![ORG_UNKNOWN; organizations],
        }
    }
}

const ORG_UNKNOWN: i16 = -2;
const ORG_NO_MATCH: i16 = -1;

/// Hits beyond this many are returned unranked (see `run`).
pub const RANKED_HITS: usize = 1000;
/// Fuzzy matching runs only when a query has fewer exact hits than this.
const FUZZY_WHEN_FEWER_THAN: usize = 30;
/// Below the least exact hit (a weight-1 field, not at its start: 120).
const MAX_FUZZY_SCORE: i64 = 110;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryRef {
    /// Index into `Snapshot::people`.
    Person(usize),
    /// Index into `Snapshot::organizations`.
    Organization(usize),
}

/// What the filter panel can narrow to. Empty/None = no restriction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub kinds: Vec<OrganizationKind>,
    pub ward: Option<String>,
    pub district: Option<String>,
    /// All of these must be manageable.
    pub procedures: Vec<Procedure>,
    pub accepting: Option<Accepting>,
    /// The organisation visits this district.
    pub visit_district: Option<String>,
    /// The person prefers this method (organisations: have that number/address).
    pub method: Option<ContactMethod>,
    /// Only people inside a contact window now.
    pub reachable_now: bool,
    pub people_only: bool,
    /// Only doctors and dentists (who a slip goes to).
    pub doctors_only: bool,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub entry: EntryRef,
    pub score: i32,
    /// A person inside a contact window at the search's clock (organisations: false). The full
    /// label comes from [`SearchIndex::availability`], for the rows actually shown.
    pub reachable_now: bool,
}

/// One entry of the index, read from its columns (see [`Columns`]).
#[derive(Clone, Copy)]
struct Entry<'a> {
    entry: EntryRef,
    /// Folded fields joined by SEP: the entry's own name and reading (weight 3), then a
    /// person's specialties, title and role (weight 1). Nothing of the organisation is copied
    /// into a person: its name (weight 2 for its people) is the organisation entry's haystack,
    /// its places, procedures, kind and address are `Columns::org_fields` (weight 1).
    /// Bytes: slicing them checks no character boundaries (the arena's ends are checked once,
    /// when it is built or read).
    haystack: &'a [u8],
    mask: u64,
    name_mask: u64,
    /// Where the name fields (weight 3) end in the haystack, in bytes.
    name_end: u16,
    /// Position in kana order of all entries (ties in score are broken by it).
    kana_rank: u32,
    /// People: where the given name starts in the name and the reading fields (byte offsets in
    /// the haystack; NO_BOUNDARY when there is one part only).
    given: [u16; 2],
    /// People: contact windows as minutes of the week.
    week: &'a [CompactWindow],
    /// Index of the organisation, or NO_ORGANIZATION.
    organization: u32,
}

impl crate::directory::Lookup for SearchIndex {
    fn person(&self, id: &str) -> Option<&Person> {
        self.person_by_id(id)
    }

    fn organization(&self, id: &str) -> Option<&Organization> {
        self.organization_by_id(id)
    }
}

pub struct SearchIndex {
    /// People first (entry i is person i), then organisations.
    cols: Columns,
    /// What filters and the number search look at.
    facets: Facets,
    /// For availability and what is shown: the snapshot's records, decoded or not.
    records: Records,
}

fn char_bit(c: char) -> u64 {
    let n = c as u32;
    let bit = match c {
        'a'..='z' => n - 'a' as u32,
        '0'..='9' => 26 + n - '0' as u32,
        _ => 36 + n % 28,
    };
    1u64 << bit
}

fn mask_of(text: &str) -> u64 {
    text.chars()
        .filter(|c| *c != SEP)
        .fold(0, |m, c| m | char_bit(c))
}

/// Builds one haystack from fields in order. Each field is folded once; empty fields still take
/// their place so that field positions keep their weights.
struct HaystackBuilder {
    text: String,
}

impl HaystackBuilder {
    fn new() -> Self {
        HaystackBuilder {
            text: String::with_capacity(256),
        }
    }

    fn field(&mut self, raw: &str) {
        if !self.text.is_empty() {
            self.text.push(SEP);
        }
        self.text.push_str(&fold(raw));
    }

    /// (mask, name mask, end of the name fields)
    fn finish(&self) -> (u64, u64, u16) {
        let name_end = self
            .text
            .match_indices(SEP)
            .nth(NAME_FIELDS - 1)
            .map_or(self.text.len(), |(i, _)| i);
        let name_mask = mask_of(&self.text[..name_end]);
        let mask = mask_of(&self.text);
        let name_end = u16::try_from(name_end).unwrap_or(u16::MAX);
        (mask, name_mask, name_end)
    }
}

fn organization_fields(b: &mut HaystackBuilder, org: &Organization) {
    b.field(&org.ward);
    if let Some(r) = place_reading(&org.ward) {
        b.field(r);
    }
    b.field(&org.district);
    if let Some(r) = place_reading(&org.district) {
        b.field(r);
    }
    if let Some(care) = &org.home_care {
        for p in &care.procedures {
            b.field(p.label());
            b.field(procedure_reading(*p));
        }
    }
    b.field(org.kind.label());
    b.field(kind_reading(org.kind));
    b.field(&org.address);
}

impl SearchIndex {
    pub fn build(snapshot: Snapshot) -> SearchIndex {
        SearchIndex::build_reusing(snapshot, None).0
    }

    /// As [`SearchIndex::build`], folding again only the people whose rows `previous` does not
    /// hold as they are now, and only the organisations it does not (see [`PreviousRows`]).
    /// The index is the one `build` makes; the count is of the rows reused (people's and
    /// organisations').
    pub fn build_reusing(
        snapshot: Snapshot,
        previous: Option<&PreviousRows>,
    ) -> (SearchIndex, usize) {
        let (mut index, reused) = SearchIndex::build_unranked(snapshot, previous);
        // Kana order once, at build time: comparing strings on every keystroke is too slow.
        let people = index.records.people();
        let kana: Vec<Vec<char>> = {
            let snapshot = index.records.snapshot();
            snapshot
                .people
                .iter()
                .map(|p| p.name_kana.as_str())
                .chain(snapshot.organizations.iter().map(|o| o.name_kana.as_str()))
                .map(|k| k.chars().map(katakana_to_hiragana).collect())
                .collect()
        };
        debug_assert_eq!(kana.len(), people + index.records.organizations());
        let mut order: Vec<u32> = (0..kana.len() as u32).collect();
        order.sort_by(|&a, &b| kana[a as usize].cmp(&kana[b as usize]));
        for (rank, i) in order.into_iter().enumerate() {
            index.cols.kana_rank[i as usize] = rank as u32;
        }
        (index, reused)
    }

    /// The snapshot given back, and this index's rows for the next build to reuse (a sync
    /// merges a delta into the snapshot, then indexes it again).
    pub fn into_parts(self) -> (Snapshot, PreviousRows) {
        let snapshot = self.records.into_snapshot();
        let previous = PreviousRows::new(self.cols, &snapshot.people, &snapshot.organizations);
        (snapshot, previous)
    }

    fn build_unranked(snapshot: Snapshot, previous: Option<&PreviousRows>) -> (SearchIndex, usize) {
        let org_position: std::collections::HashMap<&str, usize> = snapshot
            .organizations
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i))
            .collect();
        let mut orgs = Columns::default();
        let mut facets = Facets::default();
        let mut places = Places::default();
        let org_positions = previous.map(PreviousRows::organization_positions);
        let mut reused = 0;
        for (i, org) in snapshot.organizations.iter().enumerate() {
            facets.push_organization(&mut places, org);
            let earlier = previous
                .zip(org_positions.as_ref())
                .and_then(|(p, at)| Some((&p.cols, p.reusable_organization(at, org)?)));
            match earlier {
                Some((old, (row, j))) => {
                    reused += 1;
                    orgs.org_fields.push(old.org_fields.get(j));
                    orgs.org_mask.push(old.org_mask[j]);
                    orgs.haystacks.push(old.haystacks.get(row));
                    orgs.mask.push(old.mask[row]);
                    orgs.name_mask.push(old.name_mask[row]);
                    orgs.name_end.push(old.name_end[row]);
                }
                None => {
                    let mut fields = HaystackBuilder::new();
                    organization_fields(&mut fields, org);
                    let fields_mask = mask_of(&fields.text);
                    orgs.org_fields.push(&fields.text);
                    orgs.org_mask.push(fields_mask);
                    let mut b = HaystackBuilder::new();
                    b.field(&org.name);
                    b.field(&org.name_kana);
                    let (mask, name_mask, name_end) = b.finish();
                    orgs.haystacks.push(&b.text);
                    orgs.mask.push(mask | fields_mask);
                    orgs.name_mask.push(name_mask);
                    orgs.name_end.push(name_end);
                }
            }
            orgs.kana_rank.push(0);
            orgs.given.push([NO_BOUNDARY; 2]);
            orgs.week_ends.push(0);
            orgs.organization.push(i as u32);
            orgs.names.push(&org.name);
            orgs.ids.push(&org.id);
        }
        // Folding every name is most of the work: on every core, and only for the people whose
        // earlier rows cannot be reused.
        let positions = previous.map(PreviousRows::positions);
        let ids: Vec<u32> = (0..snapshot.people.len() as u32).collect();
        let parts = in_parallel(&ids, |part| {
            let mut cols = Columns::default();
            let mut facets = Facets::default();
            let mut reused = 0;
            cols.haystacks = super::columns::Strings::with_capacity(part.len(), part.len() * 96);
            for &i in part {
                let person = &snapshot.people[i as usize];
                // A person whose organisation is missing (a bad delta) is still findable by name.
                let (organization, org_mask) = org_position
                    .get(person.organization_id.as_str())
                    .map_or((NO_ORGANIZATION, 0), |&o| (o as u32, orgs.mask[o]));
                let week = compact_windows(&person.contact);
                let earlier = previous
                    .zip(positions.as_ref())
                    .and_then(|(p, at)| Some((&p.cols, p.reusable(at, person, &week)?)));
                reused += usize::from(earlier.is_some());
                push_person(&mut cols, person, organization, org_mask, &week, earlier);
                facets.push_person(person);
            }
            (cols, facets, reused)
        });
        let mut cols = Columns::default();
        for (part, part_facets, part_reused) in parts {
            cols.extend(part);
            facets.extend_people(part_facets);
            reused += part_reused;
        }
        cols.extend(orgs);
        for org in &snapshot.organizations {
            facets.push_organization_numbers(org);
        }
        let index = SearchIndex {
            cols,
            facets,
            records: Records::Built(snapshot),
        };
        (index, reused)
    }

    /// The index written and read back as the cache does (tests).
    #[cfg(test)]
    pub(super) fn read_back(&self) -> Option<SearchIndex> {
        let (text, rest, blocks) = self.encode_parts();
        SearchIndex::decode_parts(text.to_vec(), &rest, blocks)
    }

    /// What the incremental build must equal (tests of [`PreviousRows`]).
    #[cfg(test)]
    pub(super) fn columns_and_facets(&self) -> (&Columns, &Facets) {
        (&self.cols, &self.facets)
    }

    fn entry_ref(&self, id: usize) -> EntryRef {
        let people = self.records.people();
        if id < people {
            EntryRef::Person(id)
        } else {
            EntryRef::Organization(id - people)
        }
    }

    /// The inverse of [`SearchIndex::entry_ref`]: the entry's position in the columns.
    fn position(&self, entry: EntryRef) -> usize {
        match entry {
            EntryRef::Person(i) => i,
            EntryRef::Organization(i) => self.records.people() + i,
        }
    }

    fn entry(&self, id: usize) -> Entry<'_> {
        Entry {
            entry: self.entry_ref(id),
            haystack: self.cols.haystacks.bytes(id),
            mask: self.cols.mask[id],
            name_mask: self.cols.name_mask[id],
            name_end: self.cols.name_end[id],
            kana_rank: self.cols.kana_rank[id],
            given: self.cols.given[id],
            week: self.cols.week(id),
            organization: self.cols.organization[id],
        }
    }

    /// The whole snapshot: decoded on first use when the index came from the cache (issue 15:
    /// `anshin search` and the first frame need only the rows they show).
    pub fn snapshot(&self) -> &Snapshot {
        self.records.snapshot()
    }

    /// Decodes the whole snapshot now if it is not yet (the TUI does this in the background
    /// after its first frame, so that a filter or the composer never waits for it).
    pub fn decode_all(&self) {
        self.records.snapshot();
    }

    /// The snapshot, given back (after a sync merges a delta into it).
    pub fn into_snapshot(self) -> Snapshot {
        self.records.into_snapshot()
    }

    pub fn revision(&self) -> u64 {
        self.records.revision()
    }

    pub fn areas(&self) -> &[crate::directory::Area] {
        self.records.areas()
    }

    pub fn people_count(&self) -> usize {
        self.records.people()
    }

    pub fn organization_count(&self) -> usize {
        self.records.organizations()
    }

    pub fn len(&self) -> usize {
        self.cols.haystacks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn person(&self, index: usize) -> &Person {
        self.records.person(index)
    }

    pub fn organization(&self, index: usize) -> &Organization {
        self.records.organization(index)
    }

    /// An organisation by its id, from the id column: no record is decoded but the one found.
    pub fn organization_by_id(&self, id: &str) -> Option<&Organization> {
        self.organization_position(id)
            .map(|o| self.records.organization(o))
    }

    /// Where an organisation is (for [`SearchIndex::people_of`]), by its id.
    pub fn organization_position(&self, id: &str) -> Option<usize> {
        let people = self.records.people();
        (people..self.len())
            .find(|&i| self.cols.ids.get(i) == id)
            .map(|i| i - people)
    }

    /// A person by id, likewise.
    pub fn person_by_id(&self, id: &str) -> Option<&Person> {
        (0..self.records.people())
            .find(|&i| self.cols.ids.get(i) == id)
            .map(|i| self.records.person(i))
    }

    /// The people of an organisation (by position), in directory order, from the index's
    /// organisation column.
    pub fn people_of(&self, organization: usize) -> Vec<usize> {
        let org = organization as u32;
        (0..self.records.people())
            .filter(|&i| self.cols.organization[i] == org)
            .collect()
    }

    /// The organisation of an entry (itself, for an organisation).
    pub fn organization_of(&self, entry: EntryRef) -> Option<&Organization> {
        let org = match entry {
            EntryRef::Organization(i) => i,
            EntryRef::Person(i) => *self.cols.organization.get(i)? as usize,
        };
        (org < self.records.organizations()).then(|| self.records.organization(org))
    }

    /// The index as bytes, in three parts: the haystack text (as it is held), the other columns
    /// with the facets and the records' head, and the records' LZ4 blocks (each becomes a
    /// buffer of its own when read back: see [`SearchIndex::decode_parts`]).
    pub fn encode_parts(&self) -> (&[u8], Vec<u8>, Vec<u8>) {
        let snapshot = self.records.snapshot();
        let mut out = super::columns::Writer {
            out: Vec::with_capacity(self.cols.haystacks.text.len() * 3),
        };
        self.cols.encode_rest(&mut out);
        self.facets.encode(&mut out);
        let blocks = super::records::encode(snapshot, &mut out);
        (self.cols.haystacks.text.as_bytes(), out.out, blocks)
    }

    /// The index back from [`SearchIndex::encode_parts`]'s parts: `text` becomes the haystack
    /// text and `blocks` the records' buffer as they are. None for anything inconsistent.
    pub(crate) fn decode_parts(text: Vec<u8>, rest: &[u8], blocks: Vec<u8>) -> Option<SearchIndex> {
        let text = super::columns::string_from(text)?;
        let mut reader = super::columns::Reader { rest };
        let cols = Columns::decode(text, &mut reader)?;
        let orgs = cols.org_fields.len();
        let people = cols.haystacks.len().checked_sub(orgs)?;
        let facets = Facets::decode(&mut reader, people, orgs)?;
        let (head, ends) = super::records::decode_head(&mut reader)?;
        if !reader.rest.is_empty()
            || cols.haystacks.len() != head.people + head.organizations
            || cols.org_fields.len() != head.organizations
        {
            return None;
        }
        let stored = super::records::Stored::new(head, ends, blocks)?;
        Some(SearchIndex {
            cols,
            facets,
            records: Records::Stored(Box::new(stored)),
        })
    }

    /// "Reachable now" or the next window, for a person (None for an organisation).
    pub fn availability(&self, entry: EntryRef, now: NaiveDateTime) -> Option<Availability> {
        match entry {
            EntryRef::Person(i) if i < self.records.people() => {
                Some(availability(&self.records.person(i).contact, now))
            }
            EntryRef::Person(_) => None,
            EntryRef::Organization(_) => None,
        }
    }

    /// Searches everything; see [`Searcher`] for keystroke-by-keystroke use.
    pub fn search(&self, query: &str, filters: &Filters, now: NaiveDateTime) -> Vec<Hit> {
        if let Some(digits) = super::query::number_query(query) {
            return self.number_search(&digits, filters, now);
        }
        let tokens = fold_query(query);
        let mut hits = Vec::new();
        self.run(
            &tokens,
            filters,
            now,
            None,
            &mut Scratch::default(),
            &mut hits,
        );
        if hits.is_empty() {
            return self.transposed(query, filters, now);
        }
        self.prefer_exact_spelling(query, &mut hits);
        hits
    }

    /// Whose number is this (seed §4(2): check a caller or an incoming FAX against the
    /// directory): entries with a phone or FAX number equal to `digits` first — the number's
    /// owner before the people who only share their organisation's line — then numbers that
    /// end with them (the last four digits), then numbers that contain them.
    pub fn number_search(&self, digits: &str, filters: &Filters, now: NaiveDateTime) -> Vec<Hit> {
        let minute = minute_of_week(now);
        // How well one number (its digits, "" for none) matches; None when it does not.
        let grade = |own: &str| -> Option<i64> {
            if own.is_empty() {
                None
            } else if own == digits {
                Some(3)
            } else if own.ends_with(digits) {
                Some(2)
            } else if own.contains(digits) {
                Some(1)
            } else {
                None
            }
        };
        let f = &self.facets;
        let people = self.records.people();
        let mut ranked: Vec<(i64, bool, u32, u32)> = Vec::new();
        // The digits are columns of the index: no record is decoded.
        for id in 0..self.len() {
            let entry = &self.entry(id);
            let score = match entry.entry {
                EntryRef::Person(_) => {
                    let (phone, fax) = (f.phones.get(id), f.faxes.get(id));
                    let own = grade(phone).max(grade(fax));
                    // The organisation's line, inherited: after its owner.
                    let org = entry.organization as usize;
                    let shared = (org < self.records.organizations()).then(|| {
                        let phone = grade(f.phones.get(people + org)).filter(|_| phone.is_empty());
                        let fax = grade(f.faxes.get(people + org)).filter(|_| fax.is_empty());
                        phone.max(fax)
                    });
                    own.map(|g| g * 100 + 50)
                        .max(shared.flatten().map(|g| g * 100))
                }
                EntryRef::Organization(_) => grade(f.phones.get(id))
                    .max(grade(f.faxes.get(id)))
                    .map(|g| g * 100 + 60),
            };
            let Some(score) = score else { continue };
            if !filters.is_empty() && !self.passes(entry, filters, minute) {
                continue;
            }
            ranked.push((
                score,
                reachable_at(entry.week, minute),
                entry.kana_rank,
                id as u32,
            ));
        }
        ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked
            .into_iter()
            .map(|(score, reachable_now, _, id)| Hit {
                entry: self.entry_ref(id as usize),
                score: i32::try_from(score).unwrap_or(i32::MAX),
                reachable_now,
            })
            .collect()
    }

    /// Nothing found: two neighbouring letters typed the wrong way round (`koijma` for kojima,
    /// the commonest typo) — each romaji word of four letters or more with one adjacent pair
    /// swapped, best hits of all the spellings. Only when the query as typed finds nothing.
    pub fn transposed(&self, query: &str, filters: &Filters, now: NaiveDateTime) -> Vec<Hit> {
        let words: Vec<&str> = query
            .split(|c: char| c.is_whitespace() || c == '\u{3000}')
            .filter(|w| !w.is_empty())
            .collect();
        let mut best: std::collections::HashMap<EntryRef, Hit> = std::collections::HashMap::new();
        let mut scratch = Scratch::default();
        for (k, word) in words.iter().enumerate() {
            let letters: Vec<char> = word.chars().collect();
            if letters.len() < 4 || !letters.iter().all(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            for i in 0..letters.len() - 1 {
                if letters[i] == letters[i + 1] {
                    continue;
                }
                let mut swapped = letters.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                let variant: Vec<&str> = words
                    .iter()
                    .enumerate()
                    .map(|(j, w)| if j == k { swapped.as_str() } else { *w })
                    .collect();
                let tokens = fold_query(&variant.join(" "));
                let mut hits = Vec::new();
                self.run(&tokens, filters, now, None, &mut scratch, &mut hits);
                for hit in hits.into_iter().take(RANKED_HITS) {
                    let kept = best.entry(hit.entry).or_insert_with(|| hit.clone());
                    if hit.score > kept.score {
                        *kept = hit;
                    }
                }
            }
        }
        let mut hits: Vec<Hit> = best.into_values().collect();
        hits.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(b.reachable_now.cmp(&a.reachable_now))
                .then(self.kana_rank(a.entry).cmp(&self.kana_rank(b.entry)))
        });
        hits
    }

    /// Among hits of equal score, a name spelled as typed first: 髙橋 typed finds 髙橋 before
    /// 高橋, 斎藤 before 齋藤 (both still match; only the order changes).
    pub fn prefer_exact_spelling(&self, query: &str, hits: &mut [Hit]) {
        use unicode_normalization::UnicodeNormalization;
        let words: Vec<String> = super::query::words(query)
            .into_iter()
            .map(|w| w.nfkc().collect::<String>())
            .filter(|w| !w.is_ascii())
            .collect();
        if words.is_empty() {
            return;
        }
        let shown = hits.len().min(RANKED_HITS);
        let spelled = |hit: &Hit| {
            let name = self.cols.names.get(self.position(hit.entry));
            words.iter().all(|w| name.contains(w.as_str()))
        };
        // Decided once per hit, then a stable sort: equal scores keep their order otherwise.
        let mut keyed: Vec<(Hit, bool)> = hits[..shown]
            .iter()
            .map(|h| (h.clone(), spelled(h)))
            .collect();
        keyed.sort_by_key(|(h, exact)| (std::cmp::Reverse(h.score), !*exact));
        for (slot, (hit, _)) in hits[..shown].iter_mut().zip(keyed) {
            *slot = hit;
        }
    }

    fn kana_rank(&self, entry: EntryRef) -> u32 {
        self.cols.kana_rank[self.position(entry)]
    }

    /// The hit entry `id` is, with the score and reachability its rank key packs.
    fn ranked_hit(&self, key: u64, id: u32) -> Hit {
        let (score, reachable_now) = unpack_rank_key(key);
        Hit {
            // Not `entry(id)`: that reads every column.
            entry: self.entry_ref(id as usize),
            score,
            reachable_now,
        }
    }

    /// Fills `hits` (ranked) and `scratch.matched` (the ids a narrowed query must look at), and
    /// says what `matched` holds. `candidates`: the last run's `matched` when the query only
    /// narrows it, with its kind; None: every entry.
    ///
    /// Fuzzy matching needs the entries that match no token exactly but might as a subsequence
    /// of a name. Finding them is most of a keystroke once the exact hits are few of the
    /// candidates (`tak`: tens of thousands of exact hits, hundreds of thousands of names with
    /// t…a…k in them), and fuzzy matching runs only when the exact hits are few
    /// ([`FUZZY_WHEN_FEWER_THAN`]). So they are looked for only then: a run with enough exact
    /// hits keeps only those for narrowing ([`Matched::Exact`]) — every exact hit of a longer
    /// query is among them — and a narrowed run that falls below the threshold over such a set
    /// starts again over every entry, so that it finds the same fuzzy hits as a fresh search.
    fn run(
        &self,
        tokens: &[String],
        filters: &Filters,
        now: NaiveDateTime,
        candidates: Option<(&[u32], Matched)>,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
    ) -> Matched {
        let token_masks: Vec<u64> = tokens.iter().map(|t| mask_of(t)).collect();
        // Built once per keystroke: `str::find` sets up a searcher for every entry it is given.
        let finders: Vec<Finder<'_>> = tokens.iter().map(|t| Finder::new(t.as_bytes())).collect();
        let filtered = !filters.is_empty();
        let minute = minute_of_week(now);
        let Scratch {
            matched,
            ranked,
            fuzzy_pool,
        } = scratch;
        matched.clear();
        // (order key, entry id): score, reachable and kana rank packed into one integer, so that
        // ranking tens of thousands of hits compares integers.
        ranked.clear();
        // Exact (substring) hits first; entries that might match only fuzzily wait in a pool.
        fuzzy_pool.clear();
        hits.clear();
        // People share their organisation's fields: look each organisation up once per token.
        let mut org_memo: Vec<OrgMemo> = tokens
            .iter()
            .map(|_| OrgMemo::new(self.cols.org_fields.len()))
            .collect();
        // Every token's characters at once: most entries are turned away by one load, before
        // their columns are read.
        let all_masks = token_masks.iter().fold(0, |m, t| m | t);
        // The best RANKED_HITS are kept in `ranked` as they are found, the rest go straight into
        // `hits` as the unranked tail: at 500 000 people a first letter matches most entries,
        // and sorting out every hit's key after the scan cost more than the keys themselves.
        // `bar`: the worst key among the best kept so far, once RANKED_HITS are kept.
        let mut bar = u64::MAX;
        let hit_of = |key: u64, id: u32| self.ranked_hit(key, id);
        let mut scan = |id: u32| {
            if self.cols.mask[id as usize] & all_masks != all_masks {
                return;
            }
            let entry = &self.entry(id as usize);
            let score = match self.score(entry, tokens, &finders, &token_masks, &mut org_memo, None)
            {
                TokenMatch::Rejected => return,
                TokenMatch::Candidate => None,
                TokenMatch::Scored(score) => Some(score),
            };
            if filtered && !self.passes(entry, filters, minute) {
                return;
            }
            match score {
                Some(score) => {
                    matched.push(id);
                    let key = rank_key(score, reachable_at(entry.week, minute), entry.kana_rank);
                    offer_best(ranked, &mut bar, key, id, |k, i| hits.push(hit_of(k, i)));
                }
                // Once the exact hits are enough, fuzzy matching will not run (the exact hits
                // so far: those kept and those already in the tail).
                None if ranked.len() + hits.len() < FUZZY_WHEN_FEWER_THAN => fuzzy_pool.push(id),
                None => {}
            }
        };
        match candidates {
            Some((ids, _)) => ids.iter().for_each(|&id| scan(id)),
            None => (0..self.len() as u32).for_each(scan),
        }
        // Fuzzy matching is for the typo that finds nothing, and costs the most: only when the
        // exact hits are few. Decided on the exact hits alone, so a narrowed search agrees with
        // a fresh one.
        let kind = if ranked.len() + hits.len() >= FUZZY_WHEN_FEWER_THAN {
            Matched::Exact
        } else if let Some((_, Matched::Exact)) = candidates {
            // The entries that might match fuzzily were not kept: look at every entry.
            return self.run(tokens, filters, now, None, scratch, hits);
        } else {
            let matcher = SkimMatcherV2::default();
            for &id in fuzzy_pool.iter() {
                let entry = &self.entry(id as usize);
                match self.score(
                    entry,
                    tokens,
                    &finders,
                    &token_masks,
                    &mut org_memo,
                    Some(&matcher),
                ) {
                    TokenMatch::Rejected => continue,
                    // Kept for narrowing without a score: a longer token may still match it.
                    TokenMatch::Candidate => {}
                    TokenMatch::Scored(score) => ranked.push((
                        rank_key(score, reachable_at(entry.week, minute), entry.kana_rank),
                        id,
                    )),
                }
                matched.push(id);
            }
            // In id order, as the candidates are read (both parts are in id order already).
            matched.sort_unstable();
            Matched::Full
        };
        // Nobody reads past the first screens: the best RANKED_HITS ranked exactly at the front,
        // the tail (still all there, for counts and scrolling) after them in no particular order.
        finish_best(ranked, |k, i| hits.push(hit_of(k, i)));
        let best = ranked.iter().map(|&(key, id)| hit_of(key, id));
        if ranked.len() <= hits.len() {
            // The tail's first hits move to its end, and the best take their places.
            hits.extend_from_within(..ranked.len());
            for (slot, hit) in hits.iter_mut().zip(best) {
                *slot = hit;
            }
        } else {
            // A short tail (fewer than 2 × RANKED_HITS hits in all): moved up behind the best.
            hits.splice(0..0, best);
        }
        kind
    }

    /// Sum over tokens of the best weighted field score. An entry that no token rules out by
    /// its cheap necessary conditions (a substring hit, or all the token's characters in a name)
    /// but that does not score is a `Candidate`: it must stay in the narrowing set.
    fn score(
        &self,
        entry: &Entry<'_>,
        tokens: &[String],
        finders: &[Finder<'_>],
        masks: &[u64],
        org_memo: &mut [OrgMemo],
        matcher: Option<&SkimMatcherV2>,
    ) -> TokenMatch {
        let mut total = Some(0i64);
        for (((token, finder), &mask), memo) in tokens
            .iter()
            .zip(finders)
            .zip(masks)
            .zip(org_memo.iter_mut())
        {
            if entry.mask & mask != mask {
                return TokenMatch::Rejected;
            }
            let own = finder
                .find(entry.haystack)
                .map(|at| exact_score(entry, at, token.len()));
            let token_score = match own
                .or_else(|| self.org_name_score(entry, token, finder, memo))
                .or_else(|| self.shared_score(entry, finder, memo))
            {
                Some(score) => Some(score),
                // A fuzzy match needs the token's characters in a name (the first pass: one load)
                // and the token as a subsequence of a name (the second pass, which also scores).
                None if entry.name_mask & mask == mask
                    && matcher.is_none_or(|_| in_some_name(entry, token)) =>
                {
                    matcher.and_then(|m| fuzzy_score(entry, token, m))
                }
                None => return TokenMatch::Rejected,
            };
            total = total.zip(token_score).map(|(a, b)| a + b);
        }
        match total {
            Some(score) => TokenMatch::Scored(score),
            None => TokenMatch::Candidate,
        }
    }

    /// A person's token found in their organisation's name or reading: weight 2. Memoised per
    /// organisation, since a clinic's doctors all ask the same question.
    fn org_name_score(
        &self,
        entry: &Entry<'_>,
        token: &str,
        finder: &Finder<'_>,
        memo: &mut OrgMemo,
    ) -> Option<i64> {
        if !matches!(entry.entry, EntryRef::Person(_)) {
            return None;
        }
        let o = entry.organization as usize;
        let slot = memo.names.get_mut(o)?;
        if *slot == ORG_UNKNOWN {
            let org = &self.entry(self.records.people() + o);
            *slot = finder.find(org.haystack).map_or(ORG_NO_MATCH, |at| {
                (2 * exact_score(org, at, token.len()) / 3) as i16
            });
        }
        (*slot >= 0).then_some(i64::from(*slot))
    }

    /// The token's score in the entry's organisation fields (weight 1), memoised likewise.
    fn shared_score(
        &self,
        entry: &Entry<'_>,
        finder: &Finder<'_>,
        memo: &mut OrgMemo,
    ) -> Option<i64> {
        let o = entry.organization as usize;
        let slot = memo.fields.get_mut(o)?;
        if *slot == ORG_UNKNOWN {
            let text = self.cols.org_fields.get(o);
            *slot = finder
                .find(text.as_bytes())
                .map_or(ORG_NO_MATCH, |at| place_score(text, at) as i16);
        }
        (*slot >= 0).then_some(i64::from(*slot))
    }

    fn passes(&self, entry: &Entry<'_>, f: &Filters, minute: u32) -> bool {
        use crate::directory::{OrganizationKind, Role};
        // Columns of the index (`Facets`): no record is decoded for a filter.
        let facets = &self.facets;
        let person = match entry.entry {
            EntryRef::Person(i) => Some(i),
            EntryRef::Organization(_) => None,
        };
        if (f.people_only || f.reachable_now || f.doctors_only) && person.is_none() {
            return false;
        }
        if f.doctors_only
            && !person.is_some_and(|i| {
                matches!(
                    Role::ALL[usize::from(facets.role[i])],
                    Role::Doctor | Role::Dentist
                )
            })
        {
            return false;
        }
        if f.reachable_now && !reachable_at(entry.week, minute) {
            return false;
        }
        if let (Some(m), Some(i)) = (f.method, person) {
            if facets.methods[i] & method_bit(m) == 0 {
                return false;
            }
        }
        let org = entry.organization as usize;
        if org >= self.records.organizations() {
            // Without its organisation a person passes only filters about the person.
            return f.kinds.is_empty()
                && f.ward.is_none()
                && f.district.is_none()
                && f.procedures.is_empty()
                && f.accepting.is_none()
                && f.visit_district.is_none();
        }
        if !f.kinds.is_empty()
            && !f
                .kinds
                .contains(&OrganizationKind::ALL[usize::from(facets.kind[org])])
        {
            return false;
        }
        let place = |id: u32| facets.places.get(id as usize);
        if f.ward
            .as_ref()
            .is_some_and(|w| w != place(facets.ward[org]))
            || f.district
                .as_ref()
                .is_some_and(|d| d != place(facets.district[org]))
        {
            return false;
        }
        let care = facets.care[org];
        if !f.procedures.is_empty()
            && (care == 0
                || !f
                    .procedures
                    .iter()
                    .all(|p| facets.procedures[org] & 1 << (*p as u32) != 0))
        {
            return false;
        }
        if f.accepting
            .is_some_and(|a| care == 0 || (care & !VISITS) != 1 + a as u8)
        {
            return false;
        }
        if let Some(d) = &f.visit_district {
            if care & VISITS == 0 || !facets.visits_of(org).iter().any(|&v| place(v) == d) {
                return false;
            }
        }
        if let (Some(m), None) = (f.method, person) {
            if facets.listed[org] & method_bit(m) == 0 {
                return false;
            }
        }
        true
    }
}

/// Adds `person`'s row: folded now, or copied from `earlier` (columns and position) where the
/// person was folded from the same fields before — all but what depends on the organisation,
/// which is looked up again.
fn push_person(
    cols: &mut Columns,
    person: &Person,
    organization: u32,
    org_mask: u64,
    week: &[CompactWindow],
    earlier: Option<(&Columns, usize)>,
) {
    match earlier {
        Some((old, at)) => {
            let haystack = old.haystacks.get(at);
            cols.haystacks.push(haystack);
            cols.mask.push(mask_of(haystack) | org_mask);
            cols.name_mask.push(old.name_mask[at]);
            cols.name_end.push(old.name_end[at]);
            cols.given.push(old.given[at]);
        }
        None => push_folded(cols, person, org_mask),
    }
    cols.kana_rank.push(0);
    cols.windows.extend_from_slice(week);
    cols.week_ends
        .push(u32::try_from(cols.windows.len()).expect("under 4 G windows"));
    cols.organization.push(organization);
    cols.names.push(&person.name);
    cols.ids.push(&person.id);
}

/// The folded columns of `person`'s row: haystack, masks, where the names end and where the
/// given names start.
fn push_folded(cols: &mut Columns, person: &Person, org_mask: u64) {
    let mut b = HaystackBuilder::new();
    b.field(&person.name);
    b.field(&person.name_kana);
    for s in &person.specialties {
        b.field(s);
        if let Some(r) = specialty_reading(s) {
            b.field(r);
        }
    }
    if let Some(title) = &person.title {
        b.field(title);
    }
    b.field(person.role.label());
    b.field(role_reading(person.role));
    let (mask, name_mask, name_end) = b.finish();
    let haystack = &b.text;
    // 田中 一郎 → the given name starts after the folded family name, in both fields.
    let given_at = |field: &str, field_start: usize| {
        let mut parts = field.split(|c: char| c.is_whitespace() || c == '\u{3000}');
        let family = parts.next().unwrap_or_default();
        if parts.next().is_none() {
            return NO_BOUNDARY;
        }
        u16::try_from(field_start + fold(family).len()).unwrap_or(NO_BOUNDARY)
    };
    let kana_start = haystack
        .find(SEP)
        .map_or(usize::MAX, |i| i + SEP.len_utf8());
    let given = [
        given_at(&person.name, 0),
        if kana_start == usize::MAX {
            NO_BOUNDARY
        } else {
            given_at(&person.name_kana, kana_start)
        },
    ];
    cols.haystacks.push(haystack);
    cols.mask.push(mask | org_mask);
    cols.name_mask.push(name_mask);
    cols.name_end.push(name_end);
    cols.given.push(given);
}

const NO_BOUNDARY: u16 = u16::MAX;

/// A substring hit: its field's weight, more for starting the field (a surname typed first) or
/// a person's given name, less for running across the family and given names (`ohta takane`
/// finds おおた たかね before おおた かねひさ, where "takane" spans ta|kane).
fn exact_score(entry: &Entry<'_>, at: usize, len: usize) -> i64 {
    let at_field_start = at == 0 || entry.haystack[at - 1] == SEP as u8;
    let weight = if at < usize::from(entry.name_end) {
        3
    } else {
        1
    };
    let boundary = entry
        .given
        .iter()
        .map(|g| usize::from(*g))
        .find(|g| *g != usize::from(NO_BOUNDARY) && *g >= at && *g < at + len.max(1));
    let base = match boundary {
        _ if at_field_start => 200,
        Some(g) if g == at => 200,
        Some(_) => 100,
        None => 120,
    };
    // A whole word typed (the match ends where a field or the family name ends) before a word
    // only begun: `satou` finds 佐藤 (さとう) before 聡 (さとし).
    let end = at + len;
    let bytes = entry.haystack;
    let whole_word = (at_field_start || boundary == Some(at))
        && (end >= bytes.len()
            || bytes[end] == SEP as u8
            || entry.given.iter().any(|g| usize::from(*g) == end));
    weight * (base + if whole_word { WHOLE_WORD_BONUS } else { 0 })
}

/// Small beside the field weights: it orders hits of one kind, never a weaker kind first.
const WHOLE_WORD_BONUS: i64 = 10;

/// Whether `token` is a subsequence of one of the entry's name fields (the necessary condition
/// for a fuzzy hit; it only gets stricter as the token grows, so narrowing stays exact).
fn in_some_name(entry: &Entry<'_>, token: &str) -> bool {
    // Bytes, not characters: a byte subsequence is implied by a character one (UTF-8 keeps a
    // character's bytes in order), so this only lets through a few more candidates — skim decides
    // — and it stays monotone as the token grows.
    let names = &entry.haystack[..usize::from(entry.name_end).min(entry.haystack.len())];
    let needle = token.as_bytes();
    names
        .split(|b| *b == SEP as u8)
        .any(|field| is_subsequence(needle, field))
}

fn is_subsequence(needle: &[u8], haystack: &[u8]) -> bool {
    let mut rest = haystack;
    for &b in needle {
        match memchr::memchr(b, rest) {
            Some(i) => rest = &rest[i + 1..],
            None => return false,
        }
    }
    true
}

/// A substring hit in the organisation's shared fields (places, procedures, kind, address):
/// weight 1, more at the start of a field.
fn place_score(text: &str, at: usize) -> i64 {
    if at == 0 || text[..at].ends_with(SEP) {
        200
    } else {
        120
    }
}

/// A subsequence hit in a name field (a typo, a dropped vowel: `sito` for さいとう), scored by
/// skim. Scattered matches (a low skim score for the token's length) are noise and dropped, and
/// a fuzzy hit always ranks below any exact one.
fn fuzzy_score(entry: &Entry<'_>, token: &str, matcher: &SkimMatcherV2) -> Option<i64> {
    let chars = token.chars().count() as i64;
    if chars < MIN_FUZZY_CHARS as i64 {
        return None;
    }
    // The fuzzy pool is small (only when exact hits are few): checking UTF-8 here is cheap.
    std::str::from_utf8(entry.haystack)
        .ok()?
        .split(SEP)
        .take(NAME_FIELDS)
        .filter_map(|field| {
            let score = matcher.fuzzy_match(field, token)?;
            (score >= MIN_FUZZY_SCORE_PER_CHAR * chars).then(|| score.min(MAX_FUZZY_SCORE))
        })
        .max()
}

/// Scores are small and never negative (tokens × 600 at most); kana ranks count entries.
const SCORE_BITS: u32 = 24;
const KANA_BITS: u32 = 39;

/// Higher score first, then reachable now, then kana order: ascending order of one integer.
fn rank_key(score: i64, reachable: bool, kana_rank: u32) -> u64 {
    let score = score.clamp(0, (1 << SCORE_BITS) - 1) as u64;
    (((1 << SCORE_BITS) - 1 - score) << (KANA_BITS + 1))
        | (u64::from(!reachable) << KANA_BITS)
        | u64::from(kana_rank)
}

fn unpack_rank_key(key: u64) -> (i32, bool) {
    let score = (1 << SCORE_BITS) - 1 - (key >> (KANA_BITS + 1));
    let reachable = key & (1 << KANA_BITS) == 0;
    (score as i32, reachable)
}

/// Offers one hit, by its rank key, to the best [`RANKED_HITS`] kept so far in `best`: a key no
/// better than `bar` (the worst of the best, once that many are kept) goes to `tail` at once.
/// When twice as many are kept they are cut back to the best and `bar` moves up, so a scan of
/// 690 000 hits keeps a few thousand, not all of them.
fn offer_best(
    best: &mut Vec<(u64, u32)>,
    bar: &mut u64,
    key: u64,
    id: u32,
    mut tail: impl FnMut(u64, u32),
) {
    if key >= *bar {
        tail(key, id);
        return;
    }
    best.push((key, id));
    if best.len() == 2 * RANKED_HITS {
        cut_back(best, &mut tail);
        *bar = best[RANKED_HITS - 1].0;
    }
}

/// Keeps the best [`RANKED_HITS`] of `best` (in no order), the others to `tail`.
fn cut_back(best: &mut Vec<(u64, u32)>, tail: &mut impl FnMut(u64, u32)) {
    best.select_nth_unstable_by_key(RANKED_HITS - 1, |r| r.0);
    best.drain(RANKED_HITS..).for_each(|(k, i)| tail(k, i));
}

/// After the last [`offer_best`] (and whatever was pushed to `best` besides): the best
/// [`RANKED_HITS`] in rank order, the others to `tail`.
fn finish_best(best: &mut Vec<(u64, u32)>, mut tail: impl FnMut(u64, u32)) {
    if best.len() > RANKED_HITS {
        cut_back(best, &mut tail);
    }
    best.sort_unstable_by_key(|r| r.0);
}

/// What a run keeps for narrowing (see [`SearchIndex::run`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matched {
    /// The exact hits only: enough of them that no fuzzy matching ran.
    Exact,
    /// Every entry a longer query could match, exactly or fuzzily.
    Full,
}

/// A run's working vectors, kept by a [`Searcher`] from keystroke to keystroke: at 500 000
/// people a first letter matches most entries, and fresh vectors of that size were fresh pages
/// for the kernel to fault in and clear on every keystroke.
#[derive(Default)]
struct Scratch {
    matched: Vec<u32>,
    ranked: Vec<(u64, u32)>,
    fuzzy_pool: Vec<u32>,
}

/// Keystroke-by-keystroke search: when the new query only narrows the last one (a token grew
/// or one was added, filters and minute unchanged), only the last matches are looked at.
pub struct Searcher {
    last: Option<LastRun>,
    scratch: Scratch,
}

struct LastRun {
    tokens: Vec<String>,
    filters: Filters,
    minute: NaiveDateTime,
    matched: Vec<u32>,
    kind: Matched,
}

impl Default for Searcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Searcher {
    pub fn new() -> Searcher {
        Searcher {
            last: None,
            scratch: Scratch::default(),
        }
    }

    /// Forget the last run (after the index changed).
    pub fn reset(&mut self) {
        self.last = None;
    }

    pub fn search(
        &mut self,
        index: &SearchIndex,
        query: &str,
        filters: &Filters,
        now: NaiveDateTime,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.search_into(index, query, filters, now, &mut hits);
        hits
    }

    /// As [`Searcher::search`], into `hits` (cleared first): the TUI passes the last keystroke's
    /// hits, so that their memory — tens of MB when a first letter matches 500 000 people —
    /// is reused instead of allocated and faulted in again.
    pub fn search_into(
        &mut self,
        index: &SearchIndex,
        query: &str,
        filters: &Filters,
        now: NaiveDateTime,
        hits: &mut Vec<Hit>,
    ) {
        use chrono::Timelike;
        if let Some(digits) = super::query::number_query(query) {
            self.last = None;
            *hits = index.number_search(&digits, filters, now);
            return;
        }
        let tokens = fold_query(query);
        let minute = now
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(now);
        let previous = match self.last.take() {
            Some(last)
                if last.filters == *filters
                    && last.minute == minute
                    && narrows(&last.tokens, &tokens) =>
            {
                Some((last.matched, last.kind))
            }
            Some(last) => {
                // Its vector is kept for the next run to fill.
                self.scratch.matched = last.matched;
                None
            }
            None => None,
        };
        let kind = index.run(
            &tokens,
            filters,
            now,
            previous.as_ref().map(|(ids, kind)| (ids.as_slice(), *kind)),
            &mut self.scratch,
            hits,
        );
        if hits.is_empty() {
            *hits = index.transposed(query, filters, now);
        } else {
            index.prefer_exact_spelling(query, hits);
        }
        // This run's matches are kept; the candidates' vector becomes the next run's to fill.
        let spare = previous.map(|(ids, _)| ids).unwrap_or_default();
        let matched = std::mem::replace(&mut self.scratch.matched, spare);
        self.last = Some(LastRun {
            tokens,
            filters: filters.clone(),
            minute,
            matched,
            kind,
        });
    }
}

/// True when every candidate of `new` is also a candidate of `old`: each old token is a prefix
/// of the token in its place, and the candidate conditions (substring, or subsequence of a name)
/// only get stricter as a token grows or a token is added.
fn narrows(old: &[String], new: &[String]) -> bool {
    new.len() >= old.len() && old.iter().zip(new).all(|(o, n)| n.starts_with(o.as_str()))
}

enum TokenMatch {
    Rejected,
    Candidate,
    Scored(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clock of these tests: a Wednesday, 13:30.
    fn wednesday_lunch() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(13, 30, 0)
            .unwrap()
    }

    /// The packed key orders exactly as (higher score, reachable first, kana order) did.
    #[test]
    fn rank_key_orders_like_the_comparison_it_replaced() {
        let samples: Vec<(i64, bool, u32)> = [0i64, 1, 110, 120, 599, 600, 601, 1800, 12_000]
            .iter()
            .flat_map(|&s| {
                [false, true]
                    .into_iter()
                    .flat_map(move |r| [0u32, 1, 77, 499_999].map(move |k| (s, r, k)))
            })
            .collect();
        for a in &samples {
            assert_eq!(unpack_rank_key(rank_key(a.0, a.1, a.2)), (a.0 as i32, a.1));
            for b in &samples {
                let before = b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2));
                let after = rank_key(a.0, a.1, a.2).cmp(&rank_key(b.0, b.1, b.2));
                assert_eq!(before, after, "{a:?} {b:?}");
            }
        }
    }

    /// `offer_best` + `finish_best` keep exactly the RANKED_HITS smallest keys, in order, and
    /// pass every other key to the tail once: keys in random, rising and falling order, and a
    /// key that arrives just below the worst of the best after a cut-back.
    #[test]
    fn the_best_kept_during_a_scan_are_the_best_of_all() {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
        let mut random: Vec<u64> = (0..7_000u64).map(|k| k * 3).collect();
        random.shuffle(&mut rng);
        let rising: Vec<u64> = (0..5_000).collect();
        let falling: Vec<u64> = (0..5_000).rev().collect();
        // 2 000 even keys fill the kept set; after the cut-back the worst kept is 1 998, and
        // 1 997 still belongs among the best 1 000.
        let mut just_below: Vec<u64> = (0..2 * RANKED_HITS as u64).map(|k| 2 * k).collect();
        just_below.push(1_997);
        let few: Vec<u64> = (0..700).rev().collect();
        for keys in [random, rising, falling, just_below, few] {
            let mut best = Vec::new();
            let mut bar = u64::MAX;
            let mut tail = Vec::new();
            for (id, &key) in keys.iter().enumerate() {
                offer_best(&mut best, &mut bar, key, id as u32, |k, i| {
                    tail.push((k, i))
                });
            }
            finish_best(&mut best, |k, i| tail.push((k, i)));
            let mut all: Vec<(u64, u32)> = keys
                .iter()
                .enumerate()
                .map(|(id, &k)| (k, id as u32))
                .collect();
            all.sort_unstable();
            let head = all.len().min(RANKED_HITS);
            assert_eq!(best, all[..head]);
            tail.sort_unstable();
            assert_eq!(tail, all[head..]);
        }
    }

    /// The best RANKED_HITS are picked out during the scan (the rest go to the tail as they are
    /// found): the head is exactly the first RANKED_HITS of every exact hit sorted by rank, the
    /// tail holds every other hit once, in result sets larger than twice RANKED_HITS, between
    /// once and twice, and smaller.
    #[test]
    fn the_head_is_the_best_of_every_hit_and_the_tail_the_rest() {
        let index = SearchIndex::build(crate::demo::generate(6000, 3));
        let now = wednesday_lunch();
        let minute = minute_of_week(now);
        let doctors = Filters {
            doctors_only: true,
            ..Filters::default()
        };
        let mut sizes = [false; 3];
        for query in [
            "s", "ta", "さ", "k", "内科", "sa ka", "たか", "h", "やま", "ito", "渡辺",
        ] {
            for filters in [Filters::default(), doctors.clone()] {
                let tokens = fold_query(query);
                let masks: Vec<u64> = tokens.iter().map(|t| mask_of(t)).collect();
                let finders: Vec<Finder<'_>> =
                    tokens.iter().map(|t| Finder::new(t.as_bytes())).collect();
                let mut memo: Vec<OrgMemo> = tokens
                    .iter()
                    .map(|_| OrgMemo::new(index.cols.org_fields.len()))
                    .collect();
                // Every exact hit, scored one by one, in rank order.
                let mut expected: Vec<(u64, u32)> = (0..index.len() as u32)
                    .filter_map(|id| {
                        let entry = &index.entry(id as usize);
                        let TokenMatch::Scored(score) =
                            index.score(entry, &tokens, &finders, &masks, &mut memo, None)
                        else {
                            return None;
                        };
                        let reachable = reachable_at(entry.week, minute);
                        (filters.is_empty() || index.passes(entry, &filters, minute))
                            .then(|| (rank_key(score, reachable, entry.kana_rank), id))
                    })
                    .collect();
                if expected.len() < FUZZY_WHEN_FEWER_THAN {
                    continue;
                }
                expected.sort_unstable();
                let hits = index.search(query, &filters, now);
                let ids: Vec<usize> = hits.iter().map(|h| index.position(h.entry)).collect();
                let head = expected.len().min(RANKED_HITS);
                // As a search then orders equal scores by spelling.
                let mut expected_head: Vec<Hit> = expected[..head]
                    .iter()
                    .map(|&(key, id)| index.ranked_hit(key, id))
                    .collect();
                index.prefer_exact_spelling(query, &mut expected_head);
                let expected_head: Vec<usize> = expected_head
                    .iter()
                    .map(|h| index.position(h.entry))
                    .collect();
                assert_eq!(ids[..head], expected_head, "{query} {filters:?}");
                let mut all = ids.clone();
                all.sort_unstable();
                let mut expected_all: Vec<usize> = expected.iter().map(|r| r.1 as usize).collect();
                expected_all.sort_unstable();
                assert_eq!(all, expected_all, "{query} {filters:?}: each hit once");
                for hit in &hits {
                    let entry = index.entry(index.position(hit.entry));
                    assert_eq!(hit.reachable_now, reachable_at(entry.week, minute));
                }
                let n = expected.len();
                sizes[usize::from(n > RANKED_HITS) + usize::from(n > 2 * RANKED_HITS)] = true;
            }
        }
        assert_eq!(sizes, [true; 3], "every size of result set was tried");
    }

    /// A run with enough exact hits keeps only those for narrowing; when a longer query then
    /// has too few for fuzzy matching to be skipped, the run starts again over every entry and
    /// finds what a fresh search finds — its typo hits included.
    #[test]
    fn a_narrowed_run_that_needs_fuzzy_matching_looks_at_every_entry_again() {
        let index = SearchIndex::build(crate::demo::generate(3000, 1));
        let now = wednesday_lunch();
        let mut rescanned = 0;
        for word in ["sitou", "koijma", "takahasi", "watanbe"] {
            let mut searcher = Searcher::new();
            let mut before = None;
            for n in 1..=word.len() {
                let query = &word[..n];
                let hits = searcher.search(&index, query, &Filters::default(), now);
                assert!(
                    hits == index.search(query, &Filters::default(), now),
                    "{query}"
                );
                let kind = searcher.last.as_ref().map(|l| l.kind);
                if before == Some(Matched::Exact) && kind == Some(Matched::Full) {
                    rescanned += 1;
                }
                before = kind;
            }
        }
        assert!(rescanned > 0, "no query went from exact hits to fuzzy ones");
    }

    #[test]
    fn byte_subsequence_within_one_name_field() {
        assert!(is_subsequence(b"sito", b"saitou"));
        assert!(!is_subsequence(b"sitoo", b"saitou"));
        assert!(is_subsequence("渡辺".as_bytes(), "渡部辺".as_bytes()));
        assert!(is_subsequence(b"", b"x"));
    }
}
