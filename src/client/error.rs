//! The client's one error type. Every message is Japanese, says what happened and what to do,
//! and never carries a raw reqwest error, a token or a password.

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("サーバー {url} に接続できません。ネットワークとサーバーの住所（server_url）を確認してください。検索は前回同期したデータで使えます")]
    Unreachable { url: String },
    #[error(
        "サーバー {url} の応答がありません（時間切れ）。しばらくしてからもう一度お試しください"
    )]
    Timeout { url: String },
    #[error("サーバーの証明書を確認できません。院内ネットワークで通信が検査されている場合は、設定の ca_file にその証明書を指定してください")]
    Certificate,
    #[error("http:// で接続できるのはこのパソコン内のサーバーだけです。https:// の住所を設定してください（{url}）")]
    InsecureUrl { url: String },
    #[error("サーバーの住所「{url}」が正しくありません。https://anshin.example.jp の形で設定してください")]
    BadUrl { url: String },
    #[error("{0}")]
    LoginFailed(String),
    #[error("ログインしていません。`anshin login` でログインしてください")]
    NotLoggedIn,
    #[error("ログインの有効期限が切れました。`anshin login` でもう一度ログインしてください")]
    SessionExpired,
    #[error("支援センターが決めたパスワードのままです。`anshin passwd` で自分のパスワードに変えてから使ってください")]
    PasswordChangeRequired,
    #[error("確認コードを入れてください（認証アプリに出ている6桁、またはリカバリーコード）")]
    TwoFactorRequired,
    #[error("{0}")]
    TwoFactorFailed(String),
    #[error("このアカウントは二段階認証の設定が必要です。`anshin 2fa` で認証アプリを登録してから使ってください")]
    TwoFactorSetupRequired,
    #[error("ログインの失敗が続いたため、{retry_after} 秒ほど待ってからもう一度お試しください")]
    Throttled { retry_after: u64 },
    #[error("サーバーで問題が起きています（HTTP {status}）。しばらくしてからもう一度お試しください。続く場合は支援センターにご連絡ください")]
    ServerTrouble { status: u16 },
    #[error("{message}")]
    Server { status: u16, message: String },
    #[error("サーバーから届いたディレクトリを読めません: {0}")]
    BadDirectory(String),
    #[error("資格情報ストアを使えません: {0}")]
    Credentials(String),
    #[error("キャッシュを保存できません（{path}）: {detail}")]
    CacheWrite { path: String, detail: String },
    #[error("設定: {0}")]
    Config(String),
}

impl ClientError {
    /// Network trouble: the caller can carry on from the cache.
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            ClientError::Unreachable { .. } | ClientError::Timeout { .. }
        )
    }
}
