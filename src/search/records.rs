//! The directory's records behind the index (issue 15). Built from a snapshot they are that
//! snapshot. Read from the sealed cache they stay encoded — each record in LZ4 blocks of
//! [`CHUNK`] records (people in postcard, organisations as JSON: see [`Codec`]) — and a record
//! is decoded when it is first asked for: `anshin search` shows five people and decodes five, not 100 000. The whole
//! snapshot is decoded only when something needs all of it (a filter, a sync, the slip's rules),
//! once, on both cores.

use crate::directory::{Area, Organization, Person, Snapshot, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Records per LZ4 block: small enough that a shown row costs one small block, large enough to
/// compress well.
const CHUNK: usize = 64;

pub(super) enum Records {
    Built(Snapshot),
    Stored(Box<Stored>),
}

/// Everything of a snapshot but its records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Head {
    pub format: String,
    pub revision: u64,
    pub generated_at: Timestamp,
    pub areas: Vec<Area>,
    pub people: usize,
    pub organizations: usize,
}

pub(super) struct Stored {
    pub head: Head,
    /// LZ4 blocks, people's first: block `i` is `blob[ends[i - 1]..ends[i]]`.
    blob: Vec<u8>,
    ends: Vec<u32>,
    people: Box<[OnceLock<Box<Person>>]>,
    organizations: Box<[OnceLock<Box<Organization>>]>,
    full: OnceLock<Snapshot>,
}

fn head_of(snapshot: &Snapshot) -> Head {
    Head {
        format: snapshot.format.clone(),
        revision: snapshot.revision,
        generated_at: snapshot.generated_at,
        areas: snapshot.areas.clone(),
        people: snapshot.people.len(),
        organizations: snapshot.organizations.len(),
    }
}

/// Runs `f` over `items` split in one part per core (at most `parts`), results in order.
pub(super) fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || items.len() < 2048 {
        return vec![f(items)];
    }
    let size = items.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(size)
            .map(|part| scope.spawn(|| f(part)))
            .collect();
        parts
            .into_iter()
            .map(|p| p.join().expect("a part never panics"))
            .collect()
    })
}

/// How a block's records are written. People — most of the cache, and what a sync decodes and
/// writes again in full — in postcard, a compact binary form several times quicker to read and
/// write than JSON (issue 15); each record after its length, so that one is found without
/// decoding the ones before it. Organisations as JSON lines: a field of theirs is left out of
/// the JSON when empty, which a format without field names cannot read back.
pub(super) trait Codec: Sized {
    fn write(records: &[Self], out: &mut Vec<u8>);
    /// A block's records, each as written.
    fn records(bytes: &[u8]) -> impl Iterator<Item = &[u8]>;
    fn parse(record: &[u8]) -> Self;

    fn read(bytes: &[u8]) -> Vec<Self> {
        Self::records(bytes).map(Self::parse).collect()
    }

    fn read_nth(bytes: &[u8], k: usize) -> Self {
        Self::parse(
            Self::records(bytes)
                .nth(k)
                .expect("a block holds its records"),
        )
    }
}

// Sealed and authenticated: what was written is what is read. A record that still does not
// decode is a fault of this program, not of the member's input.

impl Codec for Person {
    fn write(records: &[Person], out: &mut Vec<u8>) {
        for r in records {
            let at = out.len();
            out.extend_from_slice(&[0; 4]);
            *out = postcard::to_extend(r, std::mem::take(out)).expect("a record always serializes");
            let len = u32::try_from(out.len() - at - 4).expect("a record under 4 GiB");
            out[at..at + 4].copy_from_slice(&len.to_le_bytes());
        }
    }

    /// One after another, each after its length (4 bytes, little-endian).
    fn records(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
        let mut rest = bytes;
        std::iter::from_fn(move || {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let (record, tail) = tail.split_at(u32::from_le_bytes(*len) as usize);
            rest = tail;
            Some(record)
        })
    }

    fn parse(record: &[u8]) -> Person {
        postcard::from_bytes(record).expect("an authenticated record decodes")
    }
}

impl Codec for Organization {
    fn write(records: &[Organization], out: &mut Vec<u8>) {
        for (i, r) in records.iter().enumerate() {
            if i > 0 {
                // serde_json's compact form never writes a raw newline (it escapes them).
                out.push(b'\n');
            }
            serde_json::to_writer(&mut *out, r).expect("a record always serializes");
        }
    }

    /// JSON lines.
    fn records(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
        bytes.split(|b| *b == b'\n')
    }

    fn parse(record: &[u8]) -> Organization {
        serde_json::from_slice(record).expect("an authenticated record parses")
    }
}

fn encode_block<T: Codec>(records: &[T]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(records.len() * 512);
    T::write(records, &mut bytes);
    lz4_flex::compress_prepend_size(&bytes)
}

