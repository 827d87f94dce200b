//! The MPI interface of guest programs: constants, the status layout, predefined datatypes
//! and the imported functions, as `include/mpi.h` declares them.
//!
//! A guest is a C or C++ program compiled to wasm32-wasi against wasmpi's own `mpi.h`. Its
//! MPI calls become imports from module `env` named after the C function (`env.MPI_Send`);
//! the launcher binds each to a trampoline that translates handles, constants, statuses and
//! buffers and calls the host's MPI. The values the guest compiled in are therefore ABI, and
//! live in two places that must agree: the header (for guests) and this module (for the
//! launcher). `tests/mpi_header.rs` parses the header and checks every constant and every
//! function against this module, both ways, and checks the values that modules built for
//! MPIWasm use (they must run unmodified).
//!
//! Guest sizes differ from the host's: on wasm32 `long`, pointers and `MPI_Aint` are 4 bytes
//! and `long double` is IEEE binary128. [`DATATYPES`] says, for every predefined datatype,
//! which host representation carries it (guest `MPI_LONG` travels as a 4-byte integer).
//!
//! Handles are plain `i32`s. Predefined handles and null handles are all below
//! [`FIRST_DYNAMIC_HANDLE`]; handles the launcher creates at run time are at or above it, so
//! the two never meet and a handle table can be a vector indexed from that base.

use crate::types::ValType;

/// What a constant is: constants of one kind are passed in the same places, so within a kind
/// whose [`Kind::distinct`] is true no two constants share a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `MPI_VERSION`, `MPI_SUBVERSION`.
    Version,
    /// `MPI_Comm` handles.
    Comm,
    /// `MPI_Datatype` handles of the predefined datatypes (see [`DATATYPES`]).
    Datatype,
    /// `MPI_Op` handles.
    Op,
    /// `MPI_Info` handles.
    Info,
    /// `MPI_Group` handles.
    Group,
    /// `MPI_Request` handles.
    Request,
    /// `MPI_Message` handles.
    Message,
    /// `MPI_Errhandler` handles.
    Errhandler,
    /// `MPI_Win` handles.
    Win,
    /// `MPI_File` handles.
    File,
    /// Error classes (returned as error codes) and `MPI_ERR_LASTCODE`.
    ErrorClass,
    /// Special ranks and `MPI_UNDEFINED`, which rank arguments and results may hold.
    Rank,
    /// Special tags.
    Tag,
    /// Attribute keys (communicator and window) and `MPI_KEYVAL_INVALID`.
    Keyval,
    /// Thread support levels.
    ThreadLevel,
    /// Results of `MPI_Comm_compare` and `MPI_Group_compare`.
    Comparison,
    /// Topology kinds reported by `MPI_Topo_test`.
    Topology,
    /// Split types of `MPI_Comm_split_type`.
    SplitType,
    /// Lock types of `MPI_Win_lock`.
    LockType,
    /// RMA synchronisation assertions (bit flags).
    RmaAssert,
    /// File access modes (bit flags).
    FileMode,
    /// `whence` of `MPI_File_seek`.
    Whence,
    /// Special file view displacements (an `MPI_Offset` in C).
    Displacement,
    /// Array storage orders.
    Order,
    /// Distributions of darray datatypes.
    Distribution,
    /// Special distribution arguments of darray datatypes.
    DistributionArg,
    /// Datatype combiners reported by `MPI_Type_get_envelope`.
    Combiner,
    /// Type classes of `MPI_Type_match_size`.
    TypeClass,
    /// Values of the `MPI_WIN_CREATE_FLAVOR` attribute.
    WinFlavor,
    /// Values of the `MPI_WIN_MODEL` attribute.
    WinModel,
    /// Special buffer and weight-array addresses in guest memory.
    BufferPointer,
    /// Null pointers for outputs the caller does not want.
    IgnorePointer,
    /// Predefined attribute callbacks: guest function table indices.
    Callback,
    /// String lengths and buffer overheads: plain numbers.
    Limit,
}

impl Kind {
    /// Whether constants of this kind must all have different values.
    pub fn distinct(self) -> bool {
        !matches!(
            self,
            Kind::IgnorePointer | Kind::Callback | Kind::Limit | Kind::Version
        )
    }

    /// Whether constants of this kind are single-bit flags that callers combine with `|`.
    pub fn bit_flags(self) -> bool {
        matches!(self, Kind::RmaAssert | Kind::FileMode)
    }

    /// Whether constants of this kind are handles (below [`FIRST_DYNAMIC_HANDLE`]).
    pub fn handle(self) -> bool {
        matches!(
            self,
            Kind::Comm
                | Kind::Datatype
                | Kind::Op
                | Kind::Info
                | Kind::Group
                | Kind::Request
                | Kind::Message
                | Kind::Errhandler
                | Kind::Win
                | Kind::File
                | Kind::Keyval
        )
    }
}

/// The constants of one [`Kind`], in header order.
#[derive(Clone, Copy, Debug)]
pub struct Group {
    /// What the constants are.
    pub kind: Kind,
    /// Name (as in C) and value of each constant.
    pub constants: &'static [(&'static str, i64)],
}

