//! A throwaway PostgreSQL for the tests and benchmarks (issue 13, item 8), never a server someone
//! else started: `ANSHIN_TEST_POSTGRES_URL` when it is set (a server of your own; each test gets
//! a database of its own on it), otherwise a cluster of this process's own — `initdb` and
//! `pg_ctl` from Debian's `postgresql` package, in a temporary folder, on a Unix socket only,
//! as the `postgres` user when run as root (PostgreSQL refuses to run as root). It stops and is
//! removed when the process that started it ends.
//!
//! Where there is no PostgreSQL, [`database`] answers None and the test says so on stderr —
//! except with `ANSHIN_REQUIRE_POSTGRES=1` (CI sets it), where that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// A URL of the maintenance database (`postgres`) of the server the tests use.
fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("ANSHIN_TEST_POSTGRES_URL") {
                if !url.trim().is_empty() {
                    return Some(url.trim().to_string());
                }
            }
            match start_cluster() {
                Ok(url) => Some(url),
                Err(why) => {
                    if required() {
                        panic!(
                            "PostgreSQL is required here (ANSHIN_REQUIRE_POSTGRES=1) but none \
                             could be started: {why}"
                        );
                    }
                    eprintln!("PostgreSQL tests skipped: {why}");
                    None
                }
            }
        })
        .as_deref()
}

/// `ANSHIN_REQUIRE_POSTGRES=1`: a missing PostgreSQL fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("ANSHIN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A new, empty database on the test server, as a `postgres://` URL; None (with a line on
/// stderr) when there is no PostgreSQL here and none is required.
pub async fn database() -> Option<String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let server = server()?;
    let name = format!(
        "anshin_test_{}_{}_{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    let _ = admin.close().await;
    let mut url = url::Url::parse(server).expect("a postgres:// URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// The folder of PostgreSQL's programs: Debian's newest `/usr/lib/postgresql/N/bin`, or the
/// folder of `initdb` on the PATH.
fn bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .ok_or_else(|| {
            "initdb was not found (Debian: apt-get install postgresql; or set \
             ANSHIN_TEST_POSTGRES_URL)"
                .to_string()
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// `program args…`, as the `postgres` user when this process is root.
fn as_owner(root: bool, program: &Path) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[cfg(unix)]
fn chown(dir: &Path, owner: u32) -> Result<(), String> {
    std::os::unix::fs::chown(dir, Some(owner), None)
        .map_err(|e| format!("chown {}: {e}", dir.display()))
}

#[cfg(not(unix))]
fn chown(_: &Path, _: u32) -> Result<(), String> {
    Err("a throwaway cluster is started only on Unix; set ANSHIN_TEST_POSTGRES_URL".into())
}

/// initdb + pg_ctl start in a new temporary folder; the maintenance database's URL.
fn start_cluster() -> Result<String, String> {
    let bin = bin_dir()?;
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("anshin-pg-")
        .tempdir()
        .map_err(|e| format!("temporary folder: {e}"))?
        .keep();
    if root {
        let owner = Command::new("id")
            .args(["-u", "postgres"])
            .output()
            .ok()
            .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
            .ok_or("no postgres user (Debian's postgresql package makes it)")?;
        chown(&dir, owner)?;
    }
    let data = dir.join("data");
    let mut initdb = as_owner(root, &bin.join("initdb"));
    initdb.arg("-D").arg(&data).args([
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "-N",
    ]);
    run(initdb, "initdb")?;
    let mut pg_ctl = as_owner(root, &bin.join("pg_ctl"));
    pg_ctl
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .arg("-o")
        .arg(format!(
            "-k {} -c listen_addresses='' -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400",
            dir.display()
        ))
        .args(["-w", "-t", "60", "start"]);
    run(pg_ctl, "pg_ctl start")?;
    // Stops the cluster and removes it when this process is gone.
    let _ = Command::new("sh")
        .arg("-c")
        .arg(
            "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; \
             kill -QUIT \"$(head -1 \"$2/data/postmaster.pid\")\" 2>/dev/null; sleep 2; rm -rf \"$2\"",
        )
        .arg("anshin-pg-cleanup")
        .arg(std::process::id().to_string())
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let socket =
        url::form_urlencoded::byte_serialize(dir.to_string_lossy().as_bytes()).collect::<String>();
    Ok(format!(
        "postgres://postgres@localhost/postgres?host={socket}"
    ))
}
