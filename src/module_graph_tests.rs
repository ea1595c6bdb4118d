//! The code's shape as tests (issue 9): no import circle anywhere in `src/`, and no file of the
//! TUI past ~500 lines. The graph is read from the source: every `crate::`, `super::` and
//! `self::` path (in `use` lines and in code) is an edge from the file's module to the module
//! the path names; a parent naming its own children is the module tree, not an import. Test
//! modules (`#[cfg(test)] mod tests` and files named `tests.rs` or under `tests/`) may reach
//! anywhere and are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/tui/screens/search/mod.rs` → `tui::screens::search`.
fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn is_test_file(module: &Module) -> bool {
    module.iter().any(|p| p == "tests") || module.last().is_some_and(|p| p.ends_with("_tests"))
}

/// The code without comments, strings and the test module at its end.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::new();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default();
        // String literals carry words, not paths.
        let (mut in_string, mut escaped) = (false, false);
        for c in line.chars() {
            if in_string && escaped {
                escaped = false;
            } else if in_string && c == '\\' {
                escaped = true;
            } else if c == '"' && !line.contains("'\"'") {
                in_string = !in_string;
            } else if !in_string {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

/// Every path that starts with `crate`, `super` or `self`, with `use a::{b, c::d}` groups
/// written out.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        if starts_word {
            let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
            if rest.starts_with("crate::")
                || rest.starts_with("super::")
                || rest.starts_with("self::")
            {
                let (found, next) = read_path(&bytes, i, Vec::new());
                paths.extend(found);
                i = next;
                continue;
            }
        }
        i += 1;
    }
    paths
}

/// Reads `a::b::{c, d::e}` from `at`; returns the paths and where it ended.
fn read_path(chars: &[char], mut at: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix;
    loop {
        let start = at;
        while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
            at += 1;
        }
        if at > start {
            path.push(chars[start..at].iter().collect());
        }
        let next: String = chars[at..chars.len().min(at + 3)].iter().collect();
        if next.starts_with("::{") {
            at += 3;
            let mut all = Vec::new();
            loop {
                while at < chars.len() && (chars[at].is_whitespace() || chars[at] == ',') {
                    at += 1;
                }
                if at >= chars.len() || chars[at] == '}' {
                    return (all, at + 1);
                }
                let (inner, end) = read_path(chars, at, path.clone());
                all.extend(inner);
                at = end;
            }
        } else if next.starts_with("::") {
            at += 2;
        } else {
            // `self` inside a group names the group's own module.
            if path.last().is_some_and(|p| p == "self") && path.len() > 1 {
                path.pop();
            }
            return (vec![path], at);
        }
    }
}

/// The module a path names: the longest prefix that is a module of the crate.
fn resolve(from: &Module, path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let mut base: Module = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("super") | Some("self") => {
            base = from.clone();
            while let Some(first) = rest.first() {
                match first.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    (0..=rest.len()).rev().find_map(|n| {
        let mut candidate = base.clone();
        candidate.extend(rest[..n].iter().cloned());
        modules.contains(&candidate).then_some(candidate)
    })
}

fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let sources: Vec<(Module, String)> = files
        .iter()
        .map(|f| (module_of(&src, f), std::fs::read_to_string(f).unwrap()))
        .filter(|(m, _)| m.first().is_none_or(|p| p != "bin") && !is_test_file(m))
        .collect();
    let modules: BTreeSet<Module> = sources.iter().map(|(m, _)| m.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in &sources {
        for path in paths_in(&code_of(text)) {
            let Some(target) = resolve(module, &path, &modules) else {
                continue;
            };
            // The same module, or a parent naming its own child: the tree, not an import.
            if target.starts_with(module) {
                continue;
            }
            edges
                .entry(module.clone())
                .or_default()
                .insert(target.clone());
        }
    }
    edges
}

/// The circles of a graph (Tarjan's strongly connected components of more than one module).
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        found: Vec<Vec<Module>>,
    }
    fn visit(w: &mut Walk<'_>, v: &Module) {
        let n = w.index.len();
        w.index.insert(v.clone(), n);
        w.low.insert(v.clone(), n);
        w.stack.push(v.clone());
        let next: Vec<Module> = w.edges.get(v).into_iter().flatten().cloned().collect();
        for u in next {
            if !w.index.contains_key(&u) {
                visit(w, &u);
                let low = w.low[v].min(w.low[&u]);
                w.low.insert(v.clone(), low);
            } else if w.stack.contains(&u) {
                let low = w.low[v].min(w.index[&u]);
                w.low.insert(v.clone(), low);
            }
        }
        if w.low[v] == w.index[v] {
            let mut component = Vec::new();
            while let Some(u) = w.stack.pop() {
                let done = u == *v;
                component.push(u);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                w.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    let nodes: BTreeSet<Module> = edges
        .iter()
        .flat_map(|(a, bs)| std::iter::once(a.clone()).chain(bs.iter().cloned()))
        .collect();
    for v in &nodes {
        if !walk.index.contains_key(v) {
            visit(&mut walk, v);
        }
    }
    walk.found
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = graph();
    let found = circles(&edges);
    let described: Vec<String> = found
        .iter()
        .map(|c| c.iter().map(name).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(described.is_empty(), "import circles: {described:#?}");
    // The checker sees the edges it should: the TUI stands on the client, not the other way.
    let module = |path: &str| -> Module { path.split("::").map(str::to_string).collect() };
    assert!(edges[&module("tui::runtime")].contains(&module("client")));
    assert!(edges
        .iter()
        .filter(|(from, _)| from.starts_with(&module("client")))
        .all(|(_, to)| to.iter().all(|m| !m.starts_with(&module("tui")))));
}

#[test]
fn the_checker_finds_a_circle_through_a_use_group() {
    let modules: BTreeSet<Module> = [vec![], vec!["a".into()], vec!["b".into()]].into();
    let paths = paths_in("use crate::{a::Thing, b};\nfn f() { super::b::g() }");
    let from: Module = vec!["a".into()];
    let targets: Vec<Module> = paths
        .iter()
        .filter_map(|p| resolve(&from, p, &modules))
        .collect();
    assert_eq!(
        targets,
        vec![vec!["a".to_string()], vec!["b".into()], vec!["b".into()]]
    );
    let mut edges = BTreeMap::new();
    edges.insert(
        vec!["a".to_string()],
        BTreeSet::from([vec!["b".to_string()]]),
    );
    edges.insert(
        vec!["b".to_string()],
        BTreeSet::from([vec!["a".to_string()]]),
    );
    assert_eq!(circles(&edges).len(), 1);
}

/// STYLE: when a file passes ~500 lines it is usually two concepts.
#[test]
fn no_file_of_the_tui_is_past_about_five_hundred_lines() {
    let mut files = Vec::new();
    source_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui"),
        &mut files,
    );
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > 520).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "{long:?}");
}
