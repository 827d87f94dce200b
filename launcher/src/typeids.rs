//! Process-wide function type ids.
//!
//! `call_indirect` compares the type id stored in a function reference with the id of the
//! type it expects. Ids must mean the same in every instance of the process, because a
//! reference can come from another instance (an imported function, or an entry of a shared
//! table): the launcher interns every function type of every artifact it instantiates here
//! and writes the ids into each VM context.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use wasmpi_abi::types::FuncType;

#[derive(Default)]
struct Registry {
    ids: HashMap<FuncType, u32>,
    types: Vec<FuncType>,
}

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    let lock = REGISTRY.get_or_init(Mutex::default).lock();
    // The registry is only ever appended to, so a panic elsewhere cannot leave it torn.
    lock.unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The id of `ty`, the same for every structurally equal type.
pub fn intern(ty: &FuncType) -> u32 {
    let mut registry = registry();
    if let Some(&id) = registry.ids.get(ty) {
        return id;
    }
    let id = registry.types.len() as u32;
    registry.types.push(ty.clone());
    registry.ids.insert(ty.clone(), id);
    id
}

/// The type with id `id`.
pub fn lookup(id: u32) -> Option<FuncType> {
    registry().types.get(id as usize).cloned()
}