/// Defines each constant as a `pub const` and lists it in [`CONSTANTS`] and [`GROUPS`], so the
/// tables cannot miss a constant. The group's one-line doc becomes each constant's doc.
macro_rules! constants {
    ($( #[doc = $doc:literal] $kind:ident { $( $name:ident = $value:expr, )* } )*) => {
        $( $(
            #[doc = concat!("`", stringify!($name), "`:", $doc)]
            pub const $name: i32 = $value;
        )* )*

        /// Every constant of `mpi.h`: its C name and value.
        pub const CONSTANTS: &[(&str, i64)] = &[ $( $( (stringify!($name), $value as i64), )* )* ];

        /// Every constant of `mpi.h`, grouped by kind.
        pub const GROUPS: &[Group] = &[ $(
            Group { kind: Kind::$kind, constants: &[ $( (stringify!($name), $value as i64), )* ] },
        )* ];
    };
}

constants! {
    /// version of the MPI standard the header implements.
    Version {
        MPI_VERSION = 3,
        MPI_SUBVERSION = 1,
    }

    /// predefined communicator (MPIWasm's values).
    Comm {
        MPI_COMM_WORLD = 0,
        MPI_COMM_SELF = 1,
        MPI_COMM_NULL = 2,
    }

    /// predefined datatype: -1..=18 are MPIWasm's (`MPI_UINT_T` is its name for `unsigned`), 19..=44 new.
    Datatype {
        MPI_DATATYPE_NULL = -1,
        MPI_INT8_T = 0,
        MPI_INT16_T = 1,
        MPI_INT32_T = 2,
        MPI_INT = 3,
        MPI_INT64_T = 4,
        MPI_UINT8_T = 5,
        MPI_UINT16_T = 6,
        MPI_UINT32_T = 7,
        MPI_UINT_T = 8,
        MPI_UINT64_T = 9,
        MPI_LONG = 10,
        MPI_LONG_LONG = 11,
        MPI_LONG_LONG_INT = 12,
        MPI_FLOAT = 13,
        MPI_DOUBLE = 14,
        MPI_DOUBLE_INT = 15,
        MPI_CHAR = 16,
        MPI_C_BOOL = 17,
        MPI_BYTE = 18,
        MPI_SHORT = 19,
        MPI_UNSIGNED_SHORT = 20,
        MPI_UNSIGNED = 21,
        MPI_UNSIGNED_LONG = 22,
        MPI_UNSIGNED_LONG_LONG = 23,
        MPI_SIGNED_CHAR = 24,
        MPI_UNSIGNED_CHAR = 25,
        MPI_WCHAR = 26,
        MPI_LONG_DOUBLE = 27,
        MPI_PACKED = 28,
        MPI_AINT = 29,
        MPI_OFFSET = 30,
        MPI_COUNT = 31,
        MPI_C_COMPLEX = 32,
        MPI_C_FLOAT_COMPLEX = 33,
        MPI_C_DOUBLE_COMPLEX = 34,
        MPI_C_LONG_DOUBLE_COMPLEX = 35,
        MPI_FLOAT_INT = 36,
        MPI_LONG_INT = 37,
        MPI_SHORT_INT = 38,
        MPI_2INT = 39,
        MPI_LONG_DOUBLE_INT = 40,
        MPI_CXX_BOOL = 41,
        MPI_CXX_FLOAT_COMPLEX = 42,
        MPI_CXX_DOUBLE_COMPLEX = 43,
        MPI_CXX_LONG_DOUBLE_COMPLEX = 44,
    }

    /// predefined reduction operation: 0..=10 are MPIWasm's, 11..=14 new.
    Op {
        MPI_MAX = 0,
        MPI_MIN = 1,
        MPI_SUM = 2,
        MPI_PROD = 3,
        MPI_LAND = 4,
        MPI_LOR = 5,
        MPI_BAND = 6,
        MPI_BOR = 7,
        MPI_MAXLOC = 8,
        MPI_MINLOC = 9,
        MPI_OP_NULL = 10,
        MPI_BXOR = 11,
        MPI_LXOR = 12,
        MPI_REPLACE = 13,
        MPI_NO_OP = 14,
    }

    /// predefined info object (`MPI_INFO_NULL` is MPIWasm's).
    Info {
        MPI_INFO_NULL = 0,
        MPI_INFO_ENV = 1,
    }

    /// predefined group.
    Group {
        MPI_GROUP_NULL = 0,
        MPI_GROUP_EMPTY = 1,
    }

    /// null request.
    Request {
        MPI_REQUEST_NULL = 0,
    }

    /// predefined message handle.
    Message {
        MPI_MESSAGE_NULL = 0,
        MPI_MESSAGE_NO_PROC = 1,
    }

    /// predefined error handler.
    Errhandler {
        MPI_ERRHANDLER_NULL = 0,
        MPI_ERRORS_ARE_FATAL = 1,
        MPI_ERRORS_RETURN = 2,
    }

    /// null window.
    Win {
        MPI_WIN_NULL = 0,
    }

    /// null file.
    File {
        MPI_FILE_NULL = 0,
    }

    /// error class: 0 and 1 are MPIWasm's, the rest in the order of MPI-3.1 section 8.4.
    ErrorClass {
        MPI_SUCCESS = 0,
        MPI_ERR_OTHER = 1,
        MPI_ERR_BUFFER = 2,
        MPI_ERR_COUNT = 3,
        MPI_ERR_TYPE = 4,
        MPI_ERR_TAG = 5,
        MPI_ERR_COMM = 6,
        MPI_ERR_RANK = 7,
        MPI_ERR_REQUEST = 8,
        MPI_ERR_ROOT = 9,
        MPI_ERR_GROUP = 10,
        MPI_ERR_OP = 11,
        MPI_ERR_TOPOLOGY = 12,
        MPI_ERR_DIMS = 13,
        MPI_ERR_ARG = 14,
        MPI_ERR_UNKNOWN = 15,
        MPI_ERR_TRUNCATE = 16,
        MPI_ERR_INTERN = 17,
        MPI_ERR_PENDING = 18,
        MPI_ERR_IN_STATUS = 19,
        MPI_ERR_ACCESS = 20,
        MPI_ERR_AMODE = 21,
        MPI_ERR_ASSERT = 22,
        MPI_ERR_BAD_FILE = 23,
        MPI_ERR_BASE = 24,
        MPI_ERR_CONVERSION = 25,
        MPI_ERR_DISP = 26,
        MPI_ERR_DUP_DATAREP = 27,
        MPI_ERR_FILE_EXISTS = 28,
        MPI_ERR_FILE_IN_USE = 29,
        MPI_ERR_FILE = 30,
        MPI_ERR_INFO_KEY = 31,
        MPI_ERR_INFO_NOKEY = 32,
        MPI_ERR_INFO_VALUE = 33,
        MPI_ERR_INFO = 34,
        MPI_ERR_IO = 35,
        MPI_ERR_KEYVAL = 36,
        MPI_ERR_LOCKTYPE = 37,
        MPI_ERR_NAME = 38,
        MPI_ERR_NO_MEM = 39,
        MPI_ERR_NOT_SAME = 40,
        MPI_ERR_NO_SPACE = 41,
        MPI_ERR_NO_SUCH_FILE = 42,
        MPI_ERR_PORT = 43,
        MPI_ERR_QUOTA = 44,
        MPI_ERR_READ_ONLY = 45,
        MPI_ERR_RMA_ATTACH = 46,
        MPI_ERR_RMA_CONFLICT = 47,
        MPI_ERR_RMA_RANGE = 48,
        MPI_ERR_RMA_SHARED = 49,
        MPI_ERR_RMA_SYNC = 50,
        MPI_ERR_RMA_FLAVOR = 51,
        MPI_ERR_SERVICE = 52,
        MPI_ERR_SIZE = 53,
        MPI_ERR_SPAWN = 54,
        MPI_ERR_UNSUPPORTED_DATAREP = 55,
        MPI_ERR_UNSUPPORTED_OPERATION = 56,
        MPI_ERR_WIN = 57,
        MPI_ERR_LASTCODE = 127,
    }

    /// special rank, or "undefined" (`MPI_ANY_SOURCE` and `MPI_UNDEFINED` are MPIWasm's).
    Rank {
        MPI_ANY_SOURCE = -1,
        MPI_PROC_NULL = -2,
        MPI_ROOT = -3,
        MPI_UNDEFINED = -32766,
    }

    /// special tag (MPIWasm's value).
    Tag {
        MPI_ANY_TAG = -1,
    }

    /// attribute key: window keys 1..=5 are MPIWasm's, communicator keys 6..=12 new.
    Keyval {
        MPI_KEYVAL_INVALID = 0,
        MPI_WIN_BASE = 1,
        MPI_WIN_SIZE = 2,
        MPI_WIN_DISP_UNIT = 3,
        MPI_WIN_CREATE_FLAVOR = 4,
        MPI_WIN_MODEL = 5,
        MPI_TAG_UB = 6,
        MPI_HOST = 7,
        MPI_IO = 8,
        MPI_WTIME_IS_GLOBAL = 9,
        MPI_UNIVERSE_SIZE = 10,
        MPI_APPNUM = 11,
        MPI_LASTUSEDCODE = 12,
    }

    /// thread support level (MPIWasm's values).
    ThreadLevel {
        MPI_THREAD_SINGLE = 0,
        MPI_THREAD_FUNNELED = 1,
        MPI_THREAD_SERIALIZED = 2,
        MPI_THREAD_MULTIPLE = 3,
    }

    /// result of a communicator or group comparison (MPIWasm's values).
    Comparison {
        MPI_IDENT = 0,
        MPI_CONGRUENT = 1,
        MPI_SIMILAR = 2,
        MPI_UNEQUAL = 3,
    }

    /// topology kind (no topology: `MPI_UNDEFINED`).
    Topology {
        MPI_GRAPH = 1,
        MPI_CART = 2,
        MPI_DIST_GRAPH = 3,
    }

    /// split type (MPIWasm's value).
    SplitType {
        MPI_COMM_TYPE_SHARED = 0,
    }

    /// lock type.
    LockType {
        MPI_LOCK_EXCLUSIVE = 1,
        MPI_LOCK_SHARED = 2,
    }

    /// RMA assertion bit.
    RmaAssert {
        MPI_MODE_NOCHECK = 0x1,
        MPI_MODE_NOSTORE = 0x2,
        MPI_MODE_NOPUT = 0x4,
        MPI_MODE_NOPRECEDE = 0x8,
        MPI_MODE_NOSUCCEED = 0x10,
    }

    /// file access mode bit.
    FileMode {
        MPI_MODE_RDONLY = 0x1,
        MPI_MODE_RDWR = 0x2,
        MPI_MODE_WRONLY = 0x4,
        MPI_MODE_CREATE = 0x8,
        MPI_MODE_EXCL = 0x10,
        MPI_MODE_DELETE_ON_CLOSE = 0x20,
        MPI_MODE_UNIQUE_OPEN = 0x40,
        MPI_MODE_SEQUENTIAL = 0x80,
        MPI_MODE_APPEND = 0x100,
    }

    /// `whence` of `MPI_File_seek` (as `SEEK_SET`/`CUR`/`END` in wasi-libc).
    Whence {
        MPI_SEEK_SET = 0,
        MPI_SEEK_CUR = 1,
        MPI_SEEK_END = 2,
    }

    /// file view displacement meaning "current position" (an `MPI_Offset`: widen to `i64`).
    Displacement {
        MPI_DISPLACEMENT_CURRENT = -1,
    }

    /// array storage order.
    Order {
        MPI_ORDER_C = 0,
        MPI_ORDER_FORTRAN = 1,
    }

    /// darray distribution.
    Distribution {
        MPI_DISTRIBUTE_BLOCK = 0,
        MPI_DISTRIBUTE_CYCLIC = 1,
        MPI_DISTRIBUTE_NONE = 2,
    }

    /// default darray distribution argument (real arguments are positive).
    DistributionArg {
        MPI_DISTRIBUTE_DFLT_DARG = -1,
    }

    /// datatype combiner.
    Combiner {
        MPI_COMBINER_NAMED = 0,
        MPI_COMBINER_DUP = 1,
        MPI_COMBINER_CONTIGUOUS = 2,
        MPI_COMBINER_VECTOR = 3,
        MPI_COMBINER_HVECTOR = 4,
        MPI_COMBINER_INDEXED = 5,
        MPI_COMBINER_HINDEXED = 6,
        MPI_COMBINER_INDEXED_BLOCK = 7,
        MPI_COMBINER_HINDEXED_BLOCK = 8,
        MPI_COMBINER_STRUCT = 9,
        MPI_COMBINER_SUBARRAY = 10,
        MPI_COMBINER_DARRAY = 11,
        MPI_COMBINER_F90_REAL = 12,
        MPI_COMBINER_F90_COMPLEX = 13,
        MPI_COMBINER_F90_INTEGER = 14,
        MPI_COMBINER_RESIZED = 15,
    }

    /// type class.
    TypeClass {
        MPI_TYPECLASS_INTEGER = 1,
        MPI_TYPECLASS_REAL = 2,
        MPI_TYPECLASS_COMPLEX = 3,
    }

    /// window flavor.
    WinFlavor {
        MPI_WIN_FLAVOR_CREATE = 1,
        MPI_WIN_FLAVOR_ALLOCATE = 2,
        MPI_WIN_FLAVOR_DYNAMIC = 3,
        MPI_WIN_FLAVOR_SHARED = 4,
    }

    /// window memory model.
    WinModel {
        MPI_WIN_SEPARATE = 1,
        MPI_WIN_UNIFIED = 2,
    }

    /// special guest address (`MPI_BOTTOM`, `MPI_IN_PLACE` are MPIWasm's); no object lives below 1024.
    BufferPointer {
        MPI_BOTTOM = 0,
        MPI_IN_PLACE = 1,
        MPI_UNWEIGHTED = 2,
        MPI_WEIGHTS_EMPTY = 3,
    }

    /// null guest pointer: the caller ignores this output (`MPI_STATUS(ES)_IGNORE` are MPIWasm's).
    IgnorePointer {
        MPI_STATUS_IGNORE = 0,
        MPI_STATUSES_IGNORE = 0,
        MPI_ERRCODES_IGNORE = 0,
        MPI_ARGV_NULL = 0,
        MPI_ARGVS_NULL = 0,
    }

    /// predefined attribute callback, a guest function table index: 0 is "none", -1 (0xFFFFFFFF, never a valid index) "copy the value".
    Callback {
        MPI_COMM_NULL_COPY_FN = 0,
        MPI_COMM_DUP_FN = -1,
        MPI_COMM_NULL_DELETE_FN = 0,
    }

    /// string length or buffer overhead (at least the larger of Open MPI's and MPICH's; the first two are MPIWasm's).
    Limit {
        MPI_MAX_PROCESSOR_NAME = 256,
        MPI_MAX_OBJECT_NAME = 128,
        MPI_MAX_ERROR_STRING = 512,
        MPI_MAX_LIBRARY_VERSION_STRING = 8192,
        MPI_MAX_INFO_KEY = 255,
        MPI_MAX_INFO_VAL = 1024,
        MPI_MAX_PORT_NAME = 1024,
        MPI_MAX_DATAREP_STRING = 128,
        MPI_BSEND_OVERHEAD = 256,
    }
}

/// The value of the constant with this C name.
pub fn constant(name: &str) -> Option<i64> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// The first handle the launcher may create at run time, of any kind (communicators,
/// datatypes, requests, keyvals, ...). Every predefined and null handle is below it.
pub const FIRST_DYNAMIC_HANDLE: i32 = 256;

/// Whether the `long double` of the machine this crate is built for is IEEE binary128 like the
/// guest's (16 bytes on wasm32), so that the host MPI can reduce guest `long double`s with its
/// predefined operations. Not on x86-64, whose `long double` is the 80-bit format.
pub const HOST_LONG_DOUBLE_IS_BINARY128: bool = cfg!(all(
    target_os = "linux",
    any(
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "s390x",
        target_arch = "loongarch64"
    )
));

/// Size of every handle, of `int` and of a pointer in guest memory.
pub const HANDLE_SIZE: u32 = 4;
/// Size of `MPI_Aint` in guest memory (`ptrdiff_t` on wasm32).
pub const AINT_SIZE: u32 = 4;
/// Size of `MPI_Offset` in guest memory.
pub const OFFSET_SIZE: u32 = 8;
/// Size of `MPI_Count` in guest memory.
pub const COUNT_SIZE: u32 = 8;

/// Size of `MPI_Status` in guest memory. The host's layout differs (and differs between Open
/// MPI and MPICH), so a status is always converted field by field, never passed through.
pub const STATUS_SIZE: u32 = 24;
/// Alignment of `MPI_Status` in guest memory.
pub const STATUS_ALIGN: u32 = 8;
/// Offset of `MPI_SOURCE` (`i32`) in `MPI_Status`.
pub const STATUS_SOURCE: u32 = 0;
/// Offset of `MPI_TAG` (`i32`) in `MPI_Status`.
pub const STATUS_TAG: u32 = 4;
/// Offset of `MPI_ERROR` (`i32`) in `MPI_Status`.
pub const STATUS_ERROR: u32 = 8;
/// Offset of the private cancelled flag (`i32`, 0 or 1) in `MPI_Status`.
pub const STATUS_CANCELLED: u32 = 12;
/// Offset of the private received byte count (`i64`) in `MPI_Status`; `MPI_Get_count` divides
/// it by the datatype's size.
pub const STATUS_COUNT: u32 = 16;

/// The host representation that carries a guest predefined datatype.
///
/// Each variant names bytes whose layout is the same in guest memory and on the host, so
/// buffers pass through unchanged; [`HostType::host_datatype`] is the host MPI datatype to use.
/// Guest types whose C name means a different size on the host map by size, not by name:
/// guest `MPI_LONG` is [`HostType::Int32`], guest `MPI_LONG_INT` is [`HostType::Int32Int32`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostType {
    /// C `char` (only for text: MPI allows no arithmetic on `MPI_CHAR`).
    Char,
    /// Signed 8-bit integer.
    Int8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 8-bit integer.
    Uint8,
    /// Unsigned 16-bit integer.
    Uint16,
    /// Unsigned 32-bit integer.
    Uint32,
    /// Unsigned 64-bit integer.
    Uint64,
    /// IEEE binary32.
    Float32,
    /// IEEE binary64.
    Float64,
    /// IEEE binary128 (the guest's `long double`). The host's `MPI_LONG_DOUBLE` matches only
    /// where the host's `long double` is binary128 (Linux on aarch64, ...); elsewhere (x86-64,
    /// 80-bit x87) the launcher can move these 16 bytes as bytes but cannot reduce them.
    Binary128,
    /// Complex of two binary32.
    ComplexFloat32,
    /// Complex of two binary64.
    ComplexFloat64,
    /// Complex of two binary128 (see [`HostType::Binary128`]).
    ComplexBinary128,
    /// C `_Bool` / C++ `bool`: one byte, 0 or 1.
    Bool,
    /// Uninterpreted byte.
    Byte,
    /// Packed data (`MPI_Pack` output, in the host's format).
    Packed,
    /// `struct { float; int; }`, 8 bytes.
    Float32Int32,
    /// `struct { double; int; }`: 12 bytes of data, 16 with padding.
    Float64Int32,
    /// `struct { short; int; }`: 6 bytes of data, 8 with padding.
    Int16Int32,
    /// `struct { int; int; }`, 8 bytes.
    Int32Int32,
    /// `struct { binary128; int; }`: 20 bytes of data, 32 with padding (see
    /// [`HostType::Binary128`]).
    Binary128Int32,
}

