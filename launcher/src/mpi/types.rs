//! Datatypes: derived-type constructors, commit and free, size and extent queries, envelopes
//! and contents, names, addresses, and packing.
//!
//! A derived guest datatype is a host datatype built from the guest's own displacements, so
//! the host computes exactly the guest's layout (sizes, extents, true bounds); after each
//! constructor the geometry is read back from the host into the handle's [`Datatype`], which
//! is what [`Cx::buffer`] checks every buffer against. Guest `MPI_Aint`s are 4 bytes and
//! sign-extended to the host's 8.
//!
//! The constructor arguments are also recorded in guest terms ([`TypeRecords`]), so
//! `MPI_Type_get_envelope`/`MPI_Type_get_contents` report the guest's own constants and
//! handles: a predefined constituent comes back as the very guest handle it was given (several
//! guest types share one host type: `MPI_INT`, `MPI_LONG`, ... are all host `MPI_INT32_T`),
//! a derived one as a new handle (the host's copy), to be freed by the caller. A derived
//! handle made elsewhere without a record gets one translated from the host's contents.
//!
//! Addresses (`MPI_Get_address`) are offsets in linear memory and `MPI_BOTTOM` is guest
//! address 0, which `Cx::buffer` turns into the memory's base: absolute displacements then
//! reach the right bytes. Being sign-extended, addresses from 2 GiB up become negative
//! displacements, which the bounds check refuses (`MPI_ERR_BUFFER`).
//!
//! Names of derived types live on the host (so the host's own conventions, such as Open MPI's
//! "Dup <name>", apply); names of predefined types are the guest ABI's (`MPI_LONG`, not the
//! host's `MPI_INT32_T`) and renaming one is kept here, never on the shared host type.

use super::cx::{Cx, MpiError, MpiResult};
use super::state::Datatype;
use crate::guest;
use mpi::ffi;
use std::collections::HashMap;
use std::ffi::{c_int, CString};
use std::rc::Rc;
use wasmpi_abi::mpi as abi;

/// A datatype argument of a constructor, as the guest gave it.
#[derive(Clone)]
enum Constituent {
    /// A predefined guest handle.
    Predefined(i32),
    /// A derived type (which the guest may have freed since).
    Derived(Rc<Contents>),
}

/// How a derived datatype was constructed, in guest terms (`MPI_Type_get_contents`).
struct Contents {
    combiner: i32,
    integers: Vec<i32>,
    addresses: Vec<i32>,
    datatypes: Vec<Constituent>,
}

/// Datatype bookkeeping beyond the handle table: constructor records of derived types and
/// names given to predefined types.
#[derive(Default)]
pub struct TypeRecords {
    contents: HashMap<i32, Rc<Contents>>,
    names: HashMap<i32, String>,
}

/// Name reported for derived types in error messages.
const DERIVED: &str = "derived datatype";

fn is_predefined(handle: i32) -> bool {
    handle < abi::FIRST_DYNAMIC_HANDLE
}

fn error(class: i32, message: impl Into<String>) -> MpiError {
    MpiError::new(class, message)
}

/// A guest `MPI_Aint` as the host's (sign-extended).
fn aint(value: i32) -> ffi::MPI_Aint {
    value as ffi::MPI_Aint
}

/// A host size or extent as a guest `MPI_Aint` or `int`, `MPI_UNDEFINED` if it does not fit.
fn to_guest_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(abi::MPI_UNDEFINED)
}

/// Host handle and guest record of a constructor's datatype argument.
fn constituent(cx: &mut Cx, handle: i32) -> MpiResult<(ffi::MPI_Datatype, Constituent)> {
    let dt = cx.datatype(handle)?;
    if is_predefined(handle) {
        return Ok((dt.host, Constituent::Predefined(handle)));
    }
    Ok((dt.host, Constituent::Derived(record(cx, handle, dt.host)?)))
}

/// The constructor record of derived guest handle `handle`: the one its constructor made or,
/// for a datatype handed out elsewhere (another area wrapping a host datatype in a handle),
/// one translated from the host's envelope and contents, then kept.
fn record(cx: &mut Cx, handle: i32, host: ffi::MPI_Datatype) -> MpiResult<Rc<Contents>> {
    if let Some(contents) = cx.mpi.type_records.contents.get(&handle) {
        return Ok(contents.clone());
    }
    let contents = contents_from_host(cx, host)?;
    cx.mpi
        .type_records
        .contents
        .insert(handle, contents.clone());
    Ok(contents)
}

/// Combiner names, to translate the host's combiner constants.
const COMBINERS: &[&str] = &[
    "MPI_COMBINER_NAMED",
    "MPI_COMBINER_DUP",
    "MPI_COMBINER_CONTIGUOUS",
    "MPI_COMBINER_VECTOR",
    "MPI_COMBINER_HVECTOR",
    "MPI_COMBINER_INDEXED",
    "MPI_COMBINER_HINDEXED",
    "MPI_COMBINER_INDEXED_BLOCK",
    "MPI_COMBINER_HINDEXED_BLOCK",
    "MPI_COMBINER_STRUCT",
    "MPI_COMBINER_SUBARRAY",
    "MPI_COMBINER_DARRAY",
    "MPI_COMBINER_F90_REAL",
    "MPI_COMBINER_F90_COMPLEX",
    "MPI_COMBINER_F90_INTEGER",
    "MPI_COMBINER_RESIZED",
];
const ORDERS: &[&str] = &["MPI_ORDER_C", "MPI_ORDER_FORTRAN"];
const DISTRIBUTIONS: &[&str] = &[
    "MPI_DISTRIBUTE_BLOCK",
    "MPI_DISTRIBUTE_CYCLIC",
    "MPI_DISTRIBUTE_NONE",
];
const DARGS: &[&str] = &["MPI_DISTRIBUTE_DFLT_DARG"];

