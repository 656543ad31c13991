//! The study guide names things that must exist: examples (`cargo run --example X`,
//! `examples/X.rs`), files of the repository (`crates/kclient-rest/src/watch/frame.rs`), other
//! chapters and their sections (`[rest.md](rest.md#the-transport-stack)`), `cargo xtask`
//! commands, and kclient API paths (`kclient_cache::InformerFactory`). This test reads every
//! Markdown file under `docs/` and the top-level `README.md` and fails, naming the file and line,
//! when one of them does not exist — so a renamed example, moved file or removed API cannot
//! leave a chapter pointing at nothing.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every Markdown file the guide consists of: `docs/**/*.md` and `README.md`.
fn guide_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The `[[example]]` names of `examples/Cargo.toml`.
fn example_names(root: &Path) -> HashSet<String> {
    let manifest = fs::read_to_string(root.join("examples/Cargo.toml")).unwrap_or_default();
    manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .map(str::to_string)
        .collect()
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifiers a crate's sources define or re-export: items after `mod`, `struct`, `enum`,
/// `trait`, `fn`, `type`, `const`, `static`, `macro_rules!`; every name in a `use` statement
/// (re-exports, `as` renames); and enum variants and fields (an identifier starting a line).
fn defined_names(crate_dir: &Path) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut dirs = vec![crate_dir.join("src")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            collect_names(&text, &mut names);
        }
    }
    names
}

fn collect_names(text: &str, names: &mut HashSet<String>) {
    const ITEM_KEYWORDS: [&str; 9] = [
        "mod", "struct", "enum", "trait", "fn", "type", "const", "static", "union",
    ];
    let mut in_use = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        let tokens: Vec<&str> = trimmed
            .split(|c: char| !is_ident_char(c) && c != '!')
            .filter(|t| !t.is_empty())
            .collect();
        if let Some(first) = tokens.first() {
            // A variant or a field: `Name,`, `Name(..)`, `Name {`, `name: Type`.
            let first = first.trim_end_matches('!');
            if trimmed.starts_with(first) {
                names.insert(first.to_string());
            }
        }
        for pair in tokens.windows(2) {
            if ITEM_KEYWORDS.contains(&pair[0]) || pair[0] == "macro_rules!" {
                names.insert(pair[1].trim_end_matches('!').to_string());
            }
        }
        if trimmed.starts_with("pub use ") || trimmed.starts_with("use ") || in_use {
            for t in &tokens {
                names.insert(t.trim_end_matches('!').to_string());
            }
            in_use = !trimmed.contains(';');
        }
    }
}

/// The `kclient_*::a::b` paths in `text`, with the column where each starts.
fn api_paths(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("kclient_") {
        let before = rest[..i].chars().next_back();
        let tail = &rest[i..];
        let end = tail
            .char_indices()
            .find(|&(_, c)| !(is_ident_char(c) || c == ':'))
            .map_or(tail.len(), |(j, _)| j);
        let path = tail[..end].trim_end_matches(':');
        if before.is_none_or(|c| !is_ident_char(c)) && path.contains("::") {
            found.push(path.to_string());
        }
        rest = &tail[end.max(1)..];
    }
    found
}

/// The words right after `needle` in `line` (for `--example NAME`, `cargo xtask NAME`).
fn words_after<'a>(line: &'a str, needle: &str) -> Vec<&'a str> {
    line.match_indices(needle)
        .filter_map(|(i, _)| {
            line[i + needle.len()..]
                .split(|c: char| !(is_ident_char(c) || c == '-'))
                .next()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Markdown link targets `](target)` in `line`.
fn link_targets(line: &str) -> Vec<&str> {
    line.match_indices("](")
        .filter_map(|(i, _)| {
            let tail = &line[i + 2..];
            tail.find(')').map(|end| &tail[..end])
        })
        .collect()
}

/// Repository paths in backticks: `crates/…`, `examples/…`, `xtask/…`, `benches/…`, `docs/…`,
/// `.ci/…`, `tests/…`, `src/…` (the last two may be relative to a crate).
fn backticked_paths(line: &str) -> Vec<&str> {
    const ROOTS: [&str; 8] = [
        "crates/",
        "examples/",
        "xtask/",
        "benches/",
        "docs/",
        ".ci/",
        "tests/",
        "src/",
    ];
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| span.split_whitespace().next())
        .filter(|s| ROOTS.iter().any(|r| s.starts_with(r)))
        // Patterns and placeholders (`src/generated/<group>/…`, `tests/*.rs`) name no one file.
        .filter(|s| !s.contains(['<', '*', '{', '…', '$']) && !s.contains("..."))
        // Build output (`benches/peers/target/…`) is not in the repository.
        .filter(|s| !s.contains("/target/"))
        .map(|s| s.trim_end_matches([',', '.', ':', ')', ';']))
        .collect()
}

/// The anchors mdBook (and GitHub) give a chapter's headings.
fn heading_anchors(text: &str) -> HashSet<String> {
    let mut anchors = HashSet::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c.to_lowercase().next().unwrap_or(c))
                } else if c == ' ' {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        let n = counts.entry(slug.clone()).or_default();
        anchors.insert(if *n == 0 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        });
        *n += 1;
    }
    anchors
}

