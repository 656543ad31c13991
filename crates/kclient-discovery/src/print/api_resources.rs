//! The table `kubectl api-resources` prints (kubectl v1.32), from preferred resources:
//! filters (`--api-group`, `--namespaced`, `--verbs`, `--categories`), sorting (`--sort-by`),
//! `-o wide`/`-o name` and `--no-headers`, laid out by kubectl's tab writer.

use kclient_apimachinery::GroupVersion;

use super::TabWriter;
use crate::types::{ApiResource, ApiResourceList};

/// The output format (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiResourcesOutput {
    /// NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND.
    #[default]
    Table,
    /// The table plus VERBS and CATEGORIES (`-o wide`).
    Wide,
    /// `resource.group` per line (`-o name`).
    Name,
}

/// The sort order (`--sort-by`); ties are broken by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiResourcesSort {
    /// By API group (kubectl's default).
    #[default]
    Group,
    /// By resource name (`--sort-by=name`).
    Name,
    /// By kind (`--sort-by=kind`).
    Kind,
}

/// The options of `kubectl api-resources` that shape its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiResourcesOptions {
    /// `-o`.
    pub output: ApiResourcesOutput,
    /// `--sort-by`.
    pub sort_by: ApiResourcesSort,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `--api-group`: only this group (`Some("")` is the core group).
    pub api_group: Option<String>,
    /// `--namespaced`: only namespaced (`true`) or cluster-wide (`false`) resources.
    pub namespaced: Option<bool>,
    /// `--verbs`: only resources supporting all of these verbs.
    pub verbs: Vec<String>,
    /// `--categories`: only resources in all of these categories.
    pub categories: Vec<String>,
}

/// One row: the resource with its group and `apiVersion`.
struct Row<'a> {
    group: String,
    api_version: &'a str,
    resource: &'a ApiResource,
}