/// The guest value of host constant `value`, one of `names` (unchanged if none matches).
fn constant_to_guest(cx: &Cx, value: i32, names: &[&str]) -> i32 {
    names
        .iter()
        .find(|name| cx.mpi.host.int(name) == value)
        .and_then(|name| abi::constant(name))
        .map_or(value, |v| v as i32)
}

/// A host datatype's envelope and contents: combiner, integers, addresses and datatypes (the
/// derived ones are the host's copies, which the caller frees).
type HostContents = (i32, Vec<c_int>, Vec<ffi::MPI_Aint>, Vec<ffi::MPI_Datatype>);

fn host_contents(cx: &Cx, host: ffi::MPI_Datatype) -> MpiResult<HostContents> {
    let (mut ni, mut na, mut nd, mut comb) = (0, 0, 0, 0);
    // SAFETY: a live host datatype and valid out-pointers.
    cx.check(unsafe { ffi::MPI_Type_get_envelope(host, &mut ni, &mut na, &mut nd, &mut comb) })?;
    if comb == cx.mpi.host.int("MPI_COMBINER_NAMED") {
        return Ok((comb, Vec::new(), Vec::new(), Vec::new()));
    }
    let len = |n: c_int| usize::try_from(n).unwrap_or(0);
    let mut ints = vec![0; len(ni)];
    let mut addrs = vec![0; len(na)];
    let mut types = vec![cx.mpi.null_datatype; len(nd)];
    // SAFETY: arrays of exactly the sizes the host's envelope gives.
    cx.check(unsafe {
        ffi::MPI_Type_get_contents(
            host,
            ni,
            na,
            nd,
            ints.as_mut_ptr(),
            addrs.as_mut_ptr(),
            types.as_mut_ptr(),
        )
    })?;
    Ok((comb, ints, addrs, types))
}

/// Whether a host datatype is predefined.
fn host_is_named(cx: &Cx, host: ffi::MPI_Datatype) -> MpiResult<bool> {
    let (mut ni, mut na, mut nd, mut comb) = (0, 0, 0, 0);
    // SAFETY: a live host datatype and valid out-pointers.
    cx.check(unsafe { ffi::MPI_Type_get_envelope(host, &mut ni, &mut na, &mut nd, &mut comb) })?;
    Ok(comb == cx.mpi.host.int("MPI_COMBINER_NAMED"))
}

/// The guest record of a derived host datatype, translated from the host's contents:
/// combiners, orders and distributions to guest constants, predefined host datatypes to the
/// first guest handle carried by them (`MPI_INT32_T` for the host's `MPI_INT32_T`, which also
/// carries guest `MPI_INT` and `MPI_LONG`).
fn contents_from_host(cx: &Cx, host: ffi::MPI_Datatype) -> MpiResult<Rc<Contents>> {
    let (comb, mut integers, addrs, types) = host_contents(cx, host)?;
    let result = (|| {
        let combiner = constant_to_guest(cx, comb, COMBINERS);
        if combiner == abi::MPI_COMBINER_NAMED {
            return Err(error(abi::MPI_ERR_TYPE, "a predefined host datatype"));
        }
        let ndims = |at: usize| {
            integers
                .get(at)
                .map_or(0, |&n| usize::try_from(n).unwrap_or(0))
        };
        // (position of the first constant, how many, which constants)
        let constants: &[(usize, usize, &[&str])] = match combiner {
            abi::MPI_COMBINER_SUBARRAY => &[(1 + 3 * ndims(0), 1, ORDERS)],
            abi::MPI_COMBINER_DARRAY => {
                let n = ndims(2);
                &[
                    (3 + n, n, DISTRIBUTIONS),
                    (3 + 2 * n, n, DARGS),
                    (3 + 4 * n, 1, ORDERS),
                ]
            }
            _ => &[],
        };
        for &(first, n, names) in constants {
            for v in integers.iter_mut().skip(first).take(n) {
                *v = constant_to_guest(cx, *v, names);
            }
        }
        let addresses = addrs
            .iter()
            .map(|&a| {
                i32::try_from(a).map_err(|_| {
                    error(
                        abi::MPI_ERR_TYPE,
                        format!("displacement {a} does not fit a guest MPI_Aint"),
                    )
                })
            })
            .collect::<MpiResult<Vec<_>>>()?;
        let datatypes = types
            .iter()
            .map(|&t| {
                if !host_is_named(cx, t)? {
                    return Ok(Constituent::Derived(contents_from_host(cx, t)?));
                }
                (0..abi::FIRST_DYNAMIC_HANDLE)
                    .find(|&h| cx.mpi.datatypes.get(h).is_some_and(|dt| dt.host == t))
                    .map(Constituent::Predefined)
                    .ok_or_else(|| {
                        error(
                            abi::MPI_ERR_TYPE,
                            "a host datatype with no guest equivalent",
                        )
                    })
            })
            .collect::<MpiResult<Vec<_>>>()?;
        Ok(Rc::new(Contents {
            combiner,
            integers,
            addresses,
            datatypes,
        }))
    })();
    for &t in &types {
        if !host_is_named(cx, t).unwrap_or(true) {
            discard(t);
        }
    }
    result
}

