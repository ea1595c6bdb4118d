//! The slip file (DESIGN §6.1): whatever parses must check against the rules, export as text
//! and phone memo, and write back to a file that parses again to the same slip.
#![no_main]
use anshin::slip::model::{parse_slip, write_slip};
use anshin::slip::rules::{check, RuleContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(slip) = parse_slip(text) else {
        return;
    };
    let _ = check(&slip, &RuleContext::default());
    let _ = anshin::slip::export::to_text(&slip);
    let _ = anshin::slip::export::to_phone_script(&slip);
    let written = write_slip(&slip);
    let again = parse_slip(&written).expect("a written slip parses");
    assert_eq!(again, slip);
});
