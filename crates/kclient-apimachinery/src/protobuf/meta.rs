//! Protobuf for the `meta/v1` types of this crate (`k8s.io.apimachinery.pkg.apis.meta.v1`,
//! field numbers from its `generated.proto`).

use prost::DecodeError;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{DecodeContext, WireType, skip_field};

use super::field::{ProtoField, context};
use crate::meta::{
    Condition, LabelSelector, LabelSelectorRequirement, ListMeta, ManagedFieldsEntry, ObjectMeta,
    OwnerReference, Preconditions, ShardInfo,
};
use crate::options::{DeleteOptions, PropagationPolicy};
use crate::{GroupResource, Status, StatusCause, StatusDetails, VecMap};

crate::proto_message!(ObjectMeta, "ObjectMeta" {
    1 => name, 2 => generate_name, 3 => namespace, 4 => self_link, 5 => uid,
    6 => resource_version, 7 => generation, 8 => creation_timestamp, 9 => deletion_timestamp,
    10 => deletion_grace_period_seconds, 11 => labels, 12 => annotations,
    13 => owner_references, 14 => finalizers, 17 => managed_fields,
});
crate::proto_message!(ListMeta, "ListMeta" {
    1 => self_link, 2 => resource_version, 3 => continue_, 4 => remaining_item_count,
    5 => shard_info,
});
crate::proto_message!(ShardInfo, "ShardInfo" { 1 => selector });
crate::proto_message!(OwnerReference, "OwnerReference" {
    1 => kind, 3 => name, 4 => uid, 5 => api_version, 6 => controller, 7 => block_owner_deletion,
});
crate::proto_message!(ManagedFieldsEntry, "ManagedFieldsEntry" {
    1 => manager, 2 => operation, 3 => api_version, 4 => time, 6 => fields_type,
    7 => fields_v1, 8 => subresource,
});
crate::proto_message!(LabelSelectorRequirement, "LabelSelectorRequirement" {
    1 => key, 2 => operator, 3 => values,
});
crate::proto_message!(Condition, "Condition" {
    1 => type_, 2 => status, 3 => observed_generation, 4 => last_transition_time,
    5 => reason, 6 => message,
});
crate::proto_message!(StatusCause, "StatusCause" { 1 => reason, 2 => message, 3 => field });
crate::proto_message!(StatusDetails, "StatusDetails" {
    1 => name, 2 => group, 3 => kind, 4 => causes, 5 => retry_after_seconds, 6 => uid,
});
crate::proto_message!(GroupResource, "GroupResource" { 1 => group, 2 => resource });
crate::proto_message!(Preconditions, "Preconditions" { 1 => uid, 2 => resource_version });

/// `LabelSelector.matchLabels` is a `BTreeMap` here; written like any map (sorted keys).
impl prost::Message for LabelSelector {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        labels_map(&self.match_labels).encode_field(1, buf);
        self.match_expressions.encode_field(2, buf);
    }
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => {
                let mut entry: VecMap<String, String> = VecMap::default();
                let result = entry.merge_field(wire, buf, ctx);
                self.match_labels.extend(entry);
                context(result, "LabelSelector", "matchLabels")
            }
            2 => context(
                self.match_expressions.merge_field(wire, buf, ctx),
                "LabelSelector",
                "matchExpressions",
            ),
            _ => skip_field(wire, tag, buf, ctx),
        }
    }
    fn encoded_len(&self) -> usize {
        labels_map(&self.match_labels).field_len(1) + self.match_expressions.field_len(2)
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}
crate::proto_message_field!(LabelSelector);

fn labels_map(map: &std::collections::BTreeMap<String, String>) -> VecMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// `Status`: `kind`/`apiVersion` live in the envelope, `code` is an `int32`.
impl prost::Message for Status {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        crate::meta::ListMeta::default().encode_field(1, buf);
        self.status.encode_field(2, buf);
        self.message.encode_field(3, buf);
        self.reason.encode_field(4, buf);
        self.details.encode_field(5, buf);
        self.code.map(i32::from).encode_field(6, buf);
    }
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let result = match tag {
            2 => self.status.merge_field(wire, buf, ctx),
            3 => self.message.merge_field(wire, buf, ctx),
            4 => self.reason.merge_field(wire, buf, ctx),
            5 => self.details.merge_field(wire, buf, ctx),
            6 => {
                let mut code = 0i32;
                ProtoField::merge_field(&mut code, wire, buf, ctx).and_then(|()| {
                    self.code = Some(u16::try_from(code).map_err(|_| {
                        super::error(format!("HTTP status code {code} is out of range"))
                    })?);
                    Ok(())
                })
            }
            _ => skip_field(wire, tag, buf, ctx),
        };
        context(result, "Status", "")
    }
    fn encoded_len(&self) -> usize {
        crate::meta::ListMeta::default().field_len(1)
            + self.status.field_len(2)
            + self.message.field_len(3)
            + self.reason.field_len(4)
            + self.details.field_len(5)
            + self.code.map(i32::from).field_len(6)
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}
crate::proto_message_field!(Status);

/// `DeleteOptions`: `dryRun` is a list (`["All"]`), the propagation policy a string.
impl prost::Message for DeleteOptions {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        self.grace_period_seconds.encode_field(1, buf);
        self.preconditions.encode_field(2, buf);
        self.orphan_dependents.encode_field(3, buf);
        self.propagation_policy
            .map(|p| p.as_str().to_string())
            .encode_field(4, buf);
        dry_run(self.dry_run).encode_field(5, buf);
        self.ignore_store_read_error_with_cluster_breaking_potential
            .encode_field(6, buf);
    }
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let result = match tag {
            1 => self.grace_period_seconds.merge_field(wire, buf, ctx),
            2 => self.preconditions.merge_field(wire, buf, ctx),
            3 => self.orphan_dependents.merge_field(wire, buf, ctx),
            4 => {
                let mut policy = String::new();
                ProtoField::merge_field(&mut policy, wire, buf, ctx).and_then(|()| {
                    self.propagation_policy = match policy.as_str() {
                        "Orphan" => Some(PropagationPolicy::Orphan),
                        "Background" => Some(PropagationPolicy::Background),
                        "Foreground" => Some(PropagationPolicy::Foreground),
                        "" => None,
                        other => {
                            return Err(super::error(format!(
                                "unknown propagation policy {other:?}"
                            )));
                        }
                    };
                    Ok(())
                })
            }
            5 => {
                let mut values: Vec<String> = Vec::new();
                values.merge_field(wire, buf, ctx).map(|()| {
                    self.dry_run |= values.iter().any(|v| v == "All");
                })
            }
            6 => self
                .ignore_store_read_error_with_cluster_breaking_potential
                .merge_field(wire, buf, ctx),
            _ => skip_field(wire, tag, buf, ctx),
        };
        context(result, "DeleteOptions", "")
    }
    fn encoded_len(&self) -> usize {
        self.grace_period_seconds.field_len(1)
            + self.preconditions.field_len(2)
            + self.orphan_dependents.field_len(3)
            + self
                .propagation_policy
                .map(|p| p.as_str().to_string())
                .field_len(4)
            + dry_run(self.dry_run).field_len(5)
            + self
                .ignore_store_read_error_with_cluster_breaking_potential
                .field_len(6)
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}
crate::proto_message_field!(DeleteOptions);

fn dry_run(on: bool) -> Vec<String> {
    if on {
        vec!["All".to_string()]
    } else {
        Vec::new()
    }
}
