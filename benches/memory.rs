//! Client peak memory with a large directory loaded from the encrypted cache and indexed
//! (DESIGN §8: ≤ 150 MB at 100k people). The parent writes the cache; a fresh child process
//! loads it, builds the index, searches, and reports its peak RSS (VmHWM), so nothing the parent
//! allocated is counted.
//!
//! `cargo bench --bench memory` (size from ANSHIN_BENCH_MEMORY_PEOPLE, default 100000).

use anshin::client::cache::{self, CachedDirectory};
use anshin::search::Filters;
use std::time::Instant;

const SERVER: &str = "https://anshin.example.jp";
const KEY: [u8; 32] = [5u8; 32];

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    if let Ok(dir) = std::env::var("ANSHIN_MEMORY_CHILD") {
        let t = Instant::now();
        let directory =
            cache::load(std::path::Path::new(&dir), Some(&KEY), SERVER).expect("cache loads");
        let people = directory.index.people_count();
        if std::env::var("ANSHIN_MEMORY_STAGES").is_ok() {
            eprintln!(
                "after load: peak {} KiB, now {} KiB",
                peak_rss_kib(),
                rss_kib()
            );
        }
        let index = directory.index;
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(13, 30, 0)
            .unwrap();
        let hits = index.search("tanaka naika", &Filters::default(), now);
        for hit in hits.iter().take(5) {
            std::hint::black_box(index.availability(hit.entry, now));
        }
        // ANSHIN_MEMORY_DECODE_ALL: as the TUI, which decodes every record after its first frame.
        if std::env::var("ANSHIN_MEMORY_DECODE_ALL").is_ok() {
            index.decode_all();
        }
        println!(
            "| {people} | {:.0} MiB | {:.2} s | {} |",
            peak_rss_kib() as f64 / 1024.0,
            t.elapsed().as_secs_f64(),
            hits.len()
        );
        return;
    }
    let people: usize = std::env::var("ANSHIN_BENCH_MEMORY_PEOPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let directory = cache::CachedIndex::build(CachedDirectory {
        server_url: SERVER.into(),
        etag: None,
        synced_at: anshin::directory::now_in_japan(),
        snapshot: anshin::demo::generate(people, 1),
    });
    cache::store(dir.path(), &directory, &KEY).unwrap();
    drop(directory);
    println!("| people | peak RSS (load the indexed cache + search + 5 rows) | time | hits |");
    println!("|---:|---:|---:|---:|");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env("ANSHIN_MEMORY_CHILD", dir.path())
        .status()
        .unwrap();
    assert!(status.success());
}