/// Reads `count` guest `MPI_Aint`s as host ones.
fn read_aints(cx: &Cx, addr: u32, count: i32) -> MpiResult<(Vec<i32>, Vec<ffi::MPI_Aint>)> {
    let guest = cx.read_i32s(addr, count)?;
    let host = guest.iter().map(|&v| aint(v)).collect();
    Ok((guest, host))
}

/// Rejects a negative count before it reaches the host.
fn check_count(count: i32) -> MpiResult<()> {
    if count < 0 {
        return Err(error(abi::MPI_ERR_COUNT, format!("negative count {count}")));
    }
    Ok(())
}

/// The geometry of a host datatype, as the host computes it.
fn geometry(cx: &Cx, host: ffi::MPI_Datatype) -> MpiResult<Datatype> {
    let (mut size, mut lb, mut extent, mut true_lb, mut true_extent) = (0, 0, 0, 0, 0);
    // SAFETY: a live host datatype and valid out-pointers.
    unsafe {
        cx.check(ffi::MPI_Type_size_x(host, &mut size))?;
        cx.check(ffi::MPI_Type_get_extent_x(host, &mut lb, &mut extent))?;
        cx.check(ffi::MPI_Type_get_true_extent_x(
            host,
            &mut true_lb,
            &mut true_extent,
        ))?;
    }
    Ok(Datatype {
        host,
        size,
        extent,
        true_lb,
        true_extent,
        name: DERIVED,
    })
}

/// Frees a host datatype the guest never got a handle for (cleanup after an error).
fn discard(mut host: ffi::MPI_Datatype) {
    // SAFETY: a derived host datatype owned by the caller; an error leaves nothing to undo.
    unsafe { ffi::MPI_Type_free(&mut host) };
}

/// Gives a new derived host datatype a guest handle, with its geometry and record.
fn register(cx: &mut Cx, host: ffi::MPI_Datatype, contents: Rc<Contents>) -> MpiResult<i32> {
    let dt = match geometry(cx, host) {
        Ok(dt) => dt,
        Err(e) => {
            discard(host);
            return Err(e);
        }
    };
    let handle = cx.mpi.datatypes.insert(dt);
    cx.mpi.type_records.contents.insert(handle, contents);
    Ok(handle)
}

/// Runs a host constructor and stores the result under a new guest handle written to `out`.
fn construct(
    cx: &mut Cx,
    out: u32,
    contents: Contents,
    make: impl FnOnce(*mut ffi::MPI_Datatype) -> c_int,
) -> MpiResult<()> {
    construct_handle(cx, out, contents, make).map(drop)
}

/// [`construct`], returning the new handle.
fn construct_handle(
    cx: &mut Cx,
    out: u32,
    contents: Contents,
    make: impl FnOnce(*mut ffi::MPI_Datatype) -> c_int,
) -> MpiResult<i32> {
    guest::check_writable(cx.mem(), out, abi::HANDLE_SIZE as usize)?;
    let mut host = cx.mpi.null_datatype;
    cx.check(make(&mut host))?;
    let handle = register(cx, host, Rc::new(contents))?;
    cx.write_i32(out, handle)?;
    Ok(handle)
}

fn type_contiguous(cx: &mut Cx, count: i32, oldtype: i32, newtype: u32) -> MpiResult<()> {
    check_count(count)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_CONTIGUOUS,
        integers: vec![count],
        addresses: vec![],
        datatypes: vec![c],
    };
    // SAFETY: live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_contiguous(count, old, out)
    })
}

fn type_vector(
    cx: &mut Cx,
    count: i32,
    blocklength: i32,
    stride: i32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    check_count(count)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_VECTOR,
        integers: vec![count, blocklength, stride],
        addresses: vec![],
        datatypes: vec![c],
    };
    // SAFETY: live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_vector(count, blocklength, stride, old, out)
    })
}

fn type_create_hvector(
    cx: &mut Cx,
    count: i32,
    blocklength: i32,
    stride: i32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    check_count(count)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_HVECTOR,
        integers: vec![count, blocklength],
        addresses: vec![stride],
        datatypes: vec![c],
    };
    // SAFETY: live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_hvector(count, blocklength, aint(stride), old, out)
    })
}

fn type_indexed(
    cx: &mut Cx,
    count: i32,
    blocklengths: u32,
    displacements: u32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    let lengths = cx.read_i32s(blocklengths, count)?;
    let disps = cx.read_i32s(displacements, count)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_INDEXED,
        integers: [&[count][..], &lengths, &disps].concat(),
        addresses: vec![],
        datatypes: vec![c],
    };
    // SAFETY: arrays of `count` ints, live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_indexed(count, lengths.as_ptr(), disps.as_ptr(), old, out)
    })
}

fn type_create_hindexed(
    cx: &mut Cx,
    count: i32,
    blocklengths: u32,
    displacements: u32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    let lengths = cx.read_i32s(blocklengths, count)?;
    let (guest_disps, disps) = read_aints(cx, displacements, count)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_HINDEXED,
        integers: [&[count][..], &lengths].concat(),
        addresses: guest_disps,
        datatypes: vec![c],
    };
    // SAFETY: arrays of `count` elements, live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_hindexed(count, lengths.as_ptr(), disps.as_ptr(), old, out)
    })
}

