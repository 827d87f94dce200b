/*
 * mpi.h -- the MPI interface of wasmpi guests (wasm32-wasi, C and C++).
 *
 * A guest program includes this header instead of a host MPI's own. Every MPI function below
 * becomes a WebAssembly import from module "env" under its C name ("env.MPI_Send", ...), so a
 * program links without --allow-undefined: any other undefined symbol is still a link error.
 * At run time the wasmpi launcher binds each import to a trampoline that translates handles,
 * constants, statuses and buffers and calls the host's real MPI (Open MPI or MPICH).
 *
 * Everything here is ABI: the values are compiled into guest modules, and the launcher reads
 * them from the Rust crate wasmpi-abi (abi/src/mpi.rs), whose tests check both agree. Never
 * renumber a constant. Values that modules built for MPIWasm use are kept unchanged, so those
 * modules run unmodified; everything else has new values that do not collide within its kind.
 *
 * Guest sizes (wasm32): int, long, pointers, MPI_Aint and every handle are 4 bytes; long long,
 * MPI_Offset and MPI_Count are 8; long double is 16 (IEEE binary128). Pointers are offsets into
 * the module's linear memory.
 *
 * Values by kind (handles are plain ints; handles the launcher creates at run time are never
 * below 256, so they never meet a predefined handle or a null handle):
 *
 *   kind                   values
 *   ---------------------  ------------------------------------------------------------------
 *   MPI_Comm               WORLD 0, SELF 1, NULL 2                            (MPIWasm)
 *   MPI_Datatype           NULL -1, 0..18 (MPIWasm), 19..44 (new)
 *   MPI_Op                 0..9 (MPIWasm), NULL 10 (MPIWasm), 11..14 (new)
 *   MPI_Info               NULL 0 (MPIWasm), ENV 1
 *   MPI_Group              NULL 0, EMPTY 1
 *   MPI_Request            NULL 0
 *   MPI_Message            NULL 0, NO_PROC 1
 *   MPI_Errhandler         NULL 0, ERRORS_ARE_FATAL 1, ERRORS_RETURN 2
 *   MPI_Win, MPI_File      NULL 0
 *   error classes          SUCCESS 0, ERR_OTHER 1 (MPIWasm), 2..57 (new), ERR_LASTCODE 127
 *   ranks                  ANY_SOURCE -1, PROC_NULL -2, ROOT -3, UNDEFINED -32766
 *   tags                   ANY_TAG -1 (MPIWasm)
 *   attribute keys         KEYVAL_INVALID 0, WIN_* 1..5 (MPIWasm), communicator keys 6..12
 *   thread levels          0..3 (MPIWasm)
 *   comparison results     0..3 (MPIWasm)
 *   topology kinds         GRAPH 1, CART 2, DIST_GRAPH 3 (none: MPI_UNDEFINED)
 *   split types            COMM_TYPE_SHARED 0 (MPIWasm)
 *   lock types             EXCLUSIVE 1, SHARED 2
 *   RMA assertions         bit flags 0x1..0x10
 *   file access modes      bit flags 0x1..0x100
 *   seek whence            SET 0, CUR 1, END 2 (as SEEK_SET/CUR/END in wasi-libc)
 *   view displacement      DISPLACEMENT_CURRENT -1 (real displacements are >= 0)
 *   array order            C 0, FORTRAN 1
 *   distributions          BLOCK 0, CYCLIC 1, NONE 2; DFLT_DARG -1 (real dargs are > 0)
 *   type combiners         0..15
 *   type classes           INTEGER 1, REAL 2, COMPLEX 3
 *   window flavors         CREATE 1, ALLOCATE 2, DYNAMIC 3, SHARED 4
 *   window models          SEPARATE 1, UNIFIED 2
 *   buffer pointers        BOTTOM 0, IN_PLACE 1 (MPIWasm), UNWEIGHTED 2, WEIGHTS_EMPTY 3
 *   ignored outputs        STATUS(ES)_IGNORE, ERRCODES_IGNORE, ARGV(S)_NULL: null pointer 0
 *   attribute callbacks    NULL_COPY_FN / NULL_DELETE_FN 0, DUP_FN -1 (function table indices)
 *   limits                 lengths of strings, MPI_BSEND_OVERHEAD, MPI_VERSION: plain numbers
 *
 * Pointer sentinels: wasm-ld places no data below --global-base (1024 by default) and address 0
 * is never an object, so the guest addresses 0..3 never name real memory. MPI_BOTTOM is address
 * 0, which the launcher translates to the base of linear memory: absolute displacements (from
 * MPI_Get_address) with MPI_BOTTOM then reach the right guest bytes.
 *
 * Callback sentinels: a function pointer is an index into the module's function table. Index 0
 * is the null function (LLVM never places a function there), and index 0xFFFFFFFF cannot exist
 * (a table holds at most 2^32 - 1 entries), so 0 means "no callback" and -1 means "duplicate".
 *
 * Strings: each MPI_MAX_* length is at least the larger of Open MPI's and MPICH's, so a host
 * string never needs truncating; the launcher still bounds every copy by these lengths.
 *
 * Not provided: Fortran datatypes and handles beyond MPI_Fint, the PMPI_ profiling names, the
 * C++ bindings (removed in MPI-3), MPI_T, dynamic processes (spawn, ports), and the deprecated
 * MPI-1 functions removed in MPI-3 (except MPI_Attr_get).
 */

#ifndef WASMPI_MPI_H
#define WASMPI_MPI_H

#if !defined(__wasm32__)
#error "this mpi.h is wasmpi's guest header: compile with --target=wasm32-wasi"
#endif

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declares an MPI function as the wasm import env.<name>. */
#define WASMPI_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* A compile-time check that works in every C and C++ dialect clang accepts. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define WASMPI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define WASMPI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
#define WASMPI_STATIC_ASSERT(cond, msg) __extension__ _Static_assert(cond, msg)
#endif

/* ------------------------------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------------------------------ */

/* Handles: 32-bit ints, translated to the host's handles by the launcher. */
typedef int MPI_Comm;
typedef int MPI_Datatype;
typedef int MPI_Op;
typedef int MPI_Request;
typedef int MPI_Group;
typedef int MPI_Info;
typedef int MPI_Win;
typedef int MPI_Message;
typedef int MPI_Errhandler;
typedef int MPI_File;

/* A Fortran handle (MPI_Comm_c2f / MPI_Comm_f2c). */
typedef int MPI_Fint;

/* An address or displacement in guest memory: 4 bytes, as ptrdiff_t on wasm32 (= long). */
typedef ptrdiff_t MPI_Aint;
/* A file offset and a large count: always 8 bytes. */
__extension__ typedef long long MPI_Offset;
__extension__ typedef long long MPI_Count;

WASMPI_STATIC_ASSERT(sizeof(void *) == 4, "wasmpi guests are wasm32");
WASMPI_STATIC_ASSERT(sizeof(MPI_Comm) == 4, "handles are 4 bytes");
WASMPI_STATIC_ASSERT(sizeof(MPI_Aint) == 4, "MPI_Aint is 4 bytes on wasm32");
WASMPI_STATIC_ASSERT(sizeof(MPI_Offset) == 8, "MPI_Offset is 8 bytes");
WASMPI_STATIC_ASSERT(sizeof(MPI_Count) == 8, "MPI_Count is 8 bytes");

