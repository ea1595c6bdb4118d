//! The search engine behind every phone-call lookup (DESIGN §5.1): one query box over people and
//! organisations, space-separated tokens ANDed across fields, forgiving input (see
//! [`normalize`]), filters, and ranking — best name matches first, ties broken by "reachable
//! now", then kana order. Pure: no I/O, no terminal, no clock of its own.

mod columns;
mod facets;
mod index;
pub(crate) mod normalize;
mod previous;
pub mod query;
mod readings;
mod records;

pub use index::{EntryRef, Filters, Hit, SearchIndex, Searcher, RANKED_HITS};
pub use normalize::{fold, fold_query};
pub use previous::PreviousRows;
pub use readings::{kind_reading, place_reading, procedure_reading, PLACE_READINGS};