impl HostType {
    /// Name of the host MPI predefined datatype that carries this representation.
    pub fn host_datatype(self) -> &'static str {
        match self {
            HostType::Char => "MPI_CHAR",
            HostType::Int8 => "MPI_INT8_T",
            HostType::Int16 => "MPI_INT16_T",
            HostType::Int32 => "MPI_INT32_T",
            HostType::Int64 => "MPI_INT64_T",
            HostType::Uint8 => "MPI_UINT8_T",
            HostType::Uint16 => "MPI_UINT16_T",
            HostType::Uint32 => "MPI_UINT32_T",
            HostType::Uint64 => "MPI_UINT64_T",
            HostType::Float32 => "MPI_FLOAT",
            HostType::Float64 => "MPI_DOUBLE",
            HostType::Binary128 => "MPI_LONG_DOUBLE",
            HostType::ComplexFloat32 => "MPI_C_FLOAT_COMPLEX",
            HostType::ComplexFloat64 => "MPI_C_DOUBLE_COMPLEX",
            HostType::ComplexBinary128 => "MPI_C_LONG_DOUBLE_COMPLEX",
            HostType::Bool => "MPI_C_BOOL",
            HostType::Byte => "MPI_BYTE",
            HostType::Packed => "MPI_PACKED",
            HostType::Float32Int32 => "MPI_FLOAT_INT",
            HostType::Float64Int32 => "MPI_DOUBLE_INT",
            HostType::Int16Int32 => "MPI_SHORT_INT",
            HostType::Int32Int32 => "MPI_2INT",
            HostType::Binary128Int32 => "MPI_LONG_DOUBLE_INT",
        }
    }

    /// Whether [`HostType::host_datatype`] is right only on hosts whose `long double` is IEEE
    /// binary128.
    pub fn needs_binary128_long_double(self) -> bool {
        matches!(
            self,
            HostType::Binary128 | HostType::ComplexBinary128 | HostType::Binary128Int32
        )
    }

    /// Bytes of data (what `MPI_Type_size` reports).
    pub fn size(self) -> u32 {
        match self {
            HostType::Char | HostType::Int8 | HostType::Uint8 => 1,
            HostType::Bool | HostType::Byte | HostType::Packed => 1,
            HostType::Int16 | HostType::Uint16 => 2,
            HostType::Int32 | HostType::Uint32 | HostType::Float32 => 4,
            HostType::Int64 | HostType::Uint64 | HostType::Float64 => 8,
            HostType::ComplexFloat32 => 8,
            HostType::Binary128 | HostType::ComplexFloat64 => 16,
            HostType::ComplexBinary128 => 32,
            HostType::Float32Int32 | HostType::Int32Int32 => 8,
            HostType::Float64Int32 => 12,
            HostType::Int16Int32 => 6,
            HostType::Binary128Int32 => 20,
        }
    }

    /// Bytes one element occupies in memory, padding included (what `MPI_Type_get_extent`
    /// reports): the C `sizeof`, the same on wasm32 and on 64-bit Linux hosts.
    pub fn extent(self) -> u32 {
        match self {
            HostType::Float64Int32 => 16,
            HostType::Int16Int32 => 8,
            HostType::Binary128Int32 => 32,
            other => other.size(),
        }
    }
}