/*
 * The status of a completed operation: 24 bytes, 8-byte aligned. The launcher converts the
 * host's status (whose layout differs between Open MPI and MPICH) into this one.
 */
typedef struct MPI_Status {
    int MPI_SOURCE;   /* offset 0 */
    int MPI_TAG;      /* offset 4 */
    int MPI_ERROR;    /* offset 8 */
    int cancelled_;   /* offset 12: private, read by MPI_Test_cancelled */
    MPI_Count count_; /* offset 16: private, received bytes, read by MPI_Get_count */
} MPI_Status;

WASMPI_STATIC_ASSERT(sizeof(MPI_Status) == 24, "MPI_Status is 24 bytes");
WASMPI_STATIC_ASSERT(__alignof__(MPI_Status) == 8, "MPI_Status is 8-byte aligned");
WASMPI_STATIC_ASSERT(offsetof(MPI_Status, MPI_SOURCE) == 0, "MPI_SOURCE at 0");
WASMPI_STATIC_ASSERT(offsetof(MPI_Status, MPI_TAG) == 4, "MPI_TAG at 4");
WASMPI_STATIC_ASSERT(offsetof(MPI_Status, MPI_ERROR) == 8, "MPI_ERROR at 8");
WASMPI_STATIC_ASSERT(offsetof(MPI_Status, cancelled_) == 12, "cancelled flag at 12");
WASMPI_STATIC_ASSERT(offsetof(MPI_Status, count_) == 16, "byte count at 16");

/* ------------------------------------------------------------------------------------------
 * Callbacks (guest functions the launcher calls through the module's function table)
 * ------------------------------------------------------------------------------------------ */

/* A user reduction (MPI_Op_create). */
typedef void MPI_User_function(void *invec, void *inoutvec, int *len, MPI_Datatype *datatype);

/* A communicator error handler. Variadic: in wasm it takes a third i32, the address of the
 * (empty) variadic argument area. */
typedef void MPI_Comm_errhandler_function(MPI_Comm *comm, int *error_code, ...);

/* Copies a communicator attribute when the communicator is duplicated. */
typedef int MPI_Comm_copy_attr_function(MPI_Comm oldcomm, int comm_keyval, void *extra_state,
                                        void *attribute_val_in, void *attribute_val_out,
                                        int *flag);

/* Deletes a communicator attribute. */
typedef int MPI_Comm_delete_attr_function(MPI_Comm comm, int comm_keyval, void *attribute_val,
                                          void *extra_state);

/* ------------------------------------------------------------------------------------------
 * Constants
 * ------------------------------------------------------------------------------------------ */

/* Version of the standard this header implements. */
#define MPI_VERSION 3
#define MPI_SUBVERSION 1

/* Communicators. */
#define MPI_COMM_WORLD ((MPI_Comm)0)
#define MPI_COMM_SELF ((MPI_Comm)1)
#define MPI_COMM_NULL ((MPI_Comm)2)

/* Predefined datatypes. 0..18 and NULL are MPIWasm's (MPI_UINT_T is its name for unsigned int);
 * on wasm32 MPI_LONG and MPI_UNSIGNED_LONG are 4 bytes, MPI_AINT 4, MPI_LONG_DOUBLE 16. */
#define MPI_DATATYPE_NULL ((MPI_Datatype)-1)
#define MPI_INT8_T ((MPI_Datatype)0)
#define MPI_INT16_T ((MPI_Datatype)1)
#define MPI_INT32_T ((MPI_Datatype)2)
#define MPI_INT ((MPI_Datatype)3)
#define MPI_INT64_T ((MPI_Datatype)4)
#define MPI_UINT8_T ((MPI_Datatype)5)
#define MPI_UINT16_T ((MPI_Datatype)6)
#define MPI_UINT32_T ((MPI_Datatype)7)
#define MPI_UINT_T ((MPI_Datatype)8)
#define MPI_UINT64_T ((MPI_Datatype)9)
#define MPI_LONG ((MPI_Datatype)10)
#define MPI_LONG_LONG ((MPI_Datatype)11)
#define MPI_LONG_LONG_INT ((MPI_Datatype)12)
#define MPI_FLOAT ((MPI_Datatype)13)
#define MPI_DOUBLE ((MPI_Datatype)14)
#define MPI_DOUBLE_INT ((MPI_Datatype)15)
#define MPI_CHAR ((MPI_Datatype)16)
#define MPI_C_BOOL ((MPI_Datatype)17)
#define MPI_BYTE ((MPI_Datatype)18)
#define MPI_SHORT ((MPI_Datatype)19)
#define MPI_UNSIGNED_SHORT ((MPI_Datatype)20)
#define MPI_UNSIGNED ((MPI_Datatype)21)
#define MPI_UNSIGNED_LONG ((MPI_Datatype)22)
#define MPI_UNSIGNED_LONG_LONG ((MPI_Datatype)23)
#define MPI_SIGNED_CHAR ((MPI_Datatype)24)
#define MPI_UNSIGNED_CHAR ((MPI_Datatype)25)
#define MPI_WCHAR ((MPI_Datatype)26)
#define MPI_LONG_DOUBLE ((MPI_Datatype)27)
#define MPI_PACKED ((MPI_Datatype)28)
#define MPI_AINT ((MPI_Datatype)29)
#define MPI_OFFSET ((MPI_Datatype)30)
#define MPI_COUNT ((MPI_Datatype)31)
#define MPI_C_COMPLEX ((MPI_Datatype)32)
#define MPI_C_FLOAT_COMPLEX ((MPI_Datatype)33)
#define MPI_C_DOUBLE_COMPLEX ((MPI_Datatype)34)
#define MPI_C_LONG_DOUBLE_COMPLEX ((MPI_Datatype)35)
#define MPI_FLOAT_INT ((MPI_Datatype)36)
#define MPI_LONG_INT ((MPI_Datatype)37)
#define MPI_SHORT_INT ((MPI_Datatype)38)
#define MPI_2INT ((MPI_Datatype)39)
#define MPI_LONG_DOUBLE_INT ((MPI_Datatype)40)
#define MPI_CXX_BOOL ((MPI_Datatype)41)
#define MPI_CXX_FLOAT_COMPLEX ((MPI_Datatype)42)
#define MPI_CXX_DOUBLE_COMPLEX ((MPI_Datatype)43)
#define MPI_CXX_LONG_DOUBLE_COMPLEX ((MPI_Datatype)44)

/* Reduction operations. 0..10 are MPIWasm's. */
#define MPI_MAX ((MPI_Op)0)
#define MPI_MIN ((MPI_Op)1)
#define MPI_SUM ((MPI_Op)2)
#define MPI_PROD ((MPI_Op)3)
#define MPI_LAND ((MPI_Op)4)
#define MPI_LOR ((MPI_Op)5)
#define MPI_BAND ((MPI_Op)6)
#define MPI_BOR ((MPI_Op)7)
#define MPI_MAXLOC ((MPI_Op)8)
#define MPI_MINLOC ((MPI_Op)9)
#define MPI_OP_NULL ((MPI_Op)10)
#define MPI_BXOR ((MPI_Op)11)
#define MPI_LXOR ((MPI_Op)12)
#define MPI_REPLACE ((MPI_Op)13)
#define MPI_NO_OP ((MPI_Op)14)

