//! Collectives with per-process counts and displacements (`MPI_Gatherv`, `MPI_Scatterv`,
//! `MPI_Allgatherv`, `MPI_Alltoallv`) or per-process datatypes too (`MPI_Alltoallw`), and the
//! reduce-scatter family.
//!
//! Counts, displacements and datatype arrays are guest arrays, converted once per call; every
//! block of every buffer is checked against linear memory with its count, displacement and the
//! datatype's geometry before the host MPI sees it. Arguments that are significant only at the
//! root are neither read nor checked elsewhere. The argument preparation is shared with the
//! non-blocking forms in [`super::icoll`], which keep the converted arrays alive in the request.

use super::coll::{rank_in, size_of};
use super::cx::{Cx, MpiError, MpiResult};
use super::ops::reduction_op;
use super::state::Datatype;
use mpi::ffi;
use std::ffi::{c_int, c_void};
use std::ptr::{null, null_mut};
use wasmpi_abi::mpi as abi;

/// Whether a host communicator is an intercommunicator.
fn is_inter(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<bool> {
    let mut flag = 0;
    // SAFETY: live communicator, valid out-pointer.
    cx.check(unsafe { ffi::MPI_Comm_test_inter(comm, &mut flag) })?;
    Ok(flag != 0)
}

/// The number of processes a collective exchanges blocks with: the group size, or the remote
/// group's size on an intercommunicator.
pub(super) fn peers(cx: &Cx, comm: ffi::MPI_Comm) -> MpiResult<i32> {
    if is_inter(cx, comm)? {
        let mut size = 0;
        // SAFETY: live intercommunicator, valid out-pointer.
        cx.check(unsafe { ffi::MPI_Comm_remote_size(comm, &mut size) })?;
        Ok(size)
    } else {
        size_of(cx, comm)
    }
}

/// The roles of this process in a rooted collective.
pub(super) struct Rooted {
    /// Host communicator.
    pub comm: ffi::MPI_Comm,
    /// Host value of the root argument.
    pub root: c_int,
    /// Whether this process is the root (its root-only arguments are significant).
    pub is_root: bool,
    /// Whether this process contributes or receives a block of its own (everyone in an
    /// intracommunicator; the other group in an intercommunicator).
    pub member: bool,
    /// Number of blocks at the root.
    pub peers: i32,
}

/// Works out who does what in a rooted collective on guest communicator `comm`.
pub(super) fn rooted(cx: &mut Cx, comm: i32, root: i32) -> MpiResult<Rooted> {
    let comm = cx.comm(comm)?;
    let host_root = cx.mpi.rank_to_host(root);
    if is_inter(cx, comm)? {
        let is_root = root == abi::MPI_ROOT;
        let member = root != abi::MPI_ROOT && root != abi::MPI_PROC_NULL;
        let peers = if is_root { peers(cx, comm)? } else { 0 };
        return Ok(Rooted {
            comm,
            root: host_root,
            is_root,
            member,
            peers,
        });
    }
    let is_root = rank_in(cx, comm)? == root;
    let peers = if is_root { size_of(cx, comm)? } else { 0 };
    Ok(Rooted {
        comm,
        root: host_root,
        is_root,
        member: true,
        peers,
    })
}

/// Checks that `count` elements of `dt` starting `displ` bytes after guest address `base`
/// lie inside a linear memory of `mem_len` bytes. `what` names the block in messages.
fn check_block(
    mem_len: usize,
    base: u32,
    displ: i128,
    count: i32,
    dt: &Datatype,
    what: &dyn Fn() -> String,
) -> MpiResult<()> {
    if count < 0 {
        return Err(MpiError::new(
            abi::MPI_ERR_COUNT,
            format!("negative count {count} for {}", what()),
        ));
    }
    if count == 0 || dt.size == 0 {
        return Ok(());
    }
    let first = i128::from(base) + displ + i128::from(dt.true_lb);
    let last = first + i128::from(count - 1) * i128::from(dt.extent);
    let (low, high) = (
        first.min(last),
        first.max(last) + i128::from(dt.true_extent),
    );
    if low < 0 || high > mem_len as i128 {
        return Err(MpiError::new(
            abi::MPI_ERR_BUFFER,
            format!(
                "{} [{low:#x}, {high:#x}) of {count} x {} lies outside linear memory [0, {mem_len:#x})",
                what(),
                dt.name
            ),
        ));
    }
    Ok(())
}

/// A buffer of blocks at per-process displacements, with its converted arrays.
pub(super) struct VBuf {
    /// Host pointer to the buffer (null where not significant, the host's `MPI_IN_PLACE`).
    pub ptr: *mut c_void,
    /// Counts (empty where not significant).
    pub counts: Vec<c_int>,
    /// Displacements (empty where not significant).
    pub displs: Vec<c_int>,
    /// Host datatype.
    pub dt: ffi::MPI_Datatype,
}

impl VBuf {
    /// A buffer whose arguments are not significant at this process.
    pub(super) fn ignored(cx: &Cx, datatype: i32) -> VBuf {
        VBuf {
            ptr: null_mut(),
            counts: Vec::new(),
            displs: Vec::new(),
            dt: cx.insignificant_type(datatype),
        }
    }

    /// Reads `n` counts and displacements and checks block `i` (`counts[i]` elements at
    /// `addr + displs[i] * extent`) for every `i`.
    pub(super) fn new(
        cx: &mut Cx,
        addr: u32,
        counts: u32,
        displs: u32,
        n: i32,
        datatype: i32,
    ) -> MpiResult<VBuf> {
        let dt = cx.datatype(datatype)?;
        let counts = cx.read_i32s(counts, n)?;
        let displs = cx.read_i32s(displs, n)?;
        let ptr = cx.buffer(addr, 0, &dt)?;
        let mem_len = cx.mem().len();
        for (i, (&count, &displ)) in counts.iter().zip(&displs).enumerate() {
            check_block(
                mem_len,
                addr,
                i128::from(displ) * i128::from(dt.extent),
                count,
                &dt,
                &|| format!("block {i} (displacement {displ})"),
            )?;
        }
        Ok(VBuf {
            ptr,
            counts,
            displs,
            dt: dt.host,
        })
    }

    /// Like [`VBuf::new`], but `MPI_IN_PLACE` is passed on with no arrays.
    fn or_in_place(
        cx: &mut Cx,
        addr: u32,
        counts: u32,
        displs: u32,
        n: i32,
        datatype: i32,
    ) -> MpiResult<VBuf> {
        if addr == abi::MPI_IN_PLACE as u32 {
            return Ok(VBuf {
                ptr: cx.mpi.in_place,
                ..VBuf::ignored(cx, datatype)
            });
        }
        VBuf::new(cx, addr, counts, displs, n, datatype)
    }

    /// The counts for the host (null when not significant).
    pub(super) fn counts(&self) -> *const c_int {
        array_ptr(&self.counts)
    }

    /// The displacements for the host (null when not significant).
    pub(super) fn displs(&self) -> *const c_int {
        array_ptr(&self.displs)
    }

    /// The arrays, to keep alive until a non-blocking operation completes.
    pub(super) fn into_arrays(self) -> (Vec<c_int>, Vec<c_int>) {
        (self.counts, self.displs)
    }
}

/// A host pointer to an array, or null for an empty (not significant) one.
fn array_ptr<T>(v: &[T]) -> *const T {
    if v.is_empty() {
        null()
    } else {
        v.as_ptr()
    }
}

/// A plain buffer: host pointer, count, host datatype.
pub(super) type Buf = (*mut c_void, c_int, ffi::MPI_Datatype);

/// A buffer significant only where `significant` holds; `MPI_IN_PLACE` allowed.
pub(super) fn buffer_if(
    cx: &Cx,
    significant: bool,
    addr: u32,
    count: i32,
    datatype: i32,
) -> MpiResult<Buf> {
    if significant {
        let (ptr, dt) = cx.buffer_or_in_place(addr, count, datatype)?;
        Ok((ptr, count, dt))
    } else {
        Ok((null_mut(), count, cx.insignificant_type(datatype)))
    }
}

/// Checked arguments of `MPI_Gatherv`/`MPI_Igatherv`.
pub(super) struct Gatherv {
    pub send: Buf,
    pub recv: VBuf,
    pub at: Rooted,
}

pub(super) fn gatherv_args(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    root: i32,
    comm: i32,
) -> MpiResult<Gatherv> {
    let at = rooted(cx, comm, root)?;
    let send = buffer_if(cx, at.member, sendbuf, sendcount, sendtype)?;
    let recv = if at.is_root {
        VBuf::new(cx, recvbuf, recvcounts, displs, at.peers, recvtype)?
    } else {
        VBuf::ignored(cx, recvtype)
    };
    Ok(Gatherv { send, recv, at })
}

fn gatherv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    root: i32,
    comm: i32,
) -> MpiResult<()> {
    let a = gatherv_args(
        cx, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm,
    )?;
    // SAFETY: checked buffers and arrays (significant ones), live handles.
    cx.check(unsafe {
        ffi::MPI_Gatherv(
            a.send.0,
            a.send.1,
            a.send.2,
            a.recv.ptr,
            a.recv.counts(),
            a.recv.displs(),
            a.recv.dt,
            a.at.root,
            a.at.comm,
        )
    })
}

