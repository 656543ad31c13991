//! Finding, reading and parsing kubeconfig files (client-go's `ClientConfigLoadingRules`).
//!
//! `KUBECONFIG` is a path list (`:` on Unix, `;` on Windows); empty entries and files that do not
//! exist are skipped, the rest are merged first-wins. Without `KUBECONFIG`, `~/.kube/config` is
//! used. An explicit path (`--kubeconfig`) is used alone and must exist. Relative paths inside a
//! file are made absolute against that file's directory before merging.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfig;

/// The environment variable holding the kubeconfig path list.
pub const KUBECONFIG_ENV: &str = "KUBECONFIG";

/// Which kubeconfig files to load (client-go's `ClientConfigLoadingRules`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct LoadingRules {
    /// Files to merge, highest priority first. Missing files are skipped.
    pub precedence: Vec<PathBuf>,
    /// A single file to load instead of `precedence` (`--kubeconfig`); it must exist.
    pub explicit_path: Option<PathBuf>,
}

impl LoadingRules {
    /// The rules client-go uses by default: the files of `KUBECONFIG` if it is set and
    /// non-empty, else `$HOME/.kube/config`.
    pub fn from_env() -> Self {
        let kubeconfig = std::env::var_os(KUBECONFIG_ENV);
        let home = home_dir();
        Self::from_env_values(kubeconfig.as_deref(), home.as_deref())
    }

    /// [`LoadingRules::from_env`] with the values of `KUBECONFIG` and the home directory given
    /// explicitly (for tests and embedding).
    pub fn from_env_values(kubeconfig: Option<&OsStr>, home: Option<&Path>) -> Self {
        let precedence = match kubeconfig {
            Some(list) if !list.is_empty() => {
                let mut paths: Vec<PathBuf> = Vec::new();
                for p in std::env::split_paths(list) {
                    if !p.as_os_str().is_empty() && !paths.contains(&p) {
                        paths.push(p);
                    }
                }
                paths
            }
            _ => home
                .map(|h| vec![h.join(".kube").join("config")])
                .unwrap_or_default(),
        };
        Self {
            precedence,
            explicit_path: None,
        }
    }

    /// Uses `path` alone (like `--kubeconfig`), ignoring `precedence`.
    pub fn with_explicit_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.explicit_path = Some(path.into());
        self
    }

    /// Loads and merges the files. Fails if the explicit file is missing, if no file of the
    /// precedence list exists ([`Error::KubeconfigNotFound`]), or if an existing file cannot be
    /// read or parsed.
    pub fn load(&self) -> Result<Kubeconfig> {
        if let Some(path) = &self.explicit_path {
            return Kubeconfig::read_from(path);
        }
        if self.precedence.is_empty() {
            return Err(Error::NoKubeconfigPaths);
        }
        let mut merged: Option<Kubeconfig> = None;
        for path in &self.precedence {
            if let Ok(false) = path.try_exists() {
                tracing::debug!(path = %path.display(), "kubeconfig file does not exist, skipping");
                continue;
            }
            let next = Kubeconfig::read_from(path)?;
            merged = Some(match merged {
                Some(upper) => upper.merge(next),
                None => next,
            });
        }
        merged.ok_or_else(|| Error::KubeconfigNotFound {
            paths: self.precedence.clone(),
        })
    }
}

impl Kubeconfig {
    /// Loads the kubeconfig the default way: `KUBECONFIG`'s files merged, else `~/.kube/config`.
    pub fn load_default() -> Result<Kubeconfig> {
        LoadingRules::from_env().load()
    }

    /// Reads one kubeconfig file. Relative paths in it (`certificate-authority`,
    /// `client-certificate`, `client-key`, `tokenFile`, and an exec `command` containing a path
    /// separator) are made absolute against the file's directory, and every entry records the
    /// file as its origin. The file must exist.
    pub fn read_from(path: impl AsRef<Path>) -> Result<Kubeconfig> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                Error::ExplicitKubeconfigMissing {
                    path: path.to_owned(),
                }
            } else {
                Error::ReadKubeconfig {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        let text = decode_text(&bytes).ok_or_else(|| Error::ReadKubeconfig {
            path: path.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not UTF-8 or UTF-16 text",
            ),
        })?;
        let mut config = parse(&text, Some(path))?;
        let base = absolute_dir(path);
        resolve_relative_paths(&mut config, &base);
        for c in &mut config.clusters {
            c.origin = Some(path.to_owned());
        }
        for u in &mut config.auth_infos {
            u.origin = Some(path.to_owned());
        }
        for c in &mut config.contexts {
            c.origin = Some(path.to_owned());
        }
        Ok(config)
    }

    /// Parses a kubeconfig from YAML (or JSON) text. Paths are left as written.
    pub fn from_yaml(text: &str) -> Result<Kubeconfig> {
        parse(text, None)
    }
}