fn type_create_indexed_block(
    cx: &mut Cx,
    count: i32,
    blocklength: i32,
    displacements: u32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    let disps = cx.read_i32s(displacements, count)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_INDEXED_BLOCK,
        integers: [&[count, blocklength][..], &disps].concat(),
        addresses: vec![],
        datatypes: vec![c],
    };
    // SAFETY: an array of `count` ints, live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_indexed_block(count, blocklength, disps.as_ptr(), old, out)
    })
}

fn type_create_hindexed_block(
    cx: &mut Cx,
    count: i32,
    blocklength: i32,
    displacements: u32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    let (guest_disps, disps) = read_aints(cx, displacements, count)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_HINDEXED_BLOCK,
        integers: vec![count, blocklength],
        addresses: guest_disps,
        datatypes: vec![c],
    };
    // SAFETY: an array of `count` MPI_Aints, live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_hindexed_block(count, blocklength, disps.as_ptr(), old, out)
    })
}

fn type_create_struct(
    cx: &mut Cx,
    count: i32,
    blocklengths: u32,
    displacements: u32,
    types: u32,
    newtype: u32,
) -> MpiResult<()> {
    let lengths = cx.read_i32s(blocklengths, count)?;
    let (guest_disps, disps) = read_aints(cx, displacements, count)?;
    let (hosts, constituents): (Vec<_>, Vec<_>) = cx
        .read_i32s(types, count)?
        .into_iter()
        .map(|h| constituent(cx, h))
        .collect::<MpiResult<Vec<_>>>()?
        .into_iter()
        .unzip();
    let contents = Contents {
        combiner: abi::MPI_COMBINER_STRUCT,
        integers: [&[count][..], &lengths].concat(),
        addresses: guest_disps,
        datatypes: constituents,
    };
    // SAFETY: arrays of `count` elements, live host datatypes, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_struct(count, lengths.as_ptr(), disps.as_ptr(), hosts.as_ptr(), out)
    })
}

/// Host value of a guest array order.
fn order_to_host(cx: &Cx, order: i32) -> MpiResult<i32> {
    match order {
        abi::MPI_ORDER_C => Ok(cx.mpi.host.int("MPI_ORDER_C")),
        abi::MPI_ORDER_FORTRAN => Ok(cx.mpi.host.int("MPI_ORDER_FORTRAN")),
        other => Err(error(
            abi::MPI_ERR_ARG,
            format!("invalid array order {other}"),
        )),
    }
}

fn type_create_subarray(
    cx: &mut Cx,
    ndims: i32,
    sizes: u32,
    subsizes: u32,
    starts: u32,
    order: i32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    let sizes = cx.read_i32s(sizes, ndims)?;
    let subsizes = cx.read_i32s(subsizes, ndims)?;
    let starts = cx.read_i32s(starts, ndims)?;
    let host_order = order_to_host(cx, order)?;
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_SUBARRAY,
        integers: [&[ndims][..], &sizes, &subsizes, &starts, &[order]].concat(),
        addresses: vec![],
        datatypes: vec![c],
    };
    // SAFETY: arrays of `ndims` ints, live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_subarray(
            ndims,
            sizes.as_ptr(),
            subsizes.as_ptr(),
            starts.as_ptr(),
            host_order,
            old,
            out,
        )
    })
}

fn type_create_darray(
    cx: &mut Cx,
    size: i32,
    rank: i32,
    ndims: i32,
    gsizes: u32,
    distribs: u32,
    dargs: u32,
    psizes: u32,
    order: i32,
    oldtype: i32,
    newtype: u32,
) -> MpiResult<()> {
    let gsizes = cx.read_i32s(gsizes, ndims)?;
    let distribs = cx.read_i32s(distribs, ndims)?;
    let dargs = cx.read_i32s(dargs, ndims)?;
    let psizes = cx.read_i32s(psizes, ndims)?;
    let host_order = order_to_host(cx, order)?;
    let host_distribs = distribs
        .iter()
        .map(|&d| match d {
            abi::MPI_DISTRIBUTE_BLOCK => Ok(cx.mpi.host.int("MPI_DISTRIBUTE_BLOCK")),
            abi::MPI_DISTRIBUTE_CYCLIC => Ok(cx.mpi.host.int("MPI_DISTRIBUTE_CYCLIC")),
            abi::MPI_DISTRIBUTE_NONE => Ok(cx.mpi.host.int("MPI_DISTRIBUTE_NONE")),
            other => Err(error(
                abi::MPI_ERR_ARG,
                format!("invalid distribution {other}"),
            )),
        })
        .collect::<MpiResult<Vec<_>>>()?;
    let host_dargs: Vec<i32> = dargs
        .iter()
        .map(|&d| match d {
            abi::MPI_DISTRIBUTE_DFLT_DARG => cx.mpi.host.int("MPI_DISTRIBUTE_DFLT_DARG"),
            other => other,
        })
        .collect();
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_DARRAY,
        integers: [
            &[size, rank, ndims][..],
            &gsizes,
            &distribs,
            &dargs,
            &psizes,
            &[order],
        ]
        .concat(),
        addresses: vec![],
        datatypes: vec![c],
    };
    // SAFETY: arrays of `ndims` ints, live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_darray(
            size,
            rank,
            ndims,
            gsizes.as_ptr(),
            host_distribs.as_ptr(),
            host_dargs.as_ptr(),
            psizes.as_ptr(),
            host_order,
            old,
            out,
        )
    })
}