/// Checked arguments of `MPI_Scatterv`/`MPI_Iscatterv`.
pub(super) struct Scatterv {
    pub send: VBuf,
    pub recv: Buf,
    pub at: Rooted,
}

pub(super) fn scatterv_args(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    displs: u32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    root: i32,
    comm: i32,
) -> MpiResult<Scatterv> {
    let at = rooted(cx, comm, root)?;
    let send = if at.is_root {
        VBuf::new(cx, sendbuf, sendcounts, displs, at.peers, sendtype)?
    } else {
        VBuf::ignored(cx, sendtype)
    };
    let recv = buffer_if(cx, at.member, recvbuf, recvcount, recvtype)?;
    Ok(Scatterv { send, recv, at })
}

fn scatterv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    displs: u32,
    sendtype: i32,
    recvbuf: u32,
    recvcount: i32,
    recvtype: i32,
    root: i32,
    comm: i32,
) -> MpiResult<()> {
    let a = scatterv_args(
        cx, sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm,
    )?;
    // SAFETY: checked buffers and arrays (significant ones), live handles.
    cx.check(unsafe {
        ffi::MPI_Scatterv(
            a.send.ptr,
            a.send.counts(),
            a.send.displs(),
            a.send.dt,
            a.recv.0,
            a.recv.1,
            a.recv.2,
            a.at.root,
            a.at.comm,
        )
    })
}

