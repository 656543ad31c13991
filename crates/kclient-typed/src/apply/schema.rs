//! The structure the extraction of owned fields needs to know about each type: which lists are
//! atomic, sets or maps keyed by some fields, which maps and structs are atomic. It plays the
//! part of the structured-merge-diff schema that client-go embeds in
//! `applyconfigurations/internal/internal.go`, reduced to what [`super::extract`] reads.
//!
//! The generator writes one [`StructSchema`] static per type (next to its apply
//! configuration), listing only the fields that are not plain values.

/// How the elements of a list are told apart (`x-kubernetes-list-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    /// The list is one value: whoever owns it owns all of it (the default for lists).
    Atomic,
    /// A set of scalars: each element is owned on its own (`v:<value>` in managed fields).
    Set,
    /// A map keyed by these fields of its elements (`k:{"name":"web"}` in managed fields).
    Map(&'static [&'static str]),
}

/// The shape of a field, as far as extraction cares.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A plain value (string, number, bool, quantity, time…), or one of unknown structure:
    /// matched by what the field set says.
    Scalar,
    /// A value owned as a whole (`x-kubernetes-map-type: atomic`).
    Atomic,
    /// A struct.
    Struct(&'static StructSchema),
    /// A list of elements of the given shape.
    List(ListType, &'static Shape),
    /// A map whose values each have the given shape, owned key by key.
    Map(&'static Shape),
}

/// The fields of a struct type that are not plain values, and whether the struct is atomic.
#[derive(Debug)]
pub struct StructSchema {
    /// Owned as a whole (`x-kubernetes-map-type: atomic`, Go's `+structType=atomic`).
    pub atomic: bool,
    /// `(JSON name, shape)` of the fields that are structs, lists or maps.
    pub fields: &'static [(&'static str, Shape)],
}

impl StructSchema {
    /// The shape of the field `name` ([`Shape::Scalar`] when not listed).
    pub fn field(&self, name: &str) -> Shape {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Shape::Scalar, |(_, shape)| *shape)
    }
}
