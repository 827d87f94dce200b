//! Process topologies (Cartesian, graph, distributed graph): construction and queries; the
//! neighbourhood collectives over them are in [`super::neighbor`].
//!
//! Arrays the host fills up to a guest maximum (`MPI_Cart_get`, `MPI_Graph_neighbors`, ...)
//! are sized by what the topology really has, queried first, so a large maximum costs nothing
//! and only the entries the host writes are checked and copied back. `MPI_PROC_NULL` from
//! `MPI_Cart_shift`, topology kinds from `MPI_Topo_test` and the weight sentinels
//! `MPI_UNWEIGHTED` / `MPI_WEIGHTS_EMPTY` (guest addresses 2 and 3) are translated.

use super::comm::{new_comm, null_comm};
use super::cx::{Cx, MpiError, MpiResult};
use super::group::check_handle_out;
use super::info::info_arg;
use crate::guest;
use mpi::ffi;
use std::ffi::c_int;
use wasmpi_abi::mpi as abi;

/// `value`, or `MPI_ERR_ARG` naming `what` when it is negative.
fn non_negative(value: i32, what: &str) -> MpiResult<i32> {
    if value < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_ARG,
            format!("negative {what} {value}"),
        ));
    }
    Ok(value)
}

/// `count` x `blocks` elements, checked.
pub(super) fn total(count: i32, blocks: i32) -> MpiResult<i32> {
    if count < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_COUNT,
            format!("negative count {count}"),
        ));
    }
    count.checked_mul(blocks).ok_or_else(|| {
        MpiError::new(
            abi::MPI_ERR_COUNT,
            format!("{count} x {blocks} elements overflow"),
        )
    })
}

/// The number of dimensions of a Cartesian communicator.
fn cart_ndims(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<i32> {
    let mut ndims = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Cartdim_get(comm, &mut ndims) })?;
    Ok(ndims)
}

fn cart_create(
    cx: &mut Cx,
    comm: i32,
    ndims: i32,
    dims: u32,
    periods: u32,
    reorder: i32,
    out: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    if ndims < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_DIMS,
            format!("negative number of dimensions {ndims}"),
        ));
    }
    let dims = cx.read_i32s(dims, ndims)?;
    let periods = cx.read_i32s(periods, ndims)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator; both arrays hold ndims ints; valid out-pointer.
    cx.check(unsafe {
        ffi::MPI_Cart_create(
            host,
            ndims,
            dims.as_ptr(),
            periods.as_ptr(),
            reorder,
            &mut new,
        )
    })?;
    new_comm(cx, comm, new, out)
}

fn cart_get(
    cx: &mut Cx,
    comm: i32,
    maxdims: i32,
    dims: u32,
    periods: u32,
    coords: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let n = non_negative(maxdims, "maximum number of dimensions")?.min(cart_ndims(cx, host)?);
    let len = n as usize * 4;
    for addr in [dims, periods, coords] {
        guest::check_writable(cx.mem(), addr, len)?;
    }
    let (mut d, mut p, mut c) = (
        vec![0; n as usize],
        vec![0; n as usize],
        vec![0; n as usize],
    );
    // SAFETY: live communicator; each array holds n ints.
    cx.check(unsafe {
        ffi::MPI_Cart_get(host, n, d.as_mut_ptr(), p.as_mut_ptr(), c.as_mut_ptr())
    })?;
    cx.write_i32s(dims, &d)?;
    cx.write_i32s(periods, &p)?;
    cx.write_i32s(coords, &c)
}

fn cart_rank(cx: &mut Cx, comm: i32, coords: u32, rank: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let ndims = cart_ndims(cx, host)?;
    let coords = cx.read_i32s(coords, ndims)?;
    let mut r = 0;
    // SAFETY: live communicator; the array holds ndims ints; valid out-pointer.
    cx.check(unsafe { ffi::MPI_Cart_rank(host, coords.as_ptr(), &mut r) })?;
    cx.write_i32(rank, r)
}

