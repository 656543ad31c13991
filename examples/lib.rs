//! Examples of kclient, one file per program; this library is empty and exists only so that the
//! examples have a package. Run one with `cargo run --example <name>` from the repository root.