/* Other handles: null handles are 0, so zero-initialised handle variables are null. */
#define MPI_INFO_NULL ((MPI_Info)0)
#define MPI_INFO_ENV ((MPI_Info)1)
#define MPI_GROUP_NULL ((MPI_Group)0)
#define MPI_GROUP_EMPTY ((MPI_Group)1)
#define MPI_REQUEST_NULL ((MPI_Request)0)
#define MPI_MESSAGE_NULL ((MPI_Message)0)
#define MPI_MESSAGE_NO_PROC ((MPI_Message)1)
#define MPI_ERRHANDLER_NULL ((MPI_Errhandler)0)
#define MPI_ERRORS_ARE_FATAL ((MPI_Errhandler)1)
#define MPI_ERRORS_RETURN ((MPI_Errhandler)2)
#define MPI_WIN_NULL ((MPI_Win)0)
#define MPI_FILE_NULL ((MPI_File)0)

/* Error classes (MPI-3.1 section 8.4), in the standard's order around MPIWasm's 0 and 1. The
 * launcher returns error classes as error codes. */
#define MPI_SUCCESS 0
#define MPI_ERR_OTHER 1
#define MPI_ERR_BUFFER 2
#define MPI_ERR_COUNT 3
#define MPI_ERR_TYPE 4
#define MPI_ERR_TAG 5
#define MPI_ERR_COMM 6
#define MPI_ERR_RANK 7
#define MPI_ERR_REQUEST 8
#define MPI_ERR_ROOT 9
#define MPI_ERR_GROUP 10
#define MPI_ERR_OP 11
#define MPI_ERR_TOPOLOGY 12
#define MPI_ERR_DIMS 13
#define MPI_ERR_ARG 14
#define MPI_ERR_UNKNOWN 15
#define MPI_ERR_TRUNCATE 16
#define MPI_ERR_INTERN 17
#define MPI_ERR_PENDING 18
#define MPI_ERR_IN_STATUS 19
#define MPI_ERR_ACCESS 20
#define MPI_ERR_AMODE 21
#define MPI_ERR_ASSERT 22
#define MPI_ERR_BAD_FILE 23
#define MPI_ERR_BASE 24
#define MPI_ERR_CONVERSION 25
#define MPI_ERR_DISP 26
#define MPI_ERR_DUP_DATAREP 27
#define MPI_ERR_FILE_EXISTS 28
#define MPI_ERR_FILE_IN_USE 29
#define MPI_ERR_FILE 30
#define MPI_ERR_INFO_KEY 31
#define MPI_ERR_INFO_NOKEY 32
#define MPI_ERR_INFO_VALUE 33
#define MPI_ERR_INFO 34
#define MPI_ERR_IO 35
#define MPI_ERR_KEYVAL 36
#define MPI_ERR_LOCKTYPE 37
#define MPI_ERR_NAME 38
#define MPI_ERR_NO_MEM 39
#define MPI_ERR_NOT_SAME 40
#define MPI_ERR_NO_SPACE 41
#define MPI_ERR_NO_SUCH_FILE 42
#define MPI_ERR_PORT 43
#define MPI_ERR_QUOTA 44
#define MPI_ERR_READ_ONLY 45
#define MPI_ERR_RMA_ATTACH 46
#define MPI_ERR_RMA_CONFLICT 47
#define MPI_ERR_RMA_RANGE 48
#define MPI_ERR_RMA_SHARED 49
#define MPI_ERR_RMA_SYNC 50
#define MPI_ERR_RMA_FLAVOR 51
#define MPI_ERR_SERVICE 52
#define MPI_ERR_SIZE 53
#define MPI_ERR_SPAWN 54
#define MPI_ERR_UNSUPPORTED_DATAREP 55
#define MPI_ERR_UNSUPPORTED_OPERATION 56
#define MPI_ERR_WIN 57
#define MPI_ERR_LASTCODE 127

/* Special ranks and tags, and "undefined" (ANY_*, UNDEFINED are MPIWasm's). */
#define MPI_ANY_SOURCE (-1)
#define MPI_PROC_NULL (-2)
#define MPI_ROOT (-3)
#define MPI_UNDEFINED (-32766)
#define MPI_ANY_TAG (-1)

/* Attribute keys: window keys 1..5 are MPIWasm's, communicator keys follow them. */
#define MPI_KEYVAL_INVALID 0
#define MPI_WIN_BASE 1
#define MPI_WIN_SIZE 2
#define MPI_WIN_DISP_UNIT 3
#define MPI_WIN_CREATE_FLAVOR 4
#define MPI_WIN_MODEL 5
#define MPI_TAG_UB 6
#define MPI_HOST 7
#define MPI_IO 8
#define MPI_WTIME_IS_GLOBAL 9
#define MPI_UNIVERSE_SIZE 10
#define MPI_APPNUM 11
#define MPI_LASTUSEDCODE 12

/* Thread support levels (MPIWasm's). */
#define MPI_THREAD_SINGLE 0
#define MPI_THREAD_FUNNELED 1
#define MPI_THREAD_SERIALIZED 2
#define MPI_THREAD_MULTIPLE 3

/* Results of MPI_Comm_compare and MPI_Group_compare (MPIWasm's). */
#define MPI_IDENT 0
#define MPI_CONGRUENT 1
#define MPI_SIMILAR 2
#define MPI_UNEQUAL 3

/* Topology kinds (MPI_Topo_test; a communicator without topology gives MPI_UNDEFINED). */
#define MPI_GRAPH 1
#define MPI_CART 2
#define MPI_DIST_GRAPH 3

/* Split types of MPI_Comm_split_type (MPIWasm's). */
#define MPI_COMM_TYPE_SHARED 0

/* Passive-target lock types. */
#define MPI_LOCK_EXCLUSIVE 1
#define MPI_LOCK_SHARED 2

/* RMA synchronisation assertions: bit flags. */
#define MPI_MODE_NOCHECK 0x1
#define MPI_MODE_NOSTORE 0x2
#define MPI_MODE_NOPUT 0x4
#define MPI_MODE_NOPRECEDE 0x8
#define MPI_MODE_NOSUCCEED 0x10

/* File access modes: bit flags. */
#define MPI_MODE_RDONLY 0x1
#define MPI_MODE_RDWR 0x2
#define MPI_MODE_WRONLY 0x4
#define MPI_MODE_CREATE 0x8
#define MPI_MODE_EXCL 0x10
#define MPI_MODE_DELETE_ON_CLOSE 0x20
#define MPI_MODE_UNIQUE_OPEN 0x40
#define MPI_MODE_SEQUENTIAL 0x80
#define MPI_MODE_APPEND 0x100

/* MPI_File_seek whence. */
#define MPI_SEEK_SET 0
#define MPI_SEEK_CUR 1
#define MPI_SEEK_END 2

/* MPI_File_set_view displacement meaning "the current position" (sequential files). */
#define MPI_DISPLACEMENT_CURRENT ((MPI_Offset)-1)

/* Array storage orders (subarray and darray datatypes). */
#define MPI_ORDER_C 0
#define MPI_ORDER_FORTRAN 1

/* Distributions of darray datatypes, and the default distribution argument. */
#define MPI_DISTRIBUTE_BLOCK 0
#define MPI_DISTRIBUTE_CYCLIC 1
#define MPI_DISTRIBUTE_NONE 2
#define MPI_DISTRIBUTE_DFLT_DARG (-1)