/// Checked arguments of `MPI_Allgatherv`/`MPI_Iallgatherv`.
pub(super) struct Allgatherv {
    pub send: Buf,
    pub recv: VBuf,
    pub comm: ffi::MPI_Comm,
}

pub(super) fn allgatherv_args(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<Allgatherv> {
    let comm = cx.comm(comm)?;
    let n = peers(cx, comm)?;
    let send = buffer_if(cx, true, sendbuf, sendcount, sendtype)?;
    let recv = VBuf::new(cx, recvbuf, recvcounts, displs, n, recvtype)?;
    Ok(Allgatherv { send, recv, comm })
}

fn allgatherv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcount: i32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    displs: u32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<()> {
    let a = allgatherv_args(
        cx, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm,
    )?;
    // SAFETY: checked buffers and arrays, live handles.
    cx.check(unsafe {
        ffi::MPI_Allgatherv(
            a.send.0,
            a.send.1,
            a.send.2,
            a.recv.ptr,
            a.recv.counts(),
            a.recv.displs(),
            a.recv.dt,
            a.comm,
        )
    })
}

/// Checked arguments of `MPI_Alltoallv`/`MPI_Ialltoallv`.
pub(super) struct Alltoallv {
    pub send: VBuf,
    pub recv: VBuf,
    pub comm: ffi::MPI_Comm,
}

impl Alltoallv {
    /// The send arrays for the host: with `MPI_IN_PLACE`, the receive arrays (ignored by the
    /// host, but never null).
    pub(super) fn send_arrays(&self) -> (*const c_int, *const c_int, ffi::MPI_Datatype) {
        if self.send.counts.is_empty() {
            (self.recv.counts(), self.recv.displs(), self.recv.dt)
        } else {
            (self.send.counts(), self.send.displs(), self.send.dt)
        }
    }
}

pub(super) fn alltoallv_args(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    sdispls: u32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    rdispls: u32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<Alltoallv> {
    let comm = cx.comm(comm)?;
    let n = peers(cx, comm)?;
    let send = VBuf::or_in_place(cx, sendbuf, sendcounts, sdispls, n, sendtype)?;
    let recv = VBuf::new(cx, recvbuf, recvcounts, rdispls, n, recvtype)?;
    Ok(Alltoallv { send, recv, comm })
}

fn alltoallv(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    sdispls: u32,
    sendtype: i32,
    recvbuf: u32,
    recvcounts: u32,
    rdispls: u32,
    recvtype: i32,
    comm: i32,
) -> MpiResult<()> {
    let a = alltoallv_args(
        cx, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm,
    )?;
    let (scounts, sdispls, sdt) = a.send_arrays();
    // SAFETY: checked buffers and arrays, live handles.
    cx.check(unsafe {
        ffi::MPI_Alltoallv(
            a.send.ptr,
            scounts,
            sdispls,
            sdt,
            a.recv.ptr,
            a.recv.counts(),
            a.recv.displs(),
            a.recv.dt,
            a.comm,
        )
    })
}

/// A buffer of blocks with per-process displacements in bytes and per-process datatypes.
pub(super) struct WBuf {
    /// Host pointer (the host's `MPI_IN_PLACE` for an in-place send buffer).
    pub ptr: *mut c_void,
    /// Counts (empty in place).
    pub counts: Vec<c_int>,
    /// Byte displacements (empty in place).
    pub displs: Vec<c_int>,
    /// Host datatypes (empty in place).
    pub types: Vec<ffi::MPI_Datatype>,
}

impl WBuf {
    /// Reads `n` counts, byte displacements and datatypes and checks every block.
    fn new(
        cx: &mut Cx,
        addr: u32,
        counts: u32,
        displs: u32,
        types: u32,
        n: i32,
    ) -> MpiResult<WBuf> {
        let counts = cx.read_i32s(counts, n)?;
        let displs = cx.read_i32s(displs, n)?;
        let handles = cx.read_i32s(types, n)?;
        let mem_len = cx.mem().len();
        let mut host_types = Vec::with_capacity(handles.len());
        for (i, ((&count, &displ), &handle)) in counts.iter().zip(&displs).zip(&handles).enumerate()
        {
            let dt = cx.datatype(handle).map_err(|e| {
                MpiError::new(e.class, format!("{} (datatype of block {i})", e.message))
            })?;
            check_block(mem_len, addr, i128::from(displ), count, &dt, &|| {
                format!("block {i} (displacement {displ} bytes)")
            })?;
            host_types.push(dt.host);
        }
        let ptr = cx.buffer(addr, 0, &cx.datatype(abi::MPI_BYTE)?)?;
        Ok(WBuf {
            ptr,
            counts,
            displs,
            types: host_types,
        })
    }

    /// The arrays, to keep alive until a non-blocking operation completes.
    pub(super) fn into_arrays(self) -> (Vec<c_int>, Vec<c_int>, Vec<ffi::MPI_Datatype>) {
        (self.counts, self.displs, self.types)
    }
}

/// Checked arguments of `MPI_Alltoallw`/`MPI_Ialltoallw`.
pub(super) struct Alltoallw {
    pub send: WBuf,
    pub recv: WBuf,
    pub comm: ffi::MPI_Comm,
}

impl Alltoallw {
    /// The send arrays for the host: with `MPI_IN_PLACE`, the receive arrays (ignored by the
    /// host, but never null).
    pub(super) fn send_arrays(&self) -> (*const c_int, *const c_int, *const ffi::MPI_Datatype) {
        let s = if self.send.types.is_empty() {
            &self.recv
        } else {
            &self.send
        };
        (
            array_ptr(&s.counts),
            array_ptr(&s.displs),
            array_ptr(&s.types),
        )
    }

    /// The receive arrays for the host.
    pub(super) fn recv_arrays(&self) -> (*const c_int, *const c_int, *const ffi::MPI_Datatype) {
        (
            array_ptr(&self.recv.counts),
            array_ptr(&self.recv.displs),
            array_ptr(&self.recv.types),
        )
    }
}

pub(super) fn alltoallw_args(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    sdispls: u32,
    sendtypes: u32,
    recvbuf: u32,
    recvcounts: u32,
    rdispls: u32,
    recvtypes: u32,
    comm: i32,
) -> MpiResult<Alltoallw> {
    let comm = cx.comm(comm)?;
    let n = peers(cx, comm)?;
    let send = if sendbuf == abi::MPI_IN_PLACE as u32 {
        WBuf {
            ptr: cx.mpi.in_place,
            counts: Vec::new(),
            displs: Vec::new(),
            types: Vec::new(),
        }
    } else {
        WBuf::new(cx, sendbuf, sendcounts, sdispls, sendtypes, n)?
    };
    let recv = WBuf::new(cx, recvbuf, recvcounts, rdispls, recvtypes, n)?;
    Ok(Alltoallw { send, recv, comm })
}

fn alltoallw(
    cx: &mut Cx,
    sendbuf: u32,
    sendcounts: u32,
    sdispls: u32,
    sendtypes: u32,
    recvbuf: u32,
    recvcounts: u32,
    rdispls: u32,
    recvtypes: u32,
    comm: i32,
) -> MpiResult<()> {
    let a = alltoallw_args(
        cx, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls, recvtypes, comm,
    )?;
    let (sc, sd, st) = a.send_arrays();
    let (rc, rd, rt) = a.recv_arrays();
    // SAFETY: checked buffers and arrays, live handles.
    cx.check(unsafe { ffi::MPI_Alltoallw(a.send.ptr, sc, sd, st, a.recv.ptr, rc, rd, rt, a.comm) })
}

/// Checked arguments of the reduce-scatter family.
pub(super) struct ReduceScatter {
    pub send: *mut c_void,
    pub recv: *mut c_void,
    /// Receive counts (`MPI_Reduce_scatter`; empty for the block form).
    pub counts: Vec<c_int>,
    pub dt: ffi::MPI_Datatype,
    pub op: ffi::MPI_Op,
    pub comm: ffi::MPI_Comm,
}

/// Sum of counts, as an `int` count (`MPI_ERR_COUNT` when negative or too large).
fn total(counts: impl IntoIterator<Item = i64>) -> MpiResult<i32> {
    let mut sum = 0i64;
    for c in counts {
        if c < 0 {
            return Err(MpiError::new(
                abi::MPI_ERR_COUNT,
                format!("negative count {c}"),
            ));
        }
        sum += c;
    }
    i32::try_from(sum).map_err(|_| {
        MpiError::new(
            abi::MPI_ERR_COUNT,
            format!("total count {sum} exceeds an int"),
        )
    })
}

/// `recvcounts` is the guest array for `MPI_Reduce_scatter`, or `None` with `recvcount` for
/// the block form.
pub(super) fn reduce_scatter_args(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    recvcounts: Option<u32>,
    recvcount: i32,
    datatype: i32,
    op: i32,
    comm: i32,
) -> MpiResult<ReduceScatter> {
    let comm = cx.comm(comm)?;
    let size = size_of(cx, comm)?;
    let (counts, mine, all) = match recvcounts {
        Some(addr) => {
            let counts = cx.read_i32s(addr, size)?;
            let all = total(counts.iter().map(|&c| i64::from(c)))?;
            let rank = rank_in(cx, comm)?;
            let mine = usize::try_from(rank)
                .ok()
                .and_then(|r| counts.get(r).copied())
                .unwrap_or(0);
            (counts, mine, all)
        }
        None => {
            let all = total((0..size).map(|_| i64::from(recvcount)))?;
            (Vec::new(), recvcount, all)
        }
    };
    let in_place = sendbuf == abi::MPI_IN_PLACE as u32;
    let (send, dt) = cx.buffer_or_in_place(sendbuf, all, datatype)?;
    let (recv, _) = cx.typed_buffer(recvbuf, if in_place { all } else { mine }, datatype)?;
    let op = reduction_op(cx, op, datatype)?;
    Ok(ReduceScatter {
        send,
        recv,
        counts,
        dt,
        op,
        comm,
    })
}

fn reduce_scatter(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    recvcounts: u32,
    datatype: i32,
    op: i32,
    comm: i32,
) -> MpiResult<()> {
    let a = reduce_scatter_args(
        cx,
        sendbuf,
        recvbuf,
        Some(recvcounts),
        0,
        datatype,
        op,
        comm,
    )?;
    // SAFETY: checked buffers (the send buffer, or the receive buffer in place, holds the sum
    // of the counts), a count for every process, live handles.
    cx.check(unsafe {
        ffi::MPI_Reduce_scatter(a.send, a.recv, a.counts.as_ptr(), a.dt, a.op, a.comm)
    })
}

fn reduce_scatter_block(
    cx: &mut Cx,
    sendbuf: u32,
    recvbuf: u32,
    recvcount: i32,
    datatype: i32,
    op: i32,
    comm: i32,
) -> MpiResult<()> {
    let a = reduce_scatter_args(cx, sendbuf, recvbuf, None, recvcount, datatype, op, comm)?;
    // SAFETY: checked buffers (size x recvcount elements where the operation needs them),
    // live handles.
    cx.check(unsafe {
        ffi::MPI_Reduce_scatter_block(a.send, a.recv, recvcount, a.dt, a.op, a.comm)
    })
}

super::mpi_functions! {
    gatherv => MPI_Gatherv(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcounts: u32, displs: u32, recvtype: i32, root: i32, comm: i32);
    scatterv => MPI_Scatterv(sendbuf: u32, sendcounts: u32, displs: u32, sendtype: i32, recvbuf: u32, recvcount: i32, recvtype: i32, root: i32, comm: i32);
    allgatherv => MPI_Allgatherv(sendbuf: u32, sendcount: i32, sendtype: i32, recvbuf: u32, recvcounts: u32, displs: u32, recvtype: i32, comm: i32);
    alltoallv => MPI_Alltoallv(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtype: i32, recvbuf: u32, recvcounts: u32, rdispls: u32, recvtype: i32, comm: i32);
    alltoallw => MPI_Alltoallw(sendbuf: u32, sendcounts: u32, sdispls: u32, sendtypes: u32, recvbuf: u32, recvcounts: u32, rdispls: u32, recvtypes: u32, comm: i32);
    reduce_scatter => MPI_Reduce_scatter(sendbuf: u32, recvbuf: u32, recvcounts: u32, datatype: i32, op: i32, comm: i32);
    reduce_scatter_block => MPI_Reduce_scatter_block(sendbuf: u32, recvbuf: u32, recvcount: i32, datatype: i32, op: i32, comm: i32);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int() -> Datatype {
        Datatype {
            // SAFETY: reading an immutable handle exported by the host MPI shim.
            host: unsafe { ffi::RSMPI_DATATYPE_NULL },
            size: 4,
            extent: 4,
            true_lb: 0,
            true_extent: 4,
            name: "MPI_INT",
        }
    }

    #[test]
    fn blocks_are_checked_with_displacement_and_extent() {
        let what = || "block".to_string();
        let dt = int();
        assert!(check_block(100, 0, 96, 1, &dt, &what).is_ok());
        let err = check_block(100, 0, 97, 1, &dt, &what).unwrap_err();
        assert_eq!(err.class, abi::MPI_ERR_BUFFER);
        assert!(check_block(100, 40, -40, 25, &dt, &what).is_ok());
        assert!(check_block(100, 40, -44, 1, &dt, &what).is_err());
        assert!(check_block(100, 0, 1 << 40, 0, &dt, &what).is_ok(), "empty");
        let err = check_block(100, 0, 0, -1, &dt, &what).unwrap_err();
        assert_eq!(err.class, abi::MPI_ERR_COUNT);
        // A strided type: 3 elements of extent 12 with 4 data bytes at offset 8.
        let strided = Datatype {
            extent: 12,
            true_lb: 8,
            ..int()
        };
        assert!(check_block(40, 0, 4, 3, &strided, &what).is_ok());
        assert!(check_block(40, 0, 5, 3, &strided, &what).is_err());
    }

    #[test]
    fn totals_refuse_negative_and_overflowing_counts() {
        assert_eq!(total([1, 2, 3]).unwrap(), 6);
        assert_eq!(total([1, -2]).unwrap_err().class, abi::MPI_ERR_COUNT);
        assert_eq!(
            total([i64::from(i32::MAX), 1]).unwrap_err().class,
            abi::MPI_ERR_COUNT
        );
    }
}
