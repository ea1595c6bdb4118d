//! The directory snapshot JSON (DESIGN §3.1) as a client receives it and an import reads it:
//! parsed and validated, never a panic; whatever passes can be indexed and searched.
#![no_main]
use anshin::directory::parse_snapshot;
use anshin::search::{Filters, SearchIndex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(snapshot) = parse_snapshot(data) else {
        return;
    };
    let index = SearchIndex::build(snapshot);
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    for query in ["a", "たなか", "042", "緑区 在宅酸素"] {
        let _ = index.search(query, &Filters::default(), now);
    }
});