/* Datatype constructors, as MPI_Type_get_envelope reports them. */
#define MPI_COMBINER_NAMED 0
#define MPI_COMBINER_DUP 1
#define MPI_COMBINER_CONTIGUOUS 2
#define MPI_COMBINER_VECTOR 3
#define MPI_COMBINER_HVECTOR 4
#define MPI_COMBINER_INDEXED 5
#define MPI_COMBINER_HINDEXED 6
#define MPI_COMBINER_INDEXED_BLOCK 7
#define MPI_COMBINER_HINDEXED_BLOCK 8
#define MPI_COMBINER_STRUCT 9
#define MPI_COMBINER_SUBARRAY 10
#define MPI_COMBINER_DARRAY 11
#define MPI_COMBINER_F90_REAL 12
#define MPI_COMBINER_F90_COMPLEX 13
#define MPI_COMBINER_F90_INTEGER 14
#define MPI_COMBINER_RESIZED 15

/* Type classes of MPI_Type_match_size. */
#define MPI_TYPECLASS_INTEGER 1
#define MPI_TYPECLASS_REAL 2
#define MPI_TYPECLASS_COMPLEX 3

/* Values of the MPI_WIN_CREATE_FLAVOR and MPI_WIN_MODEL window attributes. */
#define MPI_WIN_FLAVOR_CREATE 1
#define MPI_WIN_FLAVOR_ALLOCATE 2
#define MPI_WIN_FLAVOR_DYNAMIC 3
#define MPI_WIN_FLAVOR_SHARED 4
#define MPI_WIN_SEPARATE 1
#define MPI_WIN_UNIFIED 2

/* Special buffer addresses (BOTTOM and IN_PLACE are MPIWasm's) and weight arrays. */
#define MPI_BOTTOM ((void *)0)
#define MPI_IN_PLACE ((void *)1)
#define MPI_UNWEIGHTED ((int *)2)
#define MPI_WEIGHTS_EMPTY ((int *)3)

/* Outputs the caller does not want: null pointers (STATUS(ES)_IGNORE are MPIWasm's). */
#define MPI_STATUS_IGNORE ((MPI_Status *)0)
#define MPI_STATUSES_IGNORE ((MPI_Status *)0)
#define MPI_ERRCODES_IGNORE ((int *)0)
#define MPI_ARGV_NULL ((char **)0)
#define MPI_ARGVS_NULL ((char ***)0)

/* Predefined attribute callbacks: function table indices (0 = none, -1 = copy the value). */
#define MPI_COMM_NULL_COPY_FN ((MPI_Comm_copy_attr_function *)0)
#define MPI_COMM_DUP_FN ((MPI_Comm_copy_attr_function *)-1)
#define MPI_COMM_NULL_DELETE_FN ((MPI_Comm_delete_attr_function *)0)

/* String lengths: buffer sizes for names and messages, longest key and value of an info
 * object (PROCESSOR_NAME and OBJECT_NAME are MPIWasm's; the others are the larger of Open
 * MPI's and MPICH's). */
#define MPI_MAX_PROCESSOR_NAME 256
#define MPI_MAX_OBJECT_NAME 128
#define MPI_MAX_ERROR_STRING 512
#define MPI_MAX_LIBRARY_VERSION_STRING 8192
#define MPI_MAX_INFO_KEY 255
#define MPI_MAX_INFO_VAL 1024
#define MPI_MAX_PORT_NAME 1024
#define MPI_MAX_DATAREP_STRING 128

/* Bytes to add per message to an MPI_Buffer_attach buffer. At least the host's overhead (Open
 * MPI and MPICH use less than 256): the launcher allocates the real host buffer itself, sized
 * from the guest's, so the guest's buffer only has to be big enough by the guest's rules. */
#define MPI_BSEND_OVERHEAD 256

/* ------------------------------------------------------------------------------------------
 * Functions (MPI-3.1 C bindings). Each is the wasm import env.<name>.
 * ------------------------------------------------------------------------------------------ */

/* Environment and process management. MPI_Pcontrol is variadic: its wasm import takes a
 * second i32, the address of the variadic argument area. */
WASMPI_IMPORT(MPI_Init) int MPI_Init(int *argc, char ***argv);
WASMPI_IMPORT(MPI_Init_thread) int MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
WASMPI_IMPORT(MPI_Initialized) int MPI_Initialized(int *flag);
WASMPI_IMPORT(MPI_Finalize) int MPI_Finalize(void);
WASMPI_IMPORT(MPI_Finalized) int MPI_Finalized(int *flag);
WASMPI_IMPORT(MPI_Abort) int MPI_Abort(MPI_Comm comm, int errorcode);
WASMPI_IMPORT(MPI_Wtime) double MPI_Wtime(void);
WASMPI_IMPORT(MPI_Wtick) double MPI_Wtick(void);
WASMPI_IMPORT(MPI_Get_processor_name) int MPI_Get_processor_name(char *name, int *resultlen);
WASMPI_IMPORT(MPI_Get_version) int MPI_Get_version(int *version, int *subversion);
WASMPI_IMPORT(MPI_Get_library_version) int MPI_Get_library_version(char *version, int *resultlen);
WASMPI_IMPORT(MPI_Query_thread) int MPI_Query_thread(int *provided);
WASMPI_IMPORT(MPI_Is_thread_main) int MPI_Is_thread_main(int *flag);
WASMPI_IMPORT(MPI_Pcontrol) int MPI_Pcontrol(const int level, ...);
WASMPI_IMPORT(MPI_Alloc_mem) int MPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr);
WASMPI_IMPORT(MPI_Free_mem) int MPI_Free_mem(void *base);

/* Error handling. */
WASMPI_IMPORT(MPI_Comm_set_errhandler) int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler);
WASMPI_IMPORT(MPI_Comm_get_errhandler) int MPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler *errhandler);
WASMPI_IMPORT(MPI_Comm_call_errhandler) int MPI_Comm_call_errhandler(MPI_Comm comm, int errorcode);
WASMPI_IMPORT(MPI_Comm_create_errhandler) int MPI_Comm_create_errhandler(MPI_Comm_errhandler_function *comm_errhandler_fn, MPI_Errhandler *errhandler);
WASMPI_IMPORT(MPI_Errhandler_free) int MPI_Errhandler_free(MPI_Errhandler *errhandler);
WASMPI_IMPORT(MPI_Error_string) int MPI_Error_string(int errorcode, char *string, int *resultlen);
WASMPI_IMPORT(MPI_Error_class) int MPI_Error_class(int errorcode, int *errorclass);

/* Attributes. Attribute values are guest pointers (4 bytes). */
WASMPI_IMPORT(MPI_Comm_get_attr) int MPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag);
WASMPI_IMPORT(MPI_Comm_set_attr) int MPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val);
WASMPI_IMPORT(MPI_Comm_delete_attr) int MPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval);
WASMPI_IMPORT(MPI_Comm_create_keyval) int MPI_Comm_create_keyval(MPI_Comm_copy_attr_function *comm_copy_attr_fn, MPI_Comm_delete_attr_function *comm_delete_attr_fn, int *comm_keyval, void *extra_state);
WASMPI_IMPORT(MPI_Comm_free_keyval) int MPI_Comm_free_keyval(int *comm_keyval);
WASMPI_IMPORT(MPI_Attr_get) int MPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag);