/// What the chapters may refer to: examples, crates' defined names, xtask commands.
struct Known {
    root: PathBuf,
    examples: HashSet<String>,
    crate_dirs: Vec<PathBuf>,
    crate_names: HashMap<String, HashSet<String>>,
    xtask: String,
}

impl Known {
    fn load(root: &Path) -> Self {
        let crate_dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        let mut crate_names = HashMap::new();
        for dir in &crate_dirs {
            if let Some(name) = dir.file_name().and_then(|n| n.to_str()) {
                crate_names.insert(name.replace('-', "_"), defined_names(dir));
            }
        }
        Self {
            root: root.to_path_buf(),
            examples: example_names(root),
            crate_dirs,
            crate_names,
            xtask: fs::read_to_string(root.join("xtask/src/main.rs")).unwrap_or_default(),
        }
    }

    /// The problems of one Markdown file `file` (relative name `rel`) holding `text`.
    fn problems(&self, file: &Path, rel: &str, text: &str) -> BTreeSet<String> {
        let mut problems = BTreeSet::new();
        let mut in_code = false;
        let mut fence = String::new();
        for (n, line) in text.lines().enumerate() {
            let at = format!("{rel}:{}", n + 1);
            if let Some(info) = line.trim_start().strip_prefix("```") {
                in_code = !in_code;
                fence = info.to_string();
                continue;
            }
            // Go snippets name Go packages, not ours.
            if in_code && fence.starts_with("go") {
                continue;
            }
            for name in words_after(line, "--example ") {
                // `NAME`, `X`: placeholders, not names.
                let placeholder = name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
                if !placeholder && !self.examples.contains(name) {
                    problems.insert(format!("{at}: example `{name}` does not exist"));
                }
            }
            for (i, _) in line.match_indices("examples/") {
                let tail = &line[i + "examples/".len()..];
                let stem: String = tail.chars().take_while(|&c| is_ident_char(c)).collect();
                if tail[stem.len()..].starts_with(".rs")
                    && !self
                        .root
                        .join("examples")
                        .join(format!("{stem}.rs"))
                        .exists()
                {
                    problems.insert(format!("{at}: examples/{stem}.rs does not exist"));
                }
            }
            for command in words_after(line, "cargo xtask ") {
                if !command.starts_with('-') && !xtask_has_command(&self.xtask, command) {
                    problems.insert(format!("{at}: `cargo xtask {command}` does not exist"));
                }
            }
            for path in api_paths(line) {
                let mut segments = path.split("::");
                let krate = segments.next().unwrap_or_default();
                let Some(names) = self.crate_names.get(krate) else {
                    problems.insert(format!("{at}: crate `{krate}` does not exist ({path})"));
                    continue;
                };
                for segment in segments.filter(|s| !s.is_empty()) {
                    if !names.contains(segment) {
                        problems
                            .insert(format!("{at}: `{path}`: `{segment}` not found in {krate}"));
                    }
                }
            }
            if in_code {
                continue;
            }
            for target in link_targets(line) {
                if let Some(problem) = check_link(&self.root, file, text, target) {
                    problems.insert(format!("{at}: {problem}"));
                }
            }
            for path in backticked_paths(line) {
                if !repo_path_exists(&self.root, &self.crate_dirs, path) {
                    problems.insert(format!("{at}: file `{path}` does not exist"));
                }
            }
        }
        problems
    }
}

