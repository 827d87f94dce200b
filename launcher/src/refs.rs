//! Function references in the library API: handles checked against the instance that owns
//! them, never addresses.
//!
//! Inside wasm a `funcref` is the address of a [`wasmpi_abi::vmctx::FuncRef`] in some
//! instance's VM context, and compiled code calls whatever code pointer it finds there. If
//! safe Rust could pass an arbitrary address as a funcref (a call argument, a global's
//! value), it could make wasm jump anywhere. So the library hands out [`FuncHandle`]s
//! instead: an instance id and a function index, which only the launcher creates (from
//! addresses wasm itself produced) and which are turned back into an address only while
//! their instance is alive, through this thread's registry of live instances.

use crate::Error;
use std::cell::{Cell, RefCell};
use wasmpi_abi::vmctx::FUNCREF_SIZE;

/// A reference to a function of a live instance, as the library's users see a `funcref`.
/// Only the launcher makes them; a handle whose instance was dropped is refused where a
/// function reference is expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FuncHandle {
    /// Id of the owning instance (0: an instance no longer alive, or unknown).
    owner: u64,
    /// Function index in the owner (imports first).
    index: u32,
}

impl FuncHandle {
    /// The function index in its instance (imports first).
    pub fn index(&self) -> u32 {
        self.index
    }
}

/// One live instance's function references.
struct Owner {
    id: u64,
    /// Address of its first `FuncRef`.
    start: usize,
    /// How many it has.
    count: u32,
}

thread_local! {
    static OWNERS: RefCell<Vec<Owner>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// Registers an instance's `count` function references starting at `start` until the
/// returned guard is dropped.
pub(crate) fn register(start: usize, count: u32) -> Registration {
    let id = NEXT_ID.with(|next| {
        let id = next.get();
        next.set(id + 1);
        id
    });
    OWNERS.with(|owners| owners.borrow_mut().push(Owner { id, start, count }));
    Registration { id }
}

/// Keeps an instance's function references registered; unregisters them when dropped.
pub(crate) struct Registration {
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = OWNERS.try_with(|owners| owners.borrow_mut().retain(|o| o.id != self.id));
    }
}

/// The handle for the function reference at `address` (0: null). An address of no live
/// instance on this thread becomes a handle that every use refuses.
pub(crate) fn handle_of(address: usize) -> Option<FuncHandle> {
    if address == 0 {
        return None;
    }
    let found = OWNERS.with(|owners| {
        owners.borrow().iter().find_map(|o| {
            let offset = address.checked_sub(o.start)?;
            let index = u32::try_from(offset / FUNCREF_SIZE as usize).ok()?;
            (offset % FUNCREF_SIZE as usize == 0 && index < o.count)
                .then_some(FuncHandle { owner: o.id, index })
        })
    });
    Some(found.unwrap_or(FuncHandle {
        owner: 0,
        index: u32::MAX,
    }))
}

/// The address of the function reference `handle` designates, if its instance is alive on
/// this thread.
pub(crate) fn address_of(handle: FuncHandle) -> Result<usize, Error> {
    OWNERS
        .with(|owners| {
            owners
                .borrow()
                .iter()
                .find(|o| o.id == handle.owner && handle.index < o.count)
                .map(|o| o.start + handle.index as usize * FUNCREF_SIZE as usize)
        })
        .ok_or_else(|| {
            Error::Call(
                "a function reference of an instance that is no longer alive (or lives on \
                 another thread)"
                    .to_string(),
            )
        })
}
