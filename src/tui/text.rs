//! Every string the TUI shows, in one place, Japanese first (DESIGN §5.2), so that English can
//! follow as a second table.

pub const TITLE: &str = "あんしんリンク";
pub const QUERY_PLACEHOLDER: &str = "氏名・ふりがな・ローマ字・機関・地区・医療行為で検索（/）";
pub const NO_RESULTS: &str = "見つかりませんでした";
pub const NO_DIRECTORY: &str = "ディレクトリがまだありません。同期しています…";
pub const TOO_SMALL: &str = "画面を広げてください";
pub const RESULTS: &str = "結果";
pub const DETAIL: &str = "詳細";
pub const FILTERS: &str = "絞り込み（↑↓ 選ぶ・←→ 変える・Space 切替・Esc 閉じる）";
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
pub const COMPOSE_NOT_YET: &str = "連絡票の作成（c）はまだ準備中です";
pub const COPIED: &str = "コピーしました";
pub const NOTHING_TO_COPY: &str = "コピーできる番号がありません";
pub const SYNCING: &str = "同期しています…";
pub const ORGANIZATION_BADGE: &str = "機関";
pub const REACHABLE_CHIP: &str = "今連絡可";

pub const HELP: &[(&str, &str)] = &[
    ("/", "検索欄へ（入力中も ↑↓ で結果を選べます）"),
    ("↑ ↓ / j k", "結果を選ぶ"),
    ("Enter", "詳細を開く"),
    ("Esc", "戻る・閉じる"),
    (
        "f",
        "絞り込み（種別・区・地区・医療行為・受け入れ・連絡方法・今連絡可）",
    ),
    ("r", "「今連絡可」だけにする／戻す"),
    ("y", "番号をコピー（電話 → FAX → メールの順。SSH でも可）"),
    ("c", "この先生への連絡票を作る"),
    ("s", "今すぐ同期"),
    ("?", "このヘルプ"),
    ("q / Ctrl-C", "終了"),
];

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
pub const ON: &str = "はい";
pub const OFF: &str = "いいえ";
