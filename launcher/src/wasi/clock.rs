//! Clocks (`clock_res_get`, `clock_time_get`) and `poll_oneoff`.

use super::ctx::WasiCtx;
use super::fs::timestamp;
use super::mem;
use super::types::*;
use rustix::time::ClockId;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Duration;

/// The host clock of a WASI clock id, or `EINVAL`.
fn host_clock(id: u32) -> WasiResult<ClockId> {
    Ok(match id {
        CLOCK_REALTIME => ClockId::Realtime,
        CLOCK_MONOTONIC => ClockId::Monotonic,
        CLOCK_PROCESS_CPUTIME => ClockId::ProcessCPUTime,
        CLOCK_THREAD_CPUTIME => ClockId::ThreadCPUTime,
        _ => return Err(Errno::INVAL),
    })
}

/// A host timespec in nanoseconds.
fn ns(ts: rustix::time::Timespec) -> u64 {
    timestamp(i128::from(ts.tv_sec), i128::from(ts.tv_nsec))
}

/// The current time of `clock` in nanoseconds.
fn now(clock: ClockId) -> u64 {
    ns(rustix::time::clock_gettime(clock))
}

/// `clock_res_get(id, resolution)`.
pub(crate) fn clock_res_get(mem: &mut [u8], _cx: &mut WasiCtx, id: u32, out: u32) -> WasiResult {
    let res = ns(rustix::time::clock_getres(host_clock(id)?)).max(1);
    Ok(mem::write_u64(mem, out, res)?)
}

/// `clock_time_get(id, precision, time)`; `precision` is a hint and ignored.
pub(crate) fn clock_time_get(
    mem: &mut [u8],
    _cx: &mut WasiCtx,
    id: u32,
    _precision: u64,
    out: u32,
) -> WasiResult {
    Ok(mem::write_u64(mem, out, now(host_clock(id)?))?)
}

/// Most subscriptions one `poll_oneoff` accepts (bounds host memory use).
const MAX_SUBSCRIPTIONS: u32 = 1 << 16;

/// One decoded subscription.
enum Sub {
    /// Fires when the monotonic clock reaches `deadline` (ns).
    Clock { deadline: u64 },
    /// Waits for readiness of a host descriptor: index into the `pollfd` array.
    Fd { kind: u8, poll_index: usize },
    /// Already decided: reported at once with this error.
    Failed { kind: u8, error: Errno },
}

/// A WASI event record (32 bytes).
fn event_bytes(userdata: u64, error: Errno, kind: u8, nbytes: u64, flags: u16) -> [u8; 32] {
    let mut b = [0u8; SIZEOF_EVENT as usize];
    b[0..8].copy_from_slice(&userdata.to_le_bytes());
    b[8..10].copy_from_slice(&error.0.to_le_bytes());
    b[10] = kind;
    b[16..24].copy_from_slice(&nbytes.to_le_bytes());
    b[24..26].copy_from_slice(&flags.to_le_bytes());
    b
}