fn cart_coords(cx: &mut Cx, comm: i32, rank: i32, maxdims: i32, coords: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let n = non_negative(maxdims, "maximum number of dimensions")?.min(cart_ndims(cx, host)?);
    guest::check_writable(cx.mem(), coords, n as usize * 4)?;
    let mut c = vec![0; n as usize];
    // SAFETY: live communicator; the array holds n ints.
    cx.check(unsafe { ffi::MPI_Cart_coords(host, rank, n, c.as_mut_ptr()) })?;
    cx.write_i32s(coords, &c)
}

fn cart_shift(
    cx: &mut Cx,
    comm: i32,
    direction: i32,
    disp: i32,
    source: u32,
    dest: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let (mut s, mut d) = (0, 0);
    // SAFETY: live communicator, valid out-pointers.
    cx.check(unsafe { ffi::MPI_Cart_shift(host, direction, disp, &mut s, &mut d) })?;
    let (s, d) = (cx.mpi.rank_to_guest(s), cx.mpi.rank_to_guest(d));
    cx.write_i32(source, s)?;
    cx.write_i32(dest, d)
}

fn cart_sub(cx: &mut Cx, comm: i32, remain_dims: u32, out: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let ndims = cart_ndims(cx, host)?;
    let remain = cx.read_i32s(remain_dims, ndims)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator; the array holds ndims ints; valid out-pointer.
    cx.check(unsafe { ffi::MPI_Cart_sub(host, remain.as_ptr(), &mut new) })?;
    new_comm(cx, comm, new, out)
}

fn cartdim_get(cx: &mut Cx, comm: i32, ndims: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let n = cart_ndims(cx, host)?;
    cx.write_i32(ndims, n)
}

fn dims_create(cx: &mut Cx, nnodes: i32, ndims: i32, dims: u32) -> MpiResult<()> {
    if ndims < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_DIMS,
            format!("negative number of dimensions {ndims}"),
        ));
    }
    let mut d = cx.read_i32s(dims, ndims)?;
    // SAFETY: the array holds ndims ints.
    cx.check(unsafe { ffi::MPI_Dims_create(nnodes, ndims, d.as_mut_ptr()) })?;
    cx.write_i32s(dims, &d)
}

fn topo_test(cx: &mut Cx, comm: i32, status: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let mut kind = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Topo_test(host, &mut kind) })?;
    let value = [
        ("MPI_CART", abi::MPI_CART),
        ("MPI_GRAPH", abi::MPI_GRAPH),
        ("MPI_DIST_GRAPH", abi::MPI_DIST_GRAPH),
    ]
    .into_iter()
    .find(|(name, _)| cx.mpi.host.int(name) == kind)
    .map_or(abi::MPI_UNDEFINED, |(_, guest)| guest);
    cx.write_i32(status, value)
}

fn graph_create(
    cx: &mut Cx,
    comm: i32,
    nnodes: i32,
    index: u32,
    edges: u32,
    reorder: i32,
    out: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let nnodes = non_negative(nnodes, "number of nodes")?;
    let index = cx.read_i32s(index, nnodes)?;
    let nedges = non_negative(index.last().copied().unwrap_or(0), "number of edges")?;
    let edges = cx.read_i32s(edges, nedges)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator; index holds nnodes ints and edges index[nnodes - 1].
    cx.check(unsafe {
        ffi::MPI_Graph_create(
            host,
            nnodes,
            index.as_ptr(),
            edges.as_ptr(),
            reorder,
            &mut new,
        )
    })?;
    new_comm(cx, comm, new, out)
}

