//! Every string the TUI shows, in one place, Japanese first (DESIGN §5.2), so that English can
//! follow as a second table.

pub const TITLE: &str = "あんしんリンク";
pub const QUERY_PLACEHOLDER: &str =
    "氏名・ふりがな・ローマ字・機関・地区・医療行為・電話/FAX番号を入れると探します";
pub const NO_RESULTS: &str = "見つかりませんでした";
pub const NO_DIRECTORY: &str = "ディレクトリがまだありません。同期しています…";
pub const TOO_SMALL: &str = "画面を広げてください";
pub const RESULTS: &str = "結果";
pub const DETAIL: &str = "詳細";
pub const FILTERS: &str =
    "絞り込み（文字で絞る・←→ 変える・Space 選ぶ/外す・Delete 全解除・Esc 閉じる）";
pub const FILTER_CHOSEN: &str = "選択: ";
pub const HELP_TITLE: &str = "キー操作（何かキーを押すと閉じます）";
pub const LOCKED_TITLE: &str = "ロック中";
pub const LOCKED_BODY: &str =
    "しばらく操作がなかったため、画面をロックしました。パスワードを入力して Enter";
pub const LOCK_WRONG: &str = "パスワードが違います";
pub const LOCK_NO_VERIFIER: &str =
    "この PC ではロック解除の確認ができません。Ctrl-C で終了し、もう一度ログインしてください";
pub const LOGIN_TITLE: &str = "ログイン";
pub const LOGIN_SERVER: &str = "サーバー";
pub const LOGIN_ID: &str = "ログインID";
pub const LOGIN_PASSWORD: &str = "パスワード";
pub const LOGIN_HINT: &str = "Tab 次の欄・Enter ログイン・Ctrl-C 終了";
pub const LOGIN_BUSY: &str = "ログインしています…";
pub const LOGIN_NEED_ID: &str = "ログインIDを入力してください";
pub const LOGIN_NEED_PASSWORD: &str = "パスワードを入力してください";
pub const LOGIN_CODE: &str = "確認コード";

/// After a sign-in: the failed attempts on the account since the previous one.
pub fn recent_failures(count: u32) -> String {
    format!("前回のログインのあと、このアカウントへのログインが {count} 回失敗しています。心当たりがなければ支援センターにご連絡ください")
}
pub const LOGIN_NEED_CODE: &str =
    "確認コードを入れてください（認証アプリに出ている6桁、またはリカバリーコード）";
pub const LOGIN_SET_UP_TWO_FACTOR: &str = "このアカウントは二段階認証の設定が必要です。ターミナルで `anshin 2fa` を実行して認証アプリを登録してから、もう一度ログインしてください";
pub const LOCK_CODE_BODY: &str =
    "ログインの期限が切れていました。認証アプリの確認コード（6桁）を入力して Enter";
pub const LOCK_WRONG_CODE: &str = "確認コードが違います（一度使ったものは使えません）";
pub const PASSWORD_TITLE: &str = "パスワードの変更";
pub const PASSWORD_CURRENT: &str = "いまの";
pub const PASSWORD_NEW: &str = "新しい";
pub const PASSWORD_AGAIN: &str = "もう一度";
pub const PASSWORD_FIRST_USE: &str =
    "最初のログインです。支援センターが決めたパスワードを、自分だけが知るパスワードに変えてください";
pub const PASSWORD_FILL_IN: &str = "いまのパスワードと、新しいパスワードを 2 回入れてください";
pub const PASSWORD_MISMATCH: &str =
    "新しいパスワードの 2 回の入力が一致しません。もう一度入れてください";
pub const PASSWORD_TOO_SHORT: &str = "新しいパスワードは 13 文字以上にしてください";
pub const PASSWORD_BUSY: &str = "変えています…";
pub const PASSWORD_CHANGED: &str = "パスワードを変えました。ほかの PC でのログインは終わりました";
pub const PASSWORD_HINT: &str = "Tab 次の欄・Enter 変える・Esc やめる";
pub const PASSWORD_HINT_FIRST_USE: &str = "Tab 次の欄・Enter 変える・Ctrl-C 終了";
pub const COMPOSE_NEEDS_DOCTOR: &str =
    "連絡票は医師・歯科医師あてに作ります。先生を選んでから F6（Ctrl-N）を押してください";