/// `poll_oneoff(in, out, nsubscriptions, nevents)`.
///
/// Clock subscriptions (realtime or monotonic, relative or `ABSTIME`) wait; fd_read /
/// fd_write subscriptions wait for readiness of the host descriptor with `ppoll` (regular
/// files are always ready). Returns as soon as at least one subscription fired, with one
/// event per fired subscription.
pub(crate) fn poll_oneoff(
    mem: &mut [u8],
    cx: &mut WasiCtx,
    in_: u32,
    out: u32,
    nsubscriptions: u32,
    nevents: u32,
) -> WasiResult {
    if nsubscriptions == 0 || nsubscriptions > MAX_SUBSCRIPTIONS {
        return Err(Errno::INVAL);
    }
    let in_len = nsubscriptions
        .checked_mul(SIZEOF_SUBSCRIPTION)
        .ok_or(Errno::FAULT)?;
    let out_len = nsubscriptions
        .checked_mul(SIZEOF_EVENT)
        .ok_or(Errno::FAULT)?;
    mem::range(mem.len(), in_, in_len)?;
    mem::range(mem.len(), out, out_len)?;
    mem::check_writable(mem, nevents, 4)?;

    let start = now(ClockId::Monotonic);
    let mut subs = Vec::new();
    let mut pollfds: Vec<libc::pollfd> = Vec::new();
    // The host descriptors behind `pollfds`, borrowed from the table for the whole call.
    let mut hosts: Vec<BorrowedFd<'_>> = Vec::new();
    let table = &cx.fds;
    for i in 0..nsubscriptions {
        let at = mem::element(in_, i, SIZEOF_SUBSCRIPTION)?;
        let userdata = mem::read_u64(mem, at)?;
        let tag = mem::read_u8(mem, mem::offset(at, 8)?)?;
        let body = mem::offset(at, 16)?;
        let sub = match tag {
            EVENTTYPE_CLOCK => {
                let id = mem::read_u32(mem, body)?;
                let timeout = mem::read_u64(mem, mem::offset(body, 8)?)?;
                let flags = mem::read_u16(mem, mem::offset(body, 24)?)?;
                match id {
                    CLOCK_REALTIME | CLOCK_MONOTONIC => {
                        let remaining = if flags & SUBCLOCKFLAGS_ABSTIME != 0 {
                            let clock = host_clock(id)?;
                            timeout.saturating_sub(now(clock))
                        } else {
                            timeout
                        };
                        Sub::Clock {
                            deadline: start.saturating_add(remaining),
                        }
                    }
                    CLOCK_PROCESS_CPUTIME | CLOCK_THREAD_CPUTIME => Sub::Failed {
                        kind: tag,
                        error: Errno::NOTSUP,
                    },
                    _ => Sub::Failed {
                        kind: tag,
                        error: Errno::INVAL,
                    },
                }
            }
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                let fd = mem::read_u32(mem, body)?;
                match table.get(fd) {
                    Ok(e) => {
                        hosts.push(e.fd.as_fd());
                        pollfds.push(libc::pollfd {
                            fd: e.fd.as_raw_fd(),
                            events: if tag == EVENTTYPE_FD_READ {
                                libc::POLLIN
                            } else {
                                libc::POLLOUT
                            },
                            revents: 0,
                        });
                        Sub::Fd {
                            kind: tag,
                            poll_index: pollfds.len() - 1,
                        }
                    }
                    Err(error) => Sub::Failed { kind: tag, error },
                }
            }
            _ => return Err(Errno::INVAL),
        };
        subs.push((userdata, sub));
    }

    let immediate = subs.iter().any(|(_, s)| matches!(s, Sub::Failed { .. }));
    let first_deadline = subs
        .iter()
        .filter_map(|(_, s)| match s {
            Sub::Clock { deadline } => Some(*deadline),
            _ => None,
        })
        .min();

    loop {
        let current = now(ClockId::Monotonic);
        // How long to wait: not at all if something is already decided, until the first
        // deadline if there is one, forever otherwise.
        let wait = if immediate {
            Some(0)
        } else {
            first_deadline.map(|d| d.saturating_sub(current))
        };
        if !pollfds.is_empty() {
            for p in &mut pollfds {
                p.revents = 0;
            }
            wait_fds(&mut pollfds, wait)?;
        } else if let Some(w) = wait {
            if w > 0 {
                std::thread::sleep(Duration::from_nanos(w));
            }
        }

        let current = now(ClockId::Monotonic);
        let mut events: Vec<[u8; 32]> = Vec::new();
        for (userdata, sub) in &subs {
            match *sub {
                Sub::Clock { deadline } => {
                    if current >= deadline {
                        events.push(event_bytes(
                            *userdata,
                            Errno::SUCCESS,
                            EVENTTYPE_CLOCK,
                            0,
                            0,
                        ));
                    }
                }
                Sub::Failed { kind, error } => {
                    events.push(event_bytes(*userdata, error, kind, 0, 0));
                }
                Sub::Fd { kind, poll_index } => {
                    let (Some(p), Some(host)) = (pollfds.get(poll_index), hosts.get(poll_index))
                    else {
                        continue;
                    };
                    let r = p.revents;
                    if r == 0 {
                        continue;
                    }
                    let (error, flags) = if r & libc::POLLNVAL != 0 {
                        (Errno::BADF, 0)
                    } else if r & libc::POLLHUP != 0 {
                        (Errno::SUCCESS, EVENTRWFLAGS_HANGUP)
                    } else if r & libc::POLLERR != 0 {
                        (Errno::IO, 0)
                    } else {
                        (Errno::SUCCESS, 0)
                    };
                    let nbytes = if kind == EVENTTYPE_FD_READ {
                        readable_bytes(*host)
                    } else {
                        0
                    };
                    events.push(event_bytes(*userdata, error, kind, nbytes, flags));
                }
            }
        }
        if events.is_empty() {
            // Woken early (signal) or spurious: wait again.
            continue;
        }
        for (i, ev) in events.iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| Errno::OVERFLOW)?;
            mem::write_bytes(mem, mem::element(out, i, SIZEOF_EVENT)?, ev)?;
        }
        let n = u32::try_from(events.len()).map_err(|_| Errno::OVERFLOW)?;
        return Ok(mem::write_u32(mem, nevents, n)?);
    }
}

/// `ppoll` on `fds` for at most `wait` ns (`None`: no limit). `EINTR` counts as a timeout.
fn wait_fds(fds: &mut [libc::pollfd], wait: Option<u64>) -> WasiResult {
    let ts = wait.map(|w| libc::timespec {
        tv_sec: libc::time_t::try_from(w / 1_000_000_000).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::try_from(w % 1_000_000_000).unwrap_or(0),
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    let nfds = libc::nfds_t::try_from(fds.len()).map_err(|_| Errno::INVAL)?;
    // SAFETY: `fds` is a valid, exclusively borrowed array of `nfds` pollfd records;
    // `ts_ptr` is null or points to `ts`, alive for the call; a null sigmask keeps the
    // current one.
    let r = unsafe { libc::ppoll(fds.as_mut_ptr(), nfds, ts_ptr, std::ptr::null()) };
    if r < 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err.into());
        }
    }
    Ok(())
}

/// Bytes left to read on a regular file (size minus position); 0 when unknown.
fn readable_bytes(fd: BorrowedFd<'_>) -> u64 {
    match rustix::fs::fstat(fd) {
        Ok(st)
            if rustix::fs::FileType::from_raw_mode(st.st_mode)
                == rustix::fs::FileType::RegularFile =>
        {
            let size = u64::try_from(st.st_size).unwrap_or(0);
            let pos = rustix::fs::seek(fd, rustix::fs::SeekFrom::Current(0)).unwrap_or(size);
            size.saturating_sub(pos)
        }
        _ => 0,
    }
}
