//! Names in free text (seed §4-5): the patient's own name in every written form (kanji with
//! variants, hiragana, katakana, half-width, romaji), and — whether or not the name was typed —
//! a person addressed by name (木村様, キムラさん, 木村氏) or a word that fits the visible
//! characters of the mask (○村○男 → 木村, 村田). The doctor's and the sender's own names, and
//! the common words a care manager writes before an honorific (利用者様, ご家族様, 娘さん), are
//! not findings.
//!
//! Works on the detector's normalised text (NFKC, variant kanji folded) and returns char ranges
//! in it; the caller maps them back to the original.

use crate::search::normalize::katakana_to_hiragana;

/// Which name rule found it: each has its own advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameHit {
    /// The typed real name, a part of it, or its reading.
    RealName,
    /// Someone addressed with 様／さん／氏／殿.
    Addressed,
    /// A word around a character left visible in the mask.
    MaskVisible,
}

impl NameHit {
    pub(super) fn message(self) -> &'static str {
        match self {
            NameHit::RealName => super::FindingKind::PatientName.message(),
            NameHit::Addressed => "敬称（様・さん）の付いた名前があります。利用者やご家族の名前なら、伏せ字（例: ○村○男）にするか、先に電話でお伝えください",
            NameHit::MaskVisible => "伏せ字で見えている字を含む名前のような語があります。利用者の名前が分かってしまわないか確かめ、別の書き方にしてください",
        }
    }
}

pub(crate) const MASK_CHARS: &[char] = &['○', '◯', '●', '〇', '×', '✕', '＊', '*', '□', '■'];

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー')
}

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}')
}

/// Words written before an honorific that are not names (how care managers write about the
/// people around a patient, about organisations, and set phrases like お疲れ様). A candidate is
/// passed over when it ends with one of these.
const NOT_NAMES: &[&str] = &[
    // people by their relation or role
    "利用者",
    "本人",
    "家族",
    "患者",
    "主人",
    "奥",
    "旦那",
    "夫",
    "妻",
    "娘",
    "息子",
    "嫁",
    "婿",
    "孫",
    "父",
    "母",
    "兄",
    "姉",
    "弟",
    "妹",
    "親",
    "両親",
    "祖父",
    "祖母",
    "叔父",
    "叔母",
    "伯父",
    "伯母",
    "義父",
    "義母",
    "長男",
    "長女",
    "次男",
    "次女",
    "三男",
    "三女",
    "子",
    "お子",
    "先生",
    "医師",
    "看護師",
    "薬剤師",
    "担当",
    "担当者",
    "職員",
    "相談員",
    "専門員",
    "支援員",
    "委員",
    "管理者",
    "院長",
    "所長",
    "施設長",
    "課長",
    "部長",
    "係長",
    "社長",
    "会長",
    "店長",
    "受付",
    "事務",
    "友人",
    "知人",
    "後見人",
    "保証人",
    "代理人",
    "隣人",
    "近所",
    "大家",
    "皆",
    "各位",
    "各",
    "貴",
    "客",
    "方",
    "お客",
    "入居者",
    "対象者",
    "申請者",
    "被保険者",
    "介護者",
    "配偶者",
    "身元引受人",
    // set phrases
    "同",
    "模",
    "仕",
    "多",
    "苦労",
    "疲れ",
    "世話",
    "馳走",
    "互い",
    "陰",
    "気の毒",
    "愁傷",
    "待ち遠",
    "神",
    "仏",
    "王",
    "殿",
    // organisations
    "医院",
    "病院",
    "科",
    "診療所",
    "薬局",
    "事業所",
    "センター",
    "ステーション",
    "クリニック",
    "会",
    "社",
    "所",
    "園",
    "館",
    "室",
    "課",
    "局",
    "部",
    "協会",
    "法人",
    // katakana roles
    "ヘルパー",
    "ケアマネ",
    "ケアマネージャー",
    "ケアマネジャー",
    "ナース",
    "ドクター",
    "スタッフ",
    "オーナー",
    "ママ",
    "パパ",
    // hiragana relations and set phrases
    "おばあ",
    "おじい",
    "おかあ",
    "おとう",
    "おにい",
    "おねえ",
    "みな",
    "おく",
    "むすめ",
    "むすこ",
    "およめ",
    "おこ",
    "おかげ",
    "おつかれ",
    "ごくろう",
    "おたがい",
    "ごちそう",
    "おせわ",
    "あかちゃん",
];

