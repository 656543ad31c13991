//! Options of the writing verbs — `CreateOptions`, `UpdateOptions`, `PatchOptions` — plus
//! `FieldValidation` and the `PatchType` (with its content type).

use std::fmt;

use super::{ToQueryParams, push_display, push_dry_run, push_str};

/// How the server treats unknown or duplicate fields in a request body (`fieldValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them and report each in a `Warning` header (the server default since v1.23).
    Warn,
    /// Reject the request with BadRequest.
    Strict,
}

impl FieldValidation {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Ignore => "Ignore",
            FieldValidation::Warn => "Warn",
            FieldValidation::Strict => "Strict",
        }
    }
}

impl fmt::Display for FieldValidation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a PATCH body, which selects its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// RFC 6902 JSON patch: `application/json-patch+json`.
    Json,
    /// RFC 7386 JSON merge patch: `application/merge-patch+json`.
    Merge,
    /// Kubernetes strategic merge patch: `application/strategic-merge-patch+json`.
    Strategic,
    /// Server-side apply: `application/apply-patch+yaml` (JSON is valid YAML).
    Apply,
}

impl PatchType {
    /// The `Content-Type` header value for this patch type.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::Strategic => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }
}

macro_rules! write_options {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        #[must_use]
        pub struct $name {
            /// `dryRun=All`: run every stage but persist nothing.
            pub dry_run: bool,
            /// `fieldManager`: the name recorded as owner of the fields written.
            pub field_manager: Option<String>,
            /// `fieldValidation`: how unknown or duplicate fields are treated.
            pub field_validation: Option<FieldValidation>,
        }

        impl $name {
            /// Asks for a dry run.
            pub fn dry_run(mut self) -> Self {
                self.dry_run = true;
                self
            }

            /// Sets the field manager.
            pub fn field_manager(mut self, manager: impl Into<String>) -> Self {
                self.field_manager = Some(manager.into());
                self
            }

            /// Sets the field validation mode.
            pub fn field_validation(mut self, validation: FieldValidation) -> Self {
                self.field_validation = Some(validation);
                self
            }
        }

        impl ToQueryParams for $name {
            fn query_params(&self, out: &mut Vec<(String, String)>) {
                push_dry_run(out, self.dry_run);
                push_str(out, "fieldManager", self.field_manager.as_deref());
                push_display(out, "fieldValidation", self.field_validation);
            }
        }
    };
}

write_options!(
    /// `metav1.CreateOptions`.
    CreateOptions
);
write_options!(
    /// `metav1.UpdateOptions`.
    UpdateOptions
);

/// `metav1.PatchOptions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct PatchOptions {
    /// `dryRun=All`: run every stage but persist nothing.
    pub dry_run: bool,
    /// `force`: take ownership of conflicting fields (server-side apply only).
    pub force: Option<bool>,
    /// `fieldManager`: required for apply patches.
    pub field_manager: Option<String>,
    /// `fieldValidation`: how unknown or duplicate fields are treated.
    pub field_validation: Option<FieldValidation>,
}

impl PatchOptions {
    /// Options for a server-side apply by `field_manager` (which apply requires).
    pub fn apply(field_manager: impl Into<String>) -> Self {
        Self::default().field_manager(field_manager)
    }

    /// Asks for a dry run.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Forces an apply: conflicting fields are taken over.
    pub fn force(mut self) -> Self {
        self.force = Some(true);
        self
    }

    /// Sets the field manager.
    pub fn field_manager(mut self, manager: impl Into<String>) -> Self {
        self.field_manager = Some(manager.into());
        self
    }

    /// Sets the field validation mode.
    pub fn field_validation(mut self, validation: FieldValidation) -> Self {
        self.field_validation = Some(validation);
        self
    }
}

impl ToQueryParams for PatchOptions {
    fn query_params(&self, out: &mut Vec<(String, String)>) {
        push_dry_run(out, self.dry_run);
        push_display(out, "force", self.force);
        push_str(out, "fieldManager", self.field_manager.as_deref());
        push_display(out, "fieldValidation", self.field_validation);
    }
}

/// The options of a server-side apply (`metav1.ApplyOptions`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct ApplyOptions {
    /// The manager that owns the applied fields (required).
    pub field_manager: String,
    /// Take ownership of fields other managers own instead of failing with a conflict.
    pub force: bool,
    /// Run every stage but persist nothing.
    pub dry_run: bool,
}

impl ApplyOptions {
    /// Options for an apply by `field_manager`.
    pub fn new(field_manager: impl Into<String>) -> Self {
        Self {
            field_manager: field_manager.into(),
            ..Self::default()
        }
    }

    /// Takes over conflicting fields (`force=true`).
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    /// Asks for a dry run.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// The equivalent patch options (`ApplyOptions.ToPatchOptions`).
    pub fn to_patch_options(&self) -> PatchOptions {
        let mut options = PatchOptions::apply(self.field_manager.clone());
        if self.force {
            options = options.force();
        }
        if self.dry_run {
            options = options.dry_run();
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::super::{encode, pairs};
    use super::*;

    #[test]
    fn write_options_encode() {
        assert!(encode(&CreateOptions::default()).is_empty());
        assert!(encode(&UpdateOptions::default()).is_empty());
        assert!(encode(&PatchOptions::default()).is_empty());
        let create = CreateOptions::default()
            .dry_run()
            .field_manager("kclient")
            .field_validation(FieldValidation::Strict);
        assert_eq!(
            encode(&create),
            pairs(&[
                ("dryRun", "All"),
                ("fieldManager", "kclient"),
                ("fieldValidation", "Strict"),
            ])
        );
        let update = UpdateOptions::default().field_validation(FieldValidation::Warn);
        assert_eq!(encode(&update), pairs(&[("fieldValidation", "Warn")]));
        let apply = ApplyOptions::new("mgr")
            .force()
            .dry_run()
            .to_patch_options();
        assert_eq!(apply, PatchOptions::apply("mgr").force().dry_run());
        let patch = PatchOptions::apply("mgr").force().dry_run();
        assert_eq!(
            encode(&patch),
            pairs(&[
                ("dryRun", "All"),
                ("force", "true"),
                ("fieldManager", "mgr")
            ])
        );
        let unforced = PatchOptions {
            force: Some(false),
            ..PatchOptions::default()
        };
        assert_eq!(encode(&unforced), pairs(&[("force", "false")]));
        assert_eq!(FieldValidation::Ignore.to_string(), "Ignore");
    }

    #[test]
    fn patch_content_types() {
        assert_eq!(
            PatchType::Json.content_type(),
            "application/json-patch+json"
        );
        assert_eq!(
            PatchType::Merge.content_type(),
            "application/merge-patch+json"
        );
        assert_eq!(
            PatchType::Strategic.content_type(),
            "application/strategic-merge-patch+json"
        );
        assert_eq!(
            PatchType::Apply.content_type(),
            "application/apply-patch+yaml"
        );
    }
}