/// A predefined datatype of the guest.
#[derive(Clone, Copy, Debug)]
pub struct Datatype {
    /// C name.
    pub name: &'static str,
    /// Guest handle.
    pub handle: i32,
    /// The C type it describes, as written in a wasm32 guest.
    pub c_type: &'static str,
    /// Bytes of data on wasm32 (`MPI_Type_size`).
    pub size: u32,
    /// Bytes per element on wasm32, padding included (`sizeof`, `MPI_Type_get_extent`).
    pub extent: u32,
    /// How the host carries it.
    pub host: HostType,
}

/// Builds a [`Datatype`] table entry from a constant of the same name.
macro_rules! datatype {
    ($name:ident, $c_type:literal, $size:literal, $extent:literal, $host:ident) => {
        Datatype {
            name: stringify!($name),
            handle: $name,
            c_type: $c_type,
            size: $size,
            extent: $extent,
            host: HostType::$host,
        }
    };
}

/// Every predefined datatype (all but `MPI_DATATYPE_NULL`), in handle order.
#[rustfmt::skip]
pub const DATATYPES: &[Datatype] = &[
    datatype!(MPI_INT8_T, "int8_t", 1, 1, Int8),
    datatype!(MPI_INT16_T, "int16_t", 2, 2, Int16),
    datatype!(MPI_INT32_T, "int32_t", 4, 4, Int32),
    datatype!(MPI_INT, "int", 4, 4, Int32),
    datatype!(MPI_INT64_T, "int64_t", 8, 8, Int64),
    datatype!(MPI_UINT8_T, "uint8_t", 1, 1, Uint8),
    datatype!(MPI_UINT16_T, "uint16_t", 2, 2, Uint16),
    datatype!(MPI_UINT32_T, "uint32_t", 4, 4, Uint32),
    datatype!(MPI_UINT_T, "unsigned int", 4, 4, Uint32),
    datatype!(MPI_UINT64_T, "uint64_t", 8, 8, Uint64),
    datatype!(MPI_LONG, "long", 4, 4, Int32),
    datatype!(MPI_LONG_LONG, "long long", 8, 8, Int64),
    datatype!(MPI_LONG_LONG_INT, "long long int", 8, 8, Int64),
    datatype!(MPI_FLOAT, "float", 4, 4, Float32),
    datatype!(MPI_DOUBLE, "double", 8, 8, Float64),
    datatype!(MPI_DOUBLE_INT, "struct { double v; int i; }", 12, 16, Float64Int32),
    datatype!(MPI_CHAR, "char", 1, 1, Char),
    datatype!(MPI_C_BOOL, "_Bool", 1, 1, Bool),
    datatype!(MPI_BYTE, "unsigned char", 1, 1, Byte),
    datatype!(MPI_SHORT, "short", 2, 2, Int16),
    datatype!(MPI_UNSIGNED_SHORT, "unsigned short", 2, 2, Uint16),
    datatype!(MPI_UNSIGNED, "unsigned int", 4, 4, Uint32),
    datatype!(MPI_UNSIGNED_LONG, "unsigned long", 4, 4, Uint32),
    datatype!(MPI_UNSIGNED_LONG_LONG, "unsigned long long", 8, 8, Uint64),
    datatype!(MPI_SIGNED_CHAR, "signed char", 1, 1, Int8),
    datatype!(MPI_UNSIGNED_CHAR, "unsigned char", 1, 1, Uint8),
    // wchar_t is a signed 32-bit int on wasm32 (and 4 bytes on Linux hosts).
    datatype!(MPI_WCHAR, "wchar_t", 4, 4, Int32),
    datatype!(MPI_LONG_DOUBLE, "long double", 16, 16, Binary128),
    datatype!(MPI_PACKED, "unsigned char", 1, 1, Packed),
    datatype!(MPI_AINT, "MPI_Aint", 4, 4, Int32),
    datatype!(MPI_OFFSET, "MPI_Offset", 8, 8, Int64),
    datatype!(MPI_COUNT, "MPI_Count", 8, 8, Int64),
    datatype!(MPI_C_COMPLEX, "float _Complex", 8, 8, ComplexFloat32),
    datatype!(MPI_C_FLOAT_COMPLEX, "float _Complex", 8, 8, ComplexFloat32),
    datatype!(MPI_C_DOUBLE_COMPLEX, "double _Complex", 16, 16, ComplexFloat64),
    datatype!(MPI_C_LONG_DOUBLE_COMPLEX, "long double _Complex", 32, 32, ComplexBinary128),
    datatype!(MPI_FLOAT_INT, "struct { float v; int i; }", 8, 8, Float32Int32),
    datatype!(MPI_LONG_INT, "struct { long v; int i; }", 8, 8, Int32Int32),
    datatype!(MPI_SHORT_INT, "struct { short v; int i; }", 6, 8, Int16Int32),
    datatype!(MPI_2INT, "struct { int v; int i; }", 8, 8, Int32Int32),
    datatype!(MPI_LONG_DOUBLE_INT, "struct { long double v; int i; }", 20, 32, Binary128Int32),
    datatype!(MPI_CXX_BOOL, "_Bool", 1, 1, Bool),
    datatype!(MPI_CXX_FLOAT_COMPLEX, "float _Complex", 8, 8, ComplexFloat32),
    datatype!(MPI_CXX_DOUBLE_COMPLEX, "double _Complex", 16, 16, ComplexFloat64),
    datatype!(MPI_CXX_LONG_DOUBLE_COMPLEX, "long double _Complex", 32, 32, ComplexBinary128),
];

