//! The FAX-ready PDF, read back with poppler (DESIGN §6.3): A4, Japanese text present, the font
//! embedded and subset, the reply section there; error slips are refused; the template can be
//! replaced without rebuilding. Needs a Japanese font and poppler-utils (`.ci/run` installs
//! fonts-ipaexfont-gothic and poppler-utils).

use assert_cmd::Command;
use predicates::str::contains;
use std::process::Command as Process;

fn anshin(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("anshin").unwrap();
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("ANSHIN_CREDENTIAL_STORE", "memory")
        .env_remove("ANSHIN_CONFIG")
        .env_remove("ANSHIN_PDF_FONT")
        .env_remove("ANSHIN_SLIP_TEMPLATE");
    cmd
}

fn poppler(tool: &str, pdf: &std::path::Path) -> String {
    let mut command = Process::new(tool);
    command.arg(pdf);
    if tool == "pdftotext" {
        command.arg("-"); // to stdout
    }
    let out = command
        .output()
        .unwrap_or_else(|_| panic!("{tool} is needed (apt-get install poppler-utils)"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `anshin slip render --format pdf` of a fixture against the demo directory, with extra
/// environment (a font or template path).
fn render(
    home: &std::path::Path,
    fixture: &str,
    out: &std::path::Path,
    env: &[(&str, &std::path::Path)],
) -> assert_cmd::assert::Assert {
    let demo = home.join("demo.json");
    std::fs::write(&demo, anshin::demo::DEMO_DIRECTORY_JSON).unwrap();
    let mut cmd = anshin(home);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.args(["slip", "render", "--format", "pdf", "--directory"])
        .arg(&demo)
        .arg(format!("tests/fixtures/slips/{fixture}"))
        .arg("-o")
        .arg(out)
        .assert()
}

#[test]
fn pdf_is_a4_japanese_embedded_and_has_the_reply_section() {
    assert!(
        anshin::slip::pdf::find_font(None).is_ok(),
        "a Japanese font is needed for this test (apt-get install fonts-ipaexfont-gothic)"
    );
    let home = tempfile::tempdir().unwrap();
    let pdf = home.path().join("slip.pdf");
    render(home.path(), "ok.toml", &pdf, &[]).success();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    let info = poppler("pdfinfo", &pdf);
    assert!(info.contains("Pages:           1"), "{info}");
    assert!(info.contains("(A4)"), "{info}");
    let fonts = poppler("pdffonts", &pdf);
    let font_line = fonts.lines().nth(2).unwrap_or_default();
    assert!(
        font_line.contains("yes yes"),
        "embedded and subset: {fonts}"
    );
    let text = poppler("pdftotext", &pdf);
    for expected in [
        "あんしんリンク連絡票",
        "林内科医院",
        "渡邊 浩 先生",
        "佐藤 花子",
        "日程調整",
        "○村○男",
        "同行受診の日程を調整させてください",
        "ご返信欄",
        "ご回答",
        "候補1（11月28日（土） 13:00〜14:00）でお願いします",
        "候補2（12月2日（水） 13:00〜14:00）でお願いします",
        "どの候補も都合がつきません",
        "12月1日（火）までに",
        "コメント",
    ] {
        // poppler puts spaces between Latin and Japanese text: compare without them.
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert!(
            squeeze(&text).contains(&squeeze(expected)),
            "{expected} missing from the PDF text:\n{text}"
        );
    }
    assert!(!text.contains("木村"), "no real name");
}

#[test]
fn error_slips_are_not_rendered_and_missing_fonts_are_named() {
    let home = tempfile::tempdir().unwrap();
    let pdf = home.path().join("slip.pdf");
    render(home.path(), "r7_personal_info.toml", &pdf, &[])
        .code(1)
        .stderr(contains("R7_PERSONAL_INFO"));
    assert!(!pdf.exists());
    let missing_font = std::path::Path::new("/nonexistent/font.ttf");
    render(
        home.path(),
        "ok.toml",
        &pdf,
        &[("ANSHIN_PDF_FONT", missing_font)],
    )
    .code(1)
    .stderr(contains("フォント"));
    anshin(home.path())
        .args([
            "slip",
            "render",
            "--format",
            "pdf",
            "tests/fixtures/slips/ok.toml",
        ])
        .assert()
        .code(2)
        .stderr(contains("-o"));
}

#[test]
fn an_edited_template_is_used_without_rebuilding() {
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("slip.typ");
    let edited = anshin::slip::pdf::DEFAULT_TEMPLATE.replace(
        "あんしんリンク連絡票]]",
        "あんしんリンク連絡票（支援センター改訂版）]]",
    );
    assert_ne!(edited, anshin::slip::pdf::DEFAULT_TEMPLATE);
    std::fs::write(&template, edited).unwrap();
    let pdf = home.path().join("slip.pdf");
    render(
        home.path(),
        "ok.toml",
        &pdf,
        &[("ANSHIN_SLIP_TEMPLATE", &template)],
    )
    .success();
    assert!(poppler("pdftotext", &pdf).contains("支援センター改訂版"));
    std::fs::write(
        &template,
        "#let s = json(\"slip.json\")\n#s.nonexistent.field",
    )
    .unwrap();
    render(
        home.path(),
        "ok.toml",
        &pdf,
        &[("ANSHIN_SLIP_TEMPLATE", &template)],
    )
    .code(1)
    .stderr(contains("組版できません"));
}

/// A word of the PDF as poppler places it (`pdftotext -bbox`), in points from the page's top.
#[derive(Debug, Clone)]
struct Word {
    page: usize,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

fn words(pdf: &std::path::Path) -> Vec<Word> {
    let out = Process::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed (apt-get install poppler-utils)");
    let html = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..tag[at..].find('"').unwrap() + at].parse().unwrap()
    };
    let mut page = 0;
    let mut found = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page") {
            page += 1;
        } else if line.starts_with("<word") {
            let close = line.find('>').unwrap();
            let tag = &line[..close];
            let text = line[close + 1..].trim_end_matches("</word>").to_string();
            found.push(Word {
                page,
                x0: attr(tag, "xMin"),
                y0: attr(tag, "yMin"),
                x1: attr(tag, "xMax"),
                y1: attr(tag, "yMax"),
                text,
            });
        }
    }
    found
}