/* Point-to-point: blocking sends and receives. */
WASMPI_IMPORT(MPI_Send) int MPI_Send(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm);
WASMPI_IMPORT(MPI_Ssend) int MPI_Ssend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm);
WASMPI_IMPORT(MPI_Bsend) int MPI_Bsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm);
WASMPI_IMPORT(MPI_Rsend) int MPI_Rsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm);
WASMPI_IMPORT(MPI_Recv) int MPI_Recv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Status *status);
WASMPI_IMPORT(MPI_Sendrecv) int MPI_Sendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf, int recvcount, MPI_Datatype recvtype, int source, int recvtag, MPI_Comm comm, MPI_Status *status);
WASMPI_IMPORT(MPI_Sendrecv_replace) int MPI_Sendrecv_replace(void *buf, int count, MPI_Datatype datatype, int dest, int sendtag, int source, int recvtag, MPI_Comm comm, MPI_Status *status);
WASMPI_IMPORT(MPI_Buffer_attach) int MPI_Buffer_attach(void *buffer, int size);
WASMPI_IMPORT(MPI_Buffer_detach) int MPI_Buffer_detach(void *buffer_addr, int *size);

/* Point-to-point: nonblocking sends and receives. */
WASMPI_IMPORT(MPI_Isend) int MPI_Isend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Issend) int MPI_Issend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ibsend) int MPI_Ibsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Irsend) int MPI_Irsend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Irecv) int MPI_Irecv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Request *request);

/* Point-to-point: probes and matched receives. */
WASMPI_IMPORT(MPI_Probe) int MPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status);
WASMPI_IMPORT(MPI_Iprobe) int MPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status);
WASMPI_IMPORT(MPI_Mprobe) int MPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message *message, MPI_Status *status);
WASMPI_IMPORT(MPI_Improbe) int MPI_Improbe(int source, int tag, MPI_Comm comm, int *flag, MPI_Message *message, MPI_Status *status);
WASMPI_IMPORT(MPI_Mrecv) int MPI_Mrecv(void *buf, int count, MPI_Datatype datatype, MPI_Message *message, MPI_Status *status);
WASMPI_IMPORT(MPI_Imrecv) int MPI_Imrecv(void *buf, int count, MPI_Datatype datatype, MPI_Message *message, MPI_Request *request);

/* Point-to-point: persistent requests. */
WASMPI_IMPORT(MPI_Send_init) int MPI_Send_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ssend_init) int MPI_Ssend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Bsend_init) int MPI_Bsend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Rsend_init) int MPI_Rsend_init(const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Recv_init) int MPI_Recv_init(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Start) int MPI_Start(MPI_Request *request);
WASMPI_IMPORT(MPI_Startall) int MPI_Startall(int count, MPI_Request array_of_requests[]);

/* Completion. */
WASMPI_IMPORT(MPI_Wait) int MPI_Wait(MPI_Request *request, MPI_Status *status);
WASMPI_IMPORT(MPI_Waitall) int MPI_Waitall(int count, MPI_Request array_of_requests[], MPI_Status array_of_statuses[]);
WASMPI_IMPORT(MPI_Waitany) int MPI_Waitany(int count, MPI_Request array_of_requests[], int *index, MPI_Status *status);
WASMPI_IMPORT(MPI_Waitsome) int MPI_Waitsome(int incount, MPI_Request array_of_requests[], int *outcount, int array_of_indices[], MPI_Status array_of_statuses[]);
WASMPI_IMPORT(MPI_Test) int MPI_Test(MPI_Request *request, int *flag, MPI_Status *status);
WASMPI_IMPORT(MPI_Testall) int MPI_Testall(int count, MPI_Request array_of_requests[], int *flag, MPI_Status array_of_statuses[]);
WASMPI_IMPORT(MPI_Testany) int MPI_Testany(int count, MPI_Request array_of_requests[], int *index, int *flag, MPI_Status *status);
WASMPI_IMPORT(MPI_Testsome) int MPI_Testsome(int incount, MPI_Request array_of_requests[], int *outcount, int array_of_indices[], MPI_Status array_of_statuses[]);
WASMPI_IMPORT(MPI_Cancel) int MPI_Cancel(MPI_Request *request);
WASMPI_IMPORT(MPI_Request_free) int MPI_Request_free(MPI_Request *request);
WASMPI_IMPORT(MPI_Request_get_status) int MPI_Request_get_status(MPI_Request request, int *flag, MPI_Status *status);

/* Statuses. */
WASMPI_IMPORT(MPI_Get_count) int MPI_Get_count(const MPI_Status *status, MPI_Datatype datatype, int *count);
WASMPI_IMPORT(MPI_Get_elements) int MPI_Get_elements(const MPI_Status *status, MPI_Datatype datatype, int *count);
WASMPI_IMPORT(MPI_Get_elements_x) int MPI_Get_elements_x(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count);
WASMPI_IMPORT(MPI_Test_cancelled) int MPI_Test_cancelled(const MPI_Status *status, int *flag);

/* Collectives: blocking. */
WASMPI_IMPORT(MPI_Barrier) int MPI_Barrier(MPI_Comm comm);
WASMPI_IMPORT(MPI_Bcast) int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm);
WASMPI_IMPORT(MPI_Gather) int MPI_Gather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm);
WASMPI_IMPORT(MPI_Gatherv) int MPI_Gatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm);
WASMPI_IMPORT(MPI_Scatter) int MPI_Scatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm);
WASMPI_IMPORT(MPI_Scatterv) int MPI_Scatterv(const void *sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm);
WASMPI_IMPORT(MPI_Allgather) int MPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Allgatherv) int MPI_Allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Alltoall) int MPI_Alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Alltoallv) int MPI_Alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Alltoallw) int MPI_Alltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[], const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[], const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm);
WASMPI_IMPORT(MPI_Reduce) int MPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm);
WASMPI_IMPORT(MPI_Allreduce) int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
WASMPI_IMPORT(MPI_Reduce_scatter) int MPI_Reduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[], MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
WASMPI_IMPORT(MPI_Reduce_scatter_block) int MPI_Reduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
WASMPI_IMPORT(MPI_Scan) int MPI_Scan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
WASMPI_IMPORT(MPI_Exscan) int MPI_Exscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);

/* Collectives: nonblocking. */
WASMPI_IMPORT(MPI_Ibarrier) int MPI_Ibarrier(MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ibcast) int MPI_Ibcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Igather) int MPI_Igather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Igatherv) int MPI_Igatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Iscatter) int MPI_Iscatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Iscatterv) int MPI_Iscatterv(const void *sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Iallgather) int MPI_Iallgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Iallgatherv) int MPI_Iallgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ialltoall) int MPI_Ialltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ialltoallv) int MPI_Ialltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ialltoallw) int MPI_Ialltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[], const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[], const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ireduce) int MPI_Ireduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Iallreduce) int MPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ireduce_scatter) int MPI_Ireduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[], MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ireduce_scatter_block) int MPI_Ireduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Iscan) int MPI_Iscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Iexscan) int MPI_Iexscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request);

/* Reduction operations. */
WASMPI_IMPORT(MPI_Reduce_local) int MPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype datatype, MPI_Op op);
WASMPI_IMPORT(MPI_Op_create) int MPI_Op_create(MPI_User_function *user_fn, int commute, MPI_Op *op);
WASMPI_IMPORT(MPI_Op_free) int MPI_Op_free(MPI_Op *op);
WASMPI_IMPORT(MPI_Op_commutative) int MPI_Op_commutative(MPI_Op op, int *commute);

