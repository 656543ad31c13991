//! [`ShutdownHandle`]: a cloneable cancellation signal that stops informers, factories, leader
//! electors and event recorders (the role of a Go `context.Context` cancel / stop channel).

use std::sync::Arc;

use tokio::sync::watch;

/// A cancellation signal shared by clones: once [`shutdown`](Self::shutdown) is called on any
/// clone, every clone reports [`is_shutdown`](Self::is_shutdown) and every
/// [`cancelled`](Self::cancelled) future completes. It never resets.
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for ShutdownHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl ShutdownHandle {
    /// A new, not yet triggered signal.
    pub fn new() -> Self {
        let (tx, _) = watch::channel(false);
        Self { tx: Arc::new(tx) }
    }

    /// Triggers the signal (idempotent).
    pub fn shutdown(&self) {
        self.tx.send_replace(true);
    }

    /// Whether the signal was triggered.
    pub fn is_shutdown(&self) -> bool {
        *self.tx.borrow()
    }

    /// Completes once the signal is triggered (immediately if it already was).
    pub async fn cancelled(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives as long as `self`, so `wait_for` cannot fail while we wait.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    /// A child signal: triggered when this one is (or when it is triggered itself). The link is
    /// kept by a small task, so this needs a Tokio runtime; without one the child is independent.
    pub fn child(&self) -> ShutdownHandle {
        let child = ShutdownHandle::new();
        if self.is_shutdown() {
            child.shutdown();
            return child;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let parent = self.clone();
            let linked = child.clone();
            rt.spawn(async move {
                tokio::select! {
                    _ = parent.cancelled() => linked.shutdown(),
                    _ = linked.cancelled() => {}
                }
            });
        }
        child
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clones_share_the_signal_and_children_follow_parents() {
        let a = ShutdownHandle::new();
        let b = a.clone();
        let child = a.child();
        assert!(!b.is_shutdown());
        let waiter = tokio::spawn({
            let b = b.clone();
            async move { b.cancelled().await }
        });
        a.shutdown();
        waiter.await.unwrap_or_default();
        assert!(b.is_shutdown());
        child.cancelled().await;
        assert!(child.is_shutdown());
        // A child can stop alone.
        let parent = ShutdownHandle::new();
        let c = parent.child();
        c.shutdown();
        assert!(!parent.is_shutdown());
    }
}
