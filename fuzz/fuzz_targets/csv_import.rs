//! The support centre's CSV import (README: the column layout), in UTF-8 or Shift_JIS: any
//! bytes give a snapshot or a Japanese error naming the row, never a panic.
#![no_main]
use anshin::server::import::snapshot_from_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = anshin::directory::now_in_japan();
    if let Ok(snapshot) = snapshot_from_csv(data, now) {
        anshin::directory::validate_snapshot(&snapshot).ok();
    }
});