/// The predefined datatype with this guest handle.
pub fn datatype(handle: i32) -> Option<&'static Datatype> {
    DATATYPES.iter().find(|d| d.handle == handle)
}

/// The wasm type of an imported MPI function, as clang lowers its C prototype for wasm32:
/// pointers, `int`, handles and `MPI_Aint` are `i32`; `MPI_Offset` and `MPI_Count` are `i64`;
/// `double` is `f64`. A variadic function takes one more `i32`: the guest address of its
/// variadic arguments (see [`VARIADIC`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The C name, which is also the import name (module `env`).
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [ValType],
    /// Result type (every MPI function returns exactly one value).
    pub result: ValType,
}

/// Lists each function in [`FUNCTIONS`] and [`SIGNATURES`], so the two cannot disagree.
macro_rules! functions {
    ($( $name:ident ( $( $param:ident ),* ) -> $result:ident; )*) => {
        /// The name of every MPI function `mpi.h` declares, in header order: each is the import
        /// `env.<name>` in a guest that calls it.
        pub const FUNCTIONS: &[&str] = &[ $( stringify!($name), )* ];

        /// The wasm signature of every function in [`FUNCTIONS`], in the same order.
        pub const SIGNATURES: &[Signature] = &[ $(
            Signature {
                name: stringify!($name),
                params: &[ $( ValType::$param ),* ],
                result: ValType::$result,
            },
        )* ];
    };
}

