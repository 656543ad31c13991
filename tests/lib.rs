//! Integration tests of kclient across crates live in this package's `tests/` targets.
