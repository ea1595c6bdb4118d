//! The personal-information detector (DESIGN §6.2, seed §4-5): finds in free text what must not
//! leave the office by FAX or email — the patient's name, My Number, insurance numbers, birth
//! dates, phone numbers, postal codes, street-level addresses, email addresses. Age, sex and a
//! ward or town name are allowed (seed §4-5 example 2), and so is a masked name like ○村○男.
//!
//! Pure: text in, findings out, with char offsets into the original text. Full-width digits and
//! kanji numerals are normalised first, so 「昭和十五年三月二日」 and 「０４２－７００－０００１」
//! are found like their ASCII forms.

use regex::Regex;
use serde::Serialize;
use std::sync::OnceLock;

mod names;
pub(crate) use names::MASK_CHARS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    PatientName,
    MyNumber,
    InsuranceNumber,
    BirthDate,
    PhoneNumber,
    PostalCode,
    StreetAddress,
    Email,
}

impl FindingKind {
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::PatientName => "patient_name",
            FindingKind::MyNumber => "my_number",
            FindingKind::InsuranceNumber => "insurance_number",
            FindingKind::BirthDate => "birth_date",
            FindingKind::PhoneNumber => "phone_number",
            FindingKind::PostalCode => "postal_code",
            FindingKind::StreetAddress => "street_address",
            FindingKind::Email => "email",
        }
    }

    /// What to do instead, in the words of the guide (seed §4-5).
    pub fn message(self) -> &'static str {
        match self {
            FindingKind::PatientName => "利用者のお名前が入っています。「○村○男」のように伏せ字にするか、先に電話でお伝えください",
            FindingKind::MyNumber => "マイナンバー（個人番号）は書かないでください",
            FindingKind::InsuranceNumber => "被保険者番号・保険者番号・記号番号は書かないでください",
            FindingKind::BirthDate => "生年月日は書かないでください。年齢（例: 85歳）にしてください",
            FindingKind::PhoneNumber => "電話番号は書かないでください（利用者・ご家族の番号が誤送信で漏れます）",
            FindingKind::PostalCode => "郵便番号は書かないでください。区・町名までにしてください",
            FindingKind::StreetAddress => "番地まで書くと住所が特定されます。区・町名までにしてください（例: 中央区上溝）",
            FindingKind::Email => "メールアドレスは書かないでください",
        }
    }
}

/// One thing found, with char offsets into the original text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalInfoFinding {
    pub kind: FindingKind,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub message: String,
}

/// What the detector may be told besides the text.
#[derive(Debug, Clone, Default)]
pub struct DetectOptions<'a> {
    /// The patient's real name, typed only to check for leaks (held in memory only).
    pub patient_name: Option<&'a str>,
    /// Its reading in kana (きむら まさお), for the name written in kana or romaji.
    pub patient_kana: Option<&'a str>,
    /// The masked name on the slip (○村○男): words around its visible characters are looked at.
    pub mask: Option<&'a str>,
    /// Names that may be written: the doctor's, the sender's, their institution and office.
    pub known_names: &'a [&'a str],
    /// Numbers that may appear: the office's and the recipient's own (not personal information).
    pub allowed_numbers: &'a [&'a str],
    /// The current year, for telling a birth date from an appointment date.
    pub current_year: i32,
}

/// The text, normalised, with each normalised char's range in the original.
struct Normalised {
    text: String,
    /// For each char of `text`: (start, end) char offsets in the original.
    origin: Vec<(usize, usize)>,
}

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|p| p as u32)
        .or(match c {
            '零' => Some(0),
            '壱' => Some(1),
            '弐' => Some(2),
            _ => None,
        })
}