/// Common two-character words that contain characters frequent in given and family names
/// (子, 男, 美, 村, 田 …): a mask's visible character inside one of these is not a name.
const COMMON_WORDS: &[&str] = &[
    "様子",
    "調子",
    "息子",
    "女子",
    "男子",
    "子供",
    "子ども",
    "椅子",
    "帽子",
    "菓子",
    "障子",
    "双子",
    "弟子",
    "原子",
    "電子",
    "分子",
    "因子",
    "王子",
    "女性",
    "男性",
    "男女",
    "長男",
    "次男",
    "三男",
    "長女",
    "次女",
    "三女",
    "美容",
    "美味",
    "市町",
    "町村",
    "村内",
    "田畑",
    "水田",
    "上田",
    "下田",
    "本日",
    "日中",
    "日時",
    "月日",
    "年月",
    "一日",
    "一郎",
    "利用",
    "本人",
    "家族",
    "介護",
    "看護",
    "医師",
    "先生",
    "状態",
    "受診",
    "通院",
    "入院",
    "退院",
    "訪問",
    "病状",
    "症状",
    "血圧",
    "体温",
    "食事",
    "入浴",
    "排泄",
    "歩行",
    "転倒",
    "服薬",
    "内服",
    "処方",
    "主治",
    "意見",
    "連絡",
    "調整",
    "相談",
    "報告",
    "確認",
    "依頼",
    "予定",
    "候補",
    "返信",
    "同行",
    "会議",
    "担当",
    "事業",
    "支援",
    "中央",
    "区内",
    "市内",
    "在宅",
    "自宅",
    "施設",
    "正常",
    "正確",
    "正式",
    "修正",
    "改正",
    "和室",
    "平和",
    "和式",
    "洋式",
    "大変",
    "大丈",
    "丈夫",
    "大切",
    "一人",
    "二人",
    "主人",
    "幸い",
    "恵み",
    "明日",
    "明後",
    "説明",
    "不明",
    "今日",
    "昨日",
    "毎日",
    "週間",
    "時間",
    "午前",
    "午後",
    "夜間",
    "智恵",
    "知恵",
    "信頼",
    "安心",
    "安全",
    "健康",
    "元気",
    "清潔",
    "子宮",
    "花粉",
    "松葉",
    "竹林",
];

/// The candidate's own normalised text, without spaces, hiragana-folded.
fn key(chars: &[char]) -> String {
    chars
        .iter()
        .filter(|c| !c.is_whitespace())
        .map(|c| katakana_to_hiragana(*c))
        .collect()
}

/// What may be written and is not the patient: the doctor's and sender's names (and their
/// parts), the institution and office names.
pub(super) struct Known {
    words: Vec<String>,
}

impl Known {
    pub(super) fn new(names: &[&str], fold: impl Fn(&str) -> String) -> Known {
        let mut words = Vec::new();
        for name in names {
            let whole = fold(name);
            if !whole.is_empty() {
                words.push(key(&whole.chars().collect::<Vec<_>>()));
            }
            for part in name.split(|c: char| c.is_whitespace() || c == '　') {
                let part = fold(part);
                if !part.is_empty() {
                    words.push(key(&part.chars().collect::<Vec<_>>()));
                }
            }
        }
        Known { words }
    }

    /// The candidate is (a part of) a known name.
    fn covers(&self, candidate: &str) -> bool {
        self.words
            .iter()
            .any(|w| w == candidate || (candidate.chars().count() >= 2 && w.contains(candidate)))
    }
}

/// A hiragana particle or the end of a word may follow さん／さま; さんぽ, さんま may not.
fn ends_word(rest: &[char]) -> bool {
    match rest.first() {
        None => true,
        Some(c) if !is_hiragana(*c) => true,
        Some(c) => {
            "はがにのへとをもでやねよ".contains(*c)
                && !(rest.len() >= 2 && *c == 'は' && is_hiragana(rest[1]) && rest[1] == 'ん')
        }
    }
}

/// People addressed by name: the run of kanji, katakana or hiragana right before 様／さま／
/// さん／氏／殿, unless it is a common word, part of a masked name, or a known name.
pub(super) fn addressed(text: &[char], known: &Known, out: &mut Vec<(usize, usize, NameHit)>) {
    let honorifics: &[&str] = &["様", "さま", "さん", "氏", "殿"];
    let mut i = 0;
    while i < text.len() {
        let Some(h) = honorifics.iter().find(|h| {
            let hc: Vec<char> = h.chars().collect();
            text[i..].starts_with(&hc)
        }) else {
            i += 1;
            continue;
        };
        let h_len = h.chars().count();
        let after = &text[i + h_len..];
        let not_honorific = match *h {
            // 様子, 様式, 様々; 氏名; 殿堂
            "様" => after.first().is_some_and(|c| "子式相々態".contains(*c)),
            "氏" => after.first().is_some_and(|c| "名族".contains(*c)),
            "殿" => after.first().is_some_and(|c| is_kanji(*c)),
            _ => !ends_word(after),
        };
        if not_honorific || i == 0 {
            i += h_len;
            continue;
        }
        // The run before it, of one script; spaces inside a name (木村 正男様) are kept.
        let class = |c: char| {
            if is_kanji(c) {
                1
            } else if is_katakana(c) {
                2
            } else if is_hiragana(c) {
                3
            } else {
                0
            }
        };
        let script = class(text[i - 1]);
        if script == 0 {
            i += h_len;
            continue;
        }
        let mut start = i;
        while start > 0 && class(text[start - 1]) == script && i - start < 8 {
            start -= 1;
        }
        let run = &text[start..i];
        let candidate = key(run);
        let before = start.checked_sub(1).map(|b| text[b]);
        let masked = before.is_some_and(|c| MASK_CHARS.contains(&c));
        let common = NOT_NAMES
            .iter()
            .any(|w| candidate.ends_with(&key(&w.chars().collect::<Vec<_>>())));
        let too_short = script == 3 && run.len() < 2;
        if !masked && !common && !too_short && !known.covers(&candidate) {
            // At most the four characters nearest the honorific: 本日木村様 → 木村 … of a kanji
            // run, since names are rarely longer.
            let from = if script == 1 {
                start.max(i.saturating_sub(4))
            } else {
                start
            };
            out.push((from, i, NameHit::Addressed));
        }
        i += h_len;
    }
}

