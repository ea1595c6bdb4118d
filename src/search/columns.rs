//! The index's entries as flat columns (issue 15): one string arena for every haystack instead
//! of a boxed string per entry, and one vector per field. Fewer allocations (memory at 100 000
//! people), and a layout that is written to the sealed cache and read back without folding or
//! parsing anything: a column is its bytes, little-endian.

use crate::availability::CompactWindow;

/// A person whose organisation is not in the directory (a bad delta).
pub(super) const NO_ORGANIZATION: u32 = u32::MAX;

/// Offsets that never fall: `ends[i]` closes item `i` of an arena.
pub(super) fn ends_rise(ends: &[u32]) -> bool {
    ends.windows(2).all(|w| w[0] <= w[1])
}

/// Item `i` of an arena whose items end at `ends`.
pub(super) fn range_of(ends: &[u32], i: usize) -> std::ops::Range<usize> {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    start..ends[i] as usize
}

/// Many strings in one arena: string `i` is `text[ends[i - 1]..ends[i]]`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Strings {
    pub text: String,
    pub ends: Vec<u32>,
}

impl Strings {
    pub fn with_capacity(strings: usize, bytes: usize) -> Strings {
        Strings {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
        }
    }

    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends
            .push(u32::try_from(self.text.len()).expect("an index under 4 GiB"));
    }

    pub fn get(&self, i: usize) -> &str {
        &self.text[range_of(&self.ends, i)]
    }

    /// String `i` as bytes, without the character-boundary checks of [`Strings::get`]: for the
    /// scan over every entry, where those checks were the first touch of each string.
    pub fn bytes(&self, i: usize) -> &[u8] {
        &self.text.as_bytes()[range_of(&self.ends, i)]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn extend(&mut self, other: &Strings) {
        let base = u32::try_from(self.text.len()).expect("an index under 4 GiB");
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// Ends that rise and fall on character boundaries: slicing can never panic.
    pub fn is_valid(&self) -> bool {
        ends_rise(&self.ends)
            && self
                .ends
                .iter()
                .all(|&e| self.text.is_char_boundary(e as usize))
            && self
                .ends
                .last()
                .is_none_or(|&e| e as usize == self.text.len())
    }
}

/// Per entry (people first, then organisations): see `index::Entry` for what each means.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Columns {
    pub haystacks: Strings,
    pub mask: Vec<u64>,
    pub name_mask: Vec<u64>,
    pub name_end: Vec<u16>,
    pub kana_rank: Vec<u32>,
    pub given: Vec<[u16; 2]>,
    pub organization: Vec<u32>,
    /// Contact windows: entry `i`'s are `windows[week_ends[i - 1]..week_ends[i]]`.
    pub week_ends: Vec<u32>,
    pub windows: Vec<CompactWindow>,
    /// The entry's name as listed (not folded): 髙橋 typed finds 髙橋 first.
    pub names: Strings,
    /// The entry's id: found by id without decoding any record.
    pub ids: Strings,
    /// Per organisation: its folded place/procedure/kind/address fields, and their mask.
    pub org_fields: Strings,
    pub org_mask: Vec<u64>,
}

impl Columns {
    pub fn week(&self, i: usize) -> &[CompactWindow] {
        &self.windows[range_of(&self.week_ends, i)]
    }

    /// The columns after `self`'s (people of one half, then of the other).
    pub fn extend(&mut self, other: Columns) {
        self.haystacks.extend(&other.haystacks);
        self.mask.extend(other.mask);
        self.name_mask.extend(other.name_mask);
        self.name_end.extend(other.name_end);
        self.kana_rank.extend(other.kana_rank);
        self.given.extend(other.given);
        self.organization.extend(other.organization);
        let base = u32::try_from(self.windows.len()).expect("under 4 G windows");
        self.week_ends
            .extend(other.week_ends.iter().map(|e| e + base));
        self.windows.extend(other.windows);
        self.names.extend(&other.names);
        self.ids.extend(&other.ids);
        self.org_fields.extend(&other.org_fields);
        self.org_mask.extend(other.org_mask);
    }

    /// Writes every column but the haystack text, which the caller puts first (see
    /// [`Columns::decode`]).
    pub fn encode_rest(&self, out: &mut Writer) {
        out.u32s(&self.haystacks.ends);
        out.u64s(&self.mask);
        out.u64s(&self.name_mask);
        out.u16s(&self.name_end);
        out.u32s(&self.kana_rank);
        let given: Vec<u16> = self.given.iter().flatten().copied().collect();
        out.u16s(&given);
        out.u32s(&self.organization);
        out.u32s(&self.week_ends);
        let mut windows = Vec::with_capacity(self.windows.len() * 5);
        for w in &self.windows {
            let (days, start, end) = w.parts();
            windows.push(days);
            windows.extend_from_slice(&start.to_le_bytes());
            windows.extend_from_slice(&end.to_le_bytes());
        }
        out.bytes(&windows);
        out.bytes(self.names.text.as_bytes());
        out.u32s(&self.names.ends);
        out.bytes(self.ids.text.as_bytes());
        out.u32s(&self.ids.ends);
        out.bytes(self.org_fields.text.as_bytes());
        out.u32s(&self.org_fields.ends);
        out.u64s(&self.org_mask);
    }