/* Communicators. */
WASMPI_IMPORT(MPI_Comm_size) int MPI_Comm_size(MPI_Comm comm, int *size);
WASMPI_IMPORT(MPI_Comm_rank) int MPI_Comm_rank(MPI_Comm comm, int *rank);
WASMPI_IMPORT(MPI_Comm_dup) int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm);
WASMPI_IMPORT(MPI_Comm_dup_with_info) int MPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm);
WASMPI_IMPORT(MPI_Comm_idup) int MPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request);
WASMPI_IMPORT(MPI_Comm_split) int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm);
WASMPI_IMPORT(MPI_Comm_split_type) int MPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info, MPI_Comm *newcomm);
WASMPI_IMPORT(MPI_Comm_create) int MPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm);
WASMPI_IMPORT(MPI_Comm_create_group) int MPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm);
WASMPI_IMPORT(MPI_Comm_free) int MPI_Comm_free(MPI_Comm *comm);
WASMPI_IMPORT(MPI_Comm_compare) int MPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result);
WASMPI_IMPORT(MPI_Comm_group) int MPI_Comm_group(MPI_Comm comm, MPI_Group *group);
WASMPI_IMPORT(MPI_Comm_set_name) int MPI_Comm_set_name(MPI_Comm comm, const char *comm_name);
WASMPI_IMPORT(MPI_Comm_get_name) int MPI_Comm_get_name(MPI_Comm comm, char *comm_name, int *resultlen);
WASMPI_IMPORT(MPI_Comm_test_inter) int MPI_Comm_test_inter(MPI_Comm comm, int *flag);
WASMPI_IMPORT(MPI_Comm_remote_size) int MPI_Comm_remote_size(MPI_Comm comm, int *size);
WASMPI_IMPORT(MPI_Comm_c2f) MPI_Fint MPI_Comm_c2f(MPI_Comm comm);
WASMPI_IMPORT(MPI_Comm_f2c) MPI_Comm MPI_Comm_f2c(MPI_Fint comm);

/* Groups. */
WASMPI_IMPORT(MPI_Group_size) int MPI_Group_size(MPI_Group group, int *size);
WASMPI_IMPORT(MPI_Group_rank) int MPI_Group_rank(MPI_Group group, int *rank);
WASMPI_IMPORT(MPI_Group_translate_ranks) int MPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2, int ranks2[]);
WASMPI_IMPORT(MPI_Group_compare) int MPI_Group_compare(MPI_Group group1, MPI_Group group2, int *result);
WASMPI_IMPORT(MPI_Group_union) int MPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup);
WASMPI_IMPORT(MPI_Group_intersection) int MPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup);
WASMPI_IMPORT(MPI_Group_difference) int MPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup);
WASMPI_IMPORT(MPI_Group_incl) int MPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup);
WASMPI_IMPORT(MPI_Group_excl) int MPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup);
WASMPI_IMPORT(MPI_Group_range_incl) int MPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup);
WASMPI_IMPORT(MPI_Group_range_excl) int MPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup);
WASMPI_IMPORT(MPI_Group_free) int MPI_Group_free(MPI_Group *group);

/* Process topologies. */
WASMPI_IMPORT(MPI_Cart_create) int MPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[], int reorder, MPI_Comm *comm_cart);
WASMPI_IMPORT(MPI_Cart_get) int MPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[], int coords[]);
WASMPI_IMPORT(MPI_Cart_rank) int MPI_Cart_rank(MPI_Comm comm, const int coords[], int *rank);
WASMPI_IMPORT(MPI_Cart_coords) int MPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[]);
WASMPI_IMPORT(MPI_Cart_shift) int MPI_Cart_shift(MPI_Comm comm, int direction, int disp, int *rank_source, int *rank_dest);
WASMPI_IMPORT(MPI_Cart_sub) int MPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm *newcomm);
WASMPI_IMPORT(MPI_Cartdim_get) int MPI_Cartdim_get(MPI_Comm comm, int *ndims);
WASMPI_IMPORT(MPI_Dims_create) int MPI_Dims_create(int nnodes, int ndims, int dims[]);
WASMPI_IMPORT(MPI_Topo_test) int MPI_Topo_test(MPI_Comm comm, int *status);
WASMPI_IMPORT(MPI_Graph_create) int MPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[], const int edges[], int reorder, MPI_Comm *comm_graph);
WASMPI_IMPORT(MPI_Graph_get) int MPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int index[], int edges[]);
WASMPI_IMPORT(MPI_Graphdims_get) int MPI_Graphdims_get(MPI_Comm comm, int *nnodes, int *nedges);
WASMPI_IMPORT(MPI_Graph_neighbors_count) int MPI_Graph_neighbors_count(MPI_Comm comm, int rank, int *nneighbors);
WASMPI_IMPORT(MPI_Graph_neighbors) int MPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors, int neighbors[]);
WASMPI_IMPORT(MPI_Dist_graph_create_adjacent) int MPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree, const int sources[], const int sourceweights[], int outdegree, const int destinations[], const int destweights[], MPI_Info info, int reorder, MPI_Comm *comm_dist_graph);
WASMPI_IMPORT(MPI_Dist_graph_create) int MPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[], const int degrees[], const int destinations[], const int weights[], MPI_Info info, int reorder, MPI_Comm *comm_dist_graph);
WASMPI_IMPORT(MPI_Dist_graph_neighbors_count) int MPI_Dist_graph_neighbors_count(MPI_Comm comm, int *indegree, int *outdegree, int *weighted);
WASMPI_IMPORT(MPI_Dist_graph_neighbors) int MPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[], int sourceweights[], int maxoutdegree, int destinations[], int destweights[]);

/* Neighborhood collectives (note: the w-forms take MPI_Aint displacements). */
WASMPI_IMPORT(MPI_Neighbor_allgather) int MPI_Neighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Neighbor_allgatherv) int MPI_Neighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Neighbor_alltoall) int MPI_Neighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Neighbor_alltoallv) int MPI_Neighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Neighbor_alltoallw) int MPI_Neighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[], const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[], const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm);
WASMPI_IMPORT(MPI_Ineighbor_allgather) int MPI_Ineighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ineighbor_allgatherv) int MPI_Ineighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int displs[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ineighbor_alltoall) int MPI_Ineighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ineighbor_alltoallv) int MPI_Ineighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request);
WASMPI_IMPORT(MPI_Ineighbor_alltoallw) int MPI_Ineighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[], const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[], const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Request *request);

/* Info objects. */
WASMPI_IMPORT(MPI_Info_create) int MPI_Info_create(MPI_Info *info);
WASMPI_IMPORT(MPI_Info_set) int MPI_Info_set(MPI_Info info, const char *key, const char *value);
WASMPI_IMPORT(MPI_Info_get) int MPI_Info_get(MPI_Info info, const char *key, int valuelen, char *value, int *flag);
WASMPI_IMPORT(MPI_Info_get_valuelen) int MPI_Info_get_valuelen(MPI_Info info, const char *key, int *valuelen, int *flag);
WASMPI_IMPORT(MPI_Info_delete) int MPI_Info_delete(MPI_Info info, const char *key);
WASMPI_IMPORT(MPI_Info_free) int MPI_Info_free(MPI_Info *info);
WASMPI_IMPORT(MPI_Info_dup) int MPI_Info_dup(MPI_Info info, MPI_Info *newinfo);
WASMPI_IMPORT(MPI_Info_get_nkeys) int MPI_Info_get_nkeys(MPI_Info info, int *nkeys);
WASMPI_IMPORT(MPI_Info_get_nthkey) int MPI_Info_get_nthkey(MPI_Info info, int n, char *key);

