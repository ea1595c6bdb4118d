//! A query as a care manager types it during a call, made into words the index knows:
//! honorifics dropped (渡辺先生, 渡辺 先生, 木村様, tanaka-san), 「の」 between words split
//! (林内科の渡辺 → 林内科 渡辺), care abbreviations made procedures (HOT → 在宅酸素療法, from
//! `assets/care-abbreviations.tsv`), and a number (042-702-9263, ０４２７０２９２６３, the last four
//! digits) recognised for the reverse lookup.

use crate::directory::Procedure;
use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// The care-abbreviation table, as data (DESIGN: vocabulary beside the code).
pub const CARE_ABBREVIATIONS: &str = include_str!("../../assets/care-abbreviations.tsv");

fn abbreviations() -> &'static HashMap<String, Procedure> {
    static TABLE: OnceLock<HashMap<String, Procedure>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CARE_ABBREVIATIONS
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let (word, code) = l.split_once('\t')?;
                Some((key(word), Procedure::parse(code.trim())?))
            })
            .collect()
    })
}

/// Width and case folded, for looking a word up.
fn key(word: &str) -> String {
    word.trim().nfkc().collect::<String>().to_lowercase()
}

/// Honorifics written after a name; alone they are dropped, after a name they are cut off.
const HONORIFICS: &[&str] = &[
    "先生",
    "せんせい",
    "センセイ",
    "医師",
    "ドクター",
    "様",
    "さま",
    "サマ",
    "さん",
    "サン",
    "氏",
    "殿",
    "くん",
    "ちゃん",
    "-sensei",
    "sensei",
    "-san",
    "-sama",
];

/// Alone, these are only an honorific (さん alone may be the start of a name being typed).
const DROPPED_ALONE: &[&str] = &[
    "先生",
    "せんせい",
    "センセイ",
    "様",
    "さま",
    "サマ",
    "氏",
    "殿",
    "sensei",
    "先生方",
];

/// The words of a query, before folding.
pub fn words(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in query.split(|c: char| c.is_whitespace() || c == '\u{3000}') {
        if raw.is_empty() {
            continue;
        }
        let folded = key(raw);
        if let Some(procedure) = abbreviations().get(&folded) {
            out.push(procedure.label().to_string());
            continue;
        }
        if DROPPED_ALONE.contains(&folded.as_str()) {
            continue;
        }
        for part in split_no(raw) {
            let mut word = part.as_str();
            for h in HONORIFICS {
                if let Some(stem) = word.strip_suffix(h) {
                    if !stem.is_empty() {
                        word = stem.trim_end_matches('-');
                        // 渡辺医師: the role is kept as a word of its own.
                        if *h == "医師" {
                            out.push("医師".to_string());
                        }
                        break;
                    }
                }
            }
            if !word.is_empty() {
                out.push(word.to_string());
            }
        }
    }
    out
}

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}')
}

/// 林内科の渡辺 → 林内科, 渡辺: an 「の」 between two words not written in hiragana (ひかりの里
/// stays whole). Splitting never loses a match: every part is still a substring of the name.
fn split_no(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len().saturating_sub(1) {
        if chars[i] == 'の' && !is_hiragana(chars[i - 1]) && !is_hiragana(chars[i + 1]) {
            parts.push(chars[start..i].iter().collect());
            start = i + 1;
        }
    }
    parts.push(chars[start..].iter().collect());
    parts
}

/// The digits of a number typed to find whose it is: only digits and the marks numbers are
/// written with (hyphens, brackets, spaces, the IME's ー, a leading +81), at least four digits.
/// +81 90 … becomes 090 … .
pub fn number_query(query: &str) -> Option<String> {
    let folded: String = query.nfkc().collect();
    let folded = folded.trim();
    let allowed = |c: char| {
        c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | ' ' | 'ー' | '‐' | '−' | '+' | '.')
    };
    if folded.is_empty() || !folded.chars().all(allowed) {
        return None;
    }
    let mut digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    if folded.starts_with('+') {
        digits = match digits.strip_prefix("81") {
            Some(rest) if rest.starts_with('0') => rest.to_string(),
            Some(rest) => format!("0{rest}"),
            None => digits,
        };
    }
    (digits.len() >= 4).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honorifics_and_particles_do_not_stop_a_match() {
        assert_eq!(words("渡辺先生 林内科"), ["渡辺", "林内科"]);
        assert_eq!(words("渡辺 先生"), ["渡辺"]);
        assert_eq!(words("林内科の渡辺"), ["林内科", "渡辺"]);
        assert_eq!(words("木村様"), ["木村"]);
        assert_eq!(words("watanabe-sensei"), ["watanabe"]);
        assert_eq!(words("渡辺医師"), ["医師", "渡辺"]);
        assert_eq!(words("ひかりの里"), ["ひかりの里"], "の inside a kana name");
        assert_eq!(words("さん"), ["さん"], "the start of さんだ");
    }

    #[test]
    fn care_abbreviations_are_procedures() {
        assert_eq!(words("HOT"), ["在宅酸素療法"]);
        assert_eq!(words("ｈｏｔ 緑区"), ["在宅酸素療法", "緑区"]);
        assert_eq!(words("IVH"), ["中心静脈栄養"]);
        assert_eq!(words("PEG"), ["胃ろう"]);
        assert_eq!(words("バルーン"), ["尿道カテーテル"]);
        assert_eq!(words("ターミナル"), ["看取り"]);
        // Every line of the table names a real procedure.
        let lines = CARE_ABBREVIATIONS
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(abbreviations().len(), lines);
    }

    #[test]
    fn numbers_in_any_form() {
        assert_eq!(number_query("042-702-9263").as_deref(), Some("0427029263"));
        assert_eq!(
            number_query("０４２－７０２－９２６３").as_deref(),
            Some("0427029263")
        );
        assert_eq!(
            number_query("(042) 702 9263").as_deref(),
            Some("0427029263")
        );
        assert_eq!(
            number_query("+81 42 702 9263").as_deref(),
            Some("0427029263")
        );
        assert_eq!(number_query("9263").as_deref(), Some("9263"));
        assert_eq!(number_query("926"), None, "at least four digits");
        assert_eq!(number_query("緑区 9263"), None);
        assert_eq!(number_query("p-0001"), None);
    }
}