/// Parses one kubeconfig document. An empty text is an empty kubeconfig, as in client-go.
pub(crate) fn parse(text: &str, path: Option<&Path>) -> Result<Kubeconfig> {
    let options = serde_saphyr::options! { with_snippet: false };
    let docs: Vec<Kubeconfig> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(|source| Error::Parse {
            path: path.map(Path::to_owned),
            location: source.location().map(|l| (l.line(), l.column())),
            source: Box::new(source),
        })?;
    if docs.len() > 1 {
        tracing::warn!(
            path = %path.map(|p| p.display().to_string()).unwrap_or_default(),
            documents = docs.len(),
            "kubeconfig has several YAML documents; only the first is used"
        );
    }
    let config = docs.into_iter().next().unwrap_or_default();
    check_version(&config, path)?;
    check_unique(&config, path)?;
    Ok(config)
}

fn check_version(config: &Kubeconfig, path: Option<&Path>) -> Result<()> {
    let checks = [
        ("apiVersion", config.api_version.as_deref(), "v1"),
        ("kind", config.kind.as_deref(), "Config"),
    ];
    for (field, value, expected) in checks {
        if let Some(value) = value
            && value != expected
        {
            return Err(Error::UnsupportedKubeconfigVersion {
                path: path.map(Path::to_owned),
                field,
                value: value.to_owned(),
                expected,
            });
        }
    }
    Ok(())
}