fn type_create_resized(
    cx: &mut Cx,
    oldtype: i32,
    lb: i32,
    extent: i32,
    newtype: u32,
) -> MpiResult<()> {
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_RESIZED,
        integers: vec![],
        addresses: vec![lb, extent],
        datatypes: vec![c],
    };
    // SAFETY: live host datatype, valid out-pointer.
    construct(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_create_resized(old, aint(lb), aint(extent), out)
    })
}

/// The host's name of a host datatype.
fn host_name(cx: &Cx, host: ffi::MPI_Datatype) -> MpiResult<Vec<u8>> {
    let mut buf = vec![0u8; 1024];
    let mut len = 0;
    // SAFETY: the buffer is larger than any host MPI_MAX_OBJECT_NAME.
    cx.check(unsafe { ffi::MPI_Type_get_name(host, buf.as_mut_ptr().cast(), &mut len) })?;
    buf.truncate(usize::try_from(len).unwrap_or(0).min(buf.len()));
    Ok(buf)
}

/// Sets the host's name of a derived host datatype.
fn set_host_name(cx: &Cx, host: ffi::MPI_Datatype, name: &[u8]) -> MpiResult<()> {
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    let name = CString::new(&name[..end])
        .map_err(|_| error(abi::MPI_ERR_INTERN, "name with a NUL byte"))?;
    // SAFETY: a live derived host datatype and a NUL-terminated string.
    cx.check(unsafe { ffi::MPI_Type_set_name(host, name.as_ptr()) })
}

/// The guest's name of a datatype.
fn guest_name(cx: &Cx, handle: i32) -> MpiResult<Vec<u8>> {
    let dt = cx.datatype(handle)?;
    if !is_predefined(handle) {
        return host_name(cx, dt.host);
    }
    Ok(match cx.mpi.type_records.names.get(&handle) {
        Some(name) => name.as_bytes().to_vec(),
        None => dt.name.as_bytes().to_vec(),
    })
}

fn type_dup(cx: &mut Cx, oldtype: i32, newtype: u32) -> MpiResult<()> {
    let (old, c) = constituent(cx, oldtype)?;
    let contents = Contents {
        combiner: abi::MPI_COMBINER_DUP,
        integers: vec![],
        addresses: vec![],
        datatypes: vec![c],
    };
    // SAFETY: live host datatype, valid out-pointer.
    let handle = construct_handle(cx, newtype, contents, |out| unsafe {
        ffi::MPI_Type_dup(old, out)
    })?;
    if is_predefined(oldtype) {
        // A host that derives the copy's name from the original's (Open MPI: "Dup MPI_INT")
        // named it after the host type: name it after the guest's instead.
        let host = cx.datatype(handle)?.host;
        let (old_host_name, new_name) = (host_name(cx, old)?, host_name(cx, host)?);
        if let Some(at) = find(&new_name, &old_host_name) {
            let renamed = [
                &new_name[..at],
                &guest_name(cx, oldtype)?[..],
                &new_name[at + old_host_name.len()..],
            ]
            .concat();
            set_host_name(cx, host, &renamed)?;
        }
    }
    Ok(())
}

/// Position of a non-empty `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn type_commit(cx: &mut Cx, datatype: u32) -> MpiResult<()> {
    let handle = cx.read_i32(datatype)?;
    let dt = cx.datatype(handle)?;
    if is_predefined(handle) {
        return Ok(());
    }
    let mut host = dt.host;
    // SAFETY: a live derived host datatype.
    cx.check(unsafe { ffi::MPI_Type_commit(&mut host) })?;
    if let Some(entry) = cx.mpi.datatypes.get_mut(handle) {
        entry.host = host;
    }
    Ok(())
}

fn type_free(cx: &mut Cx, datatype: u32) -> MpiResult<()> {
    let handle = cx.read_i32(datatype)?;
    let dt = cx.datatype(handle)?;
    if is_predefined(handle) {
        return Err(error(
            abi::MPI_ERR_TYPE,
            format!("predefined datatype {} cannot be freed", dt.name),
        ));
    }
    guest::check_writable(cx.mem(), datatype, abi::HANDLE_SIZE as usize)?;
    let mut host = dt.host;
    // SAFETY: a live derived host datatype, which the guest handle owns.
    cx.check(unsafe { ffi::MPI_Type_free(&mut host) })?;
    cx.mpi.datatypes.remove(handle);
    cx.mpi.type_records.contents.remove(&handle);
    cx.write_i32(datatype, abi::MPI_DATATYPE_NULL)
}

/// The predefined guest datatype of each (type class, size) pair, in C terms.
const MATCHES: &[(i32, i32, i32)] = &[
    (abi::MPI_TYPECLASS_INTEGER, 1, abi::MPI_INT8_T),
    (abi::MPI_TYPECLASS_INTEGER, 2, abi::MPI_INT16_T),
    (abi::MPI_TYPECLASS_INTEGER, 4, abi::MPI_INT),
    (abi::MPI_TYPECLASS_INTEGER, 8, abi::MPI_LONG_LONG),
    (abi::MPI_TYPECLASS_REAL, 4, abi::MPI_FLOAT),
    (abi::MPI_TYPECLASS_REAL, 8, abi::MPI_DOUBLE),
    (abi::MPI_TYPECLASS_REAL, 16, abi::MPI_LONG_DOUBLE),
    (abi::MPI_TYPECLASS_COMPLEX, 8, abi::MPI_C_FLOAT_COMPLEX),
    (abi::MPI_TYPECLASS_COMPLEX, 16, abi::MPI_C_DOUBLE_COMPLEX),
    (
        abi::MPI_TYPECLASS_COMPLEX,
        32,
        abi::MPI_C_LONG_DOUBLE_COMPLEX,
    ),
];