/// The number of nodes and edges of a graph communicator.
fn graph_dims(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<(i32, i32)> {
    let (mut nnodes, mut nedges) = (0, 0);
    // SAFETY: live communicator, valid out-pointers.
    cx.check(unsafe { ffi::MPI_Graphdims_get(comm, &mut nnodes, &mut nedges) })?;
    Ok((nnodes, nedges))
}

fn graph_get(
    cx: &mut Cx,
    comm: i32,
    maxindex: i32,
    maxedges: i32,
    index: u32,
    edges: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let (nnodes, nedges) = graph_dims(cx, host)?;
    let ni = non_negative(maxindex, "maximum index")?.min(nnodes);
    let ne = non_negative(maxedges, "maximum number of edges")?.min(nedges);
    guest::check_writable(cx.mem(), index, ni as usize * 4)?;
    guest::check_writable(cx.mem(), edges, ne as usize * 4)?;
    let (mut i, mut e) = (vec![0; ni as usize], vec![0; ne as usize]);
    // SAFETY: live communicator; the arrays hold ni and ne ints.
    cx.check(unsafe { ffi::MPI_Graph_get(host, ni, ne, i.as_mut_ptr(), e.as_mut_ptr()) })?;
    cx.write_i32s(index, &i)?;
    cx.write_i32s(edges, &e)
}

fn graphdims_get(cx: &mut Cx, comm: i32, nnodes: u32, nedges: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let (n, e) = graph_dims(cx, host)?;
    cx.write_i32(nnodes, n)?;
    cx.write_i32(nedges, e)
}

/// The number of neighbours of `rank` in a graph communicator.
fn graph_degree(cx: &Cx, comm: ffi::MPI_Comm, rank: i32) -> MpiResult<i32> {
    let mut n = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Graph_neighbors_count(comm, rank, &mut n) })?;
    Ok(n)
}

fn graph_neighbors_count(cx: &mut Cx, comm: i32, rank: i32, nneighbors: u32) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let n = graph_degree(cx, host, rank)?;
    cx.write_i32(nneighbors, n)
}

fn graph_neighbors(
    cx: &mut Cx,
    comm: i32,
    rank: i32,
    maxneighbors: i32,
    neighbors: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let n = non_negative(maxneighbors, "maximum number of neighbours")?
        .min(graph_degree(cx, host, rank)?);
    guest::check_writable(cx.mem(), neighbors, n as usize * 4)?;
    let mut list = vec![0; n as usize];
    // SAFETY: live communicator; the array holds n ints.
    cx.check(unsafe { ffi::MPI_Graph_neighbors(host, rank, n, list.as_mut_ptr()) })?;
    cx.write_i32s(neighbors, &list)
}

/// An input weight array: `n` guest ints, or a host sentinel for `MPI_UNWEIGHTED` and
/// `MPI_WEIGHTS_EMPTY`. The pointer is valid while the returned vector lives.
fn weights_in(cx: &Cx, addr: u32, n: i32) -> MpiResult<(Vec<i32>, *const c_int)> {
    if let Some(sentinel) = weight_sentinel(cx, addr) {
        return Ok((Vec::new(), sentinel));
    }
    let weights = cx.read_i32s(addr, n)?;
    let ptr = weights.as_ptr();
    Ok((weights, ptr))
}

/// The host sentinel for a guest `MPI_UNWEIGHTED` or `MPI_WEIGHTS_EMPTY`.
fn weight_sentinel(cx: &Cx, addr: u32) -> Option<*mut c_int> {
    let name = match addr as i32 {
        abi::MPI_UNWEIGHTED => "MPI_UNWEIGHTED",
        abi::MPI_WEIGHTS_EMPTY => "MPI_WEIGHTS_EMPTY",
        _ => return None,
    };
    Some(cx.mpi.host.pointers[name].cast())
}

