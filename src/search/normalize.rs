//! Folding text so that what a care manager types matches what the directory says (DESIGN §5.1):
//! full/half width (NFKC), hiragana = katakana, romaji typed without an IME (Hepburn and Kunrei
//! spellings, `ou`/`oo`/`oh`/`o`, doubled consonants), long vowels and small kana, and variant
//! kanji in surnames (髙=高, 﨑=崎, 邊=邉=辺 …).
//!
//! Everything is brought to one key space: kanji stay kanji (after variant folding), kana become
//! a canonical Kunrei-style romaji with long vowels collapsed. The index and the query go through
//! the same function, so `高橋`, `髙橋`, `たかはし`, `ﾀｶﾊｼ`, `takahashi`, `takahasi` and `TAKAHASHI`
//! all meet.

use unicode_normalization::UnicodeNormalization;

/// Folds a whole field: spaces and separators inside it are dropped, so 「田中 一郎」 and
/// 「田中一郎」 fold alike.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    fold_into(text, &mut out);
    out
}

/// Splits a query into folded tokens (space-separated, full-width space too) after
/// [`super::query::words`] (honorifics, 「の」, care abbreviations); empty tokens and tokens that
/// fold to nothing are dropped.
pub fn fold_query(query: &str) -> Vec<String> {
    super::query::words(query)
        .iter()
        .map(|w| fold(w))
        .filter(|t| !t.is_empty())
        .collect()
}

fn fold_into(text: &str, out: &mut String) {
    // NFKC: full-width ASCII and digits, half-width katakana (ｶﾞ → ガ), compatibility kanji.
    let mut kana_run = String::new();
    let mut ascii_run = String::new();
    for c in text.nfkc() {
        // Hepburn's long vowels (satō, Ōno) and Kunrei's circumflex (satô): a doubled vowel,
        // which the romaji folding then shortens like ou and oo.
        if let Some(vowel) = macron_vowel(c) {
            flush_kana(&mut kana_run, &mut ascii_run);
            ascii_run.push(vowel);
            ascii_run.push(if vowel == 'o' { 'u' } else { vowel });
            continue;
        }
        let c = variant_kanji(c).to_lowercase().next().unwrap_or(c);
        let c = katakana_to_hiragana(c);
        if is_hiragana(c) || c == 'ー' {
            flush_ascii(&mut ascii_run, out);
            kana_run.push(c);
        } else if c.is_ascii_alphabetic() {
            flush_kana(&mut kana_run, &mut ascii_run);
            ascii_run.push(c);
        } else {
            flush_kana(&mut kana_run, &mut ascii_run);
            flush_ascii(&mut ascii_run, out);
            if !is_separator(c) {
                out.push(c);
            }
        }
    }
    flush_kana(&mut kana_run, &mut ascii_run);
    flush_ascii(&mut ascii_run, out);
}

fn macron_vowel(c: char) -> Option<char> {
    Some(match c {
        'ā' | 'Ā' | 'â' | 'Â' => 'a',
        'ī' | 'Ī' | 'î' | 'Î' => 'i',
        'ū' | 'Ū' | 'û' | 'Û' => 'u',
        'ē' | 'Ē' | 'ê' | 'Ê' => 'e',
        'ō' | 'Ō' | 'ô' | 'Ô' => 'o',
        _ => return None,
    })
}

/// Kana become romaji and join the ASCII run, so a query typed half in kana and half in romaji
/// (the IME switched mid-word) folds like either.
fn flush_kana(kana: &mut String, ascii: &mut String) {
    if !kana.is_empty() {
        kana_to_romaji(kana, ascii);
        kana.clear();
    }
}

fn flush_ascii(ascii: &mut String, out: &mut String) {
    if !ascii.is_empty() {
        canonical_romaji(ascii, out);
        ascii.clear();
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '・' | '･' | '.' | '\'' | '’' | '、' | '。')
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{3096}').contains(&c)
}

