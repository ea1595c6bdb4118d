//! Search per keystroke (DESIGN §8: p99 ≤ 16 ms at 50k people on one core), index build time and
//! memory, the cache load, and `fzf --filter` on the same lines in the same run.
//!
//! `cargo bench --bench search` (sizes from ANSHIN_BENCH_SIZES, default 1000,10000,50000,500000).
//! A plain harness rather than criterion: the goal is a p99 over individual keystrokes, which
//! criterion's per-iteration means do not give.

use anshin::client::cache::{self, CachedDirectory, CachedIndex};
use anshin::demo::generate;
use anshin::search::{Filters, SearchIndex, Searcher};
use std::io::Write;
use std::time::{Duration, Instant};

/// Queries as typed, keystroke by keystroke: romaji, kana, kanji, two tokens.
const QUERIES: &[&str] = &[
    "takaha",
    "saitou",
    "たなかいち",
    "渡辺 内科",
    "hasimo",
    "sito u",
];

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn prefixes(query: &str) -> Vec<String> {
    let chars: Vec<char> = query.chars().collect();
    (1..=chars.len())
        .map(|n| chars[..n].iter().collect())
        .collect()
}

fn main() {
    let sizes: Vec<usize> = std::env::var("ANSHIN_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000,50000,500000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    // For profiling one keystroke: ANSHIN_BENCH_QUERIES=s,ta (comma-separated), and
    // ANSHIN_BENCH_ONLY_ANSHIN=1 to leave out fzf and the cache load.
    let only_anshin = std::env::var_os("ANSHIN_BENCH_ONLY_ANSHIN").is_some();
    let queries: Vec<String> = match std::env::var("ANSHIN_BENCH_QUERIES") {
        Ok(q) => q.split(',').map(str::to_string).collect(),
        Err(_) => QUERIES.iter().map(|q| q.to_string()).collect(),
    };
    let fzf = !only_anshin
        && std::process::Command::new("fzf")
            .arg("--version")
            .output()
            .is_ok();
    println!("| people | index build | index RSS | keystroke p50 | keystroke p99 | max | fzf --filter p50 | fzf p99 | fzf/anshin (p50) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &people in &sizes {
        let snapshot = generate(people, 1);
        let before = rss_kib();
        let started = Instant::now();
        let index = SearchIndex::build(snapshot.clone());
        let build = started.elapsed();
        let index_kib = rss_kib().saturating_sub(before);

        // ANSHIN_BENCH_REPS: more rounds, for a profiler to see the keystrokes, not the set-up.
        let reps = std::env::var("ANSHIN_BENCH_REPS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or((200_000 / people).clamp(3, 50));
        let mut samples = Vec::new();
        // (time, keystroke, hits): the slowest keystrokes, with ANSHIN_BENCH_DETAIL=1.
        let mut detail: Vec<(Duration, String, usize)> = Vec::new();
        // As the TUI's search screen does: one searcher and one hit vector, refilled at every
        // keystroke of every query (a new query does not narrow the last: a fresh run).
        let mut searcher = Searcher::new();
        let mut hits = Vec::new();
        for _ in 0..reps {
            for query in &queries {
                for prefix in prefixes(query) {
                    let t = Instant::now();
                    searcher.search_into(&index, &prefix, &Filters::default(), now, &mut hits);
                    std::hint::black_box(hits.first());
                    let took = t.elapsed();
                    samples.push(took);
                    detail.push((took, prefix.clone(), hits.len()));
                }
            }
        }
        samples.sort();
        if std::env::var_os("ANSHIN_BENCH_DETAIL").is_some() {
            detail.sort_by_key(|d| std::cmp::Reverse(d.0));
            detail.dedup_by(|a, b| a.1 == b.1);
            for (took, prefix, hits) in detail.iter().take(12) {
                eprintln!(
                    "  {people}: {:>7.2} ms  「{prefix}」 {hits} hits",
                    ms(*took)
                );
            }
        }

        let (fzf_p50, fzf_p99) = if fzf {
            fzf_filter(&snapshot)
        } else {
            (None, None)
        };
        let fmt = |d: Option<Duration>| d.map_or("n/a".to_string(), |d| format!("{:.2} ms", ms(d)));
        let ratio = fzf_p50.map_or("n/a".to_string(), |f| {
            format!("{:.1}×", ms(f) / ms(percentile(&samples, 0.5)))
        });
        println!(
            "| {people} | {:.0} ms | {:.0} MiB | {:.2} ms | {:.2} ms | {:.2} ms | {} | {} | {ratio} |",
            ms(build),
            index_kib as f64 / 1024.0,
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.99)),
            ms(*samples.last().unwrap()),
            fmt(fzf_p50),
            fmt(fzf_p99),
        );
        drop(index);
    }
    if !only_anshin {
        println!();
        cache_load(now);
    }
}