#[test]
fn every_name_the_guide_uses_exists() {
    let root = repo_root();
    let files = guide_files(&root);
    assert!(
        files.len() > 10,
        "expected the chapters under {}, found {files:?}",
        root.join("docs").display()
    );
    let known = Known::load(&root);
    assert!(
        known.examples.contains("rest_list_nodes"),
        "examples/Cargo.toml not read"
    );
    let mut problems = BTreeSet::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap_or_default();
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        problems.extend(known.problems(file, &rel, &text));
    }
    assert!(
        problems.is_empty(),
        "the guide names things that do not exist:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The checker itself finds what it is meant to find, and accepts what exists.
#[test]
fn the_checker_reports_each_kind_of_dangling_name() {
    let root = repo_root();
    let known = Known::load(&root);
    let file = root.join("docs").join("probe.md");
    let text = "\
# Probe

## A real heading

Run `cargo run --example rest_list_nodes` or `cargo run --example no_such_example`.
Read `examples/dynamic_crd.rs` and `examples/no_such.rs`, `crates/kclient-rest/src/watch/frame.rs`
and `crates/kclient-rest/src/no_such.rs`; `cargo xtask codegen`, `cargo xtask no-such-task`.
Use `kclient_cache::InformerFactory`, `kclient_cache::NoSuchThing`, `kclient_nothing::X`.
See [rest](rest.md#the-transport-stack), [gone](no-such.md), [bad anchor](rest.md#no-such-heading)
and [here](#a-real-heading).
";
    let problems = known.problems(&file, "probe.md", text);
    let all = problems.iter().cloned().collect::<Vec<_>>().join("\n");
    for expected in [
        "example `no_such_example`",
        "examples/no_such.rs",
        "crates/kclient-rest/src/no_such.rs",
        "`cargo xtask no-such-task`",
        "`NoSuchThing` not found in kclient_cache",
        "crate `kclient_nothing`",
        "link `no-such.md`",
        "no heading with anchor #no-such-heading",
        "file `examples/no_such.rs`",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
    }
    assert_eq!(problems.len(), 9, "unexpected findings:\n{all}");
}

/// clap names a subcommand after its variant in kebab case (`TestserverTables` →
/// `testserver-tables`).
fn xtask_has_command(main_rs: &str, command: &str) -> bool {
    let variant: String = command
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    main_rs.contains(&format!("    {variant} {{")) || main_rs.contains(&format!("    {variant},"))
}

fn repo_path_exists(root: &Path, crate_dirs: &[PathBuf], path: &str) -> bool {
    if root.join(path).exists() {
        return true;
    }
    // `tests/x.rs` and `src/x.rs` are often said of the crate the chapter is about.
    (path.starts_with("tests/") || path.starts_with("src/"))
        && crate_dirs
            .iter()
            .chain([root.join("xtask")].iter())
            .any(|dir| dir.join(path).exists())
}

/// A relative link must name an existing file, and its `#anchor` a heading of that file.
fn check_link(root: &Path, file: &Path, own_text: &str, target: &str) -> Option<String> {
    let target = target.split_whitespace().next().unwrap_or_default();
    if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    // Links into the built API docs (`../api/...`) exist only in the book; xtask checks those.
    if path.contains("/api/") || path.starts_with("api/") || path.ends_with(".html") {
        return None;
    }
    if path.is_empty() {
        // An anchor in the same chapter.
        return anchor
            .filter(|a| !heading_anchors(own_text).contains(*a))
            .map(|a| format!("link `{target}`: no heading with anchor #{a} in this file"));
    }
    let resolved = file.parent().unwrap_or(root).join(path);
    if !resolved.exists() {
        return Some(format!(
            "link `{target}`: {} does not exist",
            resolved.display()
        ));
    }
    if let Some(anchor) = anchor
        && resolved.extension().is_some_and(|e| e == "md")
    {
        let text = fs::read_to_string(&resolved).unwrap_or_default();
        if !heading_anchors(&text).contains(anchor) {
            return Some(format!("link `{target}`: no heading with anchor #{anchor}"));
        }
    }
    None
}
