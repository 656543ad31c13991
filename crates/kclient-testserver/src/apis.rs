//! The group/versions a server serves: by default what a v1.36 kube-apiserver with default
//! flags serves (every GA version, no beta or alpha: `DefaultAPIResourceConfigSource` of
//! `pkg/controlplane/instance.go`), changed by `--runtime-config` in the real flag's syntax
//! (`k8s.io/apiserver/pkg/server/resourceconfig/helpers.go`, `MergeAPIResourceConfigs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

use crate::generated::resources::GROUPS;
use crate::tables::{ApiGroup, ApiResource, ApiVersion};

/// Whether a version is GA (`^v\d+$`), beta or alpha.
fn stability(version: &str) -> &'static str {
    let Some(rest) = version.strip_prefix('v') else {
        return "";
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    match &rest[digits..] {
        "" if digits > 0 => "ga",
        s if s.starts_with("beta") => "beta",
        s if s.starts_with("alpha") => "alpha",
        _ => "",
    }
}

/// Which group/versions (and, for `group/version/resource` keys, which resources) are served.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Config {
    /// Served (group, version) pairs, each with the resources left out.
    served: BTreeMap<(String, String), BTreeSet<String>>,
}

/// The served API set of one server.
#[derive(Debug, Clone, Copy)]
pub struct ApiSet {
    groups: &'static [ApiGroup],
}

impl Default for ApiSet {
    fn default() -> Self {
        Self::from_config(&Config::default_config())
    }
}

impl Config {
    fn default_config() -> Self {
        let mut served = BTreeMap::new();
        for g in GROUPS {
            for v in g.versions {
                if stability(v.version) == "ga" {
                    served.insert((g.name.to_string(), v.version.to_string()), BTreeSet::new());
                }
            }
        }
        Config { served }
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "" => Ok(true),
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!(
            "invalid value of {key}: {value}, err: strconv.ParseBool: parsing {value:?}: invalid syntax"
        )),
    }
}

