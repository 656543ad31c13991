//! A small least-recently-used map for the event caches (client-go's `golang-lru` caches of
//! 4096 entries): lookups and inserts mark an entry used; inserting into a full map evicts the
//! entry used longest ago.

use std::collections::HashMap;
use std::hash::Hash;

/// A map holding at most `capacity` entries, evicting the least recently used.
#[derive(Debug)]
pub(crate) struct Lru<K, V> {
    capacity: usize,
    tick: u64,
    entries: HashMap<K, (V, u64)>,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    /// An empty map for at most `capacity` entries (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::new(),
        }
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// The value of `key`, marked as used.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let tick = self.next_tick();
        self.entries.get_mut(key).map(|(v, used)| {
            *used = tick;
            v
        })
    }

    /// Sets `key` to `value`, evicting the least recently used entry when full.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        let tick = self.next_tick();
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (value, tick));
    }

    /// Removes `key`.
    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key).map(|(v, _)| v)
    }

    /// How many entries there are.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn evicts_the_least_recently_used() {
        let mut lru = Lru::new(2);
        lru.insert("a", 1);
        lru.insert("b", 2);
        assert_eq!(lru.get_mut(&"a"), Some(&mut 1));
        lru.insert("c", 3);
        assert_eq!(lru.len(), 2);
        assert!(lru.get_mut(&"b").is_none(), "b was used longest ago");
        assert!(lru.get_mut(&"a").is_some());
        lru.insert("a", 10);
        assert_eq!(lru.get_mut(&"a"), Some(&mut 10));
        assert_eq!(lru.remove(&"c"), Some(3));
    }
}