/* Derived datatypes: constructors. */
WASMPI_IMPORT(MPI_Type_contiguous) int MPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_vector) int MPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_hvector) int MPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_indexed) int MPI_Type_indexed(int count, const int array_of_blocklengths[], const int array_of_displacements[], MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_hindexed) int MPI_Type_create_hindexed(int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[], MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_indexed_block) int MPI_Type_create_indexed_block(int count, int blocklength, const int array_of_displacements[], MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_hindexed_block) int MPI_Type_create_hindexed_block(int count, int blocklength, const MPI_Aint array_of_displacements[], MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_struct) int MPI_Type_create_struct(int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[], const MPI_Datatype array_of_types[], MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_subarray) int MPI_Type_create_subarray(int ndims, const int array_of_sizes[], const int array_of_subsizes[], const int array_of_starts[], int order, MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_darray) int MPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[], const int array_of_distribs[], const int array_of_dargs[], const int array_of_psizes[], int order, MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_create_resized) int MPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_dup) int MPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype *newtype);
WASMPI_IMPORT(MPI_Type_commit) int MPI_Type_commit(MPI_Datatype *datatype);
WASMPI_IMPORT(MPI_Type_free) int MPI_Type_free(MPI_Datatype *datatype);
WASMPI_IMPORT(MPI_Type_match_size) int MPI_Type_match_size(int typeclass, int size, MPI_Datatype *datatype);

/* Derived datatypes: queries, names, addresses. Sizes and extents are of the guest layout;
 * MPI_Aint_add and MPI_Aint_diff are arithmetic on guest addresses. */
WASMPI_IMPORT(MPI_Type_size) int MPI_Type_size(MPI_Datatype datatype, int *size);
WASMPI_IMPORT(MPI_Type_size_x) int MPI_Type_size_x(MPI_Datatype datatype, MPI_Count *size);
WASMPI_IMPORT(MPI_Type_get_extent) int MPI_Type_get_extent(MPI_Datatype datatype, MPI_Aint *lb, MPI_Aint *extent);
WASMPI_IMPORT(MPI_Type_get_extent_x) int MPI_Type_get_extent_x(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent);
WASMPI_IMPORT(MPI_Type_get_true_extent) int MPI_Type_get_true_extent(MPI_Datatype datatype, MPI_Aint *true_lb, MPI_Aint *true_extent);
WASMPI_IMPORT(MPI_Type_get_true_extent_x) int MPI_Type_get_true_extent_x(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent);
WASMPI_IMPORT(MPI_Type_get_envelope) int MPI_Type_get_envelope(MPI_Datatype datatype, int *num_integers, int *num_addresses, int *num_datatypes, int *combiner);
WASMPI_IMPORT(MPI_Type_get_contents) int MPI_Type_get_contents(MPI_Datatype datatype, int max_integers, int max_addresses, int max_datatypes, int array_of_integers[], MPI_Aint array_of_addresses[], MPI_Datatype array_of_datatypes[]);
WASMPI_IMPORT(MPI_Type_set_name) int MPI_Type_set_name(MPI_Datatype datatype, const char *type_name);
WASMPI_IMPORT(MPI_Type_get_name) int MPI_Type_get_name(MPI_Datatype datatype, char *type_name, int *resultlen);
WASMPI_IMPORT(MPI_Get_address) int MPI_Get_address(const void *location, MPI_Aint *address);
WASMPI_IMPORT(MPI_Aint_add) MPI_Aint MPI_Aint_add(MPI_Aint base, MPI_Aint disp);
WASMPI_IMPORT(MPI_Aint_diff) MPI_Aint MPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2);

/* Packing. */
WASMPI_IMPORT(MPI_Pack) int MPI_Pack(const void *inbuf, int incount, MPI_Datatype datatype, void *outbuf, int outsize, int *position, MPI_Comm comm);
WASMPI_IMPORT(MPI_Unpack) int MPI_Unpack(const void *inbuf, int insize, int *position, void *outbuf, int outcount, MPI_Datatype datatype, MPI_Comm comm);
WASMPI_IMPORT(MPI_Pack_size) int MPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int *size);

/* One-sided communication: windows. Window memory is guest memory; base pointers returned
 * through `void *baseptr` arguments are guest addresses. */
WASMPI_IMPORT(MPI_Win_create) int MPI_Win_create(void *base, MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm, MPI_Win *win);
WASMPI_IMPORT(MPI_Win_allocate) int MPI_Win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm, void *baseptr, MPI_Win *win);
WASMPI_IMPORT(MPI_Win_allocate_shared) int MPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm, void *baseptr, MPI_Win *win);
WASMPI_IMPORT(MPI_Win_shared_query) int MPI_Win_shared_query(MPI_Win win, int rank, MPI_Aint *size, int *disp_unit, void *baseptr);
WASMPI_IMPORT(MPI_Win_create_dynamic) int MPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win);
WASMPI_IMPORT(MPI_Win_attach) int MPI_Win_attach(MPI_Win win, void *base, MPI_Aint size);
WASMPI_IMPORT(MPI_Win_detach) int MPI_Win_detach(MPI_Win win, const void *base);
WASMPI_IMPORT(MPI_Win_free) int MPI_Win_free(MPI_Win *win);
WASMPI_IMPORT(MPI_Win_get_attr) int MPI_Win_get_attr(MPI_Win win, int win_keyval, void *attribute_val, int *flag);
WASMPI_IMPORT(MPI_Win_get_group) int MPI_Win_get_group(MPI_Win win, MPI_Group *group);
WASMPI_IMPORT(MPI_Win_set_name) int MPI_Win_set_name(MPI_Win win, const char *win_name);
WASMPI_IMPORT(MPI_Win_get_name) int MPI_Win_get_name(MPI_Win win, char *win_name, int *resultlen);

/* One-sided communication: synchronisation. */
WASMPI_IMPORT(MPI_Win_fence) int MPI_Win_fence(int assert, MPI_Win win);
WASMPI_IMPORT(MPI_Win_lock) int MPI_Win_lock(int lock_type, int rank, int assert, MPI_Win win);
WASMPI_IMPORT(MPI_Win_unlock) int MPI_Win_unlock(int rank, MPI_Win win);
WASMPI_IMPORT(MPI_Win_lock_all) int MPI_Win_lock_all(int assert, MPI_Win win);
WASMPI_IMPORT(MPI_Win_unlock_all) int MPI_Win_unlock_all(MPI_Win win);
WASMPI_IMPORT(MPI_Win_flush) int MPI_Win_flush(int rank, MPI_Win win);
WASMPI_IMPORT(MPI_Win_flush_all) int MPI_Win_flush_all(MPI_Win win);
WASMPI_IMPORT(MPI_Win_flush_local) int MPI_Win_flush_local(int rank, MPI_Win win);
WASMPI_IMPORT(MPI_Win_flush_local_all) int MPI_Win_flush_local_all(MPI_Win win);
WASMPI_IMPORT(MPI_Win_sync) int MPI_Win_sync(MPI_Win win);
WASMPI_IMPORT(MPI_Win_post) int MPI_Win_post(MPI_Group group, int assert, MPI_Win win);
WASMPI_IMPORT(MPI_Win_start) int MPI_Win_start(MPI_Group group, int assert, MPI_Win win);
WASMPI_IMPORT(MPI_Win_complete) int MPI_Win_complete(MPI_Win win);
WASMPI_IMPORT(MPI_Win_wait) int MPI_Win_wait(MPI_Win win);
WASMPI_IMPORT(MPI_Win_test) int MPI_Win_test(MPI_Win win, int *flag);

