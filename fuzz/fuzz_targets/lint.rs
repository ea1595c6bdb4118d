//! `anshin lint` / R7: the personal-information detector on any text, with and without a
//! patient's name and its reading; findings must lie on character boundaries inside the text.
#![no_main]
use anshin::slip::detect::{detect, DetectOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first line, when short, doubles as the patient's name.
    let name = text.lines().next().filter(|l| l.chars().count() <= 12);
    for options in [
        DetectOptions {
            current_year: 2026,
            ..Default::default()
        },
        DetectOptions {
            patient_name: name,
            patient_kana: name,
            mask: name,
            current_year: 2026,
            ..Default::default()
        },
    ] {
        let count = text.chars().count();
        for finding in detect(&text, &options) {
            assert!(
                finding.start <= finding.end && finding.end <= count,
                "{finding:?}"
            );
        }
    }
});