/// A run of kanji numerals (with 十) as a number: 十五 = 15, 二十 = 20, 三十一 = 31, 一九四〇 = 1940.
fn kanji_number(run: &[char]) -> Option<u32> {
    if run.contains(&'十') {
        let at = run.iter().position(|c| *c == '十')?;
        let tens = if at == 0 {
            1
        } else {
            kanji_digit(run[at - 1])?
        };
        let ones = match run.get(at + 1) {
            Some(c) => kanji_digit(*c)?,
            None => 0,
        };
        (at <= 1 && run.len() <= at + 2).then_some(tens * 10 + ones)
    } else {
        run.iter()
            .try_fold(0u32, |n, c| Some(n.checked_mul(10)? + kanji_digit(*c)?))
    }
}

fn normalise(text: &str) -> Normalised {
    use unicode_normalization::UnicodeNormalization;
    let chars: Vec<char> = text.chars().collect();
    let mut out = Normalised {
        text: String::with_capacity(text.len()),
        origin: Vec::with_capacity(chars.len()),
    };
    let mut i = 0;
    while i < chars.len() {
        // Kanji numerals: the longest run, as Arabic digits mapped back to the whole run.
        if kanji_digit(chars[i]).is_some() || chars[i] == '十' {
            let mut j = i;
            while j < chars.len() && (kanji_digit(chars[j]).is_some() || chars[j] == '十') {
                j += 1;
            }
            if let Some(n) = kanji_number(&chars[i..j]) {
                for d in n.to_string().chars() {
                    out.text.push(d);
                    out.origin.push((i, j));
                }
                i = j;
                continue;
            }
        }
        let c = crate::search::normalize::variant_kanji(chars[i]);
        for n in std::iter::once(c).nfkc() {
            // NFKC leaves the full-width hyphen-like marks alone: they are hyphens here.
            let after_digit = out.text.ends_with(|c: char| c.is_ascii_digit());
            let n = match n {
                '－' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
                // An IME often turns a hyphen typed between digits into the long-vowel mark
                // (042ー700ー0001); elsewhere it is part of a word (マイナンバー).
                'ー' if after_digit => '-',
                other => other,
            };
            out.text.push(n);
            out.origin.push((i, i + 1));
        }
        i += 1;
    }
    out
}

struct Patterns {
    my_number_labelled: Regex,
    twelve_digits: Regex,
    insurance: Regex,
    insurance_split: Regex,
    western_date: Regex,
    western_date_year_last: Regex,
    era_date: Regex,
    era_abbrev: Regex,
    birth_label: Regex,
    phone: Regex,
    postal: Regex,
    address_chome: Regex,
    address_dashes: Regex,
    email: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let re = |p: &str| Regex::new(p).expect("detector patterns are valid");
        Patterns {
            // Spacing as people type it: one or more spaces (full-width ones are spaces after
            // NFKC) or hyphens between any digits.
            my_number_labelled: re(r"(?:個人番号|マイナンバー)[^0-9]{0,8}((?:\d[\s-]{0,3}){11}\d)"),
            twelve_digits: re(r"\d(?:[\s-]{0,3}\d){11}"),
            insurance: re(r"(?:被保険者番号|保険者番号|記号[・･]?番号|(?:被)?保険(?:者)?証の?(?:記号[・･]?)?番号|介護保険番号|介護保険の?番号)[^0-9A-Za-z]{0,8}([0-9A-Za-z][0-9A-Za-z\s・･-]{4,30}[0-9])"),
            // 「記号 1234 番号 56」: the two halves apart.
            insurance_split: re(r"記号\s*[:：は]?\s*([0-9A-Za-z][0-9A-Za-z-]*)\s*[、,・]?\s*(?:の\s*)?番号\s*[:：は]?\s*([0-9A-Za-z][0-9A-Za-z-]*)"),
            western_date: re(r"((?:19|20)\d{2})\s*(?:年|/|-|\.)\s*(\d{1,2})\s*(?:月|/|-|\.)\s*(\d{1,2})\s*日?"),
            // 03-15-1940, 15/03/1940: month and day first, as in forms from abroad.
            western_date_year_last: re(r"(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20)\d{2})"),
            era_date: re(r"(明治|大正|昭和|平成|令和)\s*(\d{1,2}|元)\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?"),
            era_abbrev: re(r"(?:^|[^A-Za-z])([MTSHRmtshr])\s*(\d{1,2})[./-](\d{1,2})[./-](\d{1,2})"),
            birth_label: re(r"(?:生年月日|誕生日|生まれ|生\s*$|生[）)]|^\s*生)"),
            // Boundaries are checked by hand (a regex that consumed the next character would
            // hide a second number right after the first: 「090-…と03-…」).
            phone: re(r"(?:\+\s?81[\s-]?(?:\(0\)\s?)?\(?0?\d{1,4}\)?|\(0\d{1,4}\)|0\d{1,4})[\s-]?\(?\d{1,4}\)?[\s-]?\d{3,4}"),
            postal: re(r"〒\s*\d{3}-?\d{4}|\d{3}-\d{4}"),
            address_chome: re(r"\d+\s*丁目(?:\s*\d+\s*番地?)?(?:\s*\d+\s*号)?|\d+\s*番地(?:\s*の?\s*\d+)?|\d+\s*番\s*\d+\s*号"),
            address_dashes: re(r"[\p{Han}\p{Hiragana}\p{Katakana}](\d{1,4}-\d{1,4}(?:-\d{1,4})?)(?:[^0-9:/-]|$)"),
            email: re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
        }
    })
}

