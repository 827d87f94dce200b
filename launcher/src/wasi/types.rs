//! WASI preview 1 constants and the [`Errno`] type, with the values of
//! `wasi_snapshot_preview1.witx`.

use std::fmt;

macro_rules! errnos {
    ($( $name:ident = $value:literal $(, $host:ident)? ; )*) => {
        /// A WASI errno value (`errno` in the witx): what every WASI function returns.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct Errno(pub u16);

        #[allow(missing_docs)]
        impl Errno {
            $( pub const $name: Errno = Errno($value); )*

            /// The witx name of this errno (`"NOTCAPABLE"`), or `"?"` for an unknown value.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $( $value => stringify!($name), )*
                    _ => "?",
                }
            }

            /// Maps a host (Linux) errno to the WASI errno; unknown values become `EIO`.
            pub fn from_host(raw: i32) -> Errno {
                match raw {
                    $( $( libc::$host => Errno::$name, )? )*
                    _ => Errno::IO,
                }
            }
        }
    };
}

errnos! {
    SUCCESS = 0;
    TOOBIG = 1, E2BIG;
    ACCES = 2, EACCES;
    ADDRINUSE = 3, EADDRINUSE;
    ADDRNOTAVAIL = 4, EADDRNOTAVAIL;
    AFNOSUPPORT = 5, EAFNOSUPPORT;
    AGAIN = 6, EAGAIN;
    ALREADY = 7, EALREADY;
    BADF = 8, EBADF;
    BADMSG = 9, EBADMSG;
    BUSY = 10, EBUSY;
    CANCELED = 11, ECANCELED;
    CHILD = 12, ECHILD;
    CONNABORTED = 13, ECONNABORTED;
    CONNREFUSED = 14, ECONNREFUSED;
    CONNRESET = 15, ECONNRESET;
    DEADLK = 16, EDEADLK;
    DESTADDRREQ = 17, EDESTADDRREQ;
    DOM = 18, EDOM;
    DQUOT = 19, EDQUOT;
    EXIST = 20, EEXIST;
    FAULT = 21, EFAULT;
    FBIG = 22, EFBIG;
    HOSTUNREACH = 23, EHOSTUNREACH;
    IDRM = 24, EIDRM;
    ILSEQ = 25, EILSEQ;
    INPROGRESS = 26, EINPROGRESS;
    INTR = 27, EINTR;
    INVAL = 28, EINVAL;
    IO = 29, EIO;
    ISCONN = 30, EISCONN;
    ISDIR = 31, EISDIR;
    LOOP = 32, ELOOP;
    MFILE = 33, EMFILE;
    MLINK = 34, EMLINK;
    MSGSIZE = 35, EMSGSIZE;
    MULTIHOP = 36, EMULTIHOP;
    NAMETOOLONG = 37, ENAMETOOLONG;
    NETDOWN = 38, ENETDOWN;
    NETRESET = 39, ENETRESET;
    NETUNREACH = 40, ENETUNREACH;
    NFILE = 41, ENFILE;
    NOBUFS = 42, ENOBUFS;
    NODEV = 43, ENODEV;
    NOENT = 44, ENOENT;
    NOEXEC = 45, ENOEXEC;
    NOLCK = 46, ENOLCK;
    NOLINK = 47, ENOLINK;
    NOMEM = 48, ENOMEM;
    NOMSG = 49, ENOMSG;
    NOPROTOOPT = 50, ENOPROTOOPT;
    NOSPC = 51, ENOSPC;
    NOSYS = 52, ENOSYS;
    NOTCONN = 53, ENOTCONN;
    NOTDIR = 54, ENOTDIR;
    NOTEMPTY = 55, ENOTEMPTY;
    NOTRECOVERABLE = 56, ENOTRECOVERABLE;
    NOTSOCK = 57, ENOTSOCK;
    NOTSUP = 58, ENOTSUP;
    NOTTY = 59, ENOTTY;
    NXIO = 60, ENXIO;
    OVERFLOW = 61, EOVERFLOW;
    OWNERDEAD = 62, EOWNERDEAD;
    PERM = 63, EPERM;
    PIPE = 64, EPIPE;
    PROTO = 65, EPROTO;
    PROTONOSUPPORT = 66, EPROTONOSUPPORT;
    PROTOTYPE = 67, EPROTOTYPE;
    RANGE = 68, ERANGE;
    ROFS = 69, EROFS;
    SPIPE = 70, ESPIPE;
    SRCH = 71, ESRCH;
    STALE = 72, ESTALE;
    TIMEDOUT = 73, ETIMEDOUT;
    TXTBSY = 74, ETXTBSY;
    XDEV = 75, EXDEV;
    NOTCAPABLE = 76;
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E{}({})", self.name(), self.0)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Errno {
        Errno::from_host(e.raw_os_error())
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        e.raw_os_error().map_or(Errno::IO, Errno::from_host)
    }
}