/// Renders `slip` through the library (the same call the composer makes) and reads it back.
fn layout_of(slip: &anshin::slip::model::Slip, name: &str, dir: &std::path::Path) -> Vec<Word> {
    let font =
        anshin::slip::pdf::find_font(None).expect("a Japanese font (fonts-ipaexfont-gothic)");
    let bytes = anshin::slip::pdf::render_pdf(slip, &font, None).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    words(&path)
}

/// The body, the proposed dates, the reply-by line and the reply section never print over each
/// other, whatever the body's length and shape (issue 10: a fixed-height box overprinted
/// 「候補日時」 with an 18-line body and let a long one run past it).
#[test]
fn no_text_overprints_other_text_for_any_body() {
    let dir = tempfile::tempdir().unwrap();
    let base = anshin::slip::model::parse_slip(
        &std::fs::read_to_string("tests/fixtures/slips/ok.toml").unwrap(),
    )
    .unwrap();
    let sentence = "同行受診の日程を調整させてください。";
    let bodies = [
        ("short", "同行受診の日程を調整させてください。".to_string()),
        ("many_lines", "通院の付き添いについて\n".repeat(18)),
        ("long", sentence.repeat(400 / sentence.chars().count())),
        (
            "over_long",
            sentence.repeat(550 / sentence.chars().count() + 1),
        ),
        ("unbroken", "あ".repeat(400)),
    ];
    for (name, body) in bodies {
        let mut slip = base.clone();
        slip.request.body = body.clone();
        slip.request.proposed_slots = vec![
            "2026-11-28 13:00-14:00".into(),
            "2026-11-30 10:00-11:00".into(),
            "2026-12-01 15:00-16:00".into(),
        ];
        let found = layout_of(&slip, name, dir.path());
        assert!(!found.is_empty(), "{name}: no text");
        for (i, a) in found.iter().enumerate() {
            assert!(
                a.x0 >= 0.0 && a.y0 >= 0.0 && a.x1 <= 595.5 && a.y1 <= 842.0,
                "{name}: {a:?} is off the page"
            );
            for b in &found[i + 1..] {
                let overlap_x = a.x1.min(b.x1) - a.x0.max(b.x0);
                let overlap_y = a.y1.min(b.y1) - a.y0.max(b.y0);
                assert!(
                    a.page != b.page || overlap_x <= 0.5 || overlap_y <= 0.5,
                    "{name}: 「{}」 and 「{}」 overlap ({overlap_x:.1} × {overlap_y:.1} pt)\n{a:?}\n{b:?}",
                    a.text,
                    b.text
                );
            }
        }
        // Reading order: the end of the body comes before the dates, the reply-by and the
        // reply section.
        let position = |w: &Word| (w.page, (w.y0 * 10.0) as i64);
        let at = |needle: &str| {
            found
                .iter()
                .find(|w| w.text.contains(needle))
                .map(position)
                .unwrap_or_else(|| panic!("{name}: {needle} missing"))
        };
        let tail: String = {
            let chars: Vec<char> = body.trim().chars().collect();
            chars[chars.len() - 3..].iter().collect()
        };
        let last_body = found
            .iter()
            .filter(|w| w.text.ends_with(&tail))
            .map(position)
            .max()
            .unwrap_or_else(|| panic!("{name}: the body's end 「{tail}」 is not printed"));
        assert!(last_body < at("候補日時"), "{name}");
        assert!(at("候補日時") < at("ご返信のお願い"), "{name}");
        assert!(at("ご返信のお願い") < at("ご返信欄"), "{name}");
        // Every character of the body is printed.
        let printed: String = found.iter().map(|w| w.text.as_str()).collect();
        let body_chars: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            printed.contains(&body_chars[..body_chars.len().min(30)]),
            "{name}: body missing"
        );
        let count = |s: &str, c: char| s.chars().filter(|x| *x == c).count();
        assert!(
            count(&printed, '。') >= count(&body, '。'),
            "{name}: part of the body is lost"
        );
    }
}