/* One-sided communication: data movement. */
WASMPI_IMPORT(MPI_Put) int MPI_Put(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win);
WASMPI_IMPORT(MPI_Get) int MPI_Get(void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win);
WASMPI_IMPORT(MPI_Accumulate) int MPI_Accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Op op, MPI_Win win);
WASMPI_IMPORT(MPI_Get_accumulate) int MPI_Get_accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype, void *result_addr, int result_count, MPI_Datatype result_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Op op, MPI_Win win);
WASMPI_IMPORT(MPI_Fetch_and_op) int MPI_Fetch_and_op(const void *origin_addr, void *result_addr, MPI_Datatype datatype, int target_rank, MPI_Aint target_disp, MPI_Op op, MPI_Win win);
WASMPI_IMPORT(MPI_Compare_and_swap) int MPI_Compare_and_swap(const void *origin_addr, const void *compare_addr, void *result_addr, MPI_Datatype datatype, int target_rank, MPI_Aint target_disp, MPI_Win win);
WASMPI_IMPORT(MPI_Rput) int MPI_Rput(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request);
WASMPI_IMPORT(MPI_Rget) int MPI_Rget(void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request);
WASMPI_IMPORT(MPI_Raccumulate) int MPI_Raccumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Op op, MPI_Win win, MPI_Request *request);
WASMPI_IMPORT(MPI_Rget_accumulate) int MPI_Rget_accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype, void *result_addr, int result_count, MPI_Datatype result_datatype, int target_rank, MPI_Aint target_disp, int target_count, MPI_Datatype target_datatype, MPI_Op op, MPI_Win win, MPI_Request *request);

/* MPI-IO. File names are guest paths, resolved like the program's own open(): only inside the
 * directories given to wasmpirun with --dir (anything else fails with MPI_ERR_ACCESS). */
WASMPI_IMPORT(MPI_File_open) int MPI_File_open(MPI_Comm comm, const char *filename, int amode, MPI_Info info, MPI_File *fh);
WASMPI_IMPORT(MPI_File_close) int MPI_File_close(MPI_File *fh);
WASMPI_IMPORT(MPI_File_delete) int MPI_File_delete(const char *filename, MPI_Info info);
WASMPI_IMPORT(MPI_File_read) int MPI_File_read(MPI_File fh, void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_read_all) int MPI_File_read_all(MPI_File fh, void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_read_at) int MPI_File_read_at(MPI_File fh, MPI_Offset offset, void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_read_at_all) int MPI_File_read_at_all(MPI_File fh, MPI_Offset offset, void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_write) int MPI_File_write(MPI_File fh, const void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_write_all) int MPI_File_write_all(MPI_File fh, const void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_write_at) int MPI_File_write_at(MPI_File fh, MPI_Offset offset, const void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_write_at_all) int MPI_File_write_at_all(MPI_File fh, MPI_Offset offset, const void *buf, int count, MPI_Datatype datatype, MPI_Status *status);
WASMPI_IMPORT(MPI_File_seek) int MPI_File_seek(MPI_File fh, MPI_Offset offset, int whence);
WASMPI_IMPORT(MPI_File_get_position) int MPI_File_get_position(MPI_File fh, MPI_Offset *offset);
WASMPI_IMPORT(MPI_File_set_view) int MPI_File_set_view(MPI_File fh, MPI_Offset disp, MPI_Datatype etype, MPI_Datatype filetype, const char *datarep, MPI_Info info);
WASMPI_IMPORT(MPI_File_get_size) int MPI_File_get_size(MPI_File fh, MPI_Offset *size);
WASMPI_IMPORT(MPI_File_set_size) int MPI_File_set_size(MPI_File fh, MPI_Offset size);
WASMPI_IMPORT(MPI_File_preallocate) int MPI_File_preallocate(MPI_File fh, MPI_Offset size);
WASMPI_IMPORT(MPI_File_sync) int MPI_File_sync(MPI_File fh);
WASMPI_IMPORT(MPI_File_get_amode) int MPI_File_get_amode(MPI_File fh, int *amode);
WASMPI_IMPORT(MPI_File_get_info) int MPI_File_get_info(MPI_File fh, MPI_Info *info_used);
WASMPI_IMPORT(MPI_File_set_info) int MPI_File_set_info(MPI_File fh, MPI_Info info);
WASMPI_IMPORT(MPI_File_set_errhandler) int MPI_File_set_errhandler(MPI_File file, MPI_Errhandler errhandler);
WASMPI_IMPORT(MPI_File_get_errhandler) int MPI_File_get_errhandler(MPI_File file, MPI_Errhandler *errhandler);

/* wasmpi: begin inline helpers */
/* Inline helpers that calls are redirected to (after every declaration, so the macros do not
 * rewrite them). */
/* MPI_Alloc_mem and MPI_Free_mem allocate from the program's own heap. They are still
 * provided as imports for modules built with other headers, but calls compiled against this
 * header go straight to malloc/free: calling a command module's exported malloc from the
 * host would re-run its constructors. */
void *malloc(size_t size);
void free(void *ptr);
static inline int wasmpi_alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr) {
    (void)info;
    void *block = malloc(size > 0 ? (size_t)size : 1);
    *(void **)baseptr = block;
    return block ? MPI_SUCCESS : MPI_ERR_NO_MEM;
}
static inline int wasmpi_free_mem(void *base) {
    free(base);
    return MPI_SUCCESS;
}
#define MPI_Alloc_mem(size, info, baseptr) wasmpi_alloc_mem((size), (info), (baseptr))
#define MPI_Free_mem(base) wasmpi_free_mem(base)
/* User-defined operations: the launcher copies a reduction's operands into scratch memory in
 * the program's heap before calling the user function (it cannot call malloc itself). Calls
 * to MPI_Op_create compiled against this header allocate it once (per translation unit) and
 * register it through the import env.wasmpi_op_scratch; without it MPI_Op_create fails with
 * MPI_ERR_OTHER. 64 KiB of operands per call of the user function, plus its len and datatype
 * arguments. */
WASMPI_IMPORT(wasmpi_op_scratch) int wasmpi_op_scratch(void *buf, int size);
static inline int wasmpi_op_create(MPI_User_function *user_fn, int commute, MPI_Op *op) {
    static void *scratch;
    if (!scratch) {
        const int size = 65536 + 16;
        void *block = malloc((size_t)size);
        if (!block) return MPI_ERR_NO_MEM;
        int rc = wasmpi_op_scratch(block, size);
        if (rc != MPI_SUCCESS) {
            free(block);
            return rc;
        }
        scratch = block;
    }
    return MPI_Op_create(user_fn, commute, op);
}
#define MPI_Op_create(user_fn, commute, op) wasmpi_op_create((user_fn), (commute), (op))
/* wasmpi: end inline helpers */

#ifdef __cplusplus
}
#endif

#endif /* WASMPI_MPI_H */