pub const COPIED: &str = "をコピーしました";
pub const COPY_AGAIN: &str = "（もう一度で次の番号）";
pub const WHOSE_OWN: &str = "さん直通";
pub const WHOSE_MAIN: &str = "の代表";
pub const MAIN_LINE: &str = "（代表）";
pub const DETAIL_PEOPLE: &str = "所属する人";
pub const TOKEN_MATCHES_NOTHING: &str =
    "に当てはまる人・機関がありません。つづりを確かめてください";
pub const FILTERS_ON: &str = "絞り込み中（F8 で解除）: ";
pub const STATUS_KEYS: &str =
    "  F1/? ヘルプ  F2 絞り込み  F3 今連絡可  F4 コピー  F6 連絡票  F7 下書き  F10 終了";
pub const NOTHING_TO_COPY: &str = "コピーできる番号がありません";
pub const SYNCING: &str = "同期しています…";
pub const ORGANIZATION_BADGE: &str = "機関";
pub const REACHABLE_CHIP: &str = "今連絡可";

/// The help's first row (the rest is written from the main screen's key table).
pub const HELP_TYPING_KEYS: &str = "文字を入力";
pub const HELP_TYPING: &str =
    "いつでも検索（氏名・かな・ローマ字・機関・地区・医療行為・電話/FAX番号）";
pub const SEARCH_BOX: &str = "検索";
pub const DETAIL_SCROLL_UP: &str = "（PgUp で上へ）";
pub const DETAIL_SCROLL_DOWN: &str = "（PgDn で続き）";
pub const NOT_SYNCED: &str = "未同期";
pub const SENSEI: &str = "先生";

/// 「（223 件）」 after the result list's title.
pub fn count(n: usize) -> String {
    format!("（{n} 件）")
}

/// 「（12／400 文字）」 after the body's title.
pub fn body_length(count: usize, max: usize) -> String {
    format!("（{count}／{max} 文字）")
}

/// Whether the directory shown is fresh: 「オンライン — 同期 11/24 12:00（版 7）」,
/// 「オフライン — 最終同期 …」, or 「最終同期 …」 where being on line is not the question
/// (`anshin search` over the cache). The status bar and the command line say it alike.
pub fn sync_state(
    synced_at: Option<crate::directory::Timestamp>,
    online: Option<bool>,
    revision: u64,
) -> String {
    let Some(at) = synced_at else {
        return NOT_SYNCED.to_string();
    };
    let at = at.format("%m/%d %H:%M");
    match online {
        Some(true) => format!("オンライン — 同期 {at}（版 {revision}）"),
        Some(false) => format!("オフライン — 最終同期 {at}（版 {revision}）"),
        None => format!("最終同期 {at}（版 {revision}）"),
    }
}

pub const DETAIL_NUMBERS: &str = "連絡先";
pub const DETAIL_PREFERRED: &str = "希望する連絡方法";
pub const DETAIL_WINDOWS: &str = "連絡しやすい時間";
pub const DETAIL_PROCEDURES: &str = "在宅で対応できる医療行為";
pub const DETAIL_VISITS: &str = "訪問エリア";
pub const DETAIL_ACCEPTING: &str = "受け入れ";
pub const DETAIL_NOTE: &str = "備考";
pub const PHONE: &str = "電話";
pub const FAX: &str = "FAX";
pub const EMAIL: &str = "メール";
pub const ANY: &str = "すべて";
pub const FILTER_KIND: &str = "種別";
pub const FILTER_WARD: &str = "区";
pub const FILTER_DISTRICT: &str = "地区";
pub const FILTER_PROCEDURE: &str = "医療行為";
pub const FILTER_ACCEPTING: &str = "受け入れ";
pub const FILTER_METHOD: &str = "連絡方法";
pub const FILTER_REACHABLE: &str = "今連絡可";
pub const FILTER_DOCTORS: &str = "医師・歯科医師だけ";
pub const DOCTORS_CHIP: &str = "医師だけ";
pub const ON: &str = "はい";
pub const OFF: &str = "いいえ";

