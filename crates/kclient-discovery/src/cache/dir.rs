//! Where kubectl keeps its discovery cache, and the name it gives each server's directory. Pure
//! functions (the environment is passed in), so they are tested without touching the disk.

use kclient_config::home_dir;
use std::path::{Component, Path, PathBuf};

/// The discovery cache root kubectl uses: `$KUBECACHEDIR/discovery`, else
/// `~/.kube/cache/discovery`. `None` when neither `KUBECACHEDIR` nor a home directory is known.
pub fn default_discovery_cache_root() -> Option<PathBuf> {
    cache_root_from(
        std::env::var_os("KUBECACHEDIR").map(PathBuf::from),
        home_dir(),
    )
}

/// [`default_discovery_cache_root`] with the environment given.
pub fn cache_root_from(kubecachedir: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    let cache = match kubecachedir.filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir,
        None => home?.join(".kube").join("cache"),
    };
    Some(cache.join("discovery"))
}

/// The directory of one server under `root`, named as kubectl names it
/// (`computeDiscoverCacheDir`): the first `https://` and `http://` are removed, then every
/// character other than ASCII letters, digits, `_`, `/`, `.`, `(` and `)` becomes `_`.
/// So `https://127.0.0.1:6443` is `127.0.0.1_6443` and `https://my-api.example:443/prefix` is
/// `my_api.example_443/prefix`. Path components `.` and `..` are dropped, so the result always
/// stays under `root`.
pub fn cache_dir_for_host(root: &Path, host: &str) -> PathBuf {
    let schemeless = host.replacen("https://", "", 1).replacen("http://", "", 1);
    let safe: String = schemeless
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut dir = root.to_path_buf();
    for component in Path::new(&safe).components() {
        if let Component::Normal(part) = component {
            dir.push(part);
        }
    }
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_directories_match_kubectl() {
        let root = Path::new("/c");
        let d = |h| cache_dir_for_host(root, h);
        assert_eq!(d("https://127.0.0.1:6443"), Path::new("/c/127.0.0.1_6443"));
        assert_eq!(d("http://localhost:8080"), Path::new("/c/localhost_8080"));
        assert_eq!(
            d("https://my-api.example.com:443/prefix"),
            Path::new("/c/my_api.example.com_443/prefix")
        );
        assert_eq!(d("https://[::1]:6443"), Path::new("/c/___1__6443"));
        assert_eq!(d("10.0.0.1"), Path::new("/c/10.0.0.1"));
        assert_eq!(d("https://h/../../etc"), Path::new("/c/h/etc"));
    }

    #[test]
    fn root_from_environment() {
        assert_eq!(
            cache_root_from(Some("/k".into()), Some("/home/u".into())),
            Some(PathBuf::from("/k/discovery"))
        );
        assert_eq!(
            cache_root_from(None, Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.kube/cache/discovery"))
        );
        assert_eq!(
            cache_root_from(Some("".into()), Some("/h".into())),
            Some(PathBuf::from("/h/.kube/cache/discovery"))
        );
        assert_eq!(cache_root_from(None, None), None);
    }
}