pub(crate) fn katakana_to_hiragana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// Old forms (旧字体) to the forms in use today, the whole table of the Jōyō and Jinmeiyō lists as
/// yosina (a kept crate) has it: `assets/kanji-variants.tsv`, one `old<TAB>new` a line, kept
/// equal to yosina by a test (`ANSHIN_WRITE_KANJI_VARIANTS=1 cargo test kanji_variant_table`
/// writes it again).
pub const KANJI_VARIANTS: &str = include_str!("../../assets/kanji-variants.tsv");

struct OldForms {
    /// One bit per BMP code point: is it an old form? (8 KiB; most characters stop here.)
    bmp: Vec<u64>,
    /// Sorted by the old form.
    pairs: Vec<(char, char)>,
}

fn old_forms() -> &'static OldForms {
    static TABLE: std::sync::OnceLock<OldForms> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut pairs: Vec<(char, char)> = KANJI_VARIANTS
            .lines()
            .filter_map(|line| {
                let mut cells = line.split('\t');
                let old = cells.next()?.chars().next()?;
                let new = cells.next()?.chars().next()?;
                Some((old, new))
            })
            .collect();
        pairs.sort_unstable();
        let mut bmp = vec![0u64; 1024];
        for (old, _) in &pairs {
            let n = *old as usize;
            if n < 0x10000 {
                bmp[n / 64] |= 1 << (n % 64);
            }
        }
        OldForms { bmp, pairs }
    })
}

fn old_form(c: char) -> Option<char> {
    let table = old_forms();
    let n = c as usize;
    if n < 0x10000 && table.bmp[n / 64] & (1 << (n % 64)) == 0 {
        return None;
    }
    table
        .pairs
        .binary_search_by_key(&c, |(old, _)| *old)
        .ok()
        .map(|i| table.pairs[i].1)
}

/// Variant (異体字) and old-form kanji common in surnames and place names, to one form: the
/// whole old-form table, then the variants people write in names that it leaves alone.
/// NFKC already folds most compatibility ideographs.
pub(crate) fn variant_kanji(c: char) -> char {
    if c < '\u{3400}' {
        return c;
    }
    let c = old_form(c).unwrap_or(c);
    match c {
        '髙' => '高',
        '﨑' | '嵜' | '碕' => '崎',
        '邊' | '邉' => '辺',
        '齋' | '齊' | '斉' => '斎',
        '澤' => '沢',
        '濱' => '浜',
        '廣' => '広',
        '櫻' => '桜',
        '嶋' | '嶌' => '島',
        '德' => '徳',
        '國' => '国',
        '圓' => '円',
        '關' => '関',
        '眞' => '真',
        '龍' => '竜',
        '瀨' => '瀬',
        '曾' => '曽',
        '惠' => '恵',
        '萬' => '万',
        '榮' => '栄',
        '實' => '実',
        '冨' => '富',
        '槇' => '槙',
        '藪' => '薮',
        '舘' => '館',
        '﨔' => '欅',
        '增' => '増',
        '黑' => '黒',
        '淺' => '浅',
        '檜' => '桧',
        '樂' => '楽',
        '驛' => '駅',
        '縣' => '県',
        '兒' => '児',
        '莊' => '荘',
        '寬' => '寛',
        '晉' => '晋',
        _ => c,
    }
}

/// Hiragana to canonical romaji: Kunrei (し si, ち ti, つ tu, ふ hu, じ/ぢ zi, づ zu), small
/// ゃゅょ fused (きゃ kya), small vowels as plain vowels, っ and ー dropped (their doubling and
/// lengthening are folded away on the romaji side anyway).
fn kana_to_romaji(kana: &str, out: &mut String) {
    for c in kana.chars() {
        match c {
            'ゃ' | 'ゅ' | 'ょ' => {
                let vowel = match c {
                    'ゃ' => 'a',
                    'ゅ' => 'u',
                    _ => 'o',
                };
                // "ki" + ゃ → "kya"; after a bare vowel (rare) just the vowel sound.
                if out.ends_with('i') && out.len() >= 2 {
                    out.pop();
                    out.push('y');
                }
                out.push(vowel);
            }
            'っ' | 'ー' => {}
            _ => out.push_str(romaji_of(c)),
        }
    }
}