/// The official check digit of a 12-digit individual number (マイナンバー).
pub fn my_number_is_valid(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 12 || digits.chars().filter(|c| c.is_ascii_digit()).count() != 12 {
        return false;
    }
    // P_n: the n-th digit from the right of the first eleven; Q_n = n + 1 (n ≤ 6), n − 5 (n ≥ 7).
    let sum: u32 = (1..=11)
        .map(|n| {
            let p = d[11 - n];
            let q = if n <= 6 { n as u32 + 1 } else { n as u32 - 5 };
            p * q
        })
        .sum();
    let remainder = sum % 11;
    let check = if remainder <= 1 { 0 } else { 11 - remainder };
    d[11] == check
}

/// A number stands alone: no digit (or `+`, `-`) right before it and no digit right after.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let digit_before = before.is_some_and(|c| c.is_ascii_digit() || c == '+' || c == '-');
    let digit_after = after.is_some_and(|c| c.is_ascii_digit())
        || (after == Some('-') && text[end + 1..].starts_with(|c: char| c.is_ascii_digit()));
    !(digit_before || digit_after)
}

/// 2026-11-28, 07-07-2026, 03-15-2026: a date, not a block number.
fn is_date(digits: &str) -> bool {
    let parts: Vec<u32> = digits.split('-').filter_map(|p| p.parse().ok()).collect();
    let year = |y: u32| (1900..=2100).contains(&y);
    match parts.as_slice() {
        [y, m, d] if year(*y) => (1..=12).contains(m) && (1..=31).contains(d),
        [a, b, y] if year(*y) => {
            (1..=31).contains(a) && (1..=31).contains(b) && (*a <= 12 || *b <= 12)
        }
        _ => false,
    }
}