fn dist_graph_create_adjacent(
    cx: &mut Cx,
    comm: i32,
    indegree: i32,
    sources: u32,
    sourceweights: u32,
    outdegree: i32,
    destinations: u32,
    destweights: u32,
    info: i32,
    reorder: i32,
    out: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let indegree = non_negative(indegree, "indegree")?;
    let outdegree = non_negative(outdegree, "outdegree")?;
    let sources = cx.read_i32s(sources, indegree)?;
    let (_sw, sw_ptr) = weights_in(cx, sourceweights, indegree)?;
    let destinations = cx.read_i32s(destinations, outdegree)?;
    let (_dw, dw_ptr) = weights_in(cx, destweights, outdegree)?;
    let info = info_arg(cx, info)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator and info; arrays of indegree and outdegree ints (or host
    // sentinels) that live until the call returns; valid out-pointer.
    cx.check(unsafe {
        ffi::MPI_Dist_graph_create_adjacent(
            host,
            indegree,
            sources.as_ptr(),
            sw_ptr,
            outdegree,
            destinations.as_ptr(),
            dw_ptr,
            info,
            reorder,
            &mut new,
        )
    })?;
    new_comm(cx, comm, new, out)
}

fn dist_graph_create(
    cx: &mut Cx,
    comm: i32,
    n: i32,
    sources: u32,
    degrees: u32,
    destinations: u32,
    weights: u32,
    info: i32,
    reorder: i32,
    out: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let n = non_negative(n, "number of source nodes")?;
    let sources = cx.read_i32s(sources, n)?;
    let degrees = cx.read_i32s(degrees, n)?;
    let mut edges: i32 = 0;
    for &d in &degrees {
        edges = edges
            .checked_add(non_negative(d, "degree")?)
            .ok_or_else(|| MpiError::new(abi::MPI_ERR_ARG, "too many edges"))?;
    }
    let destinations = cx.read_i32s(destinations, edges)?;
    let (_w, w_ptr) = weights_in(cx, weights, edges)?;
    let info = info_arg(cx, info)?;
    check_handle_out(cx, out)?;
    let mut new = null_comm(cx);
    // SAFETY: live communicator and info; sources and degrees hold n ints, destinations and
    // weights (or a host sentinel) the sum of the degrees; valid out-pointer.
    cx.check(unsafe {
        ffi::MPI_Dist_graph_create(
            host,
            n,
            sources.as_ptr(),
            degrees.as_ptr(),
            destinations.as_ptr(),
            w_ptr,
            info,
            reorder,
            &mut new,
        )
    })?;
    new_comm(cx, comm, new, out)
}

/// In-degree, out-degree and weightedness of a distributed graph communicator.
fn dist_graph_counts(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<(i32, i32, i32)> {
    let (mut indegree, mut outdegree, mut weighted) = (0, 0, 0);
    // SAFETY: live communicator, valid out-pointers.
    cx.check(unsafe {
        ffi::MPI_Dist_graph_neighbors_count(comm, &mut indegree, &mut outdegree, &mut weighted)
    })?;
    Ok((indegree, outdegree, weighted))
}

fn dist_graph_neighbors_count(
    cx: &mut Cx,
    comm: i32,
    indegree: u32,
    outdegree: u32,
    weighted: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let (i, o, w) = dist_graph_counts(cx, host)?;
    cx.write_i32(indegree, i)?;
    cx.write_i32(outdegree, o)?;
    cx.write_i32(weighted, w)
}

/// An output weight array of `n` ints: a host sentinel, or the guest's current values (kept
/// where the host writes nothing, as for an unweighted graph).
fn weights_out(cx: &Cx, addr: u32, n: i32) -> MpiResult<(Vec<i32>, Option<*mut c_int>)> {
    match weight_sentinel(cx, addr) {
        Some(sentinel) => Ok((Vec::new(), Some(sentinel))),
        None => Ok((cx.read_i32s(addr, n)?, None)),
    }
}

fn dist_graph_neighbors(
    cx: &mut Cx,
    comm: i32,
    maxindegree: i32,
    sources: u32,
    sourceweights: u32,
    maxoutdegree: i32,
    destinations: u32,
    destweights: u32,
) -> MpiResult<()> {
    let host = cx.comm(comm)?;
    let (indegree, outdegree, _) = dist_graph_counts(cx, host)?;
    let ni = non_negative(maxindegree, "maximum indegree")?.min(indegree);
    let no = non_negative(maxoutdegree, "maximum outdegree")?.min(outdegree);
    guest::check_writable(cx.mem(), sources, ni as usize * 4)?;
    guest::check_writable(cx.mem(), destinations, no as usize * 4)?;
    let (mut sw, sw_sentinel) = weights_out(cx, sourceweights, ni)?;
    let (mut dw, dw_sentinel) = weights_out(cx, destweights, no)?;
    let (mut s, mut d) = (vec![0; ni as usize], vec![0; no as usize]);
    let sw_ptr = sw_sentinel.unwrap_or(sw.as_mut_ptr());
    let dw_ptr = dw_sentinel.unwrap_or(dw.as_mut_ptr());
    // SAFETY: live communicator; arrays of ni and no ints (or host sentinels).
    cx.check(unsafe {
        ffi::MPI_Dist_graph_neighbors(host, ni, s.as_mut_ptr(), sw_ptr, no, d.as_mut_ptr(), dw_ptr)
    })?;
    cx.write_i32s(sources, &s)?;
    cx.write_i32s(destinations, &d)?;
    if sw_sentinel.is_none() {
        cx.write_i32s(sourceweights, &sw)?;
    }
    if dw_sentinel.is_none() {
        cx.write_i32s(destweights, &dw)?;
    }
    Ok(())
}

/// In- and out-degree of a communicator with a topology: how many blocks neighbourhood
/// collectives receive and send.
pub(super) fn degrees(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<(i32, i32)> {
    let mut kind = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Topo_test(comm, &mut kind) })?;
    let host = &cx.mpi.host;
    if kind == host.int("MPI_CART") {
        let n = total(cart_ndims(cx, comm)?, 2)?;
        Ok((n, n))
    } else if kind == host.int("MPI_GRAPH") {
        let rank = super::coll::rank_in(cx, comm)?;
        let n = graph_degree(cx, comm, rank)?;
        Ok((n, n))
    } else if kind == host.int("MPI_DIST_GRAPH") {
        let (indegree, outdegree, _) = dist_graph_counts(cx, comm)?;
        Ok((indegree, outdegree))
    } else {
        Err(MpiError::new(
            abi::MPI_ERR_TOPOLOGY,
            "neighbourhood collective on a communicator without topology",
        ))
    }
}

super::mpi_functions! {
    cart_create => MPI_Cart_create(comm_old: i32, ndims: i32, dims: u32, periods: u32, reorder: i32, comm_cart: u32);
    cart_get => MPI_Cart_get(comm: i32, maxdims: i32, dims: u32, periods: u32, coords: u32);
    cart_rank => MPI_Cart_rank(comm: i32, coords: u32, rank: u32);
    cart_coords => MPI_Cart_coords(comm: i32, rank: i32, maxdims: i32, coords: u32);
    cart_shift => MPI_Cart_shift(comm: i32, direction: i32, disp: i32, rank_source: u32, rank_dest: u32);
    cart_sub => MPI_Cart_sub(comm: i32, remain_dims: u32, newcomm: u32);
    cartdim_get => MPI_Cartdim_get(comm: i32, ndims: u32);
    dims_create => MPI_Dims_create(nnodes: i32, ndims: i32, dims: u32);
    topo_test => MPI_Topo_test(comm: i32, status: u32);
    graph_create => MPI_Graph_create(comm_old: i32, nnodes: i32, index: u32, edges: u32, reorder: i32, comm_graph: u32);
    graph_get => MPI_Graph_get(comm: i32, maxindex: i32, maxedges: i32, index: u32, edges: u32);
    graphdims_get => MPI_Graphdims_get(comm: i32, nnodes: u32, nedges: u32);
    graph_neighbors_count => MPI_Graph_neighbors_count(comm: i32, rank: i32, nneighbors: u32);
    graph_neighbors => MPI_Graph_neighbors(comm: i32, rank: i32, maxneighbors: i32, neighbors: u32);
    dist_graph_create_adjacent => MPI_Dist_graph_create_adjacent(comm_old: i32, indegree: i32, sources: u32,
        sourceweights: u32, outdegree: i32, destinations: u32, destweights: u32, info: i32, reorder: i32,
        comm_dist_graph: u32);
    dist_graph_create => MPI_Dist_graph_create(comm_old: i32, n: i32, sources: u32, degrees: u32,
        destinations: u32, weights: u32, info: i32, reorder: i32, comm_dist_graph: u32);
    dist_graph_neighbors_count => MPI_Dist_graph_neighbors_count(comm: i32, indegree: u32, outdegree: u32, weighted: u32);
    dist_graph_neighbors => MPI_Dist_graph_neighbors(comm: i32, maxindegree: i32, sources: u32, sourceweights: u32,
        maxoutdegree: i32, destinations: u32, destweights: u32);
}
