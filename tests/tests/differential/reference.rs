//! The reference side: the `wasmi` interpreter, configured for wasmpi's feature set.
//!
//! wasmi 1.1 rather than 2.0: 2.0.0 miscomputes `select(c, x, i32.eqz(x))` feeding an
//! arithmetic instruction (see `docs/conformance-fuzzing.md`), a pattern `wasm-smith` emits
//! for every guarded division.
//!
//! Its recursion limit is raised well above the generator's fuel so runaway recursion ends
//! in the generator's fuel trap on both sides rather than in two different stack limits.

use super::value::{Fault, Outcome, Value};
use wasmi::{Config, Engine, Linker, Module, Store, Val, ValType, V128};
use wasmpi_abi::trap::TrapKind;

/// What an exported function looks like.
#[derive(Clone, Debug)]
pub struct ExportedFunc {
    /// Export name.
    pub name: String,
    /// Parameter types.
    pub params: Vec<ValType>,
}

/// A `wasmi` engine; one per thread.
pub struct Wasmi {
    engine: Engine,
}

/// A module instantiated in `wasmi`.
pub struct ReferenceInstance {
    store: Store<()>,
    instance: wasmi::Instance,
}

impl Wasmi {
    /// An engine with the features wasmpi accepts.
    pub fn new() -> Wasmi {
        let mut config = Config::default();
        config
            .wasm_mutable_global(true)
            .wasm_sign_extension(true)
            .wasm_saturating_float_to_int(true)
            .wasm_multi_value(true)
            .wasm_bulk_memory(true)
            .wasm_reference_types(true)
            .wasm_simd(true)
            .wasm_relaxed_simd(false)
            .wasm_multi_memory(false)
            .wasm_tail_call(false)
            .wasm_extended_const(false)
            .wasm_memory64(false)
            .wasm_wide_arithmetic(false)
            .wasm_custom_page_sizes(false)
            .floats(true)
            .compilation_mode(wasmi::CompilationMode::Eager)
            .set_max_recursion_depth(100_000)
            .set_max_stack_height(16 << 20);
        Wasmi {
            engine: Engine::new(&config),
        }
    }

    /// Validates and translates `wasm`.
    pub fn compile(&self, wasm: &[u8]) -> Result<Module, String> {
        Module::new(&self.engine, wasm).map_err(|e| e.to_string())
    }

    /// The exported functions of `module`, in export order.
    pub fn exported_funcs(module: &Module) -> Vec<ExportedFunc> {
        module
            .exports()
            .filter_map(|export| match export.ty() {
                wasmi::ExternType::Func(ty) => Some(ExportedFunc {
                    name: export.name().to_string(),
                    params: ty.params().to_vec(),
                }),
                _ => None,
            })
            .collect()
    }

    /// The names of the exported globals of `module`.
    pub fn exported_globals(module: &Module) -> Vec<String> {
        module
            .exports()
            .filter(|export| matches!(export.ty(), wasmi::ExternType::Global(_)))
            .map(|export| export.name().to_string())
            .collect()
    }

    /// Instantiates `module` and runs its start function.
    pub fn instantiate(&self, module: &Module) -> Result<ReferenceInstance, Fault> {
        let mut store = Store::new(&self.engine, ());
        let linker = Linker::<()>::new(&self.engine);
        match linker.instantiate_and_start(&mut store, module) {
            Ok(instance) => Ok(ReferenceInstance { store, instance }),
            Err(error) => Err(match fault(&error) {
                Fault::Other(why) => Fault::Instantiation(why),
                fault => fault,
            }),
        }
    }
}

impl Default for Wasmi {
    fn default() -> Self {
        Wasmi::new()
    }
}

/// The wasmpi trap kind for a `wasmi` trap code (`None` for wasmi's own limits).
pub fn trap_kind(code: wasmi::TrapCode) -> Option<TrapKind> {
    use wasmi::TrapCode as C;
    Some(match code {
        C::UnreachableCodeReached => TrapKind::Unreachable,
        C::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        C::TableOutOfBounds => TrapKind::TableOutOfBounds,
        C::IndirectCallToNull => TrapKind::IndirectCallToNull,
        C::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        C::IntegerOverflow => TrapKind::IntegerOverflow,
        C::BadConversionToInteger => TrapKind::BadConversionToInteger,
        C::StackOverflow => TrapKind::StackOverflow,
        C::BadSignature => TrapKind::BadSignature,
        C::OutOfFuel | C::GrowthOperationLimited => return None,
    })
}

fn fault(error: &wasmi::Error) -> Fault {
    use wasmi::errors::{ErrorKind, MemoryError, TableError};
    // wasmi 1.1 reports an out-of-bounds `table.copy`/`table.init`/`table.fill` (and the
    // bulk memory equivalents, in some paths) as a table or memory error rather than a trap
    // code: a difference of naming only.
    let kind = match error.kind() {
        ErrorKind::Table(
            TableError::CopyOutOfBounds
            | TableError::InitOutOfBounds
            | TableError::FillOutOfBounds
            | TableError::SetOutOfBounds,
        ) => Some(TrapKind::TableOutOfBounds),
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => Some(TrapKind::MemoryOutOfBounds),
        _ => error.as_trap_code().and_then(trap_kind),
    };
    match kind {
        Some(TrapKind::StackOverflow) => Fault::StackExhausted,
        Some(kind) => Fault::Trap(kind),
        None => Fault::Other(error.to_string()),
    }
}

fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(wasmi::F32::from_bits(v)),
        Value::F64(v) => Val::F64(wasmi::F64::from_bits(v)),
        Value::V128(v) => Val::V128(V128::from(v)),
        // Only null references are ever passed in.
        Value::FuncRef { .. } => Val::FuncRef(wasmi::Ref::Null),
        Value::ExternRef { .. } => Val::ExternRef(wasmi::Ref::Null),
    }
}

fn from_val(val: &Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(v.to_bits()),
        Val::F64(v) => Value::F64(v.to_bits()),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(r) => Value::FuncRef { null: r.is_null() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_null() },
    }
}

impl ReferenceInstance {
    /// Calls export `name`.
    pub fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Err(Fault::Other(format!("no exported function {name}")));
        };
        let ty = func.ty(&self.store);
        let inputs: Vec<Val> = args.iter().map(to_val).collect();
        let mut outputs: Vec<Val> = ty.results().iter().map(|t| Val::default(*t)).collect();
        match func.call(&mut self.store, &inputs, &mut outputs) {
            Ok(()) => Ok(outputs.iter().map(from_val).collect()),
            Err(error) => Err(fault(&error)),
        }
    }

    /// The linear memory (empty without one).
    pub fn memory(&self) -> &[u8] {
        let memory = self
            .instance
            .exports(&self.store)
            .find_map(|export| export.into_memory());
        match memory {
            Some(memory) => memory.data(&self.store),
            None => &[],
        }
    }

    /// Exported global `name`.
    pub fn global(&self, name: &str) -> Option<Value> {
        let global = self.instance.get_global(&self.store, name)?;
        Some(from_val(&global.get(&self.store)))
    }
}
