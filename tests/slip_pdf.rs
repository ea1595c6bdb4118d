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
        "了承",
        "コメント",
    ] {
        assert!(
            text.contains(expected),
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