fn romaji_of(c: char) -> &'static str {
    match c {
        'あ' | 'ぁ' => "a",
        'い' | 'ぃ' | 'ゐ' => "i",
        'う' | 'ぅ' => "u",
        'え' | 'ぇ' | 'ゑ' => "e",
        'お' | 'ぉ' | 'を' => "o",
        'か' | 'ゕ' => "ka",
        'き' => "ki",
        'く' => "ku",
        'け' | 'ゖ' => "ke",
        'こ' => "ko",
        'が' => "ga",
        'ぎ' => "gi",
        'ぐ' => "gu",
        'げ' => "ge",
        'ご' => "go",
        'さ' => "sa",
        'し' => "si",
        'す' => "su",
        'せ' => "se",
        'そ' => "so",
        'ざ' => "za",
        'じ' | 'ぢ' => "zi",
        'ず' | 'づ' => "zu",
        'ぜ' => "ze",
        'ぞ' => "zo",
        'た' => "ta",
        'ち' => "ti",
        'つ' => "tu",
        'て' => "te",
        'と' => "to",
        'だ' => "da",
        'で' => "de",
        'ど' => "do",
        'な' => "na",
        'に' => "ni",
        'ぬ' => "nu",
        'ね' => "ne",
        'の' => "no",
        'は' => "ha",
        'ひ' => "hi",
        'ふ' => "hu",
        'へ' => "he",
        'ほ' => "ho",
        'ば' => "ba",
        'び' => "bi",
        'ぶ' => "bu",
        'べ' => "be",
        'ぼ' => "bo",
        'ぱ' => "pa",
        'ぴ' => "pi",
        'ぷ' => "pu",
        'ぺ' => "pe",
        'ぽ' => "po",
        'ま' => "ma",
        'み' => "mi",
        'む' => "mu",
        'め' => "me",
        'も' => "mo",
        'や' => "ya",
        'ゆ' => "yu",
        'よ' => "yo",
        'ら' => "ra",
        'り' => "ri",
        'る' => "ru",
        'れ' => "re",
        'ろ' => "ro",
        'わ' | 'ゎ' => "wa",
        'ん' => "n",
        'ゔ' => "vu",
        _ => "",
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'i' | b'u' | b'e' | b'o')
}