/// One raw finding: normalised char range, and advice other than the kind's own.
type Raw = (FindingKind, usize, usize, Option<&'static str>);

/// Finds personal information in `text`. Findings are sorted by position and do not overlap.
pub fn detect(text: &str, options: &DetectOptions) -> Vec<PersonalInfoFinding> {
    let n = normalise(text);
    let original: Vec<char> = text.chars().collect();
    let p = patterns();
    // Byte offset in the normalised text → index of its char.
    let char_at = |byte: usize| n.text[..byte].chars().count();
    let mut raw: Vec<Raw> = Vec::new(); // normalised char ranges
    let mut push = |kind, start_byte: usize, end_byte: usize| {
        raw.push((kind, char_at(start_byte), char_at(end_byte), None))
    };

    for c in p.my_number_labelled.captures_iter(&n.text) {
        let m = c.get(1).expect("group 1");
        push(FindingKind::MyNumber, m.start(), m.end());
    }
    for m in p.twelve_digits.find_iter(&n.text) {
        if stands_alone(&n.text, m.start(), m.end()) && my_number_is_valid(m.as_str()) {
            push(FindingKind::MyNumber, m.start(), m.end());
        }
    }
    for c in p.insurance.captures_iter(&n.text) {
        let m = c.get(1).expect("group 1");
        push(FindingKind::InsuranceNumber, m.start(), m.end());
    }
    for c in p.insurance_split.captures_iter(&n.text) {
        let (first, second) = (c.get(1).expect("group 1"), c.get(2).expect("group 2"));
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
        if digits(first.as_str()) + digits(second.as_str()) >= 2 {
            push(FindingKind::InsuranceNumber, first.start(), second.end());
        }
    }
    let labelled = |start: usize, end: usize| {
        let before_start = n.text[..start]
            .char_indices()
            .rev()
            .nth(7)
            .map_or(0, |(i, _)| i);
        let after_end = n.text[end..]
            .char_indices()
            .nth(5)
            .map_or(n.text.len(), |(i, _)| end + i);
        p.birth_label.is_match(&n.text[before_start..start])
            || p.birth_label.is_match(&n.text[end..after_end])
    };
    // An appointment or a reply date is this year or next; a birth date of a care client is
    // decades back.
    let long_ago = |year: i32| year <= options.current_year - 15;
    for m in p.western_date.captures_iter(&n.text) {
        let whole = m.get(0).expect("match");
        let year: i32 = m[1].parse().unwrap_or(0);
        if long_ago(year) || labelled(whole.start(), whole.end()) {
            push(FindingKind::BirthDate, whole.start(), whole.end());
        }
    }
    for m in p.western_date_year_last.captures_iter(&n.text) {
        let whole = m.get(0).expect("match");
        let year: i32 = m[3].parse().unwrap_or(0);
        if long_ago(year) || labelled(whole.start(), whole.end()) {
            push(FindingKind::BirthDate, whole.start(), whole.end());
        }
    }
    for m in p.era_date.captures_iter(&n.text) {
        let whole = m.get(0).expect("match");
        let has_month = m.get(3).is_some();
        let past_era = &m[1] != "令和";
        if (past_era && has_month) || labelled(whole.start(), whole.end()) {
            push(FindingKind::BirthDate, whole.start(), whole.end());
        }
    }
    for m in p.era_abbrev.captures_iter(&n.text) {
        let era = m[1].to_ascii_uppercase();
        let start = m.get(1).expect("era").start();
        let end = m.get(0).expect("match").end();
        if era != "R" || labelled(start, end) {
            push(FindingKind::BirthDate, start, end);
        }
    }
    let allowed: Vec<String> = options
        .allowed_numbers
        .iter()
        .map(|a| national_digits(a))
        .collect();
    for m in p.phone.find_iter(&n.text) {
        if !stands_alone(&n.text, m.start(), m.end()) {
            continue;
        }
        let digits = national_digits(m.as_str());
        if (10..=11).contains(&digits.len()) && !allowed.contains(&digits) {
            push(FindingKind::PhoneNumber, m.start(), m.end());
        }
    }
    for m in p.postal.find_iter(&n.text) {
        let s = m.as_str();
        let (start, end) = (m.start(), m.end());
        let before = n.text[..start].chars().next_back();
        let after = n.text[end..].chars().next();
        let alone = s.starts_with('〒')
            || (!before.is_some_and(|c| c.is_ascii_digit() || c == '-')
                && !after.is_some_and(|c| c.is_ascii_digit() || c == '-'));
        if alone {
            push(FindingKind::PostalCode, start, end);
        }
    }
    for m in p.address_chome.find_iter(&n.text) {
        push(FindingKind::StreetAddress, m.start(), m.end());
    }
    for c in p.address_dashes.captures_iter(&n.text) {
        let m = c.get(1).expect("group 1");
        // 042-700-0001 after a word is a (perhaps allowed) phone number, not a block number;
        // 2026-11-28 and 07-07-2026 are dates.
        let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
        let phone_like = m.as_str().starts_with('0') && digits >= 10;
        if !(phone_like || is_date(m.as_str())) {
            push(FindingKind::StreetAddress, m.start(), m.end());
        }
    }
    for m in p.email.find_iter(&n.text) {
        push(FindingKind::Email, m.start(), m.end());
    }
    if let Some(name) = options.patient_name {
        find_name(&n.text, name, &mut raw);
    }
    let chars: Vec<char> = n.text.chars().collect();
    let mut names = Vec::new();
    if let Some(kana) = options.patient_kana {
        names::reading(&chars, kana, &mut names);
    }
    let known = names::Known::new(options.known_names, |s| normalise(s).text);
    names::addressed(&chars, &known, &mut names);
    if let Some(mask) = options.mask {
        names::mask_visible(&chars, &normalise(mask).text, &known, &mut names);
    }
    raw.extend(
        names
            .into_iter()
            .map(|(start, end, hit)| (FindingKind::PatientName, start, end, Some(hit.message()))),
    );

    // Earlier and longer first; drop what an earlier finding already covers.
    raw.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let mut findings: Vec<PersonalInfoFinding> = Vec::new();
    let mut covered_to = 0usize;
    for (kind, start, end, message) in raw {
        if start >= end || start < covered_to {
            continue;
        }
        let from = n.origin.get(start).map_or(original.len(), |o| o.0);
        let to = n.origin.get(end - 1).map_or(original.len(), |o| o.1);
        covered_to = end;
        findings.push(PersonalInfoFinding {
            kind,
            start: from,
            end: to,
            text: original[from..to].iter().collect(),
            message: message.unwrap_or(kind.message()).to_string(),
        });
    }
    findings
}

/// A number's digits as dialled inside Japan: +81 90 … → 090 … .
fn national_digits(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if number.trim_start().starts_with('+') {
        if let Some(rest) = digits.strip_prefix("81") {
            return if rest.starts_with('0') {
                rest.to_string()
            } else {
                format!("0{rest}")
            };
        }
    }
    digits
}

/// The real name, its family and given parts, with variant kanji and spacing folded
/// (高橋一郎 finds 髙橋 一郎).
fn find_name(text: &str, name: &str, raw: &mut Vec<Raw>) {
    let fold = |s: &str| -> String {
        normalise(s)
            .text
            .chars()
            .map(crate::search::normalize::katakana_to_hiragana)
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    // The text side keeps its spacing in the char map: compare on a spaceless copy.
    let chars: Vec<char> = text.chars().collect();
    let kept: Vec<usize> = (0..chars.len())
        .filter(|i| !chars[*i].is_whitespace())
        .collect();
    let squeezed: Vec<char> = kept
        .iter()
        .map(|i| crate::search::normalize::katakana_to_hiragana(chars[*i]))
        .collect();
    let mut parts: Vec<String> = vec![fold(name)];
    parts.extend(
        name.split(|c: char| c.is_whitespace() || c == '　')
            .map(fold),
    );
    // Typed without a space (木村正男): most family names are two characters, so 木村 and 正男
    // are looked for too (a one-character remainder would match everywhere).
    let whole: Vec<char> = parts[0].chars().collect();
    if parts.len() == 2 && whole.len() >= 4 {
        parts.push(whole[..2].iter().collect());
        parts.push(whole[2..].iter().collect());
    }
    parts.retain(|p| !p.is_empty());
    parts.dedup();
    for part in parts {
        let needle: Vec<char> = part.chars().collect();
        if needle.is_empty() || needle.len() > squeezed.len() {
            continue;
        }
        for at in 0..=squeezed.len() - needle.len() {
            if squeezed[at..at + needle.len()] == needle[..] {
                raw.push((
                    FindingKind::PatientName,
                    kept[at],
                    kept[at + needle.len() - 1] + 1,
                    None,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests;