/// Functions declared variadic in C; their last wasm parameter is the address of the variadic
/// argument area, which the launcher ignores.
pub const VARIADIC: &[&str] = &["MPI_Pcontrol"];

/// The wasm signature of the MPI function with this name.
pub fn signature(name: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.name == name)
}

functions! {
    // Environment and process management.
    MPI_Init(I32, I32) -> I32;
    MPI_Init_thread(I32, I32, I32, I32) -> I32;
    MPI_Initialized(I32) -> I32;
    MPI_Finalize() -> I32;
    MPI_Finalized(I32) -> I32;
    MPI_Abort(I32, I32) -> I32;
    MPI_Wtime() -> F64;
    MPI_Wtick() -> F64;
    MPI_Get_processor_name(I32, I32) -> I32;
    MPI_Get_version(I32, I32) -> I32;
    MPI_Get_library_version(I32, I32) -> I32;
    MPI_Query_thread(I32) -> I32;
    MPI_Is_thread_main(I32) -> I32;
    MPI_Pcontrol(I32, I32) -> I32;
    MPI_Alloc_mem(I32, I32, I32) -> I32;
    MPI_Free_mem(I32) -> I32;
    // Error handling.
    MPI_Comm_set_errhandler(I32, I32) -> I32;
    MPI_Comm_get_errhandler(I32, I32) -> I32;
    MPI_Comm_call_errhandler(I32, I32) -> I32;
    MPI_Comm_create_errhandler(I32, I32) -> I32;
    MPI_Errhandler_free(I32) -> I32;
    MPI_Error_string(I32, I32, I32) -> I32;
    MPI_Error_class(I32, I32) -> I32;
    // Attributes.
    MPI_Comm_get_attr(I32, I32, I32, I32) -> I32;
    MPI_Comm_set_attr(I32, I32, I32) -> I32;
    MPI_Comm_delete_attr(I32, I32) -> I32;
    MPI_Comm_create_keyval(I32, I32, I32, I32) -> I32;
    MPI_Comm_free_keyval(I32) -> I32;
    MPI_Attr_get(I32, I32, I32, I32) -> I32;
    // Point-to-point.
    MPI_Send(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ssend(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Bsend(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Rsend(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Recv(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Sendrecv(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Sendrecv_replace(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Buffer_attach(I32, I32) -> I32;
    MPI_Buffer_detach(I32, I32) -> I32;
    MPI_Isend(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Issend(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ibsend(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Irsend(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Irecv(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Probe(I32, I32, I32, I32) -> I32;
    MPI_Iprobe(I32, I32, I32, I32, I32) -> I32;
    MPI_Mprobe(I32, I32, I32, I32, I32) -> I32;
    MPI_Improbe(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Mrecv(I32, I32, I32, I32, I32) -> I32;
    MPI_Imrecv(I32, I32, I32, I32, I32) -> I32;
    MPI_Send_init(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ssend_init(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Bsend_init(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Rsend_init(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Recv_init(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Start(I32) -> I32;
    MPI_Startall(I32, I32) -> I32;
    // Completion.
    MPI_Wait(I32, I32) -> I32;
    MPI_Waitall(I32, I32, I32) -> I32;
    MPI_Waitany(I32, I32, I32, I32) -> I32;
    MPI_Waitsome(I32, I32, I32, I32, I32) -> I32;
    MPI_Test(I32, I32, I32) -> I32;
    MPI_Testall(I32, I32, I32, I32) -> I32;
    MPI_Testany(I32, I32, I32, I32, I32) -> I32;
    MPI_Testsome(I32, I32, I32, I32, I32) -> I32;
    MPI_Cancel(I32) -> I32;
    MPI_Request_free(I32) -> I32;
    MPI_Request_get_status(I32, I32, I32) -> I32;
    // Statuses.
    MPI_Get_count(I32, I32, I32) -> I32;
    MPI_Get_elements(I32, I32, I32) -> I32;
    MPI_Get_elements_x(I32, I32, I32) -> I32;
    MPI_Test_cancelled(I32, I32) -> I32;
    // Collectives.
    MPI_Barrier(I32) -> I32;
    MPI_Bcast(I32, I32, I32, I32, I32) -> I32;
    MPI_Gather(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Gatherv(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Scatter(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Scatterv(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Allgather(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Allgatherv(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Alltoall(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Alltoallv(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Alltoallw(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Reduce(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Allreduce(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Reduce_scatter(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Reduce_scatter_block(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Scan(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Exscan(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ibarrier(I32, I32) -> I32;
    MPI_Ibcast(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Igather(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Igatherv(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Iscatter(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Iscatterv(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Iallgather(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Iallgatherv(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ialltoall(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ialltoallv(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ialltoallw(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ireduce(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Iallreduce(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ireduce_scatter(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ireduce_scatter_block(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Iscan(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Iexscan(I32, I32, I32, I32, I32, I32, I32) -> I32;
    // Reduction operations.
    MPI_Reduce_local(I32, I32, I32, I32, I32) -> I32;
    MPI_Op_create(I32, I32, I32) -> I32;
    MPI_Op_free(I32) -> I32;
    MPI_Op_commutative(I32, I32) -> I32;
    // Communicators.
    MPI_Comm_size(I32, I32) -> I32;
    MPI_Comm_rank(I32, I32) -> I32;
    MPI_Comm_dup(I32, I32) -> I32;
    MPI_Comm_dup_with_info(I32, I32, I32) -> I32;
    MPI_Comm_idup(I32, I32, I32) -> I32;
    MPI_Comm_split(I32, I32, I32, I32) -> I32;
    MPI_Comm_split_type(I32, I32, I32, I32, I32) -> I32;
    MPI_Comm_create(I32, I32, I32) -> I32;
    MPI_Comm_create_group(I32, I32, I32, I32) -> I32;
    MPI_Comm_free(I32) -> I32;
    MPI_Comm_compare(I32, I32, I32) -> I32;
    MPI_Comm_group(I32, I32) -> I32;
    MPI_Comm_set_name(I32, I32) -> I32;
    MPI_Comm_get_name(I32, I32, I32) -> I32;
    MPI_Comm_test_inter(I32, I32) -> I32;
    MPI_Comm_remote_size(I32, I32) -> I32;
    MPI_Comm_c2f(I32) -> I32;
    MPI_Comm_f2c(I32) -> I32;
    // Groups.
    MPI_Group_size(I32, I32) -> I32;
    MPI_Group_rank(I32, I32) -> I32;
    MPI_Group_translate_ranks(I32, I32, I32, I32, I32) -> I32;
    MPI_Group_compare(I32, I32, I32) -> I32;
    MPI_Group_union(I32, I32, I32) -> I32;
    MPI_Group_intersection(I32, I32, I32) -> I32;
    MPI_Group_difference(I32, I32, I32) -> I32;
    MPI_Group_incl(I32, I32, I32, I32) -> I32;
    MPI_Group_excl(I32, I32, I32, I32) -> I32;
    MPI_Group_range_incl(I32, I32, I32, I32) -> I32;
    MPI_Group_range_excl(I32, I32, I32, I32) -> I32;
    MPI_Group_free(I32) -> I32;
    // Process topologies.
    MPI_Cart_create(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Cart_get(I32, I32, I32, I32, I32) -> I32;
    MPI_Cart_rank(I32, I32, I32) -> I32;
    MPI_Cart_coords(I32, I32, I32, I32) -> I32;
    MPI_Cart_shift(I32, I32, I32, I32, I32) -> I32;
    MPI_Cart_sub(I32, I32, I32) -> I32;
    MPI_Cartdim_get(I32, I32) -> I32;
    MPI_Dims_create(I32, I32, I32) -> I32;
    MPI_Topo_test(I32, I32) -> I32;
    MPI_Graph_create(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Graph_get(I32, I32, I32, I32, I32) -> I32;
    MPI_Graphdims_get(I32, I32, I32) -> I32;
    MPI_Graph_neighbors_count(I32, I32, I32) -> I32;
    MPI_Graph_neighbors(I32, I32, I32, I32) -> I32;
    MPI_Dist_graph_create_adjacent(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Dist_graph_create(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Dist_graph_neighbors_count(I32, I32, I32, I32) -> I32;
    MPI_Dist_graph_neighbors(I32, I32, I32, I32, I32, I32, I32) -> I32;
    // Neighborhood collectives (note.
    MPI_Neighbor_allgather(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Neighbor_allgatherv(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Neighbor_alltoall(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Neighbor_alltoallv(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Neighbor_alltoallw(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ineighbor_allgather(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ineighbor_allgatherv(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ineighbor_alltoall(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ineighbor_alltoallv(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Ineighbor_alltoallw(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    // Info objects.
    MPI_Info_create(I32) -> I32;
    MPI_Info_set(I32, I32, I32) -> I32;
    MPI_Info_get(I32, I32, I32, I32, I32) -> I32;
    MPI_Info_get_valuelen(I32, I32, I32, I32) -> I32;
    MPI_Info_delete(I32, I32) -> I32;
    MPI_Info_free(I32) -> I32;
    MPI_Info_dup(I32, I32) -> I32;
    MPI_Info_get_nkeys(I32, I32) -> I32;
    MPI_Info_get_nthkey(I32, I32, I32) -> I32;
    // Derived datatypes.
    MPI_Type_contiguous(I32, I32, I32) -> I32;
    MPI_Type_vector(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_hvector(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_indexed(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_hindexed(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_indexed_block(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_hindexed_block(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_struct(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_subarray(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_darray(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Type_create_resized(I32, I32, I32, I32) -> I32;
    MPI_Type_dup(I32, I32) -> I32;
    MPI_Type_commit(I32) -> I32;
    MPI_Type_free(I32) -> I32;
    MPI_Type_match_size(I32, I32, I32) -> I32;
    MPI_Type_size(I32, I32) -> I32;
    MPI_Type_size_x(I32, I32) -> I32;
    MPI_Type_get_extent(I32, I32, I32) -> I32;
    MPI_Type_get_extent_x(I32, I32, I32) -> I32;
    MPI_Type_get_true_extent(I32, I32, I32) -> I32;
    MPI_Type_get_true_extent_x(I32, I32, I32) -> I32;
    MPI_Type_get_envelope(I32, I32, I32, I32, I32) -> I32;
    MPI_Type_get_contents(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Type_set_name(I32, I32) -> I32;
    MPI_Type_get_name(I32, I32, I32) -> I32;
    MPI_Get_address(I32, I32) -> I32;
    MPI_Aint_add(I32, I32) -> I32;
    MPI_Aint_diff(I32, I32) -> I32;
    // Packing.
    MPI_Pack(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Unpack(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Pack_size(I32, I32, I32, I32) -> I32;
    // One-sided communication.
    MPI_Win_create(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Win_allocate(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Win_allocate_shared(I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Win_shared_query(I32, I32, I32, I32, I32) -> I32;
    MPI_Win_create_dynamic(I32, I32, I32) -> I32;
    MPI_Win_attach(I32, I32, I32) -> I32;
    MPI_Win_detach(I32, I32) -> I32;
    MPI_Win_free(I32) -> I32;
    MPI_Win_get_attr(I32, I32, I32, I32) -> I32;
    MPI_Win_get_group(I32, I32) -> I32;
    MPI_Win_set_name(I32, I32) -> I32;
    MPI_Win_get_name(I32, I32, I32) -> I32;
    MPI_Win_fence(I32, I32) -> I32;
    MPI_Win_lock(I32, I32, I32, I32) -> I32;
    MPI_Win_unlock(I32, I32) -> I32;
    MPI_Win_lock_all(I32, I32) -> I32;
    MPI_Win_unlock_all(I32) -> I32;
    MPI_Win_flush(I32, I32) -> I32;
    MPI_Win_flush_all(I32) -> I32;
    MPI_Win_flush_local(I32, I32) -> I32;
    MPI_Win_flush_local_all(I32) -> I32;
    MPI_Win_sync(I32) -> I32;
    MPI_Win_post(I32, I32, I32) -> I32;
    MPI_Win_start(I32, I32, I32) -> I32;
    MPI_Win_complete(I32) -> I32;
    MPI_Win_wait(I32) -> I32;
    MPI_Win_test(I32, I32) -> I32;
    MPI_Put(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Get(I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Accumulate(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Get_accumulate(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Fetch_and_op(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Compare_and_swap(I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Rput(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Rget(I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Raccumulate(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    MPI_Rget_accumulate(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32) -> I32;
    // MPI-IO.
    MPI_File_open(I32, I32, I32, I32, I32) -> I32;
    MPI_File_close(I32) -> I32;
    MPI_File_delete(I32, I32) -> I32;
    MPI_File_read(I32, I32, I32, I32, I32) -> I32;
    MPI_File_read_all(I32, I32, I32, I32, I32) -> I32;
    MPI_File_read_at(I32, I64, I32, I32, I32, I32) -> I32;
    MPI_File_read_at_all(I32, I64, I32, I32, I32, I32) -> I32;
    MPI_File_write(I32, I32, I32, I32, I32) -> I32;
    MPI_File_write_all(I32, I32, I32, I32, I32) -> I32;
    MPI_File_write_at(I32, I64, I32, I32, I32, I32) -> I32;
    MPI_File_write_at_all(I32, I64, I32, I32, I32, I32) -> I32;
    MPI_File_seek(I32, I64, I32) -> I32;
    MPI_File_get_position(I32, I32) -> I32;
    MPI_File_set_view(I32, I64, I32, I32, I32, I32) -> I32;
    MPI_File_get_size(I32, I32) -> I32;
    MPI_File_set_size(I32, I64) -> I32;
    MPI_File_preallocate(I32, I64) -> I32;
    MPI_File_sync(I32) -> I32;
    MPI_File_get_amode(I32, I32) -> I32;
    MPI_File_get_info(I32, I32) -> I32;
    MPI_File_set_info(I32, I32) -> I32;
    MPI_File_set_errhandler(I32, I32) -> I32;
    MPI_File_get_errhandler(I32, I32) -> I32;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn groups_hold_exactly_the_constants() {
        let flat: Vec<_> = GROUPS
            .iter()
            .flat_map(|g| g.constants.iter().copied())
            .collect();
        assert_eq!(flat, CONSTANTS);
        let names: HashSet<_> = CONSTANTS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names.len(), CONSTANTS.len(), "a constant is defined twice");
    }

    #[test]
    fn values_are_distinct_within_a_kind() {
        for group in GROUPS {
            let kind = group.kind;
            if kind.distinct() {
                let mut seen = HashSet::new();
                for &(name, value) in group.constants {
                    assert!(
                        seen.insert(value),
                        "{name} = {value} collides within {kind:?}"
                    );
                }
            }
            if kind.bit_flags() {
                for &(name, value) in group.constants {
                    assert!(
                        value > 0 && value & (value - 1) == 0,
                        "{name} is not one bit"
                    );
                }
            }
            if kind.handle() {
                for &(name, value) in group.constants {
                    assert!(
                        value < FIRST_DYNAMIC_HANDLE as i64,
                        "{name} reaches dynamic handles"
                    );
                }
            }
        }
    }

    #[test]
    fn special_values_do_not_meet_across_kinds() {
        // MPI_Topo_test reports MPI_UNDEFINED for no topology.
        for t in [MPI_GRAPH, MPI_CART, MPI_DIST_GRAPH] {
            assert_ne!(t, MPI_UNDEFINED);
        }
        // MPI_Comm_split_type accepts MPI_UNDEFINED as split type.
        assert_ne!(MPI_COMM_TYPE_SHARED, MPI_UNDEFINED);
        // Every error class is at most MPI_ERR_LASTCODE.
        let classes = GROUPS.iter().find(|g| g.kind == Kind::ErrorClass).unwrap();
        for &(name, value) in classes.constants {
            assert!((0..=MPI_ERR_LASTCODE as i64).contains(&value), "{name}");
        }
        // The copy callbacks differ; null callbacks are the null table index.
        assert_ne!(MPI_COMM_DUP_FN, MPI_COMM_NULL_COPY_FN);
        assert_eq!(MPI_COMM_NULL_COPY_FN, 0);
        assert_eq!(MPI_COMM_NULL_DELETE_FN, 0);
    }

    #[test]
    fn datatype_table_is_complete_and_consistent() {
        let group = GROUPS.iter().find(|g| g.kind == Kind::Datatype).unwrap();
        let handles: Vec<_> = group
            .constants
            .iter()
            .filter(|(n, _)| *n != "MPI_DATATYPE_NULL")
            .map(|&(n, v)| (n, v as i32))
            .collect();
        let table: Vec<_> = DATATYPES.iter().map(|d| (d.name, d.handle)).collect();
        assert_eq!(handles, table);
        for d in DATATYPES {
            assert_eq!(d.size, d.host.size(), "{}", d.name);
            assert_eq!(d.extent, d.host.extent(), "{}", d.name);
            assert_eq!(datatype(d.handle).unwrap().name, d.name);
        }
        assert!(datatype(MPI_DATATYPE_NULL).is_none());
        assert_eq!(
            datatype(MPI_LONG).unwrap().host.host_datatype(),
            "MPI_INT32_T"
        );
    }

    #[test]
    fn functions_and_signatures_agree() {
        assert_eq!(FUNCTIONS.len(), SIGNATURES.len());
        for (name, sig) in FUNCTIONS.iter().zip(SIGNATURES) {
            assert_eq!(*name, sig.name);
        }
        let names: HashSet<_> = FUNCTIONS.iter().collect();
        assert_eq!(names.len(), FUNCTIONS.len(), "a function is listed twice");
        for v in VARIADIC {
            assert!(signature(v).is_some(), "{v}");
        }
    }
}