fn type_match_size(cx: &mut Cx, typeclass: i32, size: i32, datatype: u32) -> MpiResult<()> {
    let handle = MATCHES
        .iter()
        .find(|(class, bytes, _)| *class == typeclass && *bytes == size)
        .map(|(_, _, handle)| *handle)
        .ok_or_else(|| {
            error(
                abi::MPI_ERR_ARG,
                format!("no datatype of type class {typeclass} and size {size}"),
            )
        })?;
    cx.write_i32(datatype, handle)
}

fn type_size(cx: &mut Cx, datatype: i32, size: u32) -> MpiResult<()> {
    let dt = cx.datatype(datatype)?;
    cx.write_i32(size, to_guest_i32(dt.size))
}

/// Writes a guest `MPI_Count`.
fn write_count(cx: &mut Cx, addr: u32, value: i64) -> MpiResult<()> {
    Ok(guest::write_u64(cx.mem(), addr, value as u64)?)
}

fn type_size_x(cx: &mut Cx, datatype: i32, size: u32) -> MpiResult<()> {
    let dt = cx.datatype(datatype)?;
    write_count(cx, size, dt.size)
}

/// Lower bound and extent of a datatype.
fn extent_of(cx: &Cx, handle: i32) -> MpiResult<(i64, i64)> {
    let dt = cx.datatype(handle)?;
    if is_predefined(handle) {
        return Ok((0, dt.extent));
    }
    let (mut lb, mut extent) = (0, 0);
    // SAFETY: a live host datatype and valid out-pointers.
    cx.check(unsafe { ffi::MPI_Type_get_extent_x(dt.host, &mut lb, &mut extent) })?;
    Ok((lb, extent))
}

fn type_get_extent(cx: &mut Cx, datatype: i32, lb: u32, extent: u32) -> MpiResult<()> {
    let (l, e) = extent_of(cx, datatype)?;
    cx.write_i32(lb, to_guest_i32(l))?;
    cx.write_i32(extent, to_guest_i32(e))
}

fn type_get_extent_x(cx: &mut Cx, datatype: i32, lb: u32, extent: u32) -> MpiResult<()> {
    let (l, e) = extent_of(cx, datatype)?;
    write_count(cx, lb, l)?;
    write_count(cx, extent, e)
}

fn type_get_true_extent(cx: &mut Cx, datatype: i32, lb: u32, extent: u32) -> MpiResult<()> {
    let dt = cx.datatype(datatype)?;
    cx.write_i32(lb, to_guest_i32(dt.true_lb))?;
    cx.write_i32(extent, to_guest_i32(dt.true_extent))
}

fn type_get_true_extent_x(cx: &mut Cx, datatype: i32, lb: u32, extent: u32) -> MpiResult<()> {
    let dt = cx.datatype(datatype)?;
    write_count(cx, lb, dt.true_lb)?;
    write_count(cx, extent, dt.true_extent)
}

/// The constructor record of a guest datatype (`None` for predefined types).
fn contents_of(cx: &mut Cx, handle: i32) -> MpiResult<Option<Rc<Contents>>> {
    let dt = cx.datatype(handle)?;
    if is_predefined(handle) {
        return Ok(None);
    }
    record(cx, handle, dt.host).map(Some)
}

fn type_get_envelope(
    cx: &mut Cx,
    datatype: i32,
    num_integers: u32,
    num_addresses: u32,
    num_datatypes: u32,
    combiner: u32,
) -> MpiResult<()> {
    let (ni, na, nd, comb) = match contents_of(cx, datatype)? {
        None => (0, 0, 0, abi::MPI_COMBINER_NAMED),
        Some(c) => (
            c.integers.len() as i32,
            c.addresses.len() as i32,
            c.datatypes.len() as i32,
            c.combiner,
        ),
    };
    cx.write_i32(num_integers, ni)?;
    cx.write_i32(num_addresses, na)?;
    cx.write_i32(num_datatypes, nd)?;
    cx.write_i32(combiner, comb)
}

/// The host's copies of the constituent datatypes of a derived host datatype.
fn host_constituents(cx: &Cx, host: ffi::MPI_Datatype) -> MpiResult<Vec<ffi::MPI_Datatype>> {
    host_contents(cx, host).map(|(_, _, _, types)| types)
}