// The slip composer (issue 5).
pub const COMPOSER_TITLE: &str = "あんしんリンク連絡票";
pub const STEP_RECIPIENT: &str = "宛先";
pub const STEP_PURPOSE: &str = "目的";
pub const STEP_PATIENT: &str = "利用者";
pub const STEP_BODY: &str = "本文";
pub const STEP_REVIEW: &str = "確認";
pub const FIELD_CHANNEL: &str = "連絡方法";
pub const FIELD_OFFICE: &str = "差出人 事業所";
pub const FIELD_SENDER_NAME: &str = "差出人 氏名";
pub const FIELD_SENDER_PHONE: &str = "差出人 電話";
pub const FIELD_SENDER_FAX: &str = "差出人 FAX";
pub const FIELD_URGENT: &str = "急ぎ・深刻な内容";
pub const FIELD_FIRST_CONTACT: &str = "初めての連絡";
pub const FIELD_PURPOSE: &str = "目的";
pub const FIELD_CONSENT: &str = "利用者の同意";
pub const FIELD_REAL_NAME: &str = "氏名（確認用）";
pub const FIELD_REAL_NAME_KANA: &str = "ふりがな（確認用）";
pub const FIELD_TOLD_BY_PHONE: &str = "氏名は電話で伝えた";
pub const FIELD_MASKED_NAME: &str = "伏せ字の氏名";
pub const FIELD_AGE: &str = "年齢";
pub const FIELD_SEX: &str = "性別";
pub const FIELD_AREA: &str = "地域（区・町名）";
pub const FIELD_BODY: &str = "本文";
pub const FIELD_SLOT: &str = "候補日時";
pub const FIELD_REPLY_BY: &str = "返信期限";
pub const YES: &str = "はい";
pub const NO: &str = "いいえ";
pub const UNANSWERED: &str = "（未回答: y / n）";
pub const SEX_UNSTATED: &str = "書かない";

pub const HINT_CHANNEL: &str =
    "←→ で選ぶ。先生の希望する方法と連絡しやすい時間を見て（あんしんリンクについて １・４(3)）";
pub const PREFERRED_RANK: &str = "希望 ";
pub const NOT_PREFERRED: &str = "（先生の希望する方法ではありません）";
pub const HINT_SENDER: &str =
    "設定の [client.sender] に入れておくと毎回入ります。電話・FAX は本文の個人情報チェックの対象外です";
pub const HINT_URGENT: &str =
    "病状の急変など急ぎで深刻な内容ですか？ y はい / n いいえ（あんしんリンクについて ４(6)）";
pub const HINT_FIRST_CONTACT: &str =
    "この先生への初めての連絡ですか？ 初回は日程調整（1・2・10）だけです（あんしんリンクについて ４(1)）";
pub const HINT_PURPOSE: &str = "←→ または数字（1〜9、0 は 10）で選ぶ（あんしんリンクについて ５）";
pub const HINT_CONSENT: &str =
    "あんしんリンクで個人情報をやり取りすることを口頭で説明し、同意を得ましたか（あんしんリンクについて ６）";
pub const HINT_REAL_NAME: &str =
    "姓と名の間は空白で（木村 正男）。漏れの確認だけに使い、保存も出力もされません（閉じると消えます）";
pub const HINT_REAL_NAME_KANA: &str =
    "氏名の読み（きむら まさお）。カタカナ・ローマ字で書かれた名前も見つけます。保存されません";
pub const HINT_TOLD_BY_PHONE: &str =
    "先に電話で氏名を伝えた場合は「はい」。伏せ字は空でかまいません（あんしんリンクについて ４(5) 例１）";
pub const HINT_MASKED_NAME: &str =
    "半分以上の文字を○で伏せます（例: ○村○男）（あんしんリンクについて ４(5) 例３）";
pub const HINT_AGE: &str =
    "数字で（例: 85）。生年月日は書きません（あんしんリンクについて ４(5) 例２）";
pub const HINT_SEX: &str = "←→ で選ぶ";
pub const HINT_AREA: &str =
    "区と町名まで（例: 中央区上溝）。番地は書きません（あんしんリンクについて ４(5) 例２）";
pub const HINT_BODY: &str =
    "手短に要点だけ（400 文字まで）。Enter で改行、Tab で次の欄（あんしんリンクについて ４(3)・８）";
pub const HINT_SLOT: &str = "例: 11/28 13:00-14:00、あした 14時、来週水曜 14時半（日程調整のとき）";
pub const HINT_REPLY_BY: &str = "例: 12/1、2026-12-01、あさって、来週水曜。空欄なら書きません";

pub const COMPOSER_KEYS: &str =
    "Tab/↓ 次の欄  ←→ 選ぶ  PgDn/Ctrl-N 次へ  PgUp/Ctrl-P 戻る  Esc 閉じる（下書きは残ります）";
pub const REVIEW_KEYS: &str =
    "p PDF（FAX 用）  t メール本文  o 電話メモ  m 送った  s 下書き保存  ↑↓ スクロール  PgUp 戻る  Esc 閉じる";
