//! A value the screen derives from the snapshot and keeps until what it was derived from
//! changes: drawing is read-only (`&App`), yet wrapping a pane's sentences on every frame
//! cost a third of the frame while the sentences change a few times a minute.
//!
//! The key is whatever the value depends on (the items shown, the width, the rows); a frame
//! whose key matches gets the kept value, any other frame computes it anew and keeps that.

use std::cell::RefCell;
use std::sync::Arc;

/// One kept value and the key it was computed for.
pub(crate) struct Memo<K, V> {
    slot: RefCell<Option<(K, Arc<V>)>>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Self { slot: RefCell::new(None) }
    }
}

impl<K, V> Memo<K, V> {
    /// The kept value if `is_current` says its key still holds; else `fresh()`'s value,
    /// kept with its key. `is_current` compares in place, so a key that owns data (the
    /// sentences it was wrapped from) is built only when the value is.
    pub(crate) fn get(&self, is_current: impl FnOnce(&K) -> bool, fresh: impl FnOnce() -> (K, V)) -> Arc<V> {
        let mut slot = self.slot.borrow_mut();
        if let Some((key, value)) = slot.as_ref()
            && is_current(key)
        {
            return Arc::clone(value);
        }
        let (key, value) = fresh();
        let value = Arc::new(value);
        *slot = Some((key, Arc::clone(&value)));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_key() {
        let memo: Memo<u32, String> = Memo::default();
        let mut computed = 0;
        for key in [1, 1, 2, 2, 1] {
            let value = memo.get(
                |k| *k == key,
                || {
                    computed += 1;
                    (key, format!("v{key}"))
                },
            );
            assert_eq!(*value, format!("v{key}"));
        }
        // 1, then 2, then 1 again: three computations for five reads.
        assert_eq!(computed, 3);
    }
}
