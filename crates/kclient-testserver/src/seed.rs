//! Objects to create when a server starts (`TestServerBuilder::seed_path`/`seed_yaml`,
//! `--seed`): reading files and directories (`*.yaml`, `*.yml`, `*.json`, in name order),
//! splitting YAML streams into documents as kubectl does (`---` lines), expanding `List`s,
//! and ordering the documents so namespaces come first and CRDs before everything else.
//! Creating them is `api::seed`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Error;

/// Where seed objects come from.
#[derive(Clone)]
pub enum Source {
    /// A file, or a directory whose `*.yaml`, `*.yml` and `*.json` files are read in name order.
    Path(PathBuf),
    /// YAML (or JSON) text.
    Text(String),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(p) => f.debug_tuple("Path").field(p).finish(),
            // The text may hold Secrets: show its size only.
            Self::Text(t) => write!(f, "Text({} bytes)", t.len()),
        }
    }
}

/// One object to create, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// `seed file <path>` or `seed text <n>`.
    pub origin: String,
    /// The 1-based document number in its file (counting `---` separated documents).
    pub index: usize,
    /// The 1-based item number when the document is a `List`.
    pub item: Option<usize>,
    /// The object.
    pub object: Value,
}

impl Document {
    /// `seed file x.yaml, document 3` (`, item 2` for a List item).
    pub fn location(&self) -> String {
        let mut s = format!("{}, document {}", self.origin, self.index);
        if let Some(item) = self.item {
            s.push_str(&format!(", item {item}"));
        }
        s
    }