/// The head and the blocks' ends to `out`; the blocks, one after another, returned.
pub(super) fn encode(snapshot: &Snapshot, out: &mut super::columns::Writer) -> Vec<u8> {
    let head = serde_json::to_vec(&head_of(snapshot)).expect("a head always serializes");
    out.bytes(&head);
    let people: Vec<&[Person]> = snapshot.people.chunks(CHUNK).collect();
    let organizations: Vec<&[Organization]> = snapshot.organizations.chunks(CHUNK).collect();
    let mut blocks: Vec<Vec<u8>> = in_parallel(&people, |part| {
        part.iter().map(|c| encode_block(c)).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    blocks.extend(organizations.iter().map(|c| encode_block(c)));
    let mut end = 0u32;
    let ends: Vec<u32> = blocks
        .iter()
        .map(|b| {
            end += u32::try_from(b.len()).expect("a block under 4 GiB");
            end
        })
        .collect();
    out.u32s(&ends);
    blocks.concat()
}

/// The head and the blocks' ends, as [`encode`] wrote them.
pub(super) fn decode_head(input: &mut super::columns::Reader<'_>) -> Option<(Head, Vec<u32>)> {
    let head: Head = serde_json::from_slice(input.bytes()?).ok()?;
    let ends = input.u32s()?;
    Some((head, ends))
}

impl Stored {
    /// `blob` holds the blocks; None when their ends do not fit.
    pub fn new(head: Head, ends: Vec<u32>, blob: Vec<u8>) -> Option<Stored> {
        let blocks = head.people.div_ceil(CHUNK) + head.organizations.div_ceil(CHUNK);
        if ends.len() != blocks
            || !super::columns::ends_rise(&ends)
            || ends.last().is_some_and(|&e| e as usize > blob.len())
        {
            return None;
        }
        Some(Stored {
            people: (0..head.people).map(|_| OnceLock::new()).collect(),
            organizations: (0..head.organizations).map(|_| OnceLock::new()).collect(),
            head,
            blob,
            ends,
            full: OnceLock::new(),
        })
    }
}

impl Stored {
    fn block(&self, i: usize) -> Vec<u8> {
        // Sealed and authenticated: what was written is what is read. A block that still does
        // not decode is a fault of this program, not of the member's input.
        lz4_flex::decompress_size_prepended(&self.blob[super::columns::range_of(&self.ends, i)])
            .expect("an authenticated cache block decompresses")
    }

    fn decode_block<T: Codec>(&self, i: usize) -> Vec<T> {
        T::read(&self.block(i))
    }

    fn one<T: Codec>(&self, block: usize, k: usize) -> T {
        T::read_nth(&self.block(block), k)
    }

    fn person_blocks(&self) -> usize {
        self.head.people.div_ceil(CHUNK)
    }

    pub fn person(&self, i: usize) -> &Person {
        if let Some(full) = self.full.get() {
            return &full.people[i];
        }
        self.people[i].get_or_init(|| Box::new(self.one(i / CHUNK, i % CHUNK)))
    }

    pub fn organization(&self, i: usize) -> &Organization {
        if let Some(full) = self.full.get() {
            return &full.organizations[i];
        }
        self.organizations[i]
            .get_or_init(|| Box::new(self.one(self.person_blocks() + i / CHUNK, i % CHUNK)))
    }

    /// Every record, decoded once on all cores.
    pub fn snapshot(&self) -> &Snapshot {
        self.full.get_or_init(|| {
            let blocks: Vec<usize> = (0..self.ends.len()).collect();
            let (people_blocks, org_blocks) = blocks.split_at(self.person_blocks());
            let people: Vec<Person> = in_parallel(people_blocks, |part| {
                part.iter()
                    .flat_map(|&b| self.decode_block::<Person>(b))
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .flatten()
            .collect();
            let organizations: Vec<Organization> = org_blocks
                .iter()
                .flat_map(|&b| self.decode_block::<Organization>(b))
                .collect();
            Snapshot {
                format: self.head.format.clone(),
                revision: self.head.revision,
                generated_at: self.head.generated_at,
                areas: self.head.areas.clone(),
                organizations,
                people,
                deleted: None,
            }
        })
    }

    pub fn into_snapshot(self) -> Snapshot {
        self.snapshot();
        self.full.into_inner().expect("decoded just now")
    }
}

impl Records {
    pub fn person(&self, i: usize) -> &Person {
        match self {
            Records::Built(s) => &s.people[i],
            Records::Stored(s) => s.person(i),
        }
    }

    pub fn organization(&self, i: usize) -> &Organization {
        match self {
            Records::Built(s) => &s.organizations[i],
            Records::Stored(s) => s.organization(i),
        }
    }

    pub fn people(&self) -> usize {
        match self {
            Records::Built(s) => s.people.len(),
            Records::Stored(s) => s.head.people,
        }
    }

    pub fn organizations(&self) -> usize {
        match self {
            Records::Built(s) => s.organizations.len(),
            Records::Stored(s) => s.head.organizations,
        }
    }

    pub fn revision(&self) -> u64 {
        match self {
            Records::Built(s) => s.revision,
            Records::Stored(s) => s.head.revision,
        }
    }

    pub fn areas(&self) -> &[Area] {
        match self {
            Records::Built(s) => &s.areas,
            Records::Stored(s) => &s.head.areas,
        }
    }

    pub fn snapshot(&self) -> &Snapshot {
        match self {
            Records::Built(s) => s,
            Records::Stored(s) => s.snapshot(),
        }
    }

    pub fn into_snapshot(self) -> Snapshot {
        match self {
            Records::Built(s) => s,
            Records::Stored(s) => s.into_snapshot(),
        }
    }
}
