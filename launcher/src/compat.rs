//! Non-MPI imports from module `env` that modules built for MPIWasm use: `gethostname`, and
//! the C++ runtime's `__cxa_allocate_exception`/`__cxa_throw`, which such modules (C++
//! built with `-fno-exceptions` against a libc++ that still throws) reach only on a fatal
//! error. wasmpi turns a throw into a clean fatal error naming the exception's type.

use crate::host::{Caller, HostFunc, VmCtx};
use wasmpi_abi::types::ValType;

/// Module name of these imports.
const MODULE: &str = "env";

/// `int gethostname(char *name, size_t len)`: the host's name, NUL-terminated if it fits.
unsafe extern "C" fn gethostname(vmctx: *mut VmCtx, name: u32, len: u32) -> i32 {
    // SAFETY: compiled wasm passes its own live VM context.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let host = rustix::system::uname();
    let mut bytes = host.nodename().to_bytes().to_vec();
    bytes.push(0);
    bytes.truncate(len as usize);
    match crate::guest::write_bytes(caller.memory(), name, &bytes) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// Ends the program (and the MPI job, if one runs) with `message`.
fn fatal(message: &str) -> ! {
    #[cfg(feature = "mpi")]
    crate::mpi::abort_job_if_running(message, 1);
    eprintln!("wasmpirun: {message}");
    std::process::exit(1)
}

/// `void *__cxa_allocate_exception(size_t size)`: room for the exception object, taken from
/// fresh pages at the end of linear memory (the program is about to end anyway).
unsafe extern "C" fn cxa_allocate_exception(vmctx: *mut VmCtx, size: u32) -> u32 {
    // SAFETY: compiled wasm passes its own live VM context.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let pages = (size as u64).div_ceil(wasmpi_abi::WASM_PAGE_SIZE).max(1) as u32;
    match caller
        .grow_memory(pages)
        .and_then(|addr| u32::try_from(addr).ok())
    {
        Some(addr) => addr,
        None => fatal("a C++ exception was thrown (and there is no memory left to describe it)"),
    }
}

/// `void __cxa_throw(void *object, std::type_info *type, void (*destructor)(void *))`: a fatal
/// error naming the (mangled) type from the `type_info`, whose name pointer follows its
/// vtable pointer.
unsafe extern "C" fn cxa_throw(vmctx: *mut VmCtx, _object: u32, type_info: u32, _destructor: u32) {
    // SAFETY: compiled wasm passes its own live VM context.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let memory = caller.memory();
    let name = crate::guest::read_u32(memory, type_info.wrapping_add(4))
        .ok()
        .and_then(|ptr| guest_c_string(memory, ptr))
        .unwrap_or_else(|| "unknown type".to_string());
    fatal(&format!(
        "uncaught C++ exception of type `{name}`: the module was built without exception support \
         (-fno-exceptions), so this ends the program"
    ))
}

/// The NUL-terminated string at guest address `at` (at most 4 KiB of it), if it is inside
/// memory.
fn guest_c_string(memory: &[u8], at: u32) -> Option<String> {
    let tail = memory.get(at as usize..)?;
    let end = tail
        .iter()
        .take(4096)
        .position(|&b| b == 0)
        .unwrap_or(tail.len().min(4096));
    Some(String::from_utf8_lossy(&tail[..end]).into_owned())
}

/// `void wasmpi_uncaught_exception(const char *type, const char *what)`, called by the C++
/// runtime support `wasmpi c++` links (`compiler/src/cxxrt.cpp`) when the program throws:
/// ends the program (and the MPI job) with one line naming the exception's type and, for a
/// `std::exception` (`what` not null), its `what()`.
unsafe extern "C" fn uncaught_exception(vmctx: *mut VmCtx, type_name: u32, what: u32) {
    // SAFETY: compiled wasm passes its own live VM context.
    let mut caller = unsafe { Caller::from_vmctx(&vmctx) };
    let memory = caller.memory();
    let type_name = guest_c_string(memory, type_name).unwrap_or_else(|| "?".to_string());
    let message = match what {
        0 => format!("uncaught C++ exception of type `{type_name}`"),
        what => format!(
            "uncaught C++ exception of type `{type_name}`: {}",
            guest_c_string(memory, what).unwrap_or_else(|| "?".to_string())
        ),
    };
    fatal(&message)
}

/// The compatibility imports.
pub fn host_functions() -> Vec<HostFunc> {
    type Two = unsafe extern "C" fn(*mut VmCtx, u32, u32) -> i32;
    type Alloc = unsafe extern "C" fn(*mut VmCtx, u32) -> u32;
    type Throw = unsafe extern "C" fn(*mut VmCtx, u32, u32, u32);
    type Uncaught = unsafe extern "C" fn(*mut VmCtx, u32, u32);
    let (hostname, allocate, throw, uncaught): (Two, Alloc, Throw, Uncaught) = (
        gethostname,
        cxa_allocate_exception,
        cxa_throw,
        uncaught_exception,
    );
    vec![
        HostFunc {
            module: MODULE,
            name: "gethostname",
            params: &[ValType::I32, ValType::I32],
            results: &[ValType::I32],
            code: hostname as *const () as usize,
        },
        HostFunc {
            module: MODULE,
            name: "__cxa_allocate_exception",
            params: &[ValType::I32],
            results: &[ValType::I32],
            code: allocate as *const () as usize,
        },
        HostFunc {
            module: MODULE,
            name: "__cxa_throw",
            params: &[ValType::I32, ValType::I32, ValType::I32],
            results: &[],
            code: throw as *const () as usize,
        },
        HostFunc {
            module: MODULE,
            name: "wasmpi_uncaught_exception",
            params: &[ValType::I32, ValType::I32],
            results: &[],
            code: uncaught as *const () as usize,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::host_functions;
    use std::collections::BTreeMap;
    use wasmpi_abi::types::ValType;

    /// The C prototypes of the imports, written from their definitions (POSIX
    /// `gethostname`; the Itanium C++ ABI's `__cxa_allocate_exception` and `__cxa_throw`;
    /// wasmpi's C++ runtime support):
    /// (name, result type, parameter types).
    const PROTOTYPES: &[(&str, &str, &[&str])] = &[
        ("gethostname", "int", &["char *", "size_t"]),
        ("__cxa_allocate_exception", "void *", &["size_t"]),
        (
            "__cxa_throw",
            "void",
            &["void *", "std::type_info *", "void (*)(void *)"],
        ),
        // compiler/src/cxxrt.cpp declares it.
        (
            "wasmpi_uncaught_exception",
            "void",
            &["const char *", "const char *"],
        ),
    ];

    /// How clang's wasm32 C ABI passes a C type: `int`, `size_t` and every pointer (data or
    /// function) as one `i32`; a `void` result as nothing.
    fn lower(c_type: &str) -> Option<ValType> {
        match c_type {
            "void" => None,
            "int" | "size_t" => Some(ValType::I32),
            t if t.ends_with('*') || t.contains("(*)") => Some(ValType::I32),
            t => panic!("no wasm32 lowering written for `{t}`"),
        }
    }

    /// Every entry of the table has the signature of its C prototype, and there are no others.
    #[test]
    fn host_function_table_matches_c_prototypes() {
        type Signature = (Vec<ValType>, Vec<ValType>);
        let funcs = host_functions();
        let got: BTreeMap<&str, Signature> = funcs
            .iter()
            .map(|f| {
                assert_eq!(f.module, "env", "{}", f.name);
                assert_ne!(f.code, 0, "{}", f.name);
                (f.name, (f.params.to_vec(), f.results.to_vec()))
            })
            .collect();
        assert_eq!(got.len(), funcs.len(), "duplicate names");
        let expected: BTreeMap<&str, Signature> = PROTOTYPES
            .iter()
            .map(|&(name, result, params)| {
                let params = params
                    .iter()
                    .map(|p| lower(p).unwrap_or_else(|| panic!("`void` parameter in {name}")))
                    .collect();
                (name, (params, lower(result).into_iter().collect()))
            })
            .collect();
        assert_eq!(got, expected);
    }
}
