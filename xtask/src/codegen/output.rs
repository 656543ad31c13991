//! Formatting (rustfmt) and writing the generated files, or comparing them with the committed
//! ones (`--check`), including the generated `[features]` section of `Cargo.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The directory of the generated sources, relative to the crate.
const GENERATED: &str = "src/generated";
const BEGIN: &str = "# BEGIN GENERATED FEATURES\n";
const END: &str = "# END GENERATED FEATURES";

/// Formats and writes `files` under `src/generated` (removing files no longer generated) and
/// the features into `Cargo.toml`.
pub fn write(crate_dir: &Path, files: &BTreeMap<String, String>, features: &str) -> Result<()> {
    let dir = crate_dir.join(GENERATED);
    let formatted = format_all(files)?;
    let mut written = 0;
    for (rel, text) in &formatted {
        let path = dir.join(rel);
        if fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written += 1;
    }
    let mut removed = 0;
    for rel in existing(&dir)? {
        if !formatted.contains_key(&rel) {
            let path = dir.join(&rel);
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            removed += 1;
        }
    }
    remove_empty_dirs(&dir)?;
    let manifest = crate_dir.join("Cargo.toml");
    let old =
        fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let new = with_features(&old, features)?;
    if new != old {
        fs::write(&manifest, new).with_context(|| format!("writing {}", manifest.display()))?;
        written += 1;
    }
    println!(
        "codegen: {} files generated ({written} changed, {removed} removed)",
        formatted.len() + 1
    );
    Ok(())
}

/// Formats and writes `files` into `dir` (the tree `src/generated` would hold) and the features
/// into `dir/features.toml`, for generating elsewhere than kclient-typed (`--out`). Files
/// already in `dir` are kept.
pub fn write_tree(dir: &Path, files: &BTreeMap<String, String>, features: &str) -> Result<()> {
    let formatted = format_all(files)?;
    for (rel, text) in &formatted {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let path = dir.join("features.toml");
    fs::write(&path, features).with_context(|| format!("writing {}", path.display()))?;
    println!(
        "codegen: {} files generated in {}",
        formatted.len() + 1,
        dir.display()
    );
    Ok(())
}

/// Compares what would be written with what is on disk; fails with a summary when they differ.
pub fn check(crate_dir: &Path, files: &BTreeMap<String, String>, features: &str) -> Result<()> {
    let dir = crate_dir.join(GENERATED);
    let formatted = format_all(files)?;
    let mut stale = Vec::new();
    let mut missing = Vec::new();
    for (rel, text) in &formatted {
        match fs::read_to_string(dir.join(rel)) {
            Ok(committed) if &committed == text => {}
            Ok(committed) => stale.push(format!(
                "{GENERATED}/{rel}: {}",
                describe_diff(&committed, text)
            )),
            Err(_) => missing.push(format!("{GENERATED}/{rel}")),
        }
    }
    let extra: Vec<String> = existing(&dir)?
        .into_iter()
        .filter(|rel| !formatted.contains_key(rel))
        .map(|rel| format!("{GENERATED}/{rel}"))
        .collect();
    let manifest = crate_dir.join("Cargo.toml");
    let old =
        fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    if with_features(&old, features)? != old {
        stale.push("Cargo.toml: the generated [features] section differs".to_string());
    }
    if stale.is_empty() && missing.is_empty() && extra.is_empty() {
        println!(
            "codegen: {} generated files are up to date",
            formatted.len() + 1
        );
        return Ok(());
    }
    let mut report = String::new();
    for (title, list) in [
        ("stale", &stale),
        ("missing", &missing),
        ("extra (no longer generated)", &extra),
    ] {
        if !list.is_empty() {
            report.push_str(&format!("\n{} {title}:\n", list.len()));
            for line in list {
                report.push_str(&format!("  {line}\n"));
            }
        }
    }
    bail!(
        "the generated code of kclient-typed is out of date:{report}run `cargo xtask codegen` to regenerate it"
    )
}

/// The manifest text with the section between the markers replaced by `features`.
fn with_features(manifest: &str, features: &str) -> Result<String> {
    let (Some(begin), Some(end)) = (manifest.find(BEGIN), manifest.find(END)) else {
        bail!(
            "Cargo.toml of kclient-typed lacks the lines `{}` and `{END}`",
            BEGIN.trim_end()
        );
    };
    let start = begin + BEGIN.len();
    if end < start {
        bail!(
            "Cargo.toml of kclient-typed has `{END}` before `{}`",
            BEGIN.trim_end()
        );
    }
    Ok(format!(
        "{}{features}{}",
        &manifest[..start],
        &manifest[end..]
    ))
}

/// Files under `dir`, relative, with `/` separators.
fn existing(dir: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("listing {}", d.display()))?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    Ok(out)
}

fn remove_empty_dirs(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_empty_dirs(&path)?;
            if fs::read_dir(&path)
                .map(|mut e| e.next().is_none())
                .unwrap_or(false)
            {
                fs::remove_dir(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// Formats every file with rustfmt, two at a time.
pub(super) fn format_all(files: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    let entries: Vec<(&String, &String)> = files.iter().collect();
    let halves = entries.split_at(entries.len() / 2);
    let format_half = |half: &[(&String, &String)]| -> Result<Vec<(String, String)>> {
        half.iter()
            .map(|(rel, text)| {
                Ok((
                    (*rel).clone(),
                    rustfmt(text).with_context(|| format!("formatting {rel}"))?,
                ))
            })
            .collect()
    };
    let (a, b) = std::thread::scope(|scope| {
        let first = scope.spawn(|| format_half(halves.0));
        let second = format_half(halves.1);
        (first.join(), second)
    });
    let a = a.map_err(|_| anyhow::anyhow!("a rustfmt thread panicked"))??;
    Ok(a.into_iter().chain(b?).collect())
}

/// Runs `rustfmt --edition 2024` over `source` (shared by every generator of the xtask).
pub(crate) fn rustfmt(source: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (is it installed? `rustup component add rustfmt`)")?;
    let mut stdin = child.stdin.take().context("rustfmt stdin")?;
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().context("waiting for rustfmt")?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("rustfmt writer thread failed"))?
        .context("writing to rustfmt")?;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).context("rustfmt printed non-UTF-8")
}

/// Where the committed text first differs from the generated text.
pub(super) fn describe_diff(committed: &str, generated: &str) -> String {
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = generated.lines().collect();
    let first = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let show = |lines: &[&str]| {
        lines
            .get(first)
            .map_or("<end of file>".to_string(), |l| l.trim().to_string())
    };
    format!(
        "{} lines committed, {} generated; first difference at line {}: committed `{}`, generated `{}`",
        old.len(),
        new.len(),
        first + 1,
        show(&old),
        show(&new)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn features_go_between_the_markers() {
        let manifest = "[package]\n# BEGIN GENERATED FEATURES\n[features]\nold = []\n# END GENERATED FEATURES\n";
        let new = with_features(manifest, "[features]\nnew = []\n").unwrap();
        assert_eq!(
            new,
            "[package]\n# BEGIN GENERATED FEATURES\n[features]\nnew = []\n# END GENERATED FEATURES\n"
        );
        assert!(with_features("[package]\n", "").is_err());
    }

    #[test]
    fn diffs_name_the_first_differing_line() {
        let d = describe_diff("a\nb\n", "a\nc\n");
        assert!(
            d.contains("line 2") && d.contains("`b`") && d.contains("`c`"),
            "{d}"
        );
    }
}
