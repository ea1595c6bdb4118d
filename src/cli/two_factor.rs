//! `anshin 2fa` and the code prompts of `anshin login` (issue 12, item 7): enrolling an
//! authenticator app with a QR code drawn in the terminal (and the `otpauth://` link and the key
//! for typing by hand), then the recovery codes, shown this once.

use super::Failure;
use crate::client::{Client, ClientError};
use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};
use std::io::Write;

/// How many codes the member may try when confirming the enrolment.
const CONFIRM_TRIES: usize = 3;

/// Asks for the one-time code: shown as typed (it is single-use), from the next line of
/// standard input when not at a terminal.
pub(super) fn ask_code(interactive: bool, prompt: &str) -> Result<String, Failure> {
    if interactive {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    super::read_line()
}

/// The QR code in block characters (a dark module is ink), with a two-module margin. Error
/// correction L and that margin keep it at 21 rows for a typical link, so it and the prompt fit
/// an 80×24 terminal; a screen has no stains for the stronger levels to repair.
pub fn qr_lines(text: &str) -> Option<Vec<String>> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).ok()?;
    let image = code.render::<Dense1x2>().quiet_zone(false).build();
    let width = image.lines().next()?.chars().count();
    let margin = " ".repeat(width + 4);
    Some(
        std::iter::once(margin.clone())
            .chain(image.lines().map(|line| format!("  {line}  ")))
            .chain(std::iter::once(margin))
            .collect(),
    )
}

/// Prints the code black on white whatever the terminal's colours (light-on-dark is a code many
/// phone apps cannot read). Through crossterm, which turns on a Windows console's colour
/// handling (or uses the console API) where plain escape codes would print as text.
fn print_qr(lines: &[String]) {
    use crossterm::style::{Color, Print, ResetColor, SetBackgroundColor, SetForegroundColor};
    let mut out = std::io::stdout();
    for line in lines {
        let _ = crossterm::queue!(
            out,
            SetForegroundColor(Color::Black),
            SetBackgroundColor(Color::White),
            Print(line),
            ResetColor,
            Print("\n")
        );
    }
    let _ = out.flush();
}

/// The key in groups of four, easier to type into an app by hand.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Enrols an authenticator app for the signed-in account and prints the recovery codes.
pub(super) async fn enrol(client: &Client, interactive: bool) -> Result<(), Failure> {
    let enrolment = match client.begin_two_factor().await {
        Err(ClientError::Server { status: 409, .. }) => {
            return Err(Failure {
                code: 1,
                message: "二段階認証はすでに設定されています。スマートフォンを替えたときは、支援センターに解除（reset-2fa）を依頼してから設定し直してください".into(),
            })
        }
        other => other?,
    };
    // The key and the link first, the code last: the code and the prompt under it stay on
    // screen together.
    println!(
        "アプリの「キーを入力」（時間ベース）で登録するときのキー:\n  {}",
        grouped(&enrolment.secret)
    );
    println!("リンクを開けるアプリには: {}", enrolment.otpauth_uri);
    println!("認証アプリ（Google Authenticator、Microsoft Authenticator など）で、この QR コードを読み取ってください:");
    if let Some(lines) = qr_lines(&enrolment.otpauth_uri) {
        print_qr(&lines);
    }
    let mut tries = 0;
    let codes = loop {
        tries += 1;
        let code = ask_code(interactive, "アプリに出ている6桁を入力してください: ")?;
        match client.confirm_two_factor(&code).await {
            Ok(codes) => break codes,
            Err(ClientError::Server {
                status: 400,
                message,
            }) if tries < CONFIRM_TRIES => eprintln!("{message}"),
            Err(e) => return Err(e.into()),
        }
    };
    println!("二段階認証を設定しました。次からログインのとき、パスワードのあとに確認コードを聞きます。ほかの PC のログインは終わりました。");
    println!();
    println!("リカバリーコード（スマートフォンをなくしたとき、確認コードの代わりに 1 つずつ 1 回だけ使えます）。");
    println!("表示はこの 1 回だけです。紙に書き写して、安全な所にしまってください:");
    for code in codes {
        println!("  {code}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block characters back to modules (each character is one column and two rows),
    /// scaled up, and read by a QR decoder as a phone's camera would.
    fn decode(lines: &[String]) -> String {
        let rows: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
        let width = rows[0].len();
        let height = rows.len() * 2;
        let dark = |x: usize, y: usize| {
            let c = rows[y / 2].get(x).copied().unwrap_or(' ');
            matches!((c, y % 2), ('█', _) | ('▀', 0) | ('▄', 1))
        };
        let scale = 6;
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(width * scale, height * scale, |x, y| {
                if dark(x / scale, y / scale) {
                    0
                } else {
                    255
                }
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code found");
        grids[0].decode().expect("the QR code reads").1
    }

    #[test]
    fn the_qr_code_reads_back_as_the_link_and_fits_a_small_terminal() {
        let uri = "otpauth://totp/AnshinLink:tanaka.keiko?secret=I4BTMYF5JG33VJHWKN5FF7JHVL7NZMPB&issuer=AnshinLink";
        let lines = qr_lines(uri).unwrap();
        assert_eq!(decode(&lines), uri);
        // With the heading and the prompt, an 80×24 terminal shows all of it.
        assert!(lines.len() <= 22, "{} rows", lines.len());
        let columns = lines[0].chars().count();
        assert!(columns <= 80, "{columns} columns");
        assert!(lines.iter().all(|l| l.chars().count() == columns));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
