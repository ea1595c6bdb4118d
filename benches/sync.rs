//! Full sync of a large directory over loopback (DESIGN §8: 100k people ≤ 3 s): a real
//! anshin-server on 127.0.0.1 with the directory imported, the real client, gzip on the wire.
//!
//! `cargo bench --bench sync` (size from ANSHIN_BENCH_SYNC_PEOPLE, default 100000).

use anshin::client::config::{ClientConfig, CredentialStoreChoice};
use anshin::client::Client;
use anshin::server::db::{AccountRole, Actor, Database, NewUser};
use anshin::server::import::import_snapshot;
use anshin::server::ServerConfig;
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let people: usize = std::env::var("ANSHIN_BENCH_SYNC_PEOPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        database: dir.path().join("bench.db").into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..ServerConfig::default()
    };
    let db: Arc<dyn Database> = anshin::server::db::open(&config.database).await.unwrap();
    let actor = Actor {
        name: "bench".into(),
        address: "local".into(),
    };
    let t = Instant::now();
    let summary = import_snapshot(
        db.as_ref(),
        &config,
        anshin::demo::generate(people, 1),
        &actor,
    )
    .await
    .unwrap();
    let import = t.elapsed();
    let hash = anshin::server::auth::hash_password("bench-password-1").unwrap();
    db.add_user(
        NewUser {
            login_id: "bench",
            display_name: "bench",
            organization: "bench",
            role: AccountRole::Member,
            password_hash: &hash,
            must_change_password: false,
        },
        &actor,
        0,
    )
    .await
    .unwrap();
    let server = anshin::server::http::start_with(db, config).await.unwrap();

    let client = Client::new(ClientConfig {
        server_url: server.url(),
        credential_store: CredentialStoreChoice::Memory,
        cache_dir: Some(dir.path().join("cache")),
        ..ClientConfig::default()
    })
    .unwrap();
    client
        .login("bench", "bench-password-1", None)
        .await
        .unwrap();
    println!("| people | records | server import | full sync #1 (server builds the snapshot) | full sync #2 (server cache) |");
    println!("|---:|---:|---:|---:|---:|");
    // End to end (issue 15): request, parse, index, seal and write, until the index is ready. The
    // mock credential store keeps no cache key, so the sealing and the write are done here, as
    // `Client::sync` does with a real store.
    let cache_dir = dir.path().join("sealed");
    let mut times = Vec::new();
    for _ in 0..2 {
        let _ = std::fs::remove_dir_all(dir.path().join("cache"));
        let t = Instant::now();
        let (directory, _) = client.sync().await.unwrap();
        anshin::client::cache::store(&cache_dir, &directory, &[4u8; 32]).unwrap();
        times.push(t.elapsed());
        assert_eq!(directory.index.people_count(), people);
    }
    println!(
        "| {people} | {} | {:.1} s | {:.2} s | {:.2} s |",
        summary.added,
        import.as_secs_f64(),
        times[0].as_secs_f64(),
        times[1].as_secs_f64()
    );
    server.shutdown().await.unwrap();
}
