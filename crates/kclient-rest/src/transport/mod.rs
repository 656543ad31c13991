//! The transport: hyper client, TLS, proxy, and the tower stack built from a `Config`.
