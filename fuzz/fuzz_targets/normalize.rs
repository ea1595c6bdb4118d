//! The search normaliser and query parsing: folding, words, a typed number — on any text.
#![no_main]
use anshin::search::{fold, fold_query};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let folded = fold(&text);
    // Folding is a function of the text: twice gives the same.
    assert_eq!(fold(&text), folded);
    let _ = fold_query(&text);
    let _ = anshin::search::query::words(&text);
    let _ = anshin::search::query::number_query(&text);
});