pub const NEED_SENDER: &str = "差出人の事業所・氏名・電話番号を入れてください";
pub const NO_NUMBER_FOR_CHANNEL: &str =
    "の宛先がディレクトリにありません。別の連絡方法を選んでください";
pub const NEED_ANSWER: &str = "この質問に y（はい）か n（いいえ）で答えてください";
pub const URGENT_STOP: &str =
    "急ぎで深刻な内容には連絡票を使いません。右の案内に従ってください（あんしんリンクについて ４(6)）";
pub const NEED_BODY: &str = "本文を書いてください";
pub const NEED_REAL_NAME: &str =
    "FAX・メールの前に、名前が漏れていないか確かめます。利用者の氏名を入れてください（保存されません）";
pub const NEED_REAL_NAME_KANA: &str =
    "ふりがなも入れてください。カナやローマ字で書かれた名前も確かめます（保存されません）";
pub const RESUMED_ASK_NAME: &str =
    "下書きを開きました。氏名は保存されないため、送る前に「利用者」でもう一度入れていただきます";
pub const EXPORT_NEEDS_NAME_CHECK: &str = "名前の確認がまだです（PgUp で「利用者」へ）。";
pub const AGE_INVALID: &str = "年齢は数字で入れてください（例: 85）";
pub const EXPORT_REFUSED: &str = " 件のエラーがあります。直してから出力してください";
pub const EXPORT_WRITTEN_OF_PHONE: &str =
    "電話の連絡票です。FAX・メールで送るときは 1 宛先 で連絡方法を変えてください（確認の規則が変わります）";
pub const PANEL_DOCTOR: &str = "宛先の先生";
pub const PANEL_GUIDE: &str = "手引きより";
pub const PANEL_FINDINGS: &str = "個人情報のチェック";
pub const PANEL_NO_FINDINGS: &str = "個人情報は見つかりません";
pub const PANEL_PHONE_NO_CHECK: &str =
    "電話の連絡票です。FAX・メールにしたときは、ここに個人情報の疑いが出ます";
pub const PANEL_RULES: &str = "規則のチェック";
pub const PANEL_NO_VIOLATIONS: &str = "規則違反はありません。出力できます";
pub const PANEL_PREVIEW: &str = "できあがり";
pub const PHONE_MEMO_TITLE: &str = "電話メモ（読み上げ用。何かキーで閉じる）";
pub const ERROR_LABEL: &str = "エラー";
pub const WARNING_LABEL: &str = "注意";
pub const MASK_OK: &str = "伏せ字は十分です";
pub const MASK_NOT_ENOUGH: &str = "伏せ字が足りません。半分以上を○にしてください";
pub const FIRST_CONTACT_ONLY: &str = "初回不可";
pub const CONSENT_NOT_NEEDED: &str = "（日程調整は不要）";
pub const DRAFT_SAVED: &str = "下書き保存";
pub const DRAFT_KEPT: &str = "下書きを残しました（d で続きを書けます）";
pub const DRAFT_SAVE_FAILED: &str = "下書きを保存できません";
pub const EXPORT_FAILED: &str = "出力できません";
pub const EXPORTED: &str = "を保存";
pub const SAVED_DONE: &str = "しました";
pub const SEND_THEN_MARK: &str = "。送ったら m";
pub const CALL_THEN_MARK: &str = "。電話が済んだら m";
pub const MARKED_SENT: &str = "送信記録に残しました（d で見られます。返信が来たら r）";
pub const MARK_SENT_FAILED: &str = "送信記録に残せません";
pub const COPIED_TEXT: &str = "・コピーしました";
pub const SEND_TO: &str = "宛先 ";
/// The status bar's reminder of unfinished drafts.
pub fn drafts_waiting(count: usize) -> String {
    format!(" 下書き {count} 件（F7） ")
}

// Drafts and the sent-log.
pub const SLIPS_TITLE: &str =
    "下書きと送信記録（↑↓ 選ぶ・Enter 続きを書く・x 削除・r 返信あり・Esc 閉じる）";
pub const SLIPS_NO_NAME: &str = "氏名なし";
pub const REPLIED: &str = "返信あり";
pub const REPLY_PROMPT: &str =
    "返信の内容（例: 了承、11/28 に決定。先頭に日付を書くとその日の返信）: ";
pub const REPLY_HAS_PERSONAL_INFO: &str =
    "返信の内容に個人情報のようなものがあります。一言で（例: 了承、日程変更）書いてください";
