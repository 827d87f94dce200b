//! Process groups: `MPI_Group_*`, backed by host groups.
//!
//! Guest group handles index [`Mpi::groups`](super::Mpi), where `MPI_GROUP_EMPTY` is
//! predefined and `MPI_GROUP_NULL` has no entry. A host result that is the host's
//! `MPI_GROUP_EMPTY` becomes the guest's `MPI_GROUP_EMPTY` (as natively, where a group
//! operation with an empty result returns that handle), and `MPI_GROUP_NULL` becomes
//! `MPI_GROUP_NULL`; every other host group gets a new guest handle. Ranks that are
//! `MPI_UNDEFINED` or `MPI_PROC_NULL` are translated both ways.

use super::cx::{Cx, MpiError, MpiResult};
use crate::guest;
use mpi::ffi;
use wasmpi_abi::mpi as abi;

/// The host group behind a live guest group handle.
pub(super) fn group(cx: &Cx, handle: i32) -> MpiResult<ffi::MPI_Group> {
    cx.mpi
        .groups
        .get(handle)
        .copied()
        .ok_or_else(|| MpiError::new(abi::MPI_ERR_GROUP, format!("invalid group handle {handle}")))
}

/// The guest handle for a host group the host just returned (a new handle unless it is a
/// predefined group).
pub(super) fn group_to_guest(cx: &mut Cx, host: ffi::MPI_Group) -> i32 {
    if host == cx.mpi.host.groups["MPI_GROUP_NULL"] {
        abi::MPI_GROUP_NULL
    } else if host == cx.mpi.host.groups["MPI_GROUP_EMPTY"] {
        abi::MPI_GROUP_EMPTY
    } else {
        cx.mpi.groups.insert(host)
    }
}

/// The guest value of a host `MPI_IDENT`/`CONGRUENT`/`SIMILAR`/`UNEQUAL`.
pub(super) fn comparison_to_guest(cx: &Cx, host: i32) -> i32 {
    [
        ("MPI_IDENT", abi::MPI_IDENT),
        ("MPI_CONGRUENT", abi::MPI_CONGRUENT),
        ("MPI_SIMILAR", abi::MPI_SIMILAR),
        ("MPI_UNEQUAL", abi::MPI_UNEQUAL),
    ]
    .into_iter()
    .find(|(name, _)| cx.mpi.host.int(name) == host)
    .map_or(abi::MPI_UNEQUAL, |(_, guest)| guest)
}

/// Checks that a guest handle can be written at `addr` before creating what it will name.
pub(super) fn check_handle_out(cx: &mut Cx, addr: u32) -> MpiResult<()> {
    Ok(guest::check_writable(cx.mem(), addr, 4)?)
}

/// `n` guest ranks at `addr`, translated to host values; a negative `n` is `MPI_ERR_ARG`.
fn host_ranks(cx: &Cx, addr: u32, n: i32) -> MpiResult<Vec<i32>> {
    if n < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("negative number of ranks {n}"),
        ));
    }
    let mut ranks = cx.read_i32s(addr, n)?;
    for r in &mut ranks {
        *r = cx.mpi.rank_to_host(*r);
    }
    Ok(ranks)
}

fn group_size(cx: &mut Cx, handle: i32, size: u32) -> MpiResult<()> {
    let host = group(cx, handle)?;
    let mut n = 0;
    // SAFETY: live group, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Group_size(host, &mut n) })?;
    cx.write_i32(size, n)
}

fn group_rank(cx: &mut Cx, handle: i32, rank: u32) -> MpiResult<()> {
    let host = group(cx, handle)?;
    let mut r = 0;
    // SAFETY: live group, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Group_rank(host, &mut r) })?;
    let r = cx.mpi.rank_to_guest(r);
    cx.write_i32(rank, r)
}

fn group_translate_ranks(
    cx: &mut Cx,
    group1: i32,
    n: i32,
    ranks1: u32,
    group2: i32,
    ranks2: u32,
) -> MpiResult<()> {
    let (g1, g2) = (group(cx, group1)?, group(cx, group2)?);
    let input = host_ranks(cx, ranks1, n)?;
    guest::check_writable(cx.mem(), ranks2, input.len() * 4)?;
    let mut output = vec![0; input.len()];
    // SAFETY: live groups; both arrays hold n ints.
    cx.check(unsafe {
        ffi::MPI_Group_translate_ranks(g1, n, input.as_ptr(), g2, output.as_mut_ptr())
    })?;
    for r in &mut output {
        *r = cx.mpi.rank_to_guest(*r);
    }
    cx.write_i32s(ranks2, &output)
}

fn group_compare(cx: &mut Cx, group1: i32, group2: i32, result: u32) -> MpiResult<()> {
    let (g1, g2) = (group(cx, group1)?, group(cx, group2)?);
    let mut host = 0;
    // SAFETY: live groups, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Group_compare(g1, g2, &mut host) })?;
    let value = comparison_to_guest(cx, host);
    cx.write_i32(result, value)
}

type SetOpFn =
    unsafe extern "C" fn(ffi::MPI_Group, ffi::MPI_Group, *mut ffi::MPI_Group) -> std::ffi::c_int;

