//! Checks that `include/mpi.h` (what guests compile against) and `wasmpi_abi::mpi` (what the
//! launcher reads) describe the same ABI, and that the values modules built for MPIWasm use
//! are unchanged.
//!
//! The header is parsed as text (every `#define MPI_...` and every `WASMPI_IMPORT(...)`
//! prototype), compared with the crate in both directions, and then, where clang can target
//! wasm32-wasi, compiled: a typical guest in C and C++ under `-Wall -Wextra -Werror`; static
//! assertions of every integer constant, of the status layout and of the datatype sizes; and
//! a link of a module that references every function, whose import section must match
//! [`mpi::SIGNATURES`] exactly. Without clang those checks are skipped with a message.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use wasmpi_abi::mpi;
use wasmpi_abi::types::ValType;

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

fn header() -> String {
    let src = std::fs::read_to_string(include_dir().join("mpi.h")).expect("read include/mpi.h");
    without_inline_helpers(&src)
}

/// Removes `/* ... */` and `// ...` comments, keeping line structure.
const HELPERS_BEGIN: &str = "/* wasmpi: begin inline helpers */";
const HELPERS_END: &str = "/* wasmpi: end inline helpers */";

/// The header without its inline helpers (static functions that calls are redirected to;
/// the functions they stand for are still declared as imports).
fn without_inline_helpers(src: &str) -> String {
    let start = src.find(HELPERS_BEGIN).expect("inline helpers marker");
    let end = src.find(HELPERS_END).expect("inline helpers end marker") + HELPERS_END.len();
    format!("{}{}", &src[..start], &src[end..])
}

#[test]
fn inline_helpers_only_redirect_alloc_free_mem_and_op_create() {
    let src = std::fs::read_to_string(include_dir().join("mpi.h")).expect("read include/mpi.h");
    let start = src.find(HELPERS_BEGIN).expect("inline helpers marker");
    let end = src.find(HELPERS_END).expect("inline helpers end marker");
    let redirected: Vec<&str> = src[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .map(|l| l.split('(').next().unwrap_or_default())
        .collect();
    assert_eq!(
        redirected,
        ["MPI_Alloc_mem", "MPI_Free_mem", "MPI_Op_create"]
    );
    // The only import the helpers add is the scratch registration of MPI_Op_create, which the
    // launcher provides outside the MPI_ namespace (it is not part of the MPI interface).
    let imports: Vec<&str> = src[start..end]
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("WASMPI_IMPORT("))
        .map(|l| l.split(')').next().unwrap_or_default())
        .collect();
    assert_eq!(imports, ["wasmpi_op_scratch"]);
    // The redirects follow every declaration, so they cannot rewrite one.
    let last_import = src.rfind("WASMPI_IMPORT(MPI_").expect("an MPI import");
    assert!(last_import < start, "inline helpers precede a declaration");
}

fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            let end = after.find("*/").expect("unterminated comment");
            out.extend(after[..end].chars().filter(|&c| c == '\n'));
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix("//") {
            rest = &after[after.find('\n').unwrap_or(after.len())..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Whether `s` is `( ... )` with the two parentheses matching each other.
fn outer_parens(s: &str) -> bool {
    if !(s.starts_with('(') && s.ends_with(')')) {
        return false;
    }
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i != s.len() - 1 {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// The value of a constant's replacement text: `3`, `0x10`, `(-1)`, `((MPI_Comm)0)`,
/// `((void *)1)`, `((MPI_Comm_copy_attr_function *)-1)`.
fn parse_value(text: &str) -> Option<i64> {
    let mut s = text.trim();
    loop {
        if outer_parens(s) {
            s = s[1..s.len() - 1].trim();
        } else if s.starts_with('(') {
            // A cast: `(type)` followed by the operand.
            s = s[s.find(')')? + 1..].trim();
        } else {
            break;
        }
    }
    let (negative, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d.trim()),
        None => (false, s),
    };
    let magnitude = match digits.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<i64>().ok()?,
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Every object-like `#define MPI_...`: name and replacement text, in header order.
fn header_defines(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in strip_comments(src).lines() {
        let Some(rest) = line.trim_start().strip_prefix("#define ") else {
            continue;
        };
        let rest = rest.trim();
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        if !name.starts_with("MPI_") {
            continue;
        }
        assert!(
            !rest[name_end..].starts_with('('),
            "function-like macro {name}: mpi.h declares functions, not macros"
        );
        out.push((name.to_string(), rest[name_end..].trim().to_string()));
    }
    out
}

/// A prototype: the import name given to `WASMPI_IMPORT`, the C function name, and the text.
struct Prototype {
    import: String,
    name: String,
    text: String,
}

/// Every `WASMPI_IMPORT(...)` declaration, in header order. Also fails on any other
/// declaration of an `MPI_` function (it would not be a wasm import).
fn header_prototypes(src: &str) -> Vec<Prototype> {
    let code = strip_comments(src);
    let mut out = Vec::new();
    let mut statement = String::new();
    for line in code.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (statement.is_empty() && trimmed.is_empty()) {
            continue;
        }
        statement.push_str(trimmed);
        statement.push(' ');
        if !trimmed.ends_with(';') && !trimmed.ends_with('{') && !trimmed.ends_with('}') {
            continue;
        }
        let text = std::mem::take(&mut statement);
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("WASMPI_IMPORT(") {
            let close = rest.find(')').unwrap();
            let import = rest[..close].to_string();
            let decl = &rest[close + 1..];
            let open = decl.find('(').expect("prototype without parameters");
            let name = decl[..open]
                .split_whitespace()
                .last()
                .unwrap()
                .trim_start_matches('*')
                .to_string();
            out.push(Prototype {
                import,
                name,
                text: text.to_string(),
            });
        } else if !text.starts_with("typedef") && !text.starts_with("WASMPI_STATIC_ASSERT") {
            assert!(
                !text.contains("MPI_") || !text.contains('('),
                "declaration outside WASMPI_IMPORT: {text}"
            );
        }
    }
    out
}

#[test]
fn header_constants_match_the_crate_both_ways() {
    let src = header();
    let mut from_header = BTreeMap::new();
    for (name, text) in header_defines(&src) {
        let value =
            parse_value(&text).unwrap_or_else(|| panic!("cannot read the value of {name}: {text}"));
        assert!(
            from_header.insert(name.clone(), value).is_none(),
            "{name} defined twice"
        );
    }
    let from_crate: BTreeMap<String, i64> = mpi::CONSTANTS
        .iter()
        .map(|&(n, v)| (n.to_string(), v))
        .collect();
    assert_eq!(
        from_crate.len(),
        mpi::CONSTANTS.len(),
        "the crate defines a constant twice"
    );

    let mut problems = Vec::new();
    for (name, value) in &from_header {
        match from_crate.get(name) {
            None => problems.push(format!(
                "{name} = {value} is in mpi.h but not in wasmpi_abi::mpi"
            )),
            Some(v) if v != value => problems.push(format!(
                "{name}: mpi.h says {value}, wasmpi_abi::mpi says {v}"
            )),
            Some(_) => {}
        }
    }
    for name in from_crate.keys() {
        if !from_header.contains_key(name) {
            problems.push(format!("{name} is in wasmpi_abi::mpi but not in mpi.h"));
        }
    }
    assert!(
        problems.is_empty(),
        "mpi.h and wasmpi_abi::mpi disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn header_functions_match_the_crate_both_ways() {
    let protos = header_prototypes(&header());
    for p in &protos {
        assert_eq!(
            p.import, p.name,
            "import name differs from the C name: {}",
            p.text
        );
        assert!(p.name.starts_with("MPI_"), "{}", p.text);
    }
    let from_header: Vec<&str> = protos.iter().map(|p| p.name.as_str()).collect();
    let h: BTreeSet<&str> = from_header.iter().copied().collect();
    let c: BTreeSet<&str> = mpi::FUNCTIONS.iter().copied().collect();
    assert_eq!(
        h.len(),
        from_header.len(),
        "mpi.h declares a function twice"
    );
    let missing: Vec<_> = h.difference(&c).collect();
    let extra: Vec<_> = c.difference(&h).collect();
    assert!(
        missing.is_empty(),
        "declared in mpi.h, missing from mpi::FUNCTIONS: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in mpi::FUNCTIONS, not declared in mpi.h: {extra:?}"
    );
    assert_eq!(
        from_header,
        mpi::FUNCTIONS,
        "mpi::FUNCTIONS is not in header order"
    );

    // Variadic prototypes are exactly the ones the crate lists as such.
    let variadic: Vec<&str> = protos
        .iter()
        .filter(|p| p.text.contains("..."))
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(variadic, mpi::VARIADIC);
}

/// Values that modules built for MPIWasm compiled in (from the guest ABI reference). They
/// must never change.
const MPIWASM_VALUES: &[(&str, i64)] = &[
    ("MPI_SUCCESS", 0),
    ("MPI_ERR_OTHER", 1),
    ("MPI_COMM_WORLD", 0),
    ("MPI_COMM_SELF", 1),
    ("MPI_COMM_NULL", 2),
    ("MPI_INT8_T", 0),
    ("MPI_INT16_T", 1),
    ("MPI_INT32_T", 2),
    ("MPI_INT", 3),
    ("MPI_INT64_T", 4),
    ("MPI_UINT8_T", 5),
    ("MPI_UINT16_T", 6),
    ("MPI_UINT32_T", 7),
    ("MPI_UINT_T", 8),
    ("MPI_UINT64_T", 9),
    ("MPI_LONG", 10),
    ("MPI_LONG_LONG", 11),
    ("MPI_LONG_LONG_INT", 12),
    ("MPI_FLOAT", 13),
    ("MPI_DOUBLE", 14),
    ("MPI_DOUBLE_INT", 15),
    ("MPI_CHAR", 16),
    ("MPI_C_BOOL", 17),
    ("MPI_BYTE", 18),
    ("MPI_DATATYPE_NULL", -1),
    ("MPI_MAX", 0),
    ("MPI_MIN", 1),
    ("MPI_SUM", 2),
    ("MPI_PROD", 3),
    ("MPI_LAND", 4),
    ("MPI_LOR", 5),
    ("MPI_BAND", 6),
    ("MPI_BOR", 7),
    ("MPI_MAXLOC", 8),
    ("MPI_MINLOC", 9),
    ("MPI_OP_NULL", 10),
    ("MPI_INFO_NULL", 0),
    ("MPI_ANY_SOURCE", -1),
    ("MPI_ANY_TAG", -1),
    ("MPI_UNDEFINED", -32766),
    ("MPI_BOTTOM", 0),
    ("MPI_IN_PLACE", 1),
    ("MPI_STATUS_IGNORE", 0),
    ("MPI_STATUSES_IGNORE", 0),
    ("MPI_THREAD_SINGLE", 0),
    ("MPI_THREAD_FUNNELED", 1),
    ("MPI_THREAD_SERIALIZED", 2),
    ("MPI_THREAD_MULTIPLE", 3),
    ("MPI_IDENT", 0),
    ("MPI_CONGRUENT", 1),
    ("MPI_SIMILAR", 2),
    ("MPI_UNEQUAL", 3),
    ("MPI_COMM_TYPE_SHARED", 0),
    ("MPI_MAX_PROCESSOR_NAME", 256),
    ("MPI_MAX_OBJECT_NAME", 128),
    ("MPI_WIN_BASE", 1),
    ("MPI_WIN_SIZE", 2),
    ("MPI_WIN_DISP_UNIT", 3),
    ("MPI_WIN_CREATE_FLAVOR", 4),
    ("MPI_WIN_MODEL", 5),
];

/// Functions MPIWasm's header declared: modules built with it may import any of them.
const MPIWASM_FUNCTIONS: &[&str] = &[
    "MPI_Abort",
    "MPI_Allgather",
    "MPI_Allgatherv",
    "MPI_Alloc_mem",
    "MPI_Allreduce",
    "MPI_Alltoall",
    "MPI_Alltoallv",
    "MPI_Barrier",
    "MPI_Bcast",
    "MPI_Cart_create",
    "MPI_Cart_get",
    "MPI_Cart_rank",
    "MPI_Cart_shift",
    "MPI_Comm_c2f",
    "MPI_Comm_compare",
    "MPI_Comm_create",
    "MPI_Comm_create_group",
    "MPI_Comm_dup",
    "MPI_Comm_f2c",
    "MPI_Comm_free",
    "MPI_Comm_group",
    "MPI_Comm_rank",
    "MPI_Comm_size",
    "MPI_Comm_split",
    "MPI_Comm_split_type",
    "MPI_Finalize",
    "MPI_Finalized",
    "MPI_Free_mem",
    "MPI_Gather",
    "MPI_Gatherv",
    "MPI_Get",
    "MPI_Get_count",
    "MPI_Get_processor_name",
    "MPI_Get_version",
    "MPI_Group_free",
    "MPI_Group_incl",
    "MPI_Group_range_excl",
    "MPI_Group_range_incl",
    "MPI_Init",
    "MPI_Initialized",
    "MPI_Init_thread",
    "MPI_Irecv",
    "MPI_Isend",
    "MPI_Op_create",
    "MPI_Op_free",
    "MPI_Probe",
    "MPI_Put",
    "MPI_Query_thread",
    "MPI_Recv",
    "MPI_Reduce",
    "MPI_Reduce_scatter",
    "MPI_Request_free",
    "MPI_Rsend",
    "MPI_Scan",
    "MPI_Scatter",
    "MPI_Send",
    "MPI_Sendrecv",
    "MPI_Type_commit",
    "MPI_Type_contiguous",
    "MPI_Type_free",
    "MPI_Type_size",
    "MPI_Wait",
    "MPI_Waitall",
    "MPI_Waitany",
    "MPI_Win_allocate_shared",
    "MPI_Win_create",
    "MPI_Win_fence",
    "MPI_Win_free",
    "MPI_Win_get_attr",
    "MPI_Win_shared_query",
    "MPI_Wtime",
];

#[test]
fn mpiwasm_values_are_kept() {
    for &(name, value) in MPIWASM_VALUES {
        assert_eq!(
            mpi::constant(name),
            Some(value),
            "{name} must stay {value} (MPIWasm modules use it)"
        );
    }
    // The status layout of the reference: 24 bytes, 8-aligned, fields at 0, 4, 8, 12, 16.
    assert_eq!(mpi::STATUS_SIZE, 24);
    assert_eq!(mpi::STATUS_ALIGN, 8);
    assert_eq!(
        [
            mpi::STATUS_SOURCE,
            mpi::STATUS_TAG,
            mpi::STATUS_ERROR,
            mpi::STATUS_CANCELLED,
            mpi::STATUS_COUNT
        ],
        [0, 4, 8, 12, 16]
    );
    assert_eq!(mpi::AINT_SIZE, 4);
    assert_eq!(mpi::HANDLE_SIZE, 4);
    // MPI_LONG is 4 bytes on wasm32 and must travel as a 4-byte host integer.
    assert_eq!(mpi::datatype(mpi::MPI_LONG).unwrap().host.size(), 4);
    for name in MPIWASM_FUNCTIONS {
        assert!(
            mpi::signature(name).is_some(),
            "{name} (declared by MPIWasm) is missing"
        );
    }
    // Every function MPIWasm declared takes and returns only i32, except MPI_Wtime.
    for name in MPIWASM_FUNCTIONS.iter().filter(|n| **n != "MPI_Wtime") {
        let sig = mpi::signature(name).unwrap();
        assert!(
            sig.params
                .iter()
                .chain([&sig.result])
                .all(|t| *t == ValType::I32),
            "{name}"
        );
    }
    assert_eq!(mpi::signature("MPI_Wtime").unwrap().result, ValType::F64);
}

// ---- compiling with clang ----------------------------------------------------------------

/// The clang to use (`$CLANG`, else `clang`), if it can build for wasm32-wasi; otherwise
/// prints why `check` is skipped. `dir` is the check's scratch directory name.
fn clang(dir: &str, check: &str) -> Option<String> {
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang".to_string());
    let dir = scratch(&format!("{dir}-probe"));
    let probe = dir.join("probe.c");
    std::fs::write(
        &probe,
        "#include <stdint.h>\n#include <stdio.h>\nint probe(void) { return 0; }\n",
    )
    .unwrap();
    let out = Command::new(&clang)
        .args(["--target=wasm32-wasi", "-fsyntax-only"])
        .arg(&probe)
        .output();
    match out {
        Err(e) => {
            eprintln!("skipping {check}: cannot run {clang}: {e}");
            None
        }
        Ok(o) if !o.status.success() => {
            eprintln!(
                "skipping {check}: {clang} cannot build for wasm32-wasi (is wasi-libc installed?):\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Ok(_) => Some(clang),
    }
}

/// A fresh directory for one check's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("mpi_header")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs clang on `file` with `args`; panics with its diagnostics if it fails.
fn run_clang(clang: &str, args: &[&str], file: &Path) {
    let out = Command::new(clang)
        .arg("--target=wasm32-wasi")
        .arg("-I")
        .arg(include_dir())
        .args(args)
        .arg(file)
        .output()
        .expect("run clang");
    assert!(
        out.status.success(),
        "clang {} {} failed:\n{}",
        args.join(" "),
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A typical guest: the calls of the brief, with every sentinel in its usual place.
const GUEST: &str = r#"
#include <mpi.h>
#include <stdio.h>

static void sum(void *in, void *inout, int *len, MPI_Datatype *type) {
    (void)type;
    for (int i = 0; i < *len; i++) ((int *)inout)[i] += ((int *)in)[i];
}

int main(int argc, char **argv) {
    int x = 1, rank = 0, size = 0, provided = 0, count = 0, keyval = 0;
    MPI_Request reqs[2];
    MPI_Status status;
    MPI_Op op;
    MPI_Comm cart;
    MPI_File fh;
    int dims[2] = {0, 0}, periods[2] = {0, 0};
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Send(&x, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Recv(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &status);
    MPI_Get_count(&status, MPI_INT, &count);
    MPI_Irecv(&x, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD, &reqs[0]);
    MPI_Isend(&x, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD, &reqs[1]);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    MPI_Reduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Op_create(sum, 1, &op);
    MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_INT, op, MPI_COMM_WORLD);
    MPI_Op_free(&op);
    MPI_Dims_create(size, 2, dims);
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart);
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 0, NULL, MPI_UNWEIGHTED, 0, NULL,
                                   MPI_WEIGHTS_EMPTY, MPI_INFO_NULL, 0, &cart);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_File_open(MPI_COMM_WORLD, "out", MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    MPI_File_set_view(fh, MPI_DISPLACEMENT_CURRENT, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
    MPI_File_write_at_all(fh, (MPI_Offset)rank * 4, &x, 1, MPI_INT, MPI_STATUS_IGNORE);
    MPI_File_close(&fh);
    switch (status.MPI_TAG) {
    case MPI_ANY_TAG: break;
    default: break;
    }
    if (rank == 0) printf("%d %d %f\n", x, count, MPI_Wtime() - MPI_Wtick());
    MPI_Pcontrol(1);
    return MPI_Finalize() == MPI_SUCCESS ? 0 : 1;
}
"#;

#[test]
fn a_guest_compiles_as_c_and_cxx() {
    let Some(clang) = clang("guest", "compiling a guest against mpi.h") else {
        return;
    };
    let dir = scratch("guest");
    let c = dir.join("guest.c");
    std::fs::write(&c, GUEST).unwrap();
    for std in ["-std=c99", "-std=c11", "-std=gnu17"] {
        run_clang(
            &clang,
            &[
                std,
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
            ],
            &c,
        );
    }
    let cxx = dir.join("guest.cpp");
    std::fs::write(
        &cxx,
        GUEST
            .replace("((int *)inout)", "static_cast<int *>(inout)")
            .replace("((int *)in)", "static_cast<int *>(in)"),
    )
    .unwrap();
    let clangxx = if clang.ends_with("clang") {
        format!("{clang}++")
    } else {
        clang.clone()
    };
    for std in ["-std=c++98", "-std=c++11", "-std=c++17"] {
        run_clang(
            &clangxx,
            &[
                "-x",
                "c++",
                std,
                "-fno-exceptions",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
            ],
            &cxx,
        );
    }
}

#[test]
fn the_compiler_agrees_with_the_crate() {
    let Some(clang) = clang(
        "asserts",
        "static assertions of constants, layouts and datatype sizes",
    ) else {
        return;
    };
    let mut src = String::from("#include <mpi.h>\n#include <stdint.h>\n#include <stddef.h>\n\n");
    let mut check = |cond: String, what: &str| {
        writeln!(src, "_Static_assert({cond}, \"{what}\");").unwrap();
    };
    // Integer constants (pointer-valued ones are not integer constant expressions in C, so
    // only the textual comparison above covers them).
    for group in mpi::GROUPS {
        if matches!(
            group.kind,
            mpi::Kind::BufferPointer | mpi::Kind::IgnorePointer | mpi::Kind::Callback
        ) {
            continue;
        }
        for &(name, value) in group.constants {
            check(format!("(long long)({name}) == {value}LL"), name);
        }
    }
    // Status layout.
    check(
        format!("sizeof(MPI_Status) == {}", mpi::STATUS_SIZE),
        "status size",
    );
    check(
        format!("_Alignof(MPI_Status) == {}", mpi::STATUS_ALIGN),
        "status alignment",
    );
    for (field, offset) in [
        ("MPI_SOURCE", mpi::STATUS_SOURCE),
        ("MPI_TAG", mpi::STATUS_TAG),
        ("MPI_ERROR", mpi::STATUS_ERROR),
        ("cancelled_", mpi::STATUS_CANCELLED),
        ("count_", mpi::STATUS_COUNT),
    ] {
        check(format!("offsetof(MPI_Status, {field}) == {offset}"), field);
    }
    check(
        "sizeof(((MPI_Status *)0)->count_) == 8".into(),
        "byte count is 8 bytes",
    );
    // Guest type sizes.
    check(
        format!("sizeof(MPI_Comm) == {}", mpi::HANDLE_SIZE),
        "handle size",
    );
    check(
        format!("sizeof(void *) == {}", mpi::HANDLE_SIZE),
        "pointer size",
    );
    check(
        format!("sizeof(MPI_Aint) == {}", mpi::AINT_SIZE),
        "MPI_Aint size",
    );
    check(
        format!("sizeof(MPI_Offset) == {}", mpi::OFFSET_SIZE),
        "MPI_Offset size",
    );
    check(
        format!("sizeof(MPI_Count) == {}", mpi::COUNT_SIZE),
        "MPI_Count size",
    );
    for d in mpi::DATATYPES {
        check(format!("sizeof({}) == {}", d.c_type, d.extent), d.name);
    }
    let dir = scratch("asserts");
    let file = dir.join("asserts.c");
    std::fs::write(&file, &src).unwrap();
    run_clang(
        &clang,
        &["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"],
        &file,
    );
}

#[test]
fn every_function_is_an_env_import_with_the_crates_signature() {
    let Some(clang) = clang("imports", "linking every MPI import") else {
        return;
    };
    // Reference every function so each becomes an import; link without --allow-undefined.
    let mut src = String::from("#include <mpi.h>\n\nstatic const void *const refs[] = {\n");
    for f in mpi::FUNCTIONS {
        writeln!(src, "    (const void *)&{f},").unwrap();
    }
    src.push_str(
        "};\n\n__attribute__((export_name(\"ref\"))) const void *ref(int i) { return refs[i]; }\n",
    );
    let dir = scratch("imports");
    let file = dir.join("imports.c");
    let wasm = dir.join("imports.wasm");
    std::fs::write(&file, &src).unwrap();
    let wasm_arg = wasm.to_str().unwrap();
    run_clang(
        &clang,
        &["-O1", "-nostdlib", "-Wl,--no-entry", "-o", wasm_arg],
        &file,
    );

    let bytes = std::fs::read(&wasm).unwrap();
    let imports = wasm_function_imports(&bytes);
    let mut expected: Vec<_> = mpi::SIGNATURES
        .iter()
        .map(|s| {
            (
                "env".to_string(),
                s.name.to_string(),
                s.params.to_vec(),
                vec![s.result],
            )
        })
        .collect();
    let mut actual = imports;
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    actual.sort_by(|a, b| a.1.cmp(&b.1));
    let mut problems = Vec::new();
    for e in &expected {
        match actual.iter().find(|a| a.1 == e.1) {
            None => problems.push(format!("{} is not imported", e.1)),
            Some(a) if a != e => {
                problems.push(format!("{}: wasm has {a:?}, crate says {e:?}", e.1))
            }
            Some(_) => {}
        }
    }
    for a in &actual {
        if !expected.iter().any(|e| e.1 == a.1) {
            problems.push(format!("unexpected import {}.{}", a.0, a.1));
        }
    }
    assert!(
        problems.is_empty(),
        "imports disagree with mpi::SIGNATURES:\n{}",
        problems.join("\n")
    );
}

/// A function import: module, name, parameter and result types.
type Import = (String, String, Vec<ValType>, Vec<ValType>);

/// Reads the function imports of a wasm module (just enough of the binary format for that).
fn wasm_function_imports(bytes: &[u8]) -> Vec<Import> {
    struct Reader<'a> {
        b: &'a [u8],
        pos: usize,
    }
    impl Reader<'_> {
        fn byte(&mut self) -> u8 {
            let v = self.b[self.pos];
            self.pos += 1;
            v
        }
        fn u32(&mut self) -> u32 {
            let (mut result, mut shift) = (0u32, 0);
            loop {
                let b = self.byte();
                result |= u32::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    return result;
                }
                shift += 7;
            }
        }
        fn name(&mut self) -> String {
            let len = self.u32() as usize;
            let s = std::str::from_utf8(&self.b[self.pos..self.pos + len])
                .unwrap()
                .to_string();
            self.pos += len;
            s
        }
        fn val_type(&mut self) -> ValType {
            match self.byte() {
                0x7f => ValType::I32,
                0x7e => ValType::I64,
                0x7d => ValType::F32,
                0x7c => ValType::F64,
                0x7b => ValType::V128,
                0x70 => ValType::FuncRef,
                b => panic!("unknown value type {b:#x}"),
            }
        }
        fn limits(&mut self) {
            let flags = self.byte();
            self.u32();
            if flags & 1 != 0 {
                self.u32();
            }
        }
    }

    assert_eq!(&bytes[..8], b"\0asm\x01\0\0\0", "not a wasm module");
    let mut r = Reader { b: bytes, pos: 8 };
    let mut types: Vec<(Vec<ValType>, Vec<ValType>)> = Vec::new();
    let mut imports = Vec::new();
    while r.pos < bytes.len() {
        let id = r.byte();
        let size = r.u32() as usize;
        let end = r.pos + size;
        match id {
            1 => {
                for _ in 0..r.u32() {
                    assert_eq!(r.byte(), 0x60, "not a function type");
                    let params = (0..r.u32()).map(|_| r.val_type()).collect();
                    let results = (0..r.u32()).map(|_| r.val_type()).collect();
                    types.push((params, results));
                }
            }
            2 => {
                for _ in 0..r.u32() {
                    let module = r.name();
                    let name = r.name();
                    match r.byte() {
                        0 => {
                            let (params, results) = types[r.u32() as usize].clone();
                            imports.push((module, name, params, results));
                        }
                        1 => {
                            r.byte();
                            r.limits();
                        }
                        2 => r.limits(),
                        3 => {
                            r.val_type();
                            r.byte();
                        }
                        k => panic!("unknown import kind {k}"),
                    }
                }
            }
            _ => {}
        }
        r.pos = end;
    }
    imports
}

#[test]
fn value_parser_reads_every_form() {
    assert_eq!(parse_value("3"), Some(3));
    assert_eq!(parse_value("0x100"), Some(256));
    assert_eq!(parse_value("(-32766)"), Some(-32766));
    assert_eq!(parse_value("((MPI_Datatype)-1)"), Some(-1));
    assert_eq!(parse_value("((void *)1)"), Some(1));
    assert_eq!(parse_value("((MPI_Comm_copy_attr_function *)-1)"), Some(-1));
    assert_eq!(parse_value("((MPI_Offset)-1)"), Some(-1));
    assert_eq!(parse_value("foo(1)"), None);
}