pub const REPLY_NEEDS_SENT: &str = "返信は送信記録の行で r を押して記録します";
pub const SLIPS_DRAFTS: &str = "下書き";
pub const SLIPS_SENT: &str = "送信記録";
pub const SLIPS_NONE: &str = "（なし）";
pub const SLIPS_LOADING: &str = "読み込んでいます…";
pub const SLIPS_DAMAGED: &str = "読めない下書き";
pub const SLIPS_CANNOT_OPEN: &str = "この下書きは読めないため開けません（x で削除できます）";
pub const SLIPS_CONFIRM_DELETE: &str = "もう一度 x で削除します";
pub const SLIPS_DELETED: &str = "下書きを削除しました";
pub const REPLY_BY: &str = "返信期限";
pub const OVERDUE: &str = "期限切れ";
pub const PATIENT_GUIDE: &[&str] = &[
    "FAX・メールは誤送信で漏れても利用者がわからないように（あんしんリンクについて ４(5)）：",
    "・例1：先に電話で氏名を伝え、FAXには個人情報を書かない",
    "・例2：住所の一部（区・町名）、年齢、性別など、特定できない情報にする",
    "・例3：氏名を伏せ字にする（○村○男）",
    "",
    "氏名とふりがな（確認用）を入れると、伏せ字の案を作り、本文に氏名が漢字・かな・カナ・ローマ字で残っていないか調べます。FAX・メールでは送る前に必ず入れます。",
    "本名は保存も出力もされず、この画面を閉じると消えます（下書きを開き直したときはもう一度入れます）。",
];

// Listing changes (情報変更届, seed §9 「あんしんリンクについて ９」) --------------------------

pub const LISTING_TITLE: &str = "掲載情報の変更";
pub const LISTING_SENDING: &str = "送っています…";
pub const LISTING_SENT: &str =
    "変更届を送りました。支援センターの審査のあと、次の同期で掲載に反映されます";
pub const LISTING_CONFIRMED: &str = "掲載内容に変更がないことを届けました（確認日を記録しました）";
pub const LISTING_WAITING: &str =
    "サーバーにつながらないため送信待ちにしました。次の同期で自動的に送ります（失われません）";
pub const LISTING_REFUSED: &str = "送れませんでした: ";
pub const LISTING_NOTHING_TO_WITHDRAW: &str =
    "取り下げられるのは「審査中」の届と、送れなかった届だけです";
pub const LISTING_CONFIRM_WITHDRAW: &str =
    "もう一度 Delete を押すと取り下げます（ほかのキーでやめます）";
pub const LISTING_NO_HOME_CARE: &str = "この機関には在宅医療（受け入れ状況）の掲載がありません";
pub const LISTING_CONFIRM_LEAVE: &str =
    "送っていない変更があります。もう一度 Esc を押すと変更を捨てて戻ります（Ctrl-S で送れます）";
pub const LISTING_NEW_PERSON: &str = "（新しい担当者: 氏名を入れてください）";
pub const LISTING_REMOVED: &str = "削除（Delete で取り消し）";
pub const LISTING_ADD_PERSON: &str = "＋ 担当者を追加（Enter）";
pub const LISTING_GRID: &str = "連絡できる時間帯（週の表）";
pub const LISTING_REQUESTS: &str = "届の状況（Tab で選ぶ）";
pub const LISTING_STATE_WAITING: &str = "【送信待ち】";
pub const LISTING_STATE_REFUSED: &str = "【送れません】";
pub const LISTING_CONFIRMATION: &str = "変更なしの確認";
pub const LISTING_REASON: &str = "却下の理由";
pub const LISTING_NO_REQUESTS: &str = "まだ届はありません";
pub const LISTING_CHANGED: &str = "変更した項目";
pub const LISTING_HINT: &str = "↑↓ 項目  PgDn 次の担当者の時間帯  ←→ 受け入れ・訪問を変える（1 受け入れ可 2 要相談 3 受け入れ停止）  Enter 書き換える  F4 時間帯を表で  Delete 担当者を削除  Ctrl-S 確かめて送る  Tab 届の状況  Esc 戻る";
pub const LISTING_HINT_SHORT: &str = "↑↓ 項目 PgDn 次の担当者 ←→/1 2 3 受け入れ Enter 書き換え F4 表 Delete 削除 Ctrl-S 送る Tab 届 Esc 戻る";
pub const LISTING_HINT_TEXT: &str = "Enter 決定  Esc やめる  時間帯は「月水金 13:00-14:00 電話; 木 9:00-12:00 FAX」、複数は「、」で区切ります";
pub const LISTING_HINT_REQUESTS: &str =
    "↑↓ 届を選ぶ  Delete 取り下げ（審査中）／送るのをやめる（送れなかった届）  Tab Esc 編集に戻る";