/// Words around the characters a mask leaves visible (○村○男 → 村, 男): a kanji next to one
/// of them makes a two-character word that may be the name (木村, 村田).
pub(super) fn mask_visible(
    text: &[char],
    mask: &str,
    known: &Known,
    out: &mut Vec<(usize, usize, NameHit)>,
) {
    let visible: Vec<char> = mask
        .chars()
        .map(crate::search::normalize::variant_kanji)
        .filter(|c| is_kanji(*c))
        .collect();
    if visible.is_empty() {
        return;
    }
    for (i, c) in text.iter().enumerate() {
        if !visible.contains(c) {
            continue;
        }
        // Inside a masked name itself (○村○男): not a finding.
        let near_mask = |j: Option<usize>| {
            j.and_then(|j| text.get(j))
                .is_some_and(|c| MASK_CHARS.contains(c))
        };
        if near_mask(i.checked_sub(1)) || near_mask(Some(i + 1)) {
            continue;
        }
        let words: Vec<(usize, usize)> = [(i.wrapping_sub(1), i + 1), (i, i + 2)]
            .into_iter()
            .filter(|(from, to)| {
                *from <= i && *to <= text.len() && text[*from..*to].iter().all(|c| is_kanji(*c))
            })
            .collect();
        // The character is taken by a common word here (男性 in 85歳男性): not a name.
        let common = words.iter().any(|(from, to)| {
            COMMON_WORDS.contains(&text[*from..*to].iter().collect::<String>().as_str())
        });
        if common {
            continue;
        }
        for (from, to) in words {
            if !known.covers(&key(&text[from..to])) {
                out.push((from, to, NameHit::MaskVisible));
            }
        }
    }
}

/// The reading of the real name (きむら まさお) in kana of either kind, half-width, or romaji:
/// in a run of kana, the part itself (キムラ, きむら); failing that, a run that folds like the
/// search does (サトー for さとう) to contain it; in a run of letters, the romaji (Kimura,
/// MASAO). A short part (two kana or fewer) must be the whole word, so that あい does not match
/// ありがとうございます.
pub(super) fn reading(text: &[char], reading: &str, out: &mut Vec<(usize, usize, NameHit)>) {
    let fold = crate::search::fold;
    let hiragana = |s: &str| -> Vec<char> {
        use unicode_normalization::UnicodeNormalization;
        s.nfkc()
            .filter(|c| !c.is_whitespace())
            .map(katakana_to_hiragana)
            .collect()
    };
    let mut parts: Vec<Vec<char>> = reading
        .split(|c: char| c.is_whitespace() || c == '　')
        .filter(|p| !p.is_empty())
        .map(hiragana)
        .collect();
    parts.push(hiragana(reading));
    parts.retain(|p| !p.is_empty());
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let kana = |c: char| is_hiragana(c) || is_katakana(c);
    let mut i = 0;
    while i < text.len() {
        let latin = text[i].is_ascii_alphabetic();
        if !latin && !kana(text[i]) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < text.len()
            && (if latin {
                text[end].is_ascii_alphabetic()
            } else {
                kana(text[end])
            })
        {
            end += 1;
        }
        let run: String = text[i..end].iter().collect();
        let bare: Vec<char> = strip_honorific(&run).chars().collect();
        let run_h: Vec<char> = bare.iter().map(|c| katakana_to_hiragana(*c)).collect();
        for part in &parts {
            let part_text: String = part.iter().collect();
            let hit = if part.len() <= 2 {
                (fold(&bare.iter().collect::<String>()) == fold(&part_text))
                    .then_some((0, bare.len()))
            } else if latin {
                fold(&run)
                    .contains(&fold(&part_text))
                    .then_some((0, bare.len()))
            } else {
                run_h
                    .windows(part.len())
                    .position(|w| w == part.as_slice())
                    .map(|at| (at, at + part.len()))
                    .or_else(|| {
                        fold(&run)
                            .contains(&fold(&part_text))
                            .then_some((0, bare.len()))
                    })
            };
            if let Some((from, to)) = hit {
                out.push((i + from, i + to.max(from + 1), NameHit::RealName));
                break;
            }
        }
        i = end;
    }
}

/// きむらさん → きむら (for a short reading that must be the whole word).
fn strip_honorific(run: &str) -> &str {
    for h in ["さま", "さん", "ちゃん", "くん", "san", "sama", "-san"] {
        if let Some(stem) = run.strip_suffix(h) {
            if !stem.is_empty() {
                return stem;
            }
        }
    }
    run
}
