//! `anshin-server change-requests list|show|approve|reject` and `anshin-server report stale`:
//! the support centre's review of listing changes (DESIGN §7) for scripts and the shell. The
//! operator is the OS account (`cli:<user>`), as for every admin command.

use crate::listing::{ChangeRequest, ChangeStatus, Take};
use crate::server::config::ServerConfig;
use crate::server::db::{Actor, Database};
use crate::server::listing;
use anyhow::bail;
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand)]
pub enum ChangeRequestCommand {
    /// 変更届の一覧（既定: 審査中のもの。--all ですべて）
    List {
        #[arg(long)]
        all: bool,
        /// JSON で出力
        #[arg(long)]
        json: bool,
    },
    /// 変更届の中身: 項目ごとに 申請時 → 申請、審査中なら現在の値と食い違い
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// 承認して掲載に反映する（新しい版になり、次の同期で全員に届きます）。申請のあとで
    /// 変わった項目は --take 番号=proposed（申請どおり）か 番号=current（今のまま）で選ぶ
    Approve {
        id: i64,
        /// 例: --take 1=current --take 3=proposed（番号は show の表示どおり 1 から）
        #[arg(long = "take", value_name = "N=proposed|current")]
        take: Vec<String>,
    },
    /// 却下する（理由は申請した機関に伝わります）
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// 会員の確認（変更届、または「変更なし」）が期間内にない掲載の一覧（古い順）
    Stale {
        /// 何か月で古いとみなすか（既定: 設定の stale_after_months、12）
        #[arg(long)]
        months: Option<u32>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn change_requests(
    command: ChangeRequestCommand,
    db: &dyn Database,
    config: &ServerConfig,
    actor: &Actor,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        ChangeRequestCommand::List { all, json } => {
            let status = (!all).then_some(ChangeStatus::Pending);
            let list = listing::list_of(db, None, status).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
                return Ok(());
            }
            if list.is_empty() {
                writeln!(
                    out,
                    "{}",
                    if all {
                        "変更届はありません"
                    } else {
                        "審査中の変更届はありません"
                    }
                )?;
            }
            writeln!(out, "番号\t状態\t提出日時\t機関\t提出者\t変更\t食い違い")?;
            for r in &list {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}（{}）\t{}\t{}\t{}",
                    r.id,
                    r.status.label(),
                    r.submitted_at.format("%Y-%m-%d %H:%M"),
                    r.organization_name,
                    r.organization_id,
                    r.submitter,
                    if r.is_confirmation() {
                        "変更なしの確認".to_string()
                    } else {
                        format!("{} 項目", r.changes.len())
                    },
                    r.conflicts()
                )?;
            }
        }
        ChangeRequestCommand::Show { id, json } => {
            let stored = db
                .change_request(id)
                .await?
                .ok_or(listing::ListingError::NotFound(id))?;
            let request = listing::view(db, stored).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&request)?)?;
            } else {
                write!(out, "{}", show(&request))?;
            }
        }
        ChangeRequestCommand::Approve { id, take } => {
            let resolutions = take
                .iter()
                .map(|t| parse_take(t))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let request = listing::approve(db, config, id, &resolutions, actor).await?;
            writeln!(
                out,
                "変更届 {id}（{}）を承認しました。ディレクトリは版 {} になり、次の同期で届きます",
                request.organization_name,
                request.applied_revision.unwrap_or_default()
            )?;
        }
        ChangeRequestCommand::Reject { id, reason } => {
            let request = listing::reject(db, id, &reason, actor).await?;
            writeln!(
                out,
                "変更届 {id}（{}）を却下しました。理由は申請した機関に表示されます",
                request.organization_name
            )?;
        }
    }
    Ok(())
}

/// `2=current` (1-based, as `show` numbers them) → (1, Take::Current).
fn parse_take(text: &str) -> anyhow::Result<(usize, Take)> {
    let usage =
        || anyhow::anyhow!("--take は「番号=proposed」か「番号=current」の形です（「{text}」）");
    let (number, take) = text.split_once('=').ok_or_else(usage)?;
    let number: usize = number.trim().parse().map_err(|_| usage())?;
    if number == 0 {
        bail!("--take の番号は 1 から数えます（show の表示どおり）");
    }
    let take = match take.trim() {
        "proposed" | "申請" => Take::Proposed,
        "current" | "現在" => Take::Current,
        _ => return Err(usage()),
    };
    Ok((number - 1, take))
}

/// A request as the centre reads it on a terminal.
pub fn show(request: &ChangeRequest) -> String {
    let mut text = format!(
        "変更届 {}　{}（{}）　{}\n提出: {} {}（版 {} を見て）\n",
        request.id,
        request.organization_name,
        request.organization_id,
        request.status.label(),
        request.submitter,
        request.submitted_at.format("%Y-%m-%d %H:%M"),
        request.base_revision
    );
    if !request.note.is_empty() {
        text.push_str(&format!("連絡事項: {}\n", request.note));
    }
    if request.is_confirmation() {
        text.push_str("変更なし（掲載内容の確認）\n");
    }
    for (i, c) in request.changes.iter().enumerate() {
        text.push_str(&format!(
            "{:>3}. {}（{}）\n",
            i + 1,
            c.describe(),
            c.change.record
        ));
        if c.conflict {
            if let Some(now) = &c.now {
                text.push_str(&format!(
                    "     ※ 申請のあとで変わっています。現在: {}\n",
                    crate::listing::describe(&c.change.field, now)
                ));
            }
        }
    }
    if let Some(reviewer) = &request.reviewer {
        text.push_str(&format!(
            "審査: {reviewer} {}\n",
            request
                .reviewed_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        ));
    }
    if let Some(reason) = &request.reason {
        text.push_str(&format!("却下の理由: {reason}\n"));
    }
    if let Some(revision) = request.applied_revision {
        text.push_str(&format!("反映: 版 {revision}\n"));
    }
    text
}

pub async fn report(
    command: ReportCommand,
    db: &dyn Database,
    config: &ServerConfig,
) -> anyhow::Result<()> {
    let ReportCommand::Stale { months, json } = command;
    let months = months.unwrap_or(config.directory.stale_after_months);
    let stale = listing::stale(db, months).await?;
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<serde_json::Value> = stale
            .iter()
            .map(|s| {
                serde_json::json!({
                    "organization_id": s.id,
                    "name": s.name,
                    "last_confirmed": s.last_confirmed.to_rfc3339(),
                    "confirmed_by_member": s.confirmed,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{months} か月以上確認されていない掲載: {} 件",
        stale.len()
    )?;
    writeln!(out, "機関ID\t最終確認\t機関名")?;
    for s in &stale {
        writeln!(
            out,
            "{}\t{}{}\t{}",
            s.id,
            s.last_confirmed.format("%Y-%m-%d"),
            if s.confirmed {
                ""
            } else {
                "（更新日。会員の確認なし）"
            },
            s.name
        )?;
    }
    Ok(())
}