/// Brings any romaji spelling to the canonical one: Hepburn digraphs to Kunrei, doubled
/// consonants single, `m` before b/p/m to `n`, long vowels (`ou`, `oo`, `uu`, `oh` …) short.
fn canonical_romaji(run: &str, out: &mut String) {
    let b = run.as_bytes();
    let mut s: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let next = |k: usize| rest.get(k).copied().unwrap_or(0);
        // Hepburn → Kunrei.
        if rest.starts_with(b"sh") && is_vowel(next(2)) {
            push_syllable(&mut s, b"s", next(2));
            i += 3;
            continue;
        }
        if rest.starts_with(b"ch") && is_vowel(next(2)) {
            push_syllable(&mut s, b"t", next(2));
            i += 3;
            continue;
        }
        // A vowel dropped after sh/ch (shro → shiro): the i that always follows them.
        if (rest.starts_with(b"sh") || rest.starts_with(b"ch")) && next(2).is_ascii_alphabetic() {
            s.extend_from_slice(if next(0) == b's' { b"si" } else { b"ti" });
            i += 2;
            continue;
        }
        if rest.starts_with(b"tsu") {
            s.extend_from_slice(b"tu");
            i += 3;
            continue;
        }
        // ts before a consonant or at the end: つ with its u dropped (matsmoto).
        if rest.starts_with(b"ts") && !is_vowel(next(2)) {
            s.extend_from_slice(b"tu");
            i += 2;
            continue;
        }
        // The h of ch dropped (cinatsu → chinatsu); ca/co/cu are か/こ/く as an IME reads them.
        if next(0) == b'c' && next(1) != b'h' && is_vowel(next(1)) {
            // ci: ち (the h dropped); ce: せ as an IME reads it.
            s.extend_from_slice(match next(1) {
                b'i' => b"t",
                b'e' => b"s",
                _ => b"k",
            });
            s.push(next(1));
            i += 2;
            continue;
        }
        // IME spellings: jya/jyu/jyo (じゃ), cya (ちゃ), sya stays (しゃ is sya already).
        if rest.starts_with(b"jy") && is_vowel(next(2)) {
            s.extend_from_slice(b"zy");
            s.push(next(2));
            i += 3;
            continue;
        }
        if rest.starts_with(b"cy") && is_vowel(next(2)) {
            s.extend_from_slice(b"ty");
            s.push(next(2));
            i += 3;
            continue;
        }
        // du, di (づ, ぢ) read like zu, zi, as the kana side folds them.
        if next(0) == b'd' && matches!(next(1), b'u' | b'i') {
            s.push(b'z');
            s.push(next(1));
            i += 2;
            continue;
        }
        if next(0) == b'j' && is_vowel(next(1)) {
            push_syllable(&mut s, b"z", next(1));
            i += 2;
            continue;
        }
        if next(0) == b'f' && is_vowel(next(1)) {
            s.extend_from_slice(b"hu");
            if next(1) != b'u' {
                s.push(next(1));
            }
            i += 2;
            continue;
        }
        s.push(next(0));
        i += 1;
    }

    // Second pass: doubled consonants, m before labials, long vowels, trailing/inner "oh".
    let mut folded: Vec<u8> = Vec::with_capacity(s.len());
    for (k, &c) in s.iter().enumerate() {
        let prev = folded.last().copied();
        let following = s.get(k + 1).copied();
        if c.is_ascii_alphabetic() && !is_vowel(c) && prev == Some(c) {
            continue; // tt → t, kk → k, nn → n
        }
        if c == b't' && following == Some(b'c') {
            continue; // matcha-style "tch"
        }
        if c == b'm' && matches!(following, Some(b'b' | b'p' | b'm')) {
            folded.push(b'n');
            continue;
        }
        if is_vowel(c) {
            if let Some(p) = prev {
                let long = (p == c) || (p == b'o' && c == b'u');
                if long {
                    continue;
                }
            }
        }
        if c == b'h' && prev == Some(b'o') && !following.is_some_and(|f| is_vowel(f) || f == b'y') {
            continue; // "saitoh", "ohno"
        }
        folded.push(c);
    }
    out.push_str(std::str::from_utf8(&folded).unwrap_or(""));
}

