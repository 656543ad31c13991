//! [`InformerOptions`]: resync, indexers, reflector options and queue sizes of an informer.

use std::time::Duration;

use super::listener::DEFAULT_HANDLER_BUFFER;
use crate::delta_fifo::DEFAULT_FIFO_CAPACITY;
use crate::reflector::{ReflectorOptions, TransformFunc};
use crate::store::Indexers;

/// Options of a [`SharedInformer`](super::SharedInformer).
#[must_use]
pub struct InformerOptions<T> {
    /// The default resync period of handlers (`None`: never resync). Default `None`.
    pub resync: Option<Duration>,
    /// Index functions besides the namespace index, which every informer store has.
    pub indexers: Indexers<T>,
    /// Options of the reflector (selectors, page size, backoff, streaming lists).
    pub reflector: ReflectorOptions,
    /// The capacity of the delta FIFO, in entries. Default [`DEFAULT_FIFO_CAPACITY`].
    pub fifo_capacity: usize,
    /// The buffer of each handler before coalescing starts. Default [`DEFAULT_HANDLER_BUFFER`].
    pub handler_buffer: usize,
    /// Applied to every object before it is stored or handed to handlers (client-go's
    /// `SetTransform`). Default `None`.
    pub transform: Option<TransformFunc<T>>,
}

impl<T> Default for InformerOptions<T> {
    fn default() -> Self {
        Self {
            resync: None,
            indexers: Indexers::new(),
            reflector: ReflectorOptions::default(),
            fifo_capacity: DEFAULT_FIFO_CAPACITY,
            handler_buffer: DEFAULT_HANDLER_BUFFER,
            transform: None,
        }
    }
}

impl<T> std::fmt::Debug for InformerOptions<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InformerOptions")
            .field("resync", &self.resync)
            .field("indexers", &self.indexers.keys().collect::<Vec<_>>())
            .field("reflector", &self.reflector)
            .field("fifo_capacity", &self.fifo_capacity)
            .field("handler_buffer", &self.handler_buffer)
            .field("transform", &self.transform.is_some())
            .finish()
    }
}
