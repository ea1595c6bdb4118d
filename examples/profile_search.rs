use anshin::search::{Filters, SearchIndex, Searcher};
use std::time::Instant;
fn main() {
    let index = SearchIndex::build(anshin::demo::generate(50000, 1));
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    for q in [
        "takaha",
        "saitou",
        "たなかいち",
        "渡辺 内科",
        "hasimo",
        "sito u",
    ] {
        let mut s = Searcher::new();
        let chars: Vec<char> = q.chars().collect();
        let mut line = String::new();
        for n in 1..=chars.len() {
            let p: String = chars[..n].iter().collect();
            let t = Instant::now();
            let hits = s.search(&index, &p, &Filters::default(), now);
            line += &format!(
                " {p}:{:.1}ms/{}",
                t.elapsed().as_secs_f64() * 1000.0,
                hits.len()
            );
        }
        println!("{line}");
    }
}