fn push_syllable(s: &mut Vec<u8>, consonant: &[u8], vowel: u8) {
    s.extend_from_slice(consonant);
    if vowel != b'i' {
        s.push(b'y');
    }
    s.push(vowel);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(fold(a), fold(b), "{a} vs {b}");
    }

    #[test]
    fn width_and_script_fold_together() {
        same("ﾀｶﾊｼ", "たかはし");
        same("タカハシ", "たかはし");
        same("ＴＡＫＡＨＡＳＨＩ", "takahashi");
        same("０４２", "042");
        same("ｶﾞﾝｶ", "がんか");
    }

    #[test]
    fn romaji_spellings_meet_kana() {
        for typed in ["takahashi", "takahasi", "TAKAHASHI", "Takahashi"] {
            same(typed, "たかはし");
        }
        for typed in ["saitou", "saito", "saitoh", "saitoo"] {
            same(typed, "さいとう");
        }
        same("tsutsui", "つつい");
        same("tutui", "つつい");
        same("chiba", "ちば");
        same("tiba", "ちば");
        same("fujita", "ふじた");
        same("huzita", "ふじた");
        same("shouta", "しょうた");
        same("syota", "しょうた");
        same("hattori", "はっとり");
        same("kenichi", "けんいち");
        same("junichi", "じゅんいち");
        same("shimbashi", "しんばし");
        same("ohno", "おおの");
        same("ono", "おおの");
        same("kyouko", "きょうこ");
        same("ryouko", "りょうこ");
        same("famiri", "ふぁみりー");
    }

    #[test]
    fn more_ways_people_type_names() {
        same("satō", "さとう");
        same("Ōno", "おおの");
        same("satô", "sato");
        same("shro", "しろ");
        same("cinatsu", "ちなつ");
        same("matsmoto", "まつもと");
        same("kazuko", "かづこ");
        same("kadu", "かづ");
        same("jyunko", "じゅんこ");
        same("cyouko", "ちょうこ");
        same("syouta", "しょうた");
        same("chihiro", "ちひろ");
    }

    #[test]
    fn long_vowels_and_small_kana() {
        same("ハーモニー", "はもに");
        same("ふぁみりー", "ファミリ");
        same("さいとう", "さいと");
        same("いっしき", "いしき");
    }

    #[test]
    fn variant_kanji_fold() {
        same("髙橋", "高橋");
        same("山﨑", "山崎");
        for v in ["渡邊", "渡邉"] {
            same(v, "渡辺");
        }
        for v in ["齋藤", "齊藤", "斉藤"] {
            same(v, "斎藤");
        }
        same("澤田", "沢田");
        same("濱田", "浜田");
        same("廣瀬", "広瀬");
        same("櫻井", "桜井");
        same("小嶋", "小島");
        same("德永", "徳永");
    }

    #[test]
    fn old_forms_used_in_names_fold() {
        for (old, new) in [
            ("條", "条"),
            ("亞", "亜"),
            ("聰", "聡"),
            ("壽", "寿"),
            ("滿", "満"),
            ("惠子", "恵子"),
            ("廣瀬", "広瀬"),
            ("龍之介", "竜之介"),
        ] {
            same(old, new);
        }
    }

    /// The table in `assets/kanji-variants.tsv` is yosina's old-form table for every
    /// ideograph (so it is complete, not a hand list); `ANSHIN_WRITE_KANJI_VARIANTS=1`
    /// writes it again.
    #[test]
    fn kanji_variant_table_is_yosinas() {
        use yosina::{make_transliterator, TransliterationRecipe};
        let recipe = TransliterationRecipe {
            kanji_old_new: true,
            ..Default::default()
        };
        let convert = make_transliterator(&recipe).unwrap();
        let ranges = [
            0x3400..=0x4DBF,
            0x4E00..=0x9FFF,
            0xF900..=0xFAFF,
            0x20000..=0x2FA1F,
        ];
        let mut table = String::new();
        for range in ranges {
            let chars: Vec<char> = range.filter_map(char::from_u32).collect();
            // One conversion of many characters, a line each.
            let joined: String = chars.iter().flat_map(|c| [*c, '\n']).collect();
            let out = convert(&joined).unwrap();
            let lines: Vec<&str> = out.split('\n').collect();
            assert_eq!(lines.len(), chars.len() + 1);
            for (c, line) in chars.iter().zip(&lines) {
                let new: String = line
                    .chars()
                    .filter(|c| !matches!(*c as u32, 0xFE00..=0xFE0F | 0xE0100..=0xE01EF))
                    .collect();
                let mut new_chars = new.chars();
                if let (Some(n), None) = (new_chars.next(), new_chars.next()) {
                    if n != *c {
                        table.push_str(&format!("{c}\t{n}\n"));
                    }
                }
            }
        }
        if std::env::var_os("ANSHIN_WRITE_KANJI_VARIANTS").is_some() {
            std::fs::write("assets/kanji-variants.tsv", &table).unwrap();
        }
        assert!(table.lines().count() > 300, "{}", table.lines().count());
        assert!(
            KANJI_VARIANTS == table,
            "assets/kanji-variants.tsv differs from yosina's table: run with ANSHIN_WRITE_KANJI_VARIANTS=1"
        );
    }

    #[test]
    fn spaces_and_dots_inside_a_field_are_dropped() {
        same("田中 一郎", "田中一郎");
        same("田中　一郎", "田中一郎");
        same("点滴・注射", "点滴注射");
        assert_eq!(
            fold_query("  田中　 ichirou "),
            vec![fold("田中"), fold("ichiro")]
        );
    }

    #[test]
    fn kanji_and_digits_survive() {
        assert_eq!(fold("相模原市中央区上溝1-2-3"), "相模原市中央区上溝1-2-3");
        assert_eq!(fold("光が丘"), "光ga丘");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for odd in [
            "", "ゃ", "ー", "っっ", "\u{0}", "ｯ", "🏥", "a\u{301}", "ゕゖ", "ゔ", "ohh", "nnn",
            "mb", "tch",
        ] {
            let _ = fold(odd);
            let _ = fold_query(odd);
        }
    }
}