/// The same entries as lines (name, reading, organisation, district), filtered by fzf per
/// keystroke prefix. fzf reads the file and starts a process each time, as a shell pipeline would.
fn fzf_filter(snapshot: &anshin::directory::Snapshot) -> (Option<Duration>, Option<Duration>) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    {
        let mut w = std::io::BufWriter::new(&mut file);
        // By id once: `Snapshot::organization` scans, and 500k people × 166k organisations
        // kept this loop busy for over ten minutes.
        let orgs: std::collections::HashMap<&str, &anshin::directory::Organization> = snapshot
            .organizations
            .iter()
            .map(|o| (o.id.as_str(), o))
            .collect();
        for p in &snapshot.people {
            let org = orgs[p.organization_id.as_str()];
            writeln!(
                w,
                "{} {} {} {} {} {}",
                p.name, p.name_kana, org.name, org.name_kana, org.ward, org.district
            )
            .unwrap();
        }
        for o in &snapshot.organizations {
            writeln!(w, "{} {} {} {}", o.name, o.name_kana, o.ward, o.district).unwrap();
        }
    }
    let mut samples = Vec::new();
    for query in QUERIES {
        for prefix in prefixes(query) {
            let input = std::fs::File::open(file.path()).unwrap();
            let t = Instant::now();
            let out = std::process::Command::new("fzf")
                .args(["--filter", &prefix])
                .stdin(input)
                .stdout(std::process::Stdio::null())
                .status();
            if out.is_err() {
                return (None, None);
            }
            samples.push(t.elapsed());
        }
    }
    samples.sort();
    (
        Some(percentile(&samples, 0.5)),
        Some(percentile(&samples, 0.99)),
    )
}

/// Start from the cache (issue 15): read + decrypt = the index ready, then the first search and
/// its five shown rows (their records decoded).
fn cache_load(now: chrono::NaiveDateTime) {
    println!("| people | cache file | read + decrypt (index ready) | first search + 5 rows | total to first result |");
    println!("|---:|---:|---:|---:|---:|");
    for people in [10_000, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let key = [3u8; 32];
        let directory = CachedIndex::build(CachedDirectory {
            server_url: "https://anshin.example.jp".into(),
            etag: None,
            synced_at: anshin::directory::now_in_japan(),
            snapshot: generate(people, 1),
        });
        cache::store(dir.path(), &directory, &key).unwrap();
        drop(directory);
        let size = std::fs::metadata(cache::cache_file(dir.path()))
            .unwrap()
            .len();
        let t = Instant::now();
        let loaded = cache::load(dir.path(), Some(&key), "https://anshin.example.jp").unwrap();
        let open = t.elapsed();
        let t = Instant::now();
        let hits = loaded.index.search("tanaka", &Filters::default(), now);
        for hit in hits.iter().take(5) {
            std::hint::black_box(loaded.index.availability(hit.entry, now));
            std::hint::black_box(loaded.index.organization_of(hit.entry));
        }
        let first = t.elapsed();
        println!(
            "| {people} | {:.1} MiB | {:.0} ms | {:.1} ms | {:.0} ms |",
            size as f64 / 1048576.0,
            ms(open),
            ms(first),
            ms(open + first)
        );
    }
}
