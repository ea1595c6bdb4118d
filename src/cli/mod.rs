//! The composition roots: the command lines of `anshin` and `anshin-server`, and the demo.
//! The only place that puts the client, the TUI and the server together; nothing below
//! imports from here.

pub mod client;
#[cfg(feature = "server")]
pub mod demo;
#[cfg(feature = "server")]
mod listing_admin;
#[cfg(feature = "server")]
mod migrate;
#[cfg(feature = "server")]
pub mod server;
mod two_factor;

/// An error with its exit code (`anshin`: 1 failure, 2 usage or unreadable input).
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl From<crate::client::ClientError> for Failure {
    fn from(e: crate::client::ClientError) -> Self {
        Failure {
            code: 1,
            message: e.to_string(),
        }
    }
}

/// One line of standard input, without its line ending.
fn read_line() -> Result<String, Failure> {
    use std::io::BufRead;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure {
            code: 2,
            message: format!("入力を読めません: {e}"),
        })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

#[cfg(feature = "server")]
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
