//! No panic on any input (DESIGN §8): the personal-information detector (`anshin lint`), the
//! search normaliser and index, the slip parser, the directory JSON the API reads, the masking
//! helpers, and the composer driven by random keys and drawn at random sizes.
//!
//! Deterministic random inputs (a fixed seed, so a failure reproduces), biased towards what
//! breaks text code: full-width and kanji digits, era names, separators, combining marks,
//! wide characters, control characters. More rounds: `ANSHIN_FUZZ_ROUNDS=100000 cargo test
//! --release --test fuzz_no_panic`.

use anshin::client::config::SenderDefaults;
use anshin::directory::parse_snapshot;
use anshin::search::{fold, fold_query, Filters, SearchIndex};
use anshin::slip::detect::{detect, DetectOptions};
use anshin::slip::model::{parse_slip, write_slip};
use anshin::slip::rules::{check, mask_hides_enough, mask_name, RuleContext};
use anshin::tui::screens::composer::{char_action, Composer, ComposerAction, Step};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "０",
    "１",
    "９",
    "〇",
    "一",
    "二",
    "十",
    "百",
    "千",
    "年",
    "月",
    "日",
    "昭和",
    "平成",
    "令和",
    "元年",
    "S",
    "H",
    "R",
    ".",
    "-",
    "－",
    "ー",
    "ｰ",
    "‐",
    "(",
    ")",
    "（",
    "）",
    "〒",
    "@",
    "＠",
    "丁目",
    "番地",
    "番",
    "号",
    "の",
    " ",
    "　",
    "\n",
    "\t",
    "様",
    "生",
    "電話",
    "FAX",
    "被保険者番号",
    "マイナンバー",
    "個人番号",
    "○",
    "村",
    "男",
    "髙",
    "橋",
    "ﾀｶﾊｼ",
    "たかはし",
    "ア",
    "ッ",
    "ゃ",
    "ヴ",
    "゙",
    "\u{301}",
    "\u{200b}",
    "\u{feff}",
    "\u{0}",
    "🏥",
    "👨‍👩‍👧",
    "a",
    "Z",
    "ou",
    "shi",
    "n'",
    "緑区",
    "上溝",
    "急変",
    "胸痛",
    "%",
    "\\",
    "\"",
    "'",
    "{",
    "}",
    "[",
    "]",
    "=",
    "#",
];