/// Formats preferred resource lists (as [`crate::Discovery::server_preferred_resources`]
/// returns them) exactly as `kubectl api-resources` prints them.
pub fn api_resources_table(lists: &[ApiResourceList], options: &ApiResourcesOptions) -> String {
    let mut rows = Vec::new();
    for list in lists.iter().filter(|l| !l.resources.is_empty()) {
        let Ok(gv) = GroupVersion::parse(&list.group_version) else {
            continue;
        };
        for resource in &list.resources {
            if keep(&gv, resource, options) {
                rows.push(Row {
                    group: gv.group.clone(),
                    api_version: &list.group_version,
                    resource,
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        let primary = match options.sort_by {
            ApiResourcesSort::Group => a.group.cmp(&b.group),
            ApiResourcesSort::Name => a.resource.name.cmp(&b.resource.name),
            ApiResourcesSort::Kind => a.resource.kind.cmp(&b.resource.kind),
        };
        primary.then_with(|| a.resource.name.cmp(&b.resource.name))
    });

    let mut text = String::new();
    if !options.no_headers && options.output != ApiResourcesOutput::Name {
        text.push_str("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND");
        if options.output == ApiResourcesOutput::Wide {
            text.push_str("\tVERBS\tCATEGORIES");
        }
        text.push('\n');
    }
    for row in &rows {
        let r = row.resource;
        let columns = [
            r.name.as_str(),
            &r.short_names.join(","),
            row.api_version,
            if r.namespaced { "true" } else { "false" },
            &r.kind,
        ]
        .join("\t");
        match options.output {
            ApiResourcesOutput::Name if row.group.is_empty() => text.push_str(&r.name),
            ApiResourcesOutput::Name => {
                text.push_str(&r.name);
                text.push('.');
                text.push_str(&row.group);
            }
            ApiResourcesOutput::Table => text.push_str(&columns),
            ApiResourcesOutput::Wide => {
                text.push_str(&columns);
                text.push('\t');
                text.push_str(&r.verbs.join(","));
                text.push('\t');
                text.push_str(&r.categories.join(","));
            }
        }
        text.push('\n');
    }
    TabWriter::KUBECTL.format(&text)
}

/// kubectl's filters: no verbs means not listed; then group, scope, verbs and categories.
fn keep(gv: &GroupVersion, r: &ApiResource, options: &ApiResourcesOptions) -> bool {
    !r.verbs.is_empty()
        && options.api_group.as_ref().is_none_or(|g| *g == gv.group)
        && options.namespaced.is_none_or(|n| n == r.namespaced)
        && options.verbs.iter().all(|v| r.verbs.contains(v))
        && options.categories.iter().all(|c| r.categories.contains(c))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn list(gv: &str, resources: Vec<ApiResource>) -> ApiResourceList {
        ApiResourceList {
            group_version: gv.into(),
            resources,
            ..ApiResourceList::default()
        }
    }

    fn res(name: &str, kind: &str, namespaced: bool, short: &[&str], cats: &[&str]) -> ApiResource {
        ApiResource {
            name: name.into(),
            kind: kind.into(),
            namespaced,
            verbs: vec!["get".into(), "list".into()],
            short_names: short.iter().map(|s| s.to_string()).collect(),
            categories: cats.iter().map(|s| s.to_string()).collect(),
            ..ApiResource::default()
        }
    }

    fn lists() -> Vec<ApiResourceList> {
        let mut binding = res("bindings", "Binding", true, &[], &[]);
        binding.verbs = vec!["create".into()];
        let mut hidden = res("hidden", "Hidden", true, &[], &[]);
        hidden.verbs.clear();
        vec![
            list(
                "v1",
                vec![res("pods", "Pod", true, &["po"], &["all"]), binding, hidden],
            ),
            list(
                "apps/v1",
                vec![res(
                    "deployments",
                    "Deployment",
                    true,
                    &["deploy"],
                    &["all"],
                )],
            ),
            list(
                "apiextensions.k8s.io/v1",
                vec![res(
                    "customresourcedefinitions",
                    "CustomResourceDefinition",
                    false,
                    &["crd", "crds"],
                    &["api-extensions"],
                )],
            ),
            list("empty/v1", vec![]),
        ]
    }

    #[test]
    fn default_table() {
        let out = api_resources_table(&lists(), &ApiResourcesOptions::default());
        assert_eq!(
            out,
            "\
NAME                        SHORTNAMES   APIVERSION                NAMESPACED   KIND
bindings                                 v1                        true         Binding
pods                        po           v1                        true         Pod
customresourcedefinitions   crd,crds     apiextensions.k8s.io/v1   false        CustomResourceDefinition
deployments                 deploy       apps/v1                   true         Deployment
"
        );
    }

    #[test]
    fn wide_filters_and_names() {
        let wide = ApiResourcesOptions {
            output: ApiResourcesOutput::Wide,
            namespaced: Some(true),
            ..ApiResourcesOptions::default()
        };
        assert_eq!(
            api_resources_table(&lists(), &wide),
            "\
NAME          SHORTNAMES   APIVERSION   NAMESPACED   KIND         VERBS      CATEGORIES
bindings                   v1           true         Binding      create     
pods          po           v1           true         Pod          get,list   all
deployments   deploy       apps/v1      true         Deployment   get,list   all
"
        );
        let names = ApiResourcesOptions {
            output: ApiResourcesOutput::Name,
            sort_by: ApiResourcesSort::Kind,
            verbs: vec!["list".into()],
            ..ApiResourcesOptions::default()
        };
        assert_eq!(
            api_resources_table(&lists(), &names),
            "customresourcedefinitions.apiextensions.k8s.io\ndeployments.apps\npods\n"
        );
        let none = ApiResourcesOptions {
            api_group: Some("nothing".into()),
            ..ApiResourcesOptions::default()
        };
        assert_eq!(
            api_resources_table(&lists(), &none),
            "NAME   SHORTNAMES   APIVERSION   NAMESPACED   KIND\n"
        );
        let core = ApiResourcesOptions {
            api_group: Some(String::new()),
            no_headers: true,
            categories: vec!["all".into()],
            ..ApiResourcesOptions::default()
        };
        assert_eq!(
            api_resources_table(&lists(), &core),
            "pods   po   v1   true   Pod\n"
        );
    }
}
