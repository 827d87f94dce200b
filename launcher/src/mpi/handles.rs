//! Guest handles: 32-bit integers indexing a vector per handle kind.
//!
//! Predefined handles sit at the guest ABI's fixed values; handles created at run time start
//! at [`wasmpi_abi::mpi::FIRST_DYNAMIC_HANDLE`] and are reused after being freed. Lookups are
//! a bounds check and an index: no hashing or locking on the hot path. A freed or forged
//! handle finds an empty slot and is reported as invalid.

use wasmpi_abi::mpi::FIRST_DYNAMIC_HANDLE;

/// A table of host objects of one kind, indexed by guest handle.
///
/// Handles below `INLINE` live in an array inside the table itself: a lookup of a predefined
/// communicator or datatype, on every point-to-point call, then loads its slot directly
/// rather than through the vector's pointer (one dependent load less on the hot path).
/// `INLINE` is at most [`FIRST_DYNAMIC_HANDLE`]; 0 keeps everything in the vector.
pub struct HandleTable<T, const INLINE: usize = 0> {
    inline: [Option<T>; INLINE],
    /// Slots of handles from `INLINE` on (index = handle - `INLINE`).
    slots: Vec<Option<T>>,
    free: Vec<i32>,
}

impl<T, const INLINE: usize> Default for HandleTable<T, INLINE> {
    fn default() -> Self {
        const { assert!(INLINE <= FIRST_DYNAMIC_HANDLE as usize) };
        HandleTable {
            inline: std::array::from_fn(|_| None),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T, const INLINE: usize> HandleTable<T, INLINE> {
    fn slot_mut(&mut self, index: usize) -> &mut Option<T> {
        if index < INLINE {
            return &mut self.inline[index];
        }
        let index = index - INLINE;
        if self.slots.len() <= index {
            self.slots.resize_with(index + 1, || None);
        }
        &mut self.slots[index]
    }

    /// Binds predefined handle `handle` (below the dynamic range) to `value`.
    pub fn predefine(&mut self, handle: i32, value: T) {
        let index = usize::try_from(handle).expect("predefined handles are non-negative");
        assert!(
            handle < FIRST_DYNAMIC_HANDLE,
            "predefined handle {handle} in the dynamic range"
        );
        *self.slot_mut(index) = Some(value);
    }

    /// The object behind `handle`, if it is live.
    #[inline]
    pub fn get(&self, handle: i32) -> Option<&T> {
        let index = usize::try_from(handle).ok()?;
        match self.inline.get(index) {
            Some(slot) => slot.as_ref(),
            None => self.slots.get(index - INLINE)?.as_ref(),
        }
    }

    /// Mutable access to the object behind `handle`.
    pub fn get_mut(&mut self, handle: i32) -> Option<&mut T> {
        let index = usize::try_from(handle).ok()?;
        if index < INLINE {
            return self.inline[index].as_mut();
        }
        self.slots.get_mut(index - INLINE)?.as_mut()
    }

    /// Stores a new object and returns its handle.
    #[inline]
    pub fn insert(&mut self, value: T) -> i32 {
        if let Some(handle) = self.free.pop() {
            // Freed handles are dynamic ones, whose slots exist: no growth to consider (this is
            // every non-blocking call's path).
            let slot = &mut self.slots[handle as usize - INLINE];
            debug_assert!(slot.is_none(), "freed handle {handle} still in use");
            *slot = Some(value);
            return handle;
        }
        let first = FIRST_DYNAMIC_HANDLE as usize - INLINE;
        if self.slots.len() < first {
            self.slots.resize_with(first, || None);
        }
        self.slots.push(Some(value));
        (self.slots.len() - 1 + INLINE) as i32
    }

    /// Removes a run-time object; predefined handles cannot be removed.
    pub fn remove(&mut self, handle: i32) -> Option<T> {
        if handle < FIRST_DYNAMIC_HANDLE {
            return None;
        }
        let value = self.slots.get_mut(handle as usize - INLINE)?.take()?;
        self.free.push(handle);
        Some(value)
    }

    /// The handle of the first live object for which `matches` holds.
    pub fn find(&self, matches: impl Fn(&T) -> bool) -> Option<i32> {
        self.inline
            .iter()
            .chain(&self.slots)
            .position(|s| s.as_ref().is_some_and(&matches))
            .map(|i| i as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_dynamic_freed_and_forged_handles() {
        let mut table: HandleTable<&str> = HandleTable::default();
        table.predefine(0, "world");
        let h = table.insert("dup");
        assert_eq!(h, FIRST_DYNAMIC_HANDLE);
        assert_eq!(table.get(h), Some(&"dup"));
        assert_eq!(table.remove(0), None, "predefined handles stay");
        assert_eq!(table.remove(h), Some("dup"));
        assert_eq!(table.get(h), None, "freed handle is invalid");
        assert_eq!(table.get(-5), None);
        assert_eq!(table.get(12345), None);
        assert_eq!(table.insert("again"), h, "freed handles are reused");
    }

    #[test]
    fn inline_predefined_handles_behave_the_same() {
        let mut table: HandleTable<&str, 8> = HandleTable::default();
        table.predefine(3, "inline");
        table.predefine(100, "in the vector");
        assert_eq!(table.get(3), Some(&"inline"));
        assert_eq!(table.get(100), Some(&"in the vector"));
        assert_eq!(table.get(4), None);
        assert_eq!(table.get(8), None);
        let h = table.insert("dup");
        assert_eq!(h, FIRST_DYNAMIC_HANDLE);
        assert_eq!(table.get(h), Some(&"dup"));
        assert_eq!(table.find(|v| *v == "dup"), Some(h));
        assert_eq!(table.find(|v| *v == "inline"), Some(3));
        *table.get_mut(3).unwrap() = "changed";
        assert_eq!(table.get(3), Some(&"changed"));
        assert_eq!(table.remove(3), None);
        assert_eq!(table.remove(h), Some("dup"));
        assert_eq!(table.get(h), None);
        assert_eq!(table.insert("again"), h);
    }
}
