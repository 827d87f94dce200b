//! Guest handles: 32-bit integers indexing a vector per handle kind.
//!
//! Predefined handles sit at the guest ABI's fixed values; handles created at run time start
//! at [`wasmpi_abi::mpi::FIRST_DYNAMIC_HANDLE`] and are reused after being freed. Lookups are
//! a bounds check and an index: no hashing or locking on the hot path. A freed or forged
//! handle finds an empty slot and is reported as invalid.

use wasmpi_abi::mpi::FIRST_DYNAMIC_HANDLE;

/// A table of host objects of one kind, indexed by guest handle.
pub struct HandleTable<T> {
    slots: Vec<Option<T>>,
    free: Vec<i32>,
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        HandleTable {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> HandleTable<T> {
    /// Binds predefined handle `handle` (below the dynamic range) to `value`.
    pub fn predefine(&mut self, handle: i32, value: T) {
        let index = usize::try_from(handle).expect("predefined handles are non-negative");
        assert!(
            handle < FIRST_DYNAMIC_HANDLE,
            "predefined handle {handle} in the dynamic range"
        );
        if self.slots.len() <= index {
            self.slots.resize_with(index + 1, || None);
        }
        self.slots[index] = Some(value);
    }

    /// The object behind `handle`, if it is live.
    pub fn get(&self, handle: i32) -> Option<&T> {
        self.slots.get(usize::try_from(handle).ok()?)?.as_ref()
    }

    /// Mutable access to the object behind `handle`.
    pub fn get_mut(&mut self, handle: i32) -> Option<&mut T> {
        self.slots.get_mut(usize::try_from(handle).ok()?)?.as_mut()
    }

    /// Stores a new object and returns its handle.
    pub fn insert(&mut self, value: T) -> i32 {
        if let Some(handle) = self.free.pop() {
            self.slots[handle as usize] = Some(value);
            return handle;
        }
        let first = FIRST_DYNAMIC_HANDLE as usize;
        if self.slots.len() < first {
            self.slots.resize_with(first, || None);
        }
        self.slots.push(Some(value));
        (self.slots.len() - 1) as i32
    }

    /// Removes a run-time object; predefined handles cannot be removed.
    pub fn remove(&mut self, handle: i32) -> Option<T> {
        if handle < FIRST_DYNAMIC_HANDLE {
            return None;
        }
        let value = self.slots.get_mut(handle as usize)?.take()?;
        self.free.push(handle);
        Some(value)
    }

    /// The handle of the first live object for which `matches` holds.
    pub fn find(&self, matches: impl Fn(&T) -> bool) -> Option<i32> {
        self.slots
            .iter()
            .position(|s| s.as_ref().is_some_and(&matches))
            .map(|i| i as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_dynamic_freed_and_forged_handles() {
        let mut table = HandleTable::default();
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
}
