//! `cargo xtask book`: the study guide as one site. Builds the API docs (`cargo doc --workspace
//! --no-deps`), the chapters of `docs/` in English and Chinese (mdBook, configured by
//! `docs/book.toml` and `docs/SUMMARY.md`) into `target/book`, links the API docs under
//! `target/book/api`, and checks every link and anchor of the built chapter pages: a link to a
//! page, file or heading that does not exist fails the build.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// The mdBook release CI installs (`cargo install --locked mdbook@MDBOOK_VERSION`).
pub const MDBOOK_VERSION: &str = "0.5.4";

/// Builds the book into `<root>/target/book` (API docs too unless `skip_api_docs`) and checks
/// its links.
pub fn run(root: &Path, skip_api_docs: bool) -> anyhow::Result<()> {
    let out = root.join("target").join("book");
    let cargo_target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    warn_chapters_missing_from_summary(&root.join("docs"))?;

    if !skip_api_docs {
        println!("== cargo doc --workspace --no-deps");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["doc", "--workspace", "--no-deps"])
            .current_dir(root)
            .status()
            .context("running cargo doc")?;
        if !status.success() {
            bail!("cargo doc --workspace --no-deps failed ({status})");
        }
    }

    println!("== mdbook build docs -> {}", out.display());
    let status = Command::new("mdbook")
        .arg("build")
        .arg(root.join("docs"))
        .arg("--dest-dir")
        .arg(&out)
        .status()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot run mdbook ({e}); install it with `cargo install --locked mdbook@{MDBOOK_VERSION}`"
            )
        })?;
    if !status.success() {
        bail!("mdbook build failed ({status})");
    }

    let api = out.join("api");
    link_api_docs(&cargo_target.join("doc"), &api)?;

    println!("== checking the links of {}", out.display());
    let problems = check_links(&out)?;
    if !problems.is_empty() {
        bail!(
            "{} broken link(s) in the book:\n{}",
            problems.len(),
            problems.into_iter().collect::<Vec<_>>().join("\n")
        );
    }
    println!("book: {}", out.join("index.html").display());
    Ok(())
}

/// Makes `api` point at the `cargo doc` output (a symbolic link on Unix, a copy elsewhere).
fn link_api_docs(doc: &Path, api: &Path) -> anyhow::Result<()> {
    if !doc.join("kclient_rest").join("index.html").exists() {
        bail!(
            "no API docs in {}: run `cargo doc --workspace --no-deps` (or drop --skip-api-docs)",
            doc.display()
        );
    }
    if fs::symlink_metadata(api).is_ok() {
        if api.is_dir() && !fs::symlink_metadata(api)?.file_type().is_symlink() {
            fs::remove_dir_all(api)
        } else {
            fs::remove_file(api)
        }
        .with_context(|| format!("removing the old {}", api.display()))?;
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(doc, api)
            .with_context(|| format!("linking {} to {}", api.display(), doc.display()))
    }
    #[cfg(not(unix))]
    {
        copy_dir(doc, api)
    }
}

#[cfg(not(unix))]
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Prints every chapter under `docs/` that `SUMMARY.md` does not list (it would not be in the
/// book).
fn warn_chapters_missing_from_summary(docs: &Path) -> anyhow::Result<()> {
    let summary = fs::read_to_string(docs.join("SUMMARY.md"))
        .with_context(|| format!("reading {}", docs.join("SUMMARY.md").display()))?;
    for chapter in markdown_files(docs)? {
        let rel = chapter
            .strip_prefix(docs)
            .unwrap_or(&chapter)
            .to_string_lossy()
            .replace('\\', "/");
        if rel != "SUMMARY.md" && !summary.contains(&format!("]({rel})")) {
            eprintln!("warning: docs/{rel} is not listed in docs/SUMMARY.md, so not in the book");
        }
    }
    Ok(())
}

fn markdown_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(markdown_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Every broken `href`/`src` of the book's own pages (not of the API docs under `api/`, which
/// rustdoc checks with `-D warnings`): missing files, and `#anchors` with no element of that id.
pub fn check_links(out: &Path) -> anyhow::Result<BTreeSet<String>> {
    let mut pages = Vec::new();
    collect_html(out, &out.join("api"), &mut pages)?;
    if pages.is_empty() {
        bail!("no HTML pages under {}", out.display());
    }
    let mut ids: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    let mut problems = BTreeSet::new();
    for page in &pages {
        let html =
            fs::read_to_string(page).with_context(|| format!("reading {}", page.display()))?;
        let rel = page.strip_prefix(out).unwrap_or(page).display().to_string();
        // The print page repeats every chapter with rewritten links; the chapters are checked.
        if rel == "print.html" {
            continue;
        }
        let dir = page.parent().unwrap_or(out);
        for link in attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
        {
            if let Some(problem) = check_one(page, dir, &link, &mut ids) {
                problems.insert(format!("{rel}: {problem}"));
            }
        }
    }
    Ok(problems)
}

fn collect_html(dir: &Path, skip: &Path, pages: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if path == skip || entry.file_type()?.is_symlink() {
            continue;
        }
        if path.is_dir() {
            collect_html(&path, skip, pages)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            pages.push(path);
        }
    }
    Ok(())
}

fn check_one(
    page: &Path,
    dir: &Path,
    link: &str,
    ids: &mut HashMap<PathBuf, BTreeSet<String>>,
) -> Option<String> {
    let link = link.replace("&amp;", "&");
    if link.is_empty()
        || link.contains("://")
        // Site-absolute (`/`, the 404 page's way home): depends on where the book is served.
        || link.starts_with('/')
        || link.starts_with("mailto:")
        || link.starts_with("javascript:")
        || link.starts_with("data:")
        || link.contains("{{")
    {
        return None;
    }
    let (path, anchor) = match link.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (link.as_str(), None),
    };
    let path = path.split('?').next().unwrap_or_default();
    let mut target = if path.is_empty() {
        page.to_path_buf()
    } else {
        dir.join(percent_decode(path))
    };
    if target.is_dir() {
        target = target.join("index.html");
    }
    if !target.exists() {
        return Some(format!("`{link}`: {} does not exist", target.display()));
    }
    let anchor = anchor.filter(|a| !a.is_empty())?;
    if target.extension().is_none_or(|e| e != "html") {
        return None;
    }
    let known = ids.entry(target.clone()).or_insert_with(|| {
        fs::read_to_string(&target)
            .map(|html| attribute_values(&html, "id").into_iter().collect())
            .unwrap_or_default()
    });
    let anchor = percent_decode(anchor);
    (!known.contains(&anchor)).then(|| format!("`{link}`: no element with id `{anchor}`"))
}

/// The values of `name="…"` attributes in `html` (double-quoted, as mdBook and rustdoc write).
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_broken_pages_and_anchors() {
        let dir = tempfile_dir();
        fs::write(
            dir.join("index.html"),
            r##"<a href="ok.html#here">x</a> <a href="ok.html#gone">y</a> <a href="missing.html">z</a> <a href="https://example.com/">w</a> <a href="#top">t</a><h1 id="top"></h1>"##,
        )
        .unwrap();
        fs::write(dir.join("ok.html"), r#"<h2 id="here">h</h2>"#).unwrap();
        let problems = check_links(&dir).unwrap();
        let text = problems.iter().cloned().collect::<Vec<_>>().join("\n");
        assert_eq!(problems.len(), 2, "{text}");
        assert!(text.contains("no element with id `gone`"), "{text}");
        assert!(text.contains("missing.html"), "{text}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%E7%BB%83"), "练");
        assert_eq!(percent_decode("100%"), "100%");
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "kclient-book-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}