    /// The columns back from `haystack_text` and what [`Columns::encode_rest`] wrote; None when
    /// anything is inconsistent (lengths, offsets, text), so a damaged index is never used.
    pub fn decode(haystack_text: String, input: &mut Reader<'_>) -> Option<Columns> {
        let haystack_ends = input.u32s()?;
        let mask = input.u64s()?;
        let name_mask = input.u64s()?;
        let name_end = input.u16s()?;
        let kana_rank = input.u32s()?;
        let given_flat = input.u16s()?;
        let organization = input.u32s()?;
        let week_ends = input.u32s()?;
        let window_bytes = input.bytes()?;
        let names_text = string_from(input.bytes()?.to_vec())?;
        let names_ends = input.u32s()?;
        let ids_text = string_from(input.bytes()?.to_vec())?;
        let ids_ends = input.u32s()?;
        let org_text = string_from(input.bytes()?.to_vec())?;
        let org_ends = input.u32s()?;
        let org_mask = input.u64s()?;
        if window_bytes.len() % 5 != 0 || given_flat.len() % 2 != 0 {
            return None;
        }
        let windows: Vec<CompactWindow> = window_bytes
            .chunks_exact(5)
            .map(|w| {
                CompactWindow::from_parts(
                    w[0],
                    u16::from_le_bytes([w[1], w[2]]),
                    u16::from_le_bytes([w[3], w[4]]),
                )
            })
            .collect();
        let given = given_flat.chunks_exact(2).map(|g| [g[0], g[1]]).collect();
        let columns = Columns {
            haystacks: Strings {
                text: haystack_text,
                ends: haystack_ends,
            },
            mask,
            name_mask,
            name_end,
            kana_rank,
            given,
            organization,
            week_ends,
            windows,
            names: Strings {
                text: names_text,
                ends: names_ends,
            },
            ids: Strings {
                text: ids_text,
                ends: ids_ends,
            },
            org_fields: Strings {
                text: org_text,
                ends: org_ends,
            },
            org_mask,
        };
        columns.is_consistent().then_some(columns)
    }

    fn is_consistent(&self) -> bool {
        let n = self.haystacks.len();
        let orgs = self.org_fields.len();
        let weeks_rise = ends_rise(&self.week_ends)
            && self
                .week_ends
                .last()
                .is_none_or(|&e| e as usize == self.windows.len());
        [
            self.mask.len(),
            self.name_mask.len(),
            self.name_end.len(),
            self.kana_rank.len(),
            self.given.len(),
            self.organization.len(),
            self.week_ends.len(),
            self.names.len(),
            self.ids.len(),
        ]
        .iter()
        .all(|&l| l == n)
            && self.org_mask.len() == orgs
            && orgs <= n
            && self
                .organization
                .iter()
                .all(|&o| o == NO_ORGANIZATION || (o as usize) < orgs)
            && weeks_rise
            && self.haystacks.is_valid()
            && self.names.is_valid()
            && self.ids.is_valid()
            && self.org_fields.is_valid()
    }
}

/// Text read back from the cache, checked to be UTF-8 with SIMD (at 100 000 people several
/// megabytes of kana and kanji: the standard library's check was a sixth of `anshin search`).
pub(super) fn string_from(bytes: Vec<u8>) -> Option<String> {
    simdutf8::basic::from_utf8(&bytes).ok()?;
    // SAFETY: validated as UTF-8 on the line above.
    Some(unsafe { String::from_utf8_unchecked(bytes) })
}

/// Length-prefixed sections, little-endian.
#[derive(Default)]
pub struct Writer {
    pub out: Vec<u8>,
}

impl Writer {
    pub fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.out.extend_from_slice(b);
    }

    fn numbers<const N: usize, T: Copy>(&mut self, v: &[T], le: impl Fn(T) -> [u8; N]) {
        self.out
            .extend_from_slice(&((v.len() * N) as u64).to_le_bytes());
        self.out.reserve(v.len() * N);
        for &x in v {
            self.out.extend_from_slice(&le(x));
        }
    }

    pub fn u64s(&mut self, v: &[u64]) {
        self.numbers(v, u64::to_le_bytes);
    }

    pub fn u32s(&mut self, v: &[u32]) {
        self.numbers(v, u32::to_le_bytes);
    }

    pub fn u16s(&mut self, v: &[u16]) {
        self.numbers(v, u16::to_le_bytes);
    }
}

/// Reads what [`Writer`] wrote; None when a section runs past the end.
pub struct Reader<'a> {
    pub rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.rest.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        if len > rest.len() {
            return None;
        }
        let (section, rest) = rest.split_at(len);
        self.rest = rest;
        Some(section)
    }

    fn numbers<const N: usize, T>(&mut self, from: impl Fn([u8; N]) -> T) -> Option<Vec<T>> {
        let b = self.bytes()?;
        if b.len() % N != 0 {
            return None;
        }
        Some(
            b.chunks_exact(N)
                .map(|c| from(c.try_into().expect("chunks of N")))
                .collect(),
        )
    }

    pub fn u64s(&mut self) -> Option<Vec<u64>> {
        self.numbers(u64::from_le_bytes)
    }

    pub fn u32s(&mut self) -> Option<Vec<u32>> {
        self.numbers(u32::from_le_bytes)
    }

    pub fn u16s(&mut self) -> Option<Vec<u16>> {
        self.numbers(u16::from_le_bytes)
    }
}