fn rounds() -> usize {
    std::env::var("ANSHIN_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2_000)
}

fn random_text(rng: &mut ChaCha8Rng, max_pieces: usize) -> String {
    let n = rng.gen_range(0..=max_pieces);
    (0..n)
        .map(|_| {
            if rng.gen_bool(0.1) {
                // Any scalar value at all.
                char::from_u32(rng.gen_range(0..0x11_0000))
                    .unwrap_or('?')
                    .to_string()
            } else {
                PIECES[rng.gen_range(0..PIECES.len())].to_string()
            }
        })
        .collect()
}

/// The text with a few bytes deleted, repeated or replaced, kept valid UTF-8 where it can be.
fn mutate(rng: &mut ChaCha8Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.gen_range(1..6) {
        if chars.is_empty() {
            break;
        }
        let at = rng.gen_range(0..chars.len());
        match rng.gen_range(0..4) {
            0 => {
                chars.remove(at);
            }
            1 => {
                let end = (at + rng.gen_range(1..40)).min(chars.len());
                chars.drain(at..end);
            }
            2 => {
                let piece = random_text(rng, 2);
                for (i, c) in piece.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
            _ => {
                let c = chars[at];
                chars.insert(at, c);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn the_detector_and_the_masks_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..rounds() {
        let text = random_text(&mut rng, 40);
        let name = random_text(&mut rng, 4);
        let kana = random_text(&mut rng, 4);
        let mask = random_text(&mut rng, 4);
        let known = random_text(&mut rng, 4);
        let findings = detect(
            &text,
            &DetectOptions {
                patient_name: Some(&name),
                patient_kana: Some(&kana),
                mask: Some(&mask),
                known_names: &[&known],
                allowed_numbers: &["042-700-1000"],
                current_year: 2026,
            },
        );
        let length = text.chars().count();
        for f in findings {
            assert!(f.start < f.end && f.end <= length, "{f:?} in {text:?}");
        }
        let mask = mask_name(&name);
        if name.chars().any(|c| !c.is_whitespace()) {
            assert!(mask_hides_enough(&mask), "{name:?} → {mask:?}");
        }
        let _ = mask_hides_enough(&text);
    }
}

#[test]
fn the_normaliser_and_the_search_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let snapshot = parse_snapshot(anshin::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap();
    let index = SearchIndex::build(snapshot);
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    for _ in 0..rounds() {
        let query = random_text(&mut rng, 8);
        let _ = fold(&query);
        let _ = fold_query(&query);
        let _ = index.search(&query, &Filters::default(), now);
    }
}

#[test]
fn the_slip_parser_and_the_rules_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let ok = include_str!("fixtures/slips/ok.toml");
    let directory = parse_snapshot(anshin::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap();
    for _ in 0..rounds() {
        let text = mutate(&mut rng, ok);
        match parse_slip(&text) {
            Ok(slip) => {
                // Whatever parses, checks, writes and parses back the same.
                let _ = check(
                    &slip,
                    &RuleContext {
                        directory: Some(&directory),
                        patient_name: Some("木村 正男"),
                        patient_kana: Some("きむら まさお"),
                        now: None,
                    },
                );
                let _ = anshin::slip::export::to_text(&slip);
                let _ = anshin::slip::export::to_phone_script(&slip);
                assert_eq!(parse_slip(&write_slip(&slip)).as_ref(), Ok(&slip));
            }
            Err(message) => assert!(message.starts_with("連絡票の"), "{message}"),
        }
    }
}

#[test]
fn the_directory_json_reader_never_panics() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let json = anshin::demo::DEMO_DIRECTORY_JSON;
    // The first few records are enough to reach every field's reader.
    let small: String = json.chars().take(6_000).collect();
    for _ in 0..rounds() / 4 {
        let text = mutate(&mut rng, &small);
        let _ = parse_snapshot(text.as_bytes());
        let mut bytes = text.into_bytes();
        if !bytes.is_empty() {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.gen();
        }
        let _ = parse_snapshot(&bytes);
    }
}

#[test]
fn the_composer_never_panics_on_random_keys_and_sizes() {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let directory = parse_snapshot(anshin::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap();
    let index = SearchIndex::build(directory.clone());
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    let actions = |rng: &mut ChaCha8Rng| -> ComposerAction {
        match rng.gen_range(0..17) {
            // Answers, digits and the review's export keys, or any text.
            0..=2 => ComposerAction::Type(
                "ynynptos0123456789 "
                    .chars()
                    .nth(rng.gen_range(0..19))
                    .unwrap_or('y'),
            ),
            3..=5 => ComposerAction::Type(random_text(rng, 1).chars().next().unwrap_or('あ')),
            6 => ComposerAction::Backspace,
            7 => ComposerAction::Left,
            8 => ComposerAction::Right,
            9 => ComposerAction::Up,
            10 => ComposerAction::Down,
            11 => ComposerAction::Enter,
            12 => ComposerAction::NextField,
            13 => ComposerAction::PreviousField,
            14 => ComposerAction::NextStep,
            15 => ComposerAction::Paste(random_text(rng, 30)),
            _ => ComposerAction::PreviousStep,
        }
    };
    let mut reached = 0;
    for round in 0..rounds() / 100 {
        let person = &directory.people[round % directory.people.len()];
        let org = directory.organization(&person.organization_id);
        // Half the rounds with a sender, so the wizard gets past step 1 often.
        let sender = if round % 2 == 0 {
            SenderDefaults {
                office: "光が丘ケアプランセンター".into(),
                name: "佐藤 花子".into(),
                phone: "042-700-1000".into(),
                fax: String::new(),
            }
        } else {
            SenderDefaults::default()
        };
        let mut composer = Composer::new(person, org, &sender, now);
        let mut reached_review = false;
        for _ in 0..200 {
            composer.body_width = rng.gen_range(0..80);
            // A typed character means what the key tables make of it where the composer is.
            let action = match actions(&mut rng) {
                ComposerAction::Type(c) => char_action(&composer, c),
                other => other,
            };
            composer.update(action);
            composer.refresh(Some(&directory), now);
            assert!(composer.body.caret <= composer.body.value.chars().count());
            reached_review |= composer.step == Step::Review;
        }
        reached += usize::from(reached_review);
        let (w, h) = (rng.gen_range(1..160), rng.gen_range(1..50));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| {
                anshin::tui::screens::composer::draw::draw_composer(
                    f,
                    &composer,
                    Some(&index),
                    now,
                    f.area(),
                );
            })
            .unwrap();
        let _ = write_slip(&composer.slip());
    }
    assert!(reached > 0, "random keys never reached the review step");
}