fn type_get_contents(
    cx: &mut Cx,
    datatype: i32,
    max_integers: i32,
    max_addresses: i32,
    max_datatypes: i32,
    integers: u32,
    addresses: u32,
    datatypes: u32,
) -> MpiResult<()> {
    let contents = contents_of(cx, datatype)?.ok_or_else(|| {
        error(
            abi::MPI_ERR_TYPE,
            "MPI_Type_get_contents of a predefined datatype",
        )
    })?;
    let (ni, na, nd) = (
        contents.integers.len(),
        contents.addresses.len(),
        contents.datatypes.len(),
    );
    for (what, max, n) in [
        ("integers", max_integers, ni),
        ("addresses", max_addresses, na),
        ("datatypes", max_datatypes, nd),
    ] {
        if usize::try_from(max).map_or(true, |max| max < n) {
            return Err(error(
                abi::MPI_ERR_ARG,
                format!("max_{what} {max} is less than the {n} of the datatype"),
            ));
        }
    }
    for (addr, n) in [(integers, ni), (addresses, na), (datatypes, nd)] {
        guest::check_writable(cx.mem(), addr, n * 4)?;
    }
    let derived = contents
        .datatypes
        .iter()
        .any(|c| matches!(c, Constituent::Derived(_)));
    let hosts = if derived {
        let host = cx.datatype(datatype)?.host;
        let hosts = host_constituents(cx, host)?;
        if hosts.len() != nd {
            return Err(error(
                abi::MPI_ERR_INTERN,
                "the host's datatype contents differ from the guest's",
            ));
        }
        hosts
    } else {
        Vec::new()
    };
    let mut handles = Vec::with_capacity(nd);
    let mut failure = None;
    for (i, c) in contents.datatypes.iter().enumerate() {
        match c {
            Constituent::Predefined(h) => handles.push(*h),
            Constituent::Derived(_) if failure.is_some() => discard(hosts[i]),
            Constituent::Derived(inner) => match register(cx, hosts[i], inner.clone()) {
                Ok(h) => handles.push(h),
                Err(e) => failure = Some(e),
            },
        }
    }
    if let Some(e) = failure {
        for &h in handles.iter().filter(|&&h| !is_predefined(h)) {
            if let Some(dt) = cx.mpi.datatypes.remove(h) {
                cx.mpi.type_records.contents.remove(&h);
                discard(dt.host);
            }
        }
        return Err(e);
    }
    cx.write_i32s(integers, &contents.integers)?;
    cx.write_i32s(addresses, &contents.addresses)?;
    cx.write_i32s(datatypes, &handles)
}

/// Longest name the guest can give (without the NUL): the smaller of the guest's and the
/// host's limits, so names are truncated as the host truncates its own.
fn max_name_len(cx: &Cx) -> usize {
    let host = usize::try_from(cx.mpi.host.int("MPI_MAX_OBJECT_NAME")).unwrap_or(0);
    let guest = abi::MPI_MAX_OBJECT_NAME as usize;
    host.clamp(1, guest) - 1
}

fn type_set_name(cx: &mut Cx, datatype: i32, name: u32) -> MpiResult<()> {
    let dt = cx.datatype(datatype)?;
    let max = max_name_len(cx);
    let text = cx
        .mem()
        .get(name as usize..)
        .and_then(|rest| rest.iter().position(|&b| b == 0).map(|n| &rest[..n]))
        .ok_or_else(|| error(abi::MPI_ERR_ARG, "name is not a string in linear memory"))?;
    let text = text[..text.len().min(max)].to_vec();
    if is_predefined(datatype) {
        let text = String::from_utf8_lossy(&text).into_owned();
        cx.mpi.type_records.names.insert(datatype, text);
        return Ok(());
    }
    set_host_name(cx, dt.host, &text)
}

fn type_get_name(cx: &mut Cx, datatype: i32, name: u32, resultlen: u32) -> MpiResult<()> {
    let mut text = guest_name(cx, datatype)?;
    text.truncate(abi::MPI_MAX_OBJECT_NAME as usize - 1);
    let len = text.len() as i32;
    text.push(0);
    guest::check_writable(cx.mem(), resultlen, 4)?;
    guest::write_bytes(cx.mem(), name, &text)?;
    cx.write_i32(resultlen, len)
}

/// The address of a location is its offset in linear memory (what `MPI_BOTTOM` adds to).
fn get_address(cx: &mut Cx, location: u32, address: u32) -> MpiResult<()> {
    cx.write_i32(address, location as i32)
}

/// A host pointer to `size` bytes of packed data at guest address `addr`.
fn packed_buffer(cx: &Cx, addr: u32, size: i32) -> MpiResult<*mut std::ffi::c_void> {
    if size < 0 {
        return Err(error(
            abi::MPI_ERR_ARG,
            format!("negative buffer size {size}"),
        ));
    }
    cx.buffer(addr, size, &cx.datatype(abi::MPI_PACKED)?)
}

/// Reads the in/out position of a pack buffer and checks it lies within its `size` bytes.
fn read_position(cx: &mut Cx, position: u32, size: i32) -> MpiResult<i32> {
    let pos = cx.read_i32(position)?;
    if !(0..=size).contains(&pos) {
        return Err(error(
            abi::MPI_ERR_ARG,
            format!("position {pos} outside the buffer of {size} bytes"),
        ));
    }
    guest::check_writable(cx.mem(), position, 4)?;
    Ok(pos)
}

fn pack(
    cx: &mut Cx,
    inbuf: u32,
    incount: i32,
    datatype: i32,
    outbuf: u32,
    outsize: i32,
    position: u32,
    comm: i32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let (input, dt) = cx.typed_buffer(inbuf, incount, datatype)?;
    let output = packed_buffer(cx, outbuf, outsize)?;
    let mut pos = read_position(cx, position, outsize)?;
    // SAFETY: both buffers were checked to lie in linear memory; the host writes only within
    // [outbuf + position, outbuf + outsize), with 0 <= position <= outsize checked.
    cx.check(unsafe { ffi::MPI_Pack(input, incount, dt, output, outsize, &mut pos, comm) })?;
    cx.write_i32(position, pos)
}

fn unpack(
    cx: &mut Cx,
    inbuf: u32,
    insize: i32,
    position: u32,
    outbuf: u32,
    outcount: i32,
    datatype: i32,
    comm: i32,
) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    let input = packed_buffer(cx, inbuf, insize)?;
    let (output, dt) = cx.typed_buffer(outbuf, outcount, datatype)?;
    let mut pos = read_position(cx, position, insize)?;
    // SAFETY: both buffers were checked to lie in linear memory; the host reads only within
    // [inbuf + position, inbuf + insize), with 0 <= position <= insize checked.
    cx.check(unsafe { ffi::MPI_Unpack(input, insize, &mut pos, output, outcount, dt, comm) })?;
    cx.write_i32(position, pos)
}

