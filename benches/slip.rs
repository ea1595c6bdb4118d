//! The slip's speed (issue: lint throughput; PDF ≤ 300 ms per slip after the first).
//!
//! `cargo bench --bench slip` (needs a Japanese font for the PDF part).

use anshin::slip::detect::{detect, DetectOptions};
use std::time::Instant;

const BODY: &str = "いつもお世話になっております。光が丘ケアプランセンターの佐藤です。\
先生が主治医の○村○男様（85歳・女性・中央区上溝在住）について、同行受診の日程を調整させてください。\
11月28日（金）13:00〜14:00、または12月2日（火）13:00〜14:00はいかがでしょうか。\
ご都合のよい日時を12月1日までにお知らせいただけますと幸いです。血圧は 138/82、要介護2です。";

fn main() {
    let options = DetectOptions {
        current_year: 2026,
        ..DetectOptions::default()
    };
    let rounds = 2000;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(detect(BODY, &options));
    }
    let elapsed = started.elapsed();
    println!("| measure | result |");
    println!("|---|---:|");
    println!(
        "| lint of a {}-character slip body | {:.0} slips/s ({:.3} ms each) |",
        BODY.chars().count(),
        rounds as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / rounds as f64
    );

    composer_keystrokes();

    let base = anshin::slip::model::parse_slip(
        &std::fs::read_to_string("tests/fixtures/slips/ok.toml").unwrap(),
    )
    .unwrap();
    let Ok(font) = anshin::slip::pdf::find_font(None) else {
        println!("| PDF | no Japanese font installed: skipped |");
        return;
    };
    let mut times = Vec::new();
    for i in 0..11 {
        // A different body each time, so typst's memoisation cannot simply replay the last one.
        let mut slip = base.clone();
        slip.request.body = format!("{}\n（{i} 通目）", base.request.body);
        let t = Instant::now();
        let pdf = anshin::slip::pdf::render_pdf(&slip, &font, None).unwrap();
        times.push(t.elapsed());
        std::hint::black_box(pdf);
    }
    let first = times.remove(0);
    times.sort();
    println!(
        "| PDF, first slip (font loaded, typst warmed up) | {:.0} ms |",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "| PDF, each slip after the first (median of 10) | {:.0} ms |",
        times[5].as_secs_f64() * 1000.0
    );
}

/// What the composer does on every key in the body: the detector and all ten rules (R9/R10 look
/// the doctor up in the directory), with the real name given for the leak check.
fn composer_keystrokes() {
    use anshin::tui::screens::composer::{Composer, ComposerAction, Step};
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    for people in [600, 100_000] {
        let directory = anshin::demo::generate(people, 1);
        let person = &directory.people[directory.people.len() - 1];
        let org = directory.organization(&person.organization_id);
        let mut composer = Composer::new(person, org, &Default::default(), now);
        for c in "木村 正男".chars() {
            composer.real_name.insert(c);
        }
        let body: String = BODY.chars().cycle().take(400).collect();
        composer.body = anshin::tui::widgets::text_field::TextField::new(&body);
        composer.step = Step::Body;
        composer.focus = 0;
        let rounds = 500;
        let started = Instant::now();
        for i in 0..rounds {
            // Type and erase, as a care manager does.
            let action = if i % 2 == 0 {
                ComposerAction::Type('。')
            } else {
                ComposerAction::Backspace
            };
            composer.update(action);
            composer.refresh(Some(&directory), now);
        }
        let each = started.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
        println!(
            "| composer, one key in a 400-character body (detector + R1–R10), {people} people | {each:.2} ms |"
        );
    }
}
