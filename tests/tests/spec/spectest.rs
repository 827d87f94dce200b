//! The `spectest` host module the spec tests import from: `print*` functions (silent here),
//! `global_i32` = 666, `global_i64` = 666, `global_f32` = 666.6, `global_f64` = 666.6, a
//! `table` of 10..20 funcrefs and a `memory` of 1..2 pages.

use wasmpi_abi::types::ValType;
use wasmpi_launcher::host::{HostFunc, VmCtx};
use wasmpi_launcher::{Extern, Global, Memory, Table, Val};

unsafe extern "C" fn print(_: *mut VmCtx) {}
unsafe extern "C" fn print_i32(_: *mut VmCtx, _: i32) {}
unsafe extern "C" fn print_i64(_: *mut VmCtx, _: i64) {}
unsafe extern "C" fn print_f32(_: *mut VmCtx, _: f32) {}
unsafe extern "C" fn print_f64(_: *mut VmCtx, _: f64) {}
unsafe extern "C" fn print_i32_f32(_: *mut VmCtx, _: i32, _: f32) {}
unsafe extern "C" fn print_f64_f64(_: *mut VmCtx, _: f64, _: f64) {}

/// The `spectest` functions.
pub fn functions() -> Vec<HostFunc> {
    use ValType::*;
    let func = |name, params: &'static [ValType], code: usize| HostFunc {
        module: "spectest",
        name,
        params,
        results: &[],
        code,
    };
    vec![
        func("print", &[], print as *const () as usize),
        func("print_i32", &[I32], print_i32 as *const () as usize),
        func("print_i64", &[I64], print_i64 as *const () as usize),
        func("print_f32", &[F32], print_f32 as *const () as usize),
        func("print_f64", &[F64], print_f64 as *const () as usize),
        func(
            "print_i32_f32",
            &[I32, F32],
            print_i32_f32 as *const () as usize,
        ),
        func(
            "print_f64_f64",
            &[F64, F64],
            print_f64_f64 as *const () as usize,
        ),
    ]
}

/// The `spectest` table, memory and globals of one test file.
pub struct Spectest {
    table: Table,
    memory: Memory,
    globals: Vec<(&'static str, Global)>,
}

impl Spectest {
    /// Fresh objects.
    pub fn new() -> Spectest {
        Spectest {
            table: Table::new(10, Some(20)).expect("spectest table"),
            memory: Memory::new(1, Some(2)).expect("spectest memory"),
            globals: vec![
                (
                    "global_i32",
                    Global::new(Val::I32(666), false).expect("spectest global"),
                ),
                (
                    "global_i64",
                    Global::new(Val::I64(666), false).expect("spectest global"),
                ),
                (
                    "global_f32",
                    Global::new(Val::F32(666.6f32.to_bits()), false).expect("spectest global"),
                ),
                (
                    "global_f64",
                    Global::new(Val::F64(666.6f64.to_bits()), false).expect("spectest global"),
                ),
            ],
        }
    }

    /// The table, memory or global called `name`.
    pub fn get(&self, name: &str) -> Option<Extern> {
        match name {
            "table" => Some(Extern::Table(self.table.clone())),
            "memory" => Some(Extern::Memory(self.memory.clone())),
            _ => self
                .globals
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, g)| Extern::Global(g.clone())),
        }
    }
}