    /// A string field of the object (`apiVersion`, `kind`).
    pub fn field(&self, name: &str) -> &str {
        self.object.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// Which creation phase the object belongs to: namespaces, then CRDs, then the rest.
    fn phase(&self) -> u8 {
        match (self.field("apiVersion"), self.field("kind")) {
            ("v1", "Namespace") => 0,
            (av, "CustomResourceDefinition") if av.starts_with("apiextensions.k8s.io/") => 1,
            _ => 2,
        }
    }
}

/// Reads and parses every source, in order, then orders the documents for creation.
pub fn load(sources: &[Source]) -> Result<Vec<Document>, Error> {
    let mut docs = Vec::new();
    let mut texts = 0;
    for source in sources {
        match source {
            Source::Text(text) => {
                texts += 1;
                docs.extend(parse(&format!("seed text {texts}"), text, false)?);
            }
            Source::Path(path) => {
                for file in files_of(path)? {
                    let text =
                        std::fs::read_to_string(&file).map_err(|source| Error::SeedRead {
                            path: file.clone(),
                            source,
                        })?;
                    let json = file.extension().is_some_and(|e| e == "json");
                    let origin = format!("seed file {}", file.display());
                    docs.extend(parse(&origin, &text, json)?);
                }
            }
        }
    }
    Ok(order(docs))
}

/// `path` itself, or the seed files of the directory `path`, sorted by name.
fn files_of(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let read_err = |source| Error::SeedRead {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(read_err)? {
        let p = entry.map_err(read_err)?.path();
        let seed_ext = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
        if seed_ext && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// The documents of one file or text: a JSON stream when `json`, else YAML documents
/// separated by `---` lines. Empty documents are skipped but counted.
pub fn parse(origin: &str, text: &str, json: bool) -> Result<Vec<Document>, Error> {
    let mut values = Vec::new();
    let at = |index: usize| format!("{origin}, document {index}");
    if json {
        let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        for (i, v) in stream.enumerate() {
            let v = v.map_err(|e| Error::SeedSyntax {
                at: at(i + 1),
                format: "JSON",
                source: Box::new(e),
            })?;
            values.push((i + 1, v));
        }
    } else {
        for (i, chunk) in split_yaml(text).into_iter().enumerate() {
            let options = serde_saphyr::options! { with_snippet: false };
            let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(chunk, options)
                .map_err(|e| Error::SeedSyntax {
                    at: at(i + 1),
                    format: "YAML",
                    source: Box::new(e),
                })?;
            values.extend(docs.into_iter().map(|v| (i + 1, v)));
        }
    }
    let mut out = Vec::new();
    for (index, value) in values {
        if value.is_null() {
            continue;
        }
        let doc = Document {
            origin: origin.to_string(),
            index,
            item: None,
            object: value,
        };
        if !doc.object.is_object() {
            return Err(Error::Seed {
                at: doc.location(),
                reason: "not an object (a mapping with apiVersion, kind and metadata)".into(),
            });
        }
        out.extend(expand_list(doc)?);
    }
    Ok(out)
}

/// Splits a YAML stream at lines starting with `---` (followed by nothing, a space or a
/// comment), as kubectl's YAML reader does.
fn split_yaml(text: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let rest = line.strip_prefix("---").map(str::trim);
        if rest.is_some_and(|r| r.is_empty() || r.starts_with('#')) {
            chunks.push(&text[start..pos]);
            start = pos + line.len();
        }
        pos += line.len();
    }
    chunks.push(&text[start..]);
    // A leading `---` opens the first document rather than ending an empty one.
    if chunks.len() > 1 && chunks[0].trim().is_empty() && text.trim_start().starts_with("---") {
        chunks.remove(0);
    }
    chunks
}

/// A `List` (`kind: List`, or `<Kind>List` with `items`) becomes its items; items of a typed
/// list get the list's `apiVersion` and item kind when they have none.
fn expand_list(doc: Document) -> Result<Vec<Document>, Error> {
    let kind = doc.field("kind").to_string();
    let items = match doc.object.get("items") {
        Some(Value::Array(items)) if kind.ends_with("List") => items.clone(),
        _ => return Ok(vec![doc]),
    };
    let item_kind = kind.strip_suffix("List").unwrap_or_default().to_string();
    let api_version = doc.field("apiVersion").to_string();
    let mut out = Vec::new();
    for (i, mut item) in items.into_iter().enumerate() {
        let at = Document {
            item: Some(i + 1),
            ..doc.clone()
        };
        let Some(obj) = item.as_object_mut() else {
            return Err(Error::Seed {
                at: at.location(),
                reason: "a List item is not an object".into(),
            });
        };
        if !item_kind.is_empty() {
            obj.entry("apiVersion")
                .or_insert_with(|| Value::String(api_version.clone()));
            obj.entry("kind")
                .or_insert_with(|| Value::String(item_kind.clone()));
        }
        out.push(Document { object: item, ..at });
    }
    Ok(out)
}

/// Namespaces first, then CRDs, then everything else; each group in its original order.
fn order(mut docs: Vec<Document>) -> Vec<Document> {
    docs.sort_by_key(Document::phase);
    docs
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn yaml_streams_split_like_kubectl() {
        assert_eq!(split_yaml("a: 1\n---\nb: 2\n"), ["a: 1\n", "b: 2\n"]);
        assert_eq!(split_yaml("---\na: 1\n--- # two\nb: 2"), ["a: 1\n", "b: 2"]);
        assert_eq!(
            split_yaml("a: |\n  ---\n---x: 1\n"),
            ["a: |\n  ---\n---x: 1\n"]
        );
        assert_eq!(split_yaml("a: 1\n---\n---\nb: 2\n").len(), 3);
    }

    #[test]
    fn documents_lists_and_numbering() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n\
            apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n\
            - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n";
        let docs = parse("seed text 1", text, false).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].location(), "seed text 1, document 1");
        assert_eq!(docs[1].location(), "seed text 1, document 3, item 1");
        assert_eq!(docs[2].object["metadata"]["name"], "b");
        let typed = r#"{"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"metadata": {"name": "c"}}]}
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}"#;
        let docs = parse("seed file x.json", typed, true).unwrap();
        assert_eq!(docs[0].object["kind"], "ConfigMap");
        assert_eq!(docs[0].object["apiVersion"], "v1");
        assert_eq!(docs[1].location(), "seed file x.json, document 2");
    }

    #[test]
    fn bad_documents_say_where() {
        let err = parse("seed file x.yaml", "a: 1\n---\nb: [\n", false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "seed file x.yaml, document 2: not valid YAML"
        );
        let err = parse("seed file x.yaml", "- 1\n", false).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("seed file x.yaml, document 1: not an object")
        );
        let err = parse("seed file x.json", "{\"a\": }", true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "seed file x.json, document 1: not valid JSON"
        );
        let err = parse("t", "kind: List\nitems: [1]\n", false).unwrap_err();
        assert!(
            err.to_string().starts_with("t, document 1, item 1:"),
            "{err}"
        );
    }

    #[test]
    fn namespaces_then_crds_then_the_rest() {
        let doc = |av: &str, kind: &str, name: &str| Document {
            origin: "t".into(),
            index: 1,
            item: None,
            object: json!({"apiVersion": av, "kind": kind, "metadata": {"name": name}}),
        };
        let docs = order(vec![
            doc("example.com/v1", "Widget", "w"),
            doc("v1", "ConfigMap", "c"),
            doc("apiextensions.k8s.io/v1", "CustomResourceDefinition", "d"),
            doc("v1", "Namespace", "n1"),
            doc("v1", "Namespace", "n2"),
        ]);
        let names: Vec<&str> = docs
            .iter()
            .map(|d| d.object["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["n1", "n2", "d", "w", "c"]);
    }

    #[test]
    fn files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.yaml"), "kind: B\n").unwrap();
        std::fs::write(dir.path().join("a.json"), "{\"kind\": \"A\"}").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        std::fs::write(dir.path().join("c.yml"), "kind: C\n").unwrap();
        let docs = load(&[Source::Path(dir.path().to_path_buf())]).unwrap();
        let kinds: Vec<&str> = docs.iter().map(|d| d.field("kind")).collect();
        assert_eq!(kinds, ["A", "B", "C"]);
        assert!(docs[0].origin.ends_with("a.json"));
        let missing = dir.path().join("nope.yaml");
        let err = load(&[Source::Path(missing)]).unwrap_err();
        assert!(
            err.to_string().starts_with("cannot read seed path "),
            "{err}"
        );
        assert_eq!(
            format!("{:?}", Source::Text("secret".into())),
            "Text(6 bytes)"
        );
    }
}