pub const LISTING_REVIEW_TITLE: &str = "変更届を送る（あんしんリンクについて ９）";
pub const LISTING_NO_CHANGE: &str =
    "変更はありません。掲載内容が今も正しいことを支援センターに届けます（確認日が記録されます）";
pub const LISTING_DIFF_HEAD: &str = "変更する項目（今の掲載 → 変更後）";
pub const LISTING_NOTE: &str = "支援センターへの連絡事項";
pub const LISTING_REVIEW_HINT: &str =
    "Enter 送る（オフラインなら次の同期で送ります）  Esc 編集に戻る";
pub const LISTING_PICK_HINT: &str = "↑↓ 選ぶ  Space 付ける／外す  Enter 決定";
pub const LISTING_NOT_LISTED: &str =
    "このアカウントの所属機関がディレクトリにありません。同期してから開くか、支援センターにご確認ください";
pub const LISTING_ACCOUNT_UNKNOWN: &str =
    "サーバーにつながってから開けます（アカウントの所属を確かめるため）。F5 で同期してください";
pub const LISTING_DELIVERED: &str = "送信待ちだった変更届を送りました";

pub const REVIEW_TITLE: &str = "変更届の審査";
pub const REVIEW_LOADING: &str = "審査中の変更届を読んでいます…";
pub const REVIEW_EMPTY: &str = "審査中の変更届はありません";
pub const REVIEW_DECIDE: &str =
    "申請のあとで変わった項目があります。Tab で項目に移り、← 今のまま／→ 申請どおり を選んでください";
pub const REVIEW_CONFIRM: &str =
    "もう一度 Enter を押すと承認して掲載に反映します（ほかのキーでやめます）";
pub const REVIEW_REASON_PROMPT: &str =
    "却下の理由を入れて Enter（申請した機関に表示されます）。Esc でやめます";
pub const REVIEW_REASON_NEEDED: &str = "却下の理由を入れてください";
pub const REVIEW_REASON: &str = "却下の理由";
pub const REVIEW_APPROVED: &str = "承認し、掲載に反映しました";
pub const REVIEW_REJECTED: &str = "却下しました";
pub const REVIEW_TAKE_PROPOSED: &str = "申請どおりにする";
pub const REVIEW_KEEP_CURRENT: &str = "今のままにする";
pub const REVIEW_UNDECIDED: &str = "未決定（← 今のまま → 申請どおり）";
pub const REVIEW_HINT: &str =
    "↑↓ 選ぶ  Tab 届の一覧／項目  ←→ 食い違いを決める  Enter 承認  F3 却下  F5 読み直す  Esc 戻る";

pub const DETAIL_CONFIRMED: &str = "掲載の確認";
pub const DETAIL_UPDATED: &str = "掲載の更新";
pub const DETAIL_STALE: &str = "か月以上確認されていません";

pub const LISTING_GRID_CANNOT: &str =
    "この時間帯は週の表に収まりません（7時〜21時、30分単位のみ）。Enter で文字で書き換えてください";
pub const LISTING_GRID_WHERE: &str =
    "F4 は担当者の「連絡できる時間帯」で使えます（PgDn で移れます）";
pub const LISTING_GRID_TITLE: &str = "連絡できる時間帯を週の表で";
pub const LISTING_GRID_HINT: &str =
    "↑↓←→ 移る  Space 塗る／消す（右へ進みます）  Enter 決定  Esc やめる";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// One wording of how fresh the directory is, for the status bar and `anshin search`.
    #[test]
    fn the_sync_state_reads_the_same_everywhere() {
        let at = crate::directory::japan_offset()
            .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
            .unwrap();
        assert_eq!(
            sync_state(Some(at), Some(true), 7),
            "オンライン — 同期 11/24 12:00（版 7）"
        );
        assert_eq!(
            sync_state(Some(at), Some(false), 7),
            "オフライン — 最終同期 11/24 12:00（版 7）"
        );
        assert_eq!(
            sync_state(Some(at), None, 7),
            "最終同期 11/24 12:00（版 7）"
        );
        assert_eq!(sync_state(None, Some(true), 0), NOT_SYNCED);
    }
}