fn check_unique(config: &Kubeconfig, path: Option<&Path>) -> Result<()> {
    let lists: [(&'static str, Vec<&String>); 4] = [
        ("cluster", config.clusters.iter().map(|c| &c.name).collect()),
        ("user", config.auth_infos.iter().map(|u| &u.name).collect()),
        ("context", config.contexts.iter().map(|c| &c.name).collect()),
        (
            "extension",
            config.extensions.iter().map(|e| &e.name).collect(),
        ),
    ];
    for (kind, names) in lists {
        let mut seen = std::collections::BTreeSet::new();
        for name in names {
            if !seen.insert(name) {
                return Err(Error::DuplicateName {
                    path: path.map(Path::to_owned),
                    kind,
                    name: name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Makes the file references of every cluster and user absolute against `base`.
pub(crate) fn resolve_relative_paths(config: &mut Kubeconfig, base: &Path) {
    for c in &mut config.clusters {
        resolve(&mut c.cluster.certificate_authority, base);
    }
    for u in &mut config.auth_infos {
        let a = &mut u.auth_info;
        resolve(&mut a.client_certificate, base);
        resolve(&mut a.client_key, base);
        resolve(&mut a.token_file, base);
        if let Some(exec) = &mut a.exec
            && exec.command.chars().any(std::path::is_separator)
        {
            let mut command = Some(std::mem::take(&mut exec.command));
            resolve(&mut command, base);
            exec.command = command.unwrap_or_default();
        }
    }
}

fn resolve(field: &mut Option<String>, base: &Path) {
    if let Some(p) = field
        && !p.is_empty()
        && Path::new(p.as_str()).is_relative()
    {
        *p = base.join(p.as_str()).to_string_lossy().into_owned();
    }
}

fn absolute_dir(file: &Path) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned())
}

/// Decodes UTF-8 (with or without BOM) and BOM-marked UTF-16 text.
fn decode_text(bytes: &[u8]) -> Option<String> {
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| {
                let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).ok(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => String::from_utf8(bytes.to_vec()).ok(),
    }
}

/// The home directory as client-go finds it: `$HOME`, or `%USERPROFILE%` on Windows (the one
/// lookup every crate uses: the kubeconfig's `~/.kube/config`, the discovery cache).
pub fn home_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    #[cfg(windows)]
    let home = home.or_else(|| std::env::var_os("USERPROFILE").filter(|h| !h.is_empty()));
    home.map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn env_list_skips_empty_and_duplicates() {
        let list = std::env::join_paths(["/a/one", "", "/b/two", "/a/one"]).unwrap();
        let rules = LoadingRules::from_env_values(Some(&list), Some(Path::new("/home/u")));
        assert_eq!(
            rules.precedence,
            [PathBuf::from("/a/one"), PathBuf::from("/b/two")]
        );
    }

    #[test]
    fn default_is_home_kube_config() {
        let rules = LoadingRules::from_env_values(Some(OsStr::new("")), Some(Path::new("/h")));
        assert_eq!(rules.precedence, [PathBuf::from("/h/.kube/config")]);
        let rules = LoadingRules::from_env_values(None, None);
        assert!(rules.precedence.is_empty());
        assert!(matches!(rules.load(), Err(Error::NoKubeconfigPaths)));
    }

    #[test]
    fn relative_paths_resolved_against_base() {
        let mut config = Kubeconfig::from_yaml(
            "clusters:\n- name: c\n  cluster:\n    certificate-authority: ca.crt\n\
             users:\n- name: u\n  user:\n    client-certificate: certs/u.crt\n    client-key: /abs/u.key\n    tokenFile: tok\n    exec:\n      command: ./bin/plugin\n- name: v\n  user:\n    exec:\n      command: plugin-on-path\n",
        )
        .unwrap();
        resolve_relative_paths(&mut config, Path::new("/base"));
        let c = &config.clusters[0].cluster;
        assert_eq!(c.certificate_authority.as_deref(), Some("/base/ca.crt"));
        let u = &config.auth_infos[0].auth_info;
        assert_eq!(u.client_certificate.as_deref(), Some("/base/certs/u.crt"));
        assert_eq!(u.client_key.as_deref(), Some("/abs/u.key"));
        assert_eq!(u.token_file.as_deref(), Some("/base/tok"));
        assert_eq!(
            u.exec.as_ref().unwrap().command,
            Path::new("/base").join("./bin/plugin").to_string_lossy()
        );
        let v = &config.auth_infos[1].auth_info;
        assert_eq!(v.exec.as_ref().unwrap().command, "plugin-on-path");
    }

    #[test]
    fn decodes_boms() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa: b").unwrap(), "a: b");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: b".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_text(&le).unwrap(), "a: b");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a: b".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_text(&be).unwrap(), "a: b");
        assert!(decode_text(b"\xFF\xFF\xFF").is_none());
    }

    #[test]
    fn version_and_duplicates_checked() {
        let e = Kubeconfig::from_yaml("apiVersion: v2\n").unwrap_err();
        assert!(
            e.to_string().contains("unsupported apiVersion \"v2\""),
            "{e}"
        );
        let e = Kubeconfig::from_yaml("kind: Pod\n").unwrap_err();
        assert!(e.to_string().contains("unsupported kind \"Pod\""), "{e}");
        let e = Kubeconfig::from_yaml("users:\n- name: a\n- name: a\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "kubeconfig (from string): duplicate user name \"a\""
        );
    }

    #[test]
    fn scalars_read_as_strings() {
        let k = Kubeconfig::from_yaml(
            "users:\n- name: u\n  user:\n    token: 12345\n    as-uid: 42\n    as-groups: [7]\n",
        )
        .unwrap();
        let u = &k.auth_infos[0].auth_info;
        assert_eq!(u.impersonate_uid.as_deref(), Some("42"));
        assert_eq!(u.impersonate_groups, ["7"]);
        assert!(u.token.is_some());
    }

    #[test]
    fn empty_and_null_sections() {
        assert!(Kubeconfig::from_yaml("").unwrap().is_empty());
        assert!(
            Kubeconfig::from_yaml("# just a comment\n")
                .unwrap()
                .is_empty()
        );
        let k = Kubeconfig::from_yaml(
            "apiVersion: v1\nkind: Config\nclusters: null\nusers:\ncontexts: []\npreferences: {}\ncurrent-context: \"\"\n",
        )
        .unwrap();
        assert!(k.is_empty());
    }
}