fn set_op(cx: &mut Cx, f: SetOpFn, group1: i32, group2: i32, out: u32) -> MpiResult<()> {
    let (g1, g2) = (group(cx, group1)?, group(cx, group2)?);
    check_handle_out(cx, out)?;
    let mut new = cx.mpi.host.groups["MPI_GROUP_NULL"];
    // SAFETY: live groups, valid out-pointer.
    cx.check(unsafe { f(g1, g2, &mut new) })?;
    let handle = group_to_guest(cx, new);
    cx.write_i32(out, handle)
}

fn group_union(cx: &mut Cx, group1: i32, group2: i32, out: u32) -> MpiResult<()> {
    set_op(cx, ffi::MPI_Group_union, group1, group2, out)
}

fn group_intersection(cx: &mut Cx, group1: i32, group2: i32, out: u32) -> MpiResult<()> {
    set_op(cx, ffi::MPI_Group_intersection, group1, group2, out)
}

fn group_difference(cx: &mut Cx, group1: i32, group2: i32, out: u32) -> MpiResult<()> {
    set_op(cx, ffi::MPI_Group_difference, group1, group2, out)
}

type SelectFn = unsafe extern "C" fn(
    ffi::MPI_Group,
    std::ffi::c_int,
    *const std::ffi::c_int,
    *mut ffi::MPI_Group,
) -> std::ffi::c_int;

fn select(cx: &mut Cx, f: SelectFn, handle: i32, n: i32, ranks: u32, out: u32) -> MpiResult<()> {
    let host = group(cx, handle)?;
    let ranks = host_ranks(cx, ranks, n)?;
    check_handle_out(cx, out)?;
    let mut new = cx.mpi.host.groups["MPI_GROUP_NULL"];
    // SAFETY: live group; the array holds n ints; valid out-pointer.
    cx.check(unsafe { f(host, n, ranks.as_ptr(), &mut new) })?;
    let handle = group_to_guest(cx, new);
    cx.write_i32(out, handle)
}

fn group_incl(cx: &mut Cx, handle: i32, n: i32, ranks: u32, out: u32) -> MpiResult<()> {
    select(cx, ffi::MPI_Group_incl, handle, n, ranks, out)
}

fn group_excl(cx: &mut Cx, handle: i32, n: i32, ranks: u32, out: u32) -> MpiResult<()> {
    select(cx, ffi::MPI_Group_excl, handle, n, ranks, out)
}

type RangeFn = unsafe extern "C" fn(
    ffi::MPI_Group,
    std::ffi::c_int,
    *mut [std::ffi::c_int; 3],
    *mut ffi::MPI_Group,
) -> std::ffi::c_int;

fn select_ranges(
    cx: &mut Cx,
    f: RangeFn,
    handle: i32,
    n: i32,
    ranges: u32,
    out: u32,
) -> MpiResult<()> {
    let host = group(cx, handle)?;
    if n < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("negative number of ranges {n}"),
        ));
    }
    let flat = cx.read_i32s(ranges, n.checked_mul(3).unwrap_or(-1))?;
    let mut triplets: Vec<[i32; 3]> = flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    check_handle_out(cx, out)?;
    let mut new = cx.mpi.host.groups["MPI_GROUP_NULL"];
    // SAFETY: live group; the array holds n triplets; valid out-pointer.
    cx.check(unsafe { f(host, n, triplets.as_mut_ptr(), &mut new) })?;
    let handle = group_to_guest(cx, new);
    cx.write_i32(out, handle)
}

fn group_range_incl(cx: &mut Cx, handle: i32, n: i32, ranges: u32, out: u32) -> MpiResult<()> {
    select_ranges(cx, ffi::MPI_Group_range_incl, handle, n, ranges, out)
}

fn group_range_excl(cx: &mut Cx, handle: i32, n: i32, ranges: u32, out: u32) -> MpiResult<()> {
    select_ranges(cx, ffi::MPI_Group_range_excl, handle, n, ranges, out)
}

fn group_free(cx: &mut Cx, handle_addr: u32) -> MpiResult<()> {
    let handle = cx.read_i32(handle_addr)?;
    let mut host = group(cx, handle)?;
    // SAFETY: a live group (the host keeps its predefined groups alive by reference count).
    cx.check(unsafe { ffi::MPI_Group_free(&mut host) })?;
    cx.mpi.groups.remove(handle);
    cx.write_i32(handle_addr, abi::MPI_GROUP_NULL)
}

super::mpi_functions! {
    group_size => MPI_Group_size(group: i32, size: u32);
    group_rank => MPI_Group_rank(group: i32, rank: u32);
    group_translate_ranks => MPI_Group_translate_ranks(group1: i32, n: i32, ranks1: u32, group2: i32, ranks2: u32);
    group_compare => MPI_Group_compare(group1: i32, group2: i32, result: u32);
    group_union => MPI_Group_union(group1: i32, group2: i32, newgroup: u32);
    group_intersection => MPI_Group_intersection(group1: i32, group2: i32, newgroup: u32);
    group_difference => MPI_Group_difference(group1: i32, group2: i32, newgroup: u32);
    group_incl => MPI_Group_incl(group: i32, n: i32, ranks: u32, newgroup: u32);
    group_excl => MPI_Group_excl(group: i32, n: i32, ranks: u32, newgroup: u32);
    group_range_incl => MPI_Group_range_incl(group: i32, n: i32, ranges: u32, newgroup: u32);
    group_range_excl => MPI_Group_range_excl(group: i32, n: i32, ranges: u32, newgroup: u32);
    group_free => MPI_Group_free(group: u32);
}