fn pack_size(cx: &mut Cx, incount: i32, datatype: i32, comm: i32, size: u32) -> MpiResult<()> {
    let comm = cx.comm(comm)?;
    check_count(incount)?;
    let dt = cx.datatype(datatype)?;
    let mut bytes = 0;
    // SAFETY: live handles and a valid out-pointer.
    cx.check(unsafe { ffi::MPI_Pack_size(incount, dt.host, comm, &mut bytes) })?;
    cx.write_i32(size, bytes)
}

super::mpi_functions! {
    type_contiguous => MPI_Type_contiguous(count: i32, oldtype: i32, newtype: u32);
    type_vector => MPI_Type_vector(count: i32, blocklength: i32, stride: i32, oldtype: i32, newtype: u32);
    type_create_hvector => MPI_Type_create_hvector(count: i32, blocklength: i32, stride: i32, oldtype: i32, newtype: u32);
    type_indexed => MPI_Type_indexed(count: i32, blocklengths: u32, displacements: u32, oldtype: i32, newtype: u32);
    type_create_hindexed => MPI_Type_create_hindexed(count: i32, blocklengths: u32, displacements: u32, oldtype: i32, newtype: u32);
    type_create_indexed_block => MPI_Type_create_indexed_block(count: i32, blocklength: i32, displacements: u32, oldtype: i32, newtype: u32);
    type_create_hindexed_block => MPI_Type_create_hindexed_block(count: i32, blocklength: i32, displacements: u32, oldtype: i32, newtype: u32);
    type_create_struct => MPI_Type_create_struct(count: i32, blocklengths: u32, displacements: u32, types: u32, newtype: u32);
    type_create_subarray => MPI_Type_create_subarray(ndims: i32, sizes: u32, subsizes: u32, starts: u32, order: i32, oldtype: i32, newtype: u32);
    type_create_darray => MPI_Type_create_darray(size: i32, rank: i32, ndims: i32, gsizes: u32, distribs: u32, dargs: u32, psizes: u32, order: i32, oldtype: i32, newtype: u32);
    type_create_resized => MPI_Type_create_resized(oldtype: i32, lb: i32, extent: i32, newtype: u32);
    type_dup => MPI_Type_dup(oldtype: i32, newtype: u32);
    type_commit => MPI_Type_commit(datatype: u32);
    type_free => MPI_Type_free(datatype: u32);
    type_match_size => MPI_Type_match_size(typeclass: i32, size: i32, datatype: u32);
    type_size => MPI_Type_size(datatype: i32, size: u32);
    type_size_x => MPI_Type_size_x(datatype: i32, size: u32);
    type_get_extent => MPI_Type_get_extent(datatype: i32, lb: u32, extent: u32);
    type_get_extent_x => MPI_Type_get_extent_x(datatype: i32, lb: u32, extent: u32);
    type_get_true_extent => MPI_Type_get_true_extent(datatype: i32, true_lb: u32, true_extent: u32);
    type_get_true_extent_x => MPI_Type_get_true_extent_x(datatype: i32, true_lb: u32, true_extent: u32);
    type_get_envelope => MPI_Type_get_envelope(datatype: i32, num_integers: u32, num_addresses: u32, num_datatypes: u32, combiner: u32);
    type_get_contents => MPI_Type_get_contents(datatype: i32, max_integers: i32, max_addresses: i32, max_datatypes: i32,
        integers: u32, addresses: u32, datatypes: u32);
    type_set_name => MPI_Type_set_name(datatype: i32, name: u32);
    type_get_name => MPI_Type_get_name(datatype: i32, name: u32, resultlen: u32);
    get_address => MPI_Get_address(location: u32, address: u32);
    pack => MPI_Pack(inbuf: u32, incount: i32, datatype: i32, outbuf: u32, outsize: i32, position: u32, comm: i32);
    unpack => MPI_Unpack(inbuf: u32, insize: i32, position: u32, outbuf: u32, outcount: i32, datatype: i32, comm: i32);
    pack_size => MPI_Pack_size(incount: i32, datatype: i32, comm: i32, size: u32);
}

unsafe extern "C" fn aint_add(_vmctx: *mut crate::host::VmCtx, base: i32, disp: i32) -> i32 {
    base.wrapping_add(disp)
}

unsafe extern "C" fn aint_diff(_vmctx: *mut crate::host::VmCtx, addr1: i32, addr2: i32) -> i32 {
    addr1.wrapping_sub(addr2)
}

/// `MPI_Aint_add` and `MPI_Aint_diff`, whose wasm result is an `MPI_Aint`, not an error code:
/// 32-bit guest address arithmetic, wrapping as the guest's own would.
pub(super) fn address_functions() -> Vec<crate::host::HostFunc> {
    use wasmpi_abi::types::ValType;
    let f = |name, code: unsafe extern "C" fn(*mut crate::host::VmCtx, i32, i32) -> i32| {
        crate::host::HostFunc {
            module: super::MODULE,
            name,
            params: &[ValType::I32, ValType::I32],
            results: &[ValType::I32],
            code: code as *const () as usize,
        }
    };
    vec![f("MPI_Aint_add", aint_add), f("MPI_Aint_diff", aint_diff)]
}
