/* Packing: an int, a matrix column (vector type), structs (one from MPI_BOTTOM with absolute
 * addresses) and a string are packed into one buffer, sent as MPI_PACKED around the ring and
 * unpacked in order; positions and Pack_size are printed. Packing into a too small buffer
 * fails with MPI_ERR_TRUNCATE and leaves the position alone. */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct item {
    int n;
    double x;
    char tag[5];
};

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    /* Whole lines per write: ranks' output is merged line by line. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    int m[3][4];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            m[i][j] = rank * 100 + i * 10 + j;
    MPI_Datatype column;
    MPI_Type_vector(3, 1, 4, MPI_INT, &column);
    MPI_Type_commit(&column);

    struct item items[2] = {{rank, rank * 0.5, "one"}, {-rank, 2.25, "two"}};
    int lens[3] = {1, 1, 5};
    MPI_Aint disps[3] = {offsetof(struct item, n), offsetof(struct item, x),
                         offsetof(struct item, tag)};
    MPI_Datatype types[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR}, rel, item_t, absolute;
    MPI_Type_create_struct(3, lens, disps, types, &rel);
    MPI_Type_create_resized(rel, 0, sizeof(struct item), &item_t);
    MPI_Type_commit(&item_t);
    struct item lone = {1000 + rank, -1.5, "abs"};
    MPI_Aint addrs[3];
    MPI_Get_address(&lone.n, &addrs[0]);
    MPI_Get_address(&lone.x, &addrs[1]);
    MPI_Get_address(lone.tag, &addrs[2]);
    MPI_Type_create_struct(3, lens, addrs, types, &absolute);
    MPI_Type_commit(&absolute);

    char text[16];
    snprintf(text, sizeof text, "hello from %d", rank);
    int len = (int)strlen(text) + 1;

    int sizes[5];
    MPI_Pack_size(1, MPI_INT, MPI_COMM_WORLD, &sizes[0]);
    MPI_Pack_size(1, column, MPI_COMM_WORLD, &sizes[1]);
    MPI_Pack_size(2, item_t, MPI_COMM_WORLD, &sizes[2]);
    MPI_Pack_size(1, absolute, MPI_COMM_WORLD, &sizes[3]);
    MPI_Pack_size(len, MPI_CHAR, MPI_COMM_WORLD, &sizes[4]);
    int total = 0;
    for (int i = 0; i < 5; i++)
        total += sizes[i];
    if (rank == 0)
        printf("rank 0: pack sizes %d %d %d %d %d\n", sizes[0], sizes[1], sizes[2], sizes[3],
               sizes[4]);

    char buf[512];
    int pos = 0;
    MPI_Pack(&len, 1, MPI_INT, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    int p1 = pos;
    MPI_Pack(&m[0][1], 1, column, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    int p2 = pos;
    MPI_Pack(items, 2, item_t, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    int p3 = pos;
#ifdef MPICH_VERSION
    /* Native MPICH 4.0 refuses MPI_BOTTOM as MPI_Pack's input and MPI_Unpack's output ("Null
     * pointer in parameter inbuf"), so there the struct goes through its relative type, which
     * has the same type signature and so packs the same bytes. The wasm build (and Open MPI)
     * always use MPI_BOTTOM. */
    MPI_Pack(&lone, 1, item_t, buf, sizeof buf, &pos, MPI_COMM_WORLD);
#else
    MPI_Pack(MPI_BOTTOM, 1, absolute, buf, sizeof buf, &pos, MPI_COMM_WORLD);
#endif
    int p4 = pos;
    MPI_Pack(text, len, MPI_CHAR, buf, sizeof buf, &pos, MPI_COMM_WORLD);
    printf("rank %d: positions %d %d %d %d %d, within pack size %d\n", rank, p1, p2, p3, p4, pos,
           pos <= total);

    MPI_Status st;
    char in[512];
    MPI_Sendrecv(buf, pos, MPI_PACKED, right, 0, in, sizeof in, MPI_PACKED, left, 0,
                 MPI_COMM_WORLD, &st);
    int got;
    MPI_Get_count(&st, MPI_PACKED, &got);
    printf("rank %d: received %d packed bytes\n", rank, got);

    int ipos = 0, n = 0, col[3] = {0};
    struct item gi[2], gl;
    memset(gi, 0, sizeof gi);
    memset(&gl, 0, sizeof gl);
    char gtext[16] = "";
    MPI_Unpack(in, got, &ipos, &n, 1, MPI_INT, MPI_COMM_WORLD);
    MPI_Unpack(in, got, &ipos, col, 3, MPI_INT, MPI_COMM_WORLD);
    MPI_Unpack(in, got, &ipos, gi, 2, item_t, MPI_COMM_WORLD);
    MPI_Unpack(in, got, &ipos, &gl, 1, item_t, MPI_COMM_WORLD);
    MPI_Unpack(in, got, &ipos, gtext, n, MPI_CHAR, MPI_COMM_WORLD);
    printf("rank %d: unpacked len %d column %d %d %d items %d/%.2f/%s %d/%.2f/%s lone "
           "%d/%.2f/%s text '%s' at %d\n",
           rank, n, col[0], col[1], col[2], gi[0].n, gi[0].x, gi[0].tag, gi[1].n, gi[1].x,
           gi[1].tag, gl.n, gl.x, gl.tag, gtext, ipos);

    /* Unpack the column back into a matrix column, through the vector type. */
    int back[3][4];
    memset(back, 0, sizeof back);
    ipos = p1;
    MPI_Unpack(in, got, &ipos, &back[0][2], 1, column, MPI_COMM_WORLD);
    printf("rank %d: column unpacked into column: %d %d %d, others zero %d\n", rank, back[0][2],
           back[1][2], back[2][2], back[0][0] == 0 && back[2][3] == 0);

    /* Into MPI_BOTTOM with absolute addresses. */
    ipos = p3;
#ifdef MPICH_VERSION
    MPI_Unpack(in, got, &ipos, &lone, 1, item_t, MPI_COMM_WORLD); /* as MPI_Pack above */
#else
    MPI_Unpack(in, got, &ipos, MPI_BOTTOM, 1, absolute, MPI_COMM_WORLD);
#endif
    printf("rank %d: unpacked into MPI_BOTTOM: %d %.2f %s\n", rank, lone.n, lone.x, lone.tag);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    char small[8];
    int spos = 2;
    int rc = MPI_Pack(items, 2, item_t, small, sizeof small, &spos, MPI_COMM_WORLD), class = -1;
    MPI_Error_class(rc, &class);
    printf("rank %d: pack into small buffer: truncate %d, position %d\n", rank,
           class == MPI_ERR_TRUNCATE, spos);

    MPI_Type_free(&column);
    MPI_Type_free(&rel);
    MPI_Type_free(&item_t);
    MPI_Type_free(&absolute);
    MPI_Finalize();
    return 0;
}
