/* Datatype error cases, wasm only (they depend on the size of linear memory): buffers whose
 * derived type reaches past the end of memory or below address 0, extents and counts whose
 * product exceeds 2^32, MPI_SHORT_INT's padded true extent, bad pack buffers and positions,
 * freed and predefined handles in the wrong place. Everything is refused with the right
 * error class under MPI_ERRORS_RETURN (sends go to MPI_PROC_NULL, so nothing would be sent
 * anyway); the same buffers that just fit are accepted. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int rank;

static const char *class_name(int rc) {
    int class;
    MPI_Error_class(rc, &class);
    switch (class) {
    case MPI_SUCCESS: return "MPI_SUCCESS";
    case MPI_ERR_BUFFER: return "MPI_ERR_BUFFER";
    case MPI_ERR_COUNT: return "MPI_ERR_COUNT";
    case MPI_ERR_TYPE: return "MPI_ERR_TYPE";
    case MPI_ERR_ARG: return "MPI_ERR_ARG";
    case MPI_ERR_TRUNCATE: return "MPI_ERR_TRUNCATE";
    default: return "other";
    }
}

static void report(const char *what, int rc) {
    printf("rank %d: %s -> %s\n", rank, what, class_name(rc));
}

static int send(const void *buf, int count, MPI_Datatype t) {
    return MPI_Send(buf, count, t, MPI_PROC_NULL, 0, MPI_COMM_WORLD);
}

static int recv(void *buf, int count, MPI_Datatype t) {
    return MPI_Recv(buf, count, t, MPI_PROC_NULL, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    /* Whole lines per write: ranks' output is merged line by line. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    char *end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536);

    /* A vector of 2 ints 32 ints apart: true extent 132 bytes. */
    MPI_Datatype vec;
    MPI_Type_vector(2, 1, 32, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    report("vector crossing the end (send)", send(end - 64, 1, vec));
    report("vector crossing the end (recv)", recv(end - 64, 1, vec));
    report("vector ending at the end", send(end - 132, 1, vec));
    report("second vector crossing the end", send(end - 132 - 128, 2, vec));

    /* Extents and counts beyond 32 bits. */
    int x[4] = {0};
    MPI_Datatype huge;
    MPI_Type_vector(2, 1, 1 << 30, MPI_INT, &huge);
    MPI_Type_commit(&huge);
    report("extent over 4 GiB", send(x, 1, huge));
    MPI_Aint lb, extent;
    MPI_Type_get_extent(huge, &lb, &extent);
    MPI_Count lbx, extentx;
    MPI_Type_get_extent_x(huge, &lbx, &extentx);
    printf("rank %d: huge extent %s, extent_x %lld\n", rank,
           extent == MPI_UNDEFINED ? "MPI_UNDEFINED" : "defined", extentx);
    MPI_Datatype big;
    MPI_Type_contiguous(1 << 28, MPI_DOUBLE, &big);
    MPI_Type_commit(&big);
    report("count x extent over 4 GiB", send(x, 3, big));
    report("count x extent over 4 GiB (recv)", recv(x, 3, big));
    MPI_Datatype spread;
    MPI_Type_create_resized(MPI_INT, 0, 1 << 30, &spread);
    MPI_Type_commit(&spread);
    report("resized elements past the end", send(x, 2, spread));
    report("resized elements over 4 GiB", send(x, 9, spread));
    report("one resized element", send(x, 1, spread));

    /* Below address 0: a negative displacement, and a negative lower bound. */
    int disp = -(1 << 28), one = 1;
    MPI_Datatype below;
    MPI_Type_indexed(1, &one, &disp, MPI_INT, &below);
    MPI_Type_commit(&below);
    report("negative displacement below 0", send(x, 1, below));
    MPI_Datatype back;
    MPI_Type_create_resized(MPI_INT, 0, -(1 << 24), &back);
    MPI_Type_commit(&back);
    report("negative extent below 0", send(x, 2, back));

    /* MPI_SHORT_INT: short, 2 bytes of padding, int; its data ends 8 bytes in. */
    report("MPI_SHORT_INT 6 bytes before the end", send(end - 6, 1, MPI_SHORT_INT));
    report("MPI_SHORT_INT 8 bytes before the end", send(end - 8, 1, MPI_SHORT_INT));

    /* Absolute addresses with MPI_BOTTOM. */
    MPI_Aint addr;
    MPI_Get_address(end - 2, &addr);
    int two = 2;
    MPI_Datatype abs_t;
    MPI_Type_create_hindexed(1, &two, &addr, MPI_CHAR, &abs_t);
    MPI_Type_commit(&abs_t);
    report("MPI_BOTTOM ending at the end", send(MPI_BOTTOM, 1, abs_t));
    MPI_Type_free(&abs_t);
    MPI_Get_address(end - 1, &addr);
    MPI_Type_create_hindexed(1, &two, &addr, MPI_CHAR, &abs_t);
    MPI_Type_commit(&abs_t);
    report("MPI_BOTTOM crossing the end", send(MPI_BOTTOM, 1, abs_t));

    /* Packing. */
    char buf[64];
    int pos = 0;
    report("pack buffer crossing the end", MPI_Pack(x, 4, MPI_INT, end - 8, 16, &pos, MPI_COMM_WORLD));
    report("negative pack size", MPI_Pack(x, 4, MPI_INT, buf, -1, &pos, MPI_COMM_WORLD));
    pos = 65;
    report("position past the buffer", MPI_Pack(x, 1, MPI_INT, buf, sizeof buf, &pos, MPI_COMM_WORLD));
    pos = -4;
    report("negative position", MPI_Pack(x, 1, MPI_INT, buf, sizeof buf, &pos, MPI_COMM_WORLD));
    pos = 0;
    report("pack of a vector crossing the end", MPI_Pack(end - 64, 1, vec, buf, sizeof buf, &pos, MPI_COMM_WORLD));
    report("pack that fits", MPI_Pack(x, 4, MPI_INT, buf, sizeof buf, &pos, MPI_COMM_WORLD));
    int upos = 0;
    report("unpack input crossing the end", MPI_Unpack(end - 8, 16, &upos, x, 4, MPI_INT, MPI_COMM_WORLD));
    report("unpack output crossing the end", MPI_Unpack(buf, pos, &upos, end - 8, 4, MPI_INT, MPI_COMM_WORLD));
    report("unpack that fits", MPI_Unpack(buf, pos, &upos, x, 4, MPI_INT, MPI_COMM_WORLD));
    report("negative pack_size count", MPI_Pack_size(-1, MPI_INT, MPI_COMM_WORLD, &pos));

    /* Handles and counts. */
    MPI_Datatype t, freed;
    MPI_Type_contiguous(2, MPI_INT, &t);
    freed = t;
    MPI_Type_free(&t);
    report("send with a freed type", send(x, 1, freed));
    report("free of a freed type", MPI_Type_free(&freed));
    MPI_Datatype p = MPI_DOUBLE;
    report("free of MPI_DOUBLE", MPI_Type_free(&p));
    report("constructor from MPI_DATATYPE_NULL", MPI_Type_contiguous(2, MPI_DATATYPE_NULL, &t));
    report("contiguous with a negative count", MPI_Type_contiguous(-1, MPI_INT, &t));
    report("indexed with arrays past the end", MPI_Type_indexed(4, (int *)(end - 8), (int *)(end - 8), MPI_INT, &t));
    report("struct with a bogus type", MPI_Type_create_struct(1, &one, &addr, &freed, &t));
    report("new type handle past the end", MPI_Type_contiguous(2, MPI_INT, (MPI_Datatype *)(end - 2)));

    /* Contents into oversized arrays are fine (only the datatype's entries are written). */
    int ints[64];
    MPI_Aint addrs[16];
    MPI_Datatype types[16];
    types[1] = MPI_DATATYPE_NULL;
    report("contents into oversized arrays", MPI_Type_get_contents(vec, 64, 16, 16, ints, addrs, types));
    printf("rank %d: contents %d %d %d of MPI_INT %d, next entry untouched %d\n", rank, ints[0],
           ints[1], ints[2], types[0] == MPI_INT, types[1] == MPI_DATATYPE_NULL);

    MPI_Type_free(&vec);
    MPI_Type_free(&huge);
    MPI_Type_free(&big);
    MPI_Type_free(&spread);
    MPI_Type_free(&below);
    MPI_Type_free(&back);
    MPI_Type_free(&abs_t);
    MPI_Finalize();
    return 0;
}