/// The result type of the inner (safe) WASI functions.
pub type WasiResult<T = ()> = Result<T, Errno>;

// ---- clockid ----
pub(crate) const CLOCK_REALTIME: u32 = 0;
pub(crate) const CLOCK_MONOTONIC: u32 = 1;
pub(crate) const CLOCK_PROCESS_CPUTIME: u32 = 2;
pub(crate) const CLOCK_THREAD_CPUTIME: u32 = 3;

// ---- filetype ----
pub(crate) const FILETYPE_UNKNOWN: u8 = 0;
pub(crate) const FILETYPE_BLOCK_DEVICE: u8 = 1;
pub(crate) const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub(crate) const FILETYPE_DIRECTORY: u8 = 3;
pub(crate) const FILETYPE_REGULAR_FILE: u8 = 4;
pub(crate) const FILETYPE_SOCKET_STREAM: u8 = 6;
pub(crate) const FILETYPE_SYMBOLIC_LINK: u8 = 7;

// ---- whence ----
pub(crate) const WHENCE_SET: u32 = 0;
pub(crate) const WHENCE_CUR: u32 = 1;
pub(crate) const WHENCE_END: u32 = 2;

// ---- fdflags ----
pub(crate) const FDFLAGS_APPEND: u32 = 1 << 0;
pub(crate) const FDFLAGS_DSYNC: u32 = 1 << 1;
pub(crate) const FDFLAGS_NONBLOCK: u32 = 1 << 2;
pub(crate) const FDFLAGS_RSYNC: u32 = 1 << 3;
pub(crate) const FDFLAGS_SYNC: u32 = 1 << 4;
pub(crate) const FDFLAGS_ALL: u32 = (1 << 5) - 1;

// ---- oflags ----
pub(crate) const OFLAGS_CREAT: u32 = 1 << 0;
pub(crate) const OFLAGS_DIRECTORY: u32 = 1 << 1;
pub(crate) const OFLAGS_EXCL: u32 = 1 << 2;
pub(crate) const OFLAGS_TRUNC: u32 = 1 << 3;
pub(crate) const OFLAGS_ALL: u32 = (1 << 4) - 1;

// ---- lookupflags ----
pub(crate) const LOOKUPFLAGS_SYMLINK_FOLLOW: u32 = 1 << 0;

// ---- fstflags ----
pub(crate) const FSTFLAGS_ATIM: u32 = 1 << 0;
pub(crate) const FSTFLAGS_ATIM_NOW: u32 = 1 << 1;
pub(crate) const FSTFLAGS_MTIM: u32 = 1 << 2;
pub(crate) const FSTFLAGS_MTIM_NOW: u32 = 1 << 3;

// ---- advice ----
pub(crate) const ADVICE_NORMAL: u32 = 0;
pub(crate) const ADVICE_SEQUENTIAL: u32 = 1;
pub(crate) const ADVICE_RANDOM: u32 = 2;
pub(crate) const ADVICE_WILLNEED: u32 = 3;
pub(crate) const ADVICE_DONTNEED: u32 = 4;
pub(crate) const ADVICE_NOREUSE: u32 = 5;

// ---- eventtype / subscription ----
pub(crate) const EVENTTYPE_CLOCK: u8 = 0;
pub(crate) const EVENTTYPE_FD_READ: u8 = 1;
pub(crate) const EVENTTYPE_FD_WRITE: u8 = 2;
pub(crate) const SUBCLOCKFLAGS_ABSTIME: u16 = 1 << 0;
pub(crate) const EVENTRWFLAGS_HANGUP: u16 = 1 << 0;

// ---- preopentype ----
pub(crate) const PREOPENTYPE_DIR: u8 = 0;

