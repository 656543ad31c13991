//! Tower middleware of the transport stack, one module per concern.
