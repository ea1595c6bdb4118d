//! `anshin 2fa` and the code prompts of `anshin login` (issue 12, item 7): enrolling an
//! authenticator app with a QR code drawn in the terminal (and the `otpauth://` link and the key
//! for typing by hand), then the recovery codes, shown this once.

use super::Failure;
use crate::client::{Client, ClientError};
use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
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

/// The QR code in block characters, black on white whatever the terminal's colours (a code
/// drawn light-on-dark is one many phone apps cannot read).
pub fn qr_lines(text: &str) -> Option<Vec<String>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code.render::<Dense1x2>().quiet_zone(true).build();
    Some(
        image
            .lines()
            .map(|line| format!("\x1b[30;47m{line}\x1b[0m"))
            .collect(),
    )
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
    println!("認証アプリ（Google Authenticator、Microsoft Authenticator など）で、次の QR コードを読み取ってください。");
    if let Some(lines) = qr_lines(&enrolment.otpauth_uri) {
        for line in lines {
            println!("{line}");
        }
    }
    println!(
        "読み取れないときは、アプリの「キーを入力」に次のキーを入れてください（時間ベース）:\n  {}",
        grouped(&enrolment.secret)
    );
    println!("リンクを開けるアプリには: {}", enrolment.otpauth_uri);
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

    #[test]
    fn the_qr_code_is_dark_on_light_in_any_terminal() {
        let lines = qr_lines("otpauth://totp/x?secret=ABCDEFGHIJKLMNOP").unwrap();
        assert!(lines.len() > 10);
        assert!(lines
            .iter()
            .all(|l| l.starts_with("\x1b[30;47m") && l.ends_with("\x1b[0m")));
        assert!(lines.iter().any(|l| l.contains('█') || l.contains('▀')));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