// ---- rights ----
pub(crate) const RIGHTS_FD_DATASYNC: u64 = 1 << 0;
pub(crate) const RIGHTS_FD_READ: u64 = 1 << 1;
pub(crate) const RIGHTS_FD_SEEK: u64 = 1 << 2;
pub(crate) const RIGHTS_FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub(crate) const RIGHTS_FD_SYNC: u64 = 1 << 4;
pub(crate) const RIGHTS_FD_TELL: u64 = 1 << 5;
pub(crate) const RIGHTS_FD_WRITE: u64 = 1 << 6;
pub(crate) const RIGHTS_FD_ADVISE: u64 = 1 << 7;
pub(crate) const RIGHTS_FD_ALLOCATE: u64 = 1 << 8;
pub(crate) const RIGHTS_PATH_CREATE_DIRECTORY: u64 = 1 << 9;
pub(crate) const RIGHTS_PATH_CREATE_FILE: u64 = 1 << 10;
pub(crate) const RIGHTS_PATH_LINK_SOURCE: u64 = 1 << 11;
pub(crate) const RIGHTS_PATH_LINK_TARGET: u64 = 1 << 12;
pub(crate) const RIGHTS_PATH_OPEN: u64 = 1 << 13;
pub(crate) const RIGHTS_FD_READDIR: u64 = 1 << 14;
pub(crate) const RIGHTS_PATH_READLINK: u64 = 1 << 15;
pub(crate) const RIGHTS_PATH_RENAME_SOURCE: u64 = 1 << 16;
pub(crate) const RIGHTS_PATH_RENAME_TARGET: u64 = 1 << 17;
pub(crate) const RIGHTS_PATH_FILESTAT_GET: u64 = 1 << 18;
pub(crate) const RIGHTS_PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
pub(crate) const RIGHTS_PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
pub(crate) const RIGHTS_FD_FILESTAT_GET: u64 = 1 << 21;
pub(crate) const RIGHTS_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
pub(crate) const RIGHTS_FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
pub(crate) const RIGHTS_PATH_SYMLINK: u64 = 1 << 24;
pub(crate) const RIGHTS_PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
pub(crate) const RIGHTS_PATH_UNLINK_FILE: u64 = 1 << 26;
pub(crate) const RIGHTS_POLL_FD_READWRITE: u64 = 1 << 27;

/// Rights that make sense on a regular file (or any non-directory descriptor).
pub(crate) const RIGHTS_FILE: u64 = RIGHTS_FD_DATASYNC
    | RIGHTS_FD_READ
    | RIGHTS_FD_SEEK
    | RIGHTS_FD_FDSTAT_SET_FLAGS
    | RIGHTS_FD_SYNC
    | RIGHTS_FD_TELL
    | RIGHTS_FD_WRITE
    | RIGHTS_FD_ADVISE
    | RIGHTS_FD_ALLOCATE
    | RIGHTS_FD_FILESTAT_GET
    | RIGHTS_FD_FILESTAT_SET_SIZE
    | RIGHTS_FD_FILESTAT_SET_TIMES
    | RIGHTS_POLL_FD_READWRITE;

/// Rights that make sense on a directory.
pub(crate) const RIGHTS_DIR: u64 = RIGHTS_FD_DATASYNC
    | RIGHTS_FD_FDSTAT_SET_FLAGS
    | RIGHTS_FD_SYNC
    | RIGHTS_FD_ADVISE
    | RIGHTS_PATH_CREATE_DIRECTORY
    | RIGHTS_PATH_CREATE_FILE
    | RIGHTS_PATH_LINK_SOURCE
    | RIGHTS_PATH_LINK_TARGET
    | RIGHTS_PATH_OPEN
    | RIGHTS_FD_READDIR
    | RIGHTS_PATH_READLINK
    | RIGHTS_PATH_RENAME_SOURCE
    | RIGHTS_PATH_RENAME_TARGET
    | RIGHTS_PATH_FILESTAT_GET
    | RIGHTS_PATH_FILESTAT_SET_SIZE
    | RIGHTS_PATH_FILESTAT_SET_TIMES
    | RIGHTS_FD_FILESTAT_GET
    | RIGHTS_FD_FILESTAT_SET_TIMES
    | RIGHTS_PATH_SYMLINK
    | RIGHTS_PATH_REMOVE_DIRECTORY
    | RIGHTS_PATH_UNLINK_FILE
    | RIGHTS_POLL_FD_READWRITE;

/// Everything a descriptor opened below a directory may get (what directories hand down).
pub(crate) const RIGHTS_ALL: u64 = RIGHTS_FILE | RIGHTS_DIR;

// ---- sizes of guest structures ----
pub(crate) const SIZEOF_IOVEC: u32 = 8;
pub(crate) const SIZEOF_FILESTAT: usize = 64;
pub(crate) const SIZEOF_FDSTAT: usize = 24;
pub(crate) const SIZEOF_PRESTAT: usize = 8;
pub(crate) const SIZEOF_DIRENT: usize = 24;
pub(crate) const SIZEOF_SUBSCRIPTION: u32 = 48;
pub(crate) const SIZEOF_EVENT: u32 = 32;