impl ApiSet {
    /// The set `--runtime-config=<spec>` selects on top of the defaults: comma-separated
    /// `key=value` pairs (an empty value means `true`); `api/all`, `api/ga`, `api/beta`,
    /// `api/alpha` first, then `group/version` (`v1` or `api/v1` for the core group), then
    /// `group/version/resource`. Unknown groups are ignored (they may belong to another
    /// server); unknown versions of known groups are errors, as in the real server.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut pairs: BTreeMap<String, String> = BTreeMap::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let mut key = k.trim().to_string();
            if key == "v1"
                || key == "api/v1"
                || key.starts_with("v1/")
                || key.starts_with("api/v1/")
            {
                key = "/v1".into();
            }
            if key == "api/legacy" {
                continue;
            }
            pairs.insert(key, v.trim().to_string());
        }
        if pairs.len() == 1 && pairs.get("api/all").map(String::as_str) == Some("false") {
            return Err("invalid runtime-config with only api/all=false".into());
        }
        let all: Vec<(String, String)> = GROUPS
            .iter()
            .flat_map(|g| {
                g.versions
                    .iter()
                    .map(|v| (g.name.to_string(), v.version.to_string()))
            })
            .collect();
        let mut cfg = Config::default_config();
        let set_where = |cfg: &mut Config, on: bool, pred: &dyn Fn(&str) -> bool| {
            for gv in all.iter().filter(|(_, v)| pred(v)) {
                if on {
                    cfg.served.entry(gv.clone()).or_default();
                } else {
                    cfg.served.remove(gv);
                }
            }
        };
        for (key, pred) in [
            ("api/all", (|_: &str| true) as fn(&str) -> bool),
            ("api/ga", |v| stability(v) == "ga"),
            ("api/beta", |v| stability(v) == "beta"),
            ("api/alpha", |v| stability(v) == "alpha"),
        ] {
            match pairs.get(key).map(String::as_str) {
                Some("true") | Some("") => set_where(&mut cfg, true, &pred),
                Some("false") => set_where(&mut cfg, false, &pred),
                _ => {}
            }
        }
        let mut resources: Vec<(String, String, String, bool)> = Vec::new();
        for (key, value) in &pairs {
            if key.starts_with("api/") && key != "api/v1" {
                continue;
            }
            let parts: Vec<&str> = key.split('/').collect();
            let (group, version, resource) = match parts.as_slice() {
                [g, v] => (*g, *v, None),
                [g, v, r] => (*g, *v, Some(*r)),
                _ => return Err(format!("invalid key {key}")),
            };
            let Some(known) = GROUPS.iter().find(|g| g.name == group) else {
                continue;
            };
            if !known.versions.iter().any(|v| v.version == version) {
                return Err(format!(
                    "group version {group}/{version} that has not been registered"
                ));
            }
            let on = parse_bool(key, value)?;
            let gv = (group.to_string(), version.to_string());
            match resource {
                None if on => {
                    cfg.served.entry(gv).or_default();
                }
                None => {
                    cfg.served.remove(&gv);
                }
                Some(r) => resources.push((gv.0, gv.1, r.to_string(), on)),
            }
        }
        for (group, version, resource, on) in resources {
            let gv = (group.clone(), version.clone());
            let Some(v) = crate::registry::group_version(&group, &version) else {
                continue;
            };
            if on {
                // A resource of an otherwise off group/version turns on only that resource.
                let others: BTreeSet<String> = v
                    .resources
                    .iter()
                    .map(|r| r.name.to_string())
                    .filter(|n| *n != resource)
                    .collect();
                match cfg.served.get_mut(&gv) {
                    Some(left_out) => {
                        left_out.remove(&resource);
                    }
                    None => {
                        cfg.served.insert(gv, others);
                    }
                }
            } else if let Some(left_out) = cfg.served.get_mut(&gv) {
                left_out.insert(resource);
            }
        }
        Ok(Self::from_config(&cfg))
    }

    fn from_config(cfg: &Config) -> Self {
        static CACHE: OnceLock<Mutex<BTreeMap<Config, &'static [ApiGroup]>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(groups) = cache.get(cfg) {
            return ApiSet { groups };
        }
        let mut groups = Vec::new();
        for g in GROUPS {
            let mut versions = Vec::new();
            for v in g.versions {
                let Some(left_out) = cfg.served.get(&(g.name.to_string(), v.version.to_string()))
                else {
                    continue;
                };
                let resources: &'static [ApiResource] = if left_out.is_empty() {
                    v.resources
                } else {
                    Box::leak(
                        v.resources
                            .iter()
                            .filter(|r| !left_out.contains(r.name))
                            .copied()
                            .collect::<Vec<_>>()
                            .into_boxed_slice(),
                    )
                };
                versions.push(ApiVersion {
                    version: v.version,
                    resources,
                });
            }
            let Some(first) = versions.first() else {
                continue;
            };
            let preferred_version = if versions.iter().any(|v| v.version == g.preferred_version) {
                g.preferred_version
            } else {
                first.version
            };
            groups.push(ApiGroup {
                name: g.name,
                preferred_version,
                versions: Box::leak(versions.into_boxed_slice()),
            });
        }
        let groups: &'static [ApiGroup] = Box::leak(groups.into_boxed_slice());
        cache.insert(cfg.clone(), groups);
        ApiSet { groups }
    }

    /// Every built-in group/version: what `api/all=true` serves.
    #[cfg(test)]
    pub fn all() -> Self {
        ApiSet { groups: GROUPS }
    }

    /// The served built-in groups, each with its served versions in preference order.
    pub fn groups(&self) -> &'static [ApiGroup] {
        self.groups
    }

    /// The served group, if any.
    pub fn group(&self, name: &str) -> Option<&'static ApiGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The served group/version, if any.
    pub fn version(&self, group: &str, version: &str) -> Option<&'static ApiVersion> {
        self.group(group)?
            .versions
            .iter()
            .find(|v| v.version == version)
    }

    /// Whether `resource` of group/version is served.
    pub fn serves(&self, group: &str, version: &str, resource: &str) -> bool {
        self.version(group, version)
            .is_some_and(|v| v.resources.iter().any(|r| r.name == resource))
    }

    /// A key telling sets apart (for caching documents built from them).
    pub fn id(&self) -> usize {
        self.groups.as_ptr() as usize
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn gvs(set: &ApiSet) -> Vec<String> {
        let mut out: Vec<String> = set
            .groups()
            .iter()
            .flat_map(|g| {
                g.versions.iter().map(|v| {
                    if g.name.is_empty() {
                        v.version.to_string()
                    } else {
                        format!("{}/{}", g.name, v.version)
                    }
                })
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_default_set_is_what_a_real_server_serves() {
        assert_eq!(
            gvs(&ApiSet::default()),
            [
                "admissionregistration.k8s.io/v1",
                "apiextensions.k8s.io/v1",
                "apiregistration.k8s.io/v1",
                "apps/v1",
                "authentication.k8s.io/v1",
                "authorization.k8s.io/v1",
                "autoscaling/v1",
                "autoscaling/v2",
                "batch/v1",
                "certificates.k8s.io/v1",
                "coordination.k8s.io/v1",
                "discovery.k8s.io/v1",
                "events.k8s.io/v1",
                "flowcontrol.apiserver.k8s.io/v1",
                "networking.k8s.io/v1",
                "node.k8s.io/v1",
                "policy/v1",
                "rbac.authorization.k8s.io/v1",
                "resource.k8s.io/v1",
                "scheduling.k8s.io/v1",
                "storage.k8s.io/v1",
                "v1",
            ]
        );
    }

    #[test]
    fn runtime_config_follows_the_real_syntax() {
        assert_eq!(
            gvs(&ApiSet::parse("api/all=true").unwrap()),
            gvs(&ApiSet::all())
        );
        let one = ApiSet::parse("storagemigration.k8s.io/v1beta1=true,batch/v1=false").unwrap();
        let got = gvs(&one);
        assert!(got.contains(&"storagemigration.k8s.io/v1beta1".to_string()));
        assert!(!got.contains(&"batch/v1".to_string()));
        let beta = ApiSet::parse("api/beta=true, networking.k8s.io/v1beta1=false").unwrap();
        assert!(beta.version("resource.k8s.io", "v1beta1").is_some());
        assert!(beta.version("networking.k8s.io", "v1beta1").is_none());
        assert!(beta.version("coordination.k8s.io", "v1alpha2").is_none());
        // The core group's spellings; unknown groups are skipped.
        assert!(
            ApiSet::parse("api/v1=false,example.com/v1=true")
                .unwrap()
                .group("")
                .is_none()
        );
        let r = ApiSet::parse("apps/v1/deployments=false").unwrap();
        assert!(!r.serves("apps", "v1", "deployments"));
        assert!(r.serves("apps", "v1", "replicasets"));
        assert_eq!(
            ApiSet::parse("apps/v9=true").unwrap_err(),
            "group version apps/v9 that has not been registered"
        );
        assert_eq!(
            ApiSet::parse("api/all=false").unwrap_err(),
            "invalid runtime-config with only api/all=false"
        );
        assert!(
            ApiSet::parse("batch/v1=maybe")
                .unwrap_err()
                .starts_with("invalid value of batch/v1: maybe")
        );
    }
}
