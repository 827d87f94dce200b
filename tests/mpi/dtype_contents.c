/* Datatype introspection. Rank 0: get_envelope/get_contents of every constructor (nested,
 * with the inner type freed first), each type rebuilt from its contents and checked to pack
 * the same bytes; predefined constituents come back as the very same handles. The other
 * ranks (or rank 0 alone): names of predefined and derived types, renaming, truncation, names
 * of duplicates; Type_match_size; Type_free and its errors; Aint arithmetic. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int rank;

static const struct {
    MPI_Datatype type;
    const char *label;
} predefined[] = {
    {MPI_INT, "MPI_INT"},       {MPI_LONG, "MPI_LONG"},     {MPI_DOUBLE, "MPI_DOUBLE"},
    {MPI_CHAR, "MPI_CHAR"},     {MPI_SHORT, "MPI_SHORT"},   {MPI_FLOAT, "MPI_FLOAT"},
    {MPI_BYTE, "MPI_BYTE"},     {MPI_2INT, "MPI_2INT"},     {MPI_LONG_DOUBLE, "MPI_LONG_DOUBLE"},
    {MPI_UINT64_T, "MPI_UINT64_T"},
};

static const char *combiner_name(int c) {
    switch (c) {
    case MPI_COMBINER_NAMED: return "NAMED";
    case MPI_COMBINER_DUP: return "DUP";
    case MPI_COMBINER_CONTIGUOUS: return "CONTIGUOUS";
    case MPI_COMBINER_VECTOR: return "VECTOR";
    case MPI_COMBINER_HVECTOR: return "HVECTOR";
    case MPI_COMBINER_INDEXED: return "INDEXED";
    case MPI_COMBINER_HINDEXED: return "HINDEXED";
    case MPI_COMBINER_INDEXED_BLOCK: return "INDEXED_BLOCK";
    case MPI_COMBINER_HINDEXED_BLOCK: return "HINDEXED_BLOCK";
    case MPI_COMBINER_STRUCT: return "STRUCT";
    case MPI_COMBINER_SUBARRAY: return "SUBARRAY";
    case MPI_COMBINER_DARRAY: return "DARRAY";
    case MPI_COMBINER_RESIZED: return "RESIZED";
    default: return "other";
    }
}

/* Rebuilds a derived type from its contents. */
static MPI_Datatype rebuild(int c, const int *i, const MPI_Aint *a, const MPI_Datatype *d) {
    MPI_Datatype t = MPI_DATATYPE_NULL;
    int n;
    switch (c) {
    case MPI_COMBINER_DUP: MPI_Type_dup(d[0], &t); break;
    case MPI_COMBINER_CONTIGUOUS: MPI_Type_contiguous(i[0], d[0], &t); break;
    case MPI_COMBINER_VECTOR: MPI_Type_vector(i[0], i[1], i[2], d[0], &t); break;
    case MPI_COMBINER_HVECTOR: MPI_Type_create_hvector(i[0], i[1], a[0], d[0], &t); break;
    case MPI_COMBINER_INDEXED: MPI_Type_indexed(i[0], &i[1], &i[1 + i[0]], d[0], &t); break;
    case MPI_COMBINER_HINDEXED: MPI_Type_create_hindexed(i[0], &i[1], a, d[0], &t); break;
    case MPI_COMBINER_INDEXED_BLOCK: MPI_Type_create_indexed_block(i[0], i[1], &i[2], d[0], &t); break;
    case MPI_COMBINER_HINDEXED_BLOCK: MPI_Type_create_hindexed_block(i[0], i[1], a, d[0], &t); break;
    case MPI_COMBINER_STRUCT: MPI_Type_create_struct(i[0], &i[1], a, d, &t); break;
    case MPI_COMBINER_SUBARRAY:
        n = i[0];
        MPI_Type_create_subarray(n, &i[1], &i[1 + n], &i[1 + 2 * n], i[1 + 3 * n], d[0], &t);
        break;
    case MPI_COMBINER_DARRAY:
        n = i[2];
        MPI_Type_create_darray(i[0], i[1], n, &i[3], &i[3 + n], &i[3 + 2 * n], &i[3 + 3 * n],
                               i[3 + 4 * n], d[0], &t);
        break;
    case MPI_COMBINER_RESIZED: MPI_Type_create_resized(d[0], a[0], a[1], &t); break;
    }
    return t;
}

static unsigned char source[8192];

/* Packs 2 elements of t from the middle of `source`. */
static int pack(MPI_Datatype t, unsigned char *out, int outsize) {
    int pos = 0;
    MPI_Pack(source + 4096, 2, t, out, outsize, &pos, MPI_COMM_WORLD);
    return pos;
}

/* Prints ints[k] of a type's contents; implementation constants (orders, distributions)
 * by name, as their values differ between MPI implementations. */
static void print_int(int c, const int *ints, int k) {
    int v = ints[k], n;
    if (c == MPI_COMBINER_SUBARRAY && k == 1 + 3 * ints[0]) {
        printf(" %s", v == MPI_ORDER_C ? "C" : v == MPI_ORDER_FORTRAN ? "FORTRAN" : "?");
        return;
    }
    if (c == MPI_COMBINER_DARRAY) {
        n = ints[2];
        if (k == 3 + 4 * n) {
            printf(" %s", v == MPI_ORDER_C ? "C" : v == MPI_ORDER_FORTRAN ? "FORTRAN" : "?");
            return;
        }
        if (k >= 3 + n && k < 3 + 2 * n) {
            printf(" %s", v == MPI_DISTRIBUTE_BLOCK    ? "BLOCK"
                          : v == MPI_DISTRIBUTE_CYCLIC ? "CYCLIC"
                          : v == MPI_DISTRIBUTE_NONE   ? "NONE"
                                                       : "?");
            return;
        }
        if (k >= 3 + 2 * n && k < 3 + 3 * n && v == MPI_DISTRIBUTE_DFLT_DARG) {
            printf(" DFLT_DARG");
            return;
        }
    }
    printf(" %d", v);
}

/* Prints the envelope and contents of t (recursively), checks a rebuilt copy. */
static void describe(MPI_Datatype t, int depth) {
    /* (Types from get_contents need not be committed, and only committed ones can be packed.) */
    int ni, na, nd, c;
    MPI_Type_get_envelope(t, &ni, &na, &nd, &c);
    if (c == MPI_COMBINER_NAMED) {
        const char *label = "unknown";
        for (size_t k = 0; k < sizeof predefined / sizeof predefined[0]; k++)
            if (predefined[k].type == t) {
                label = predefined[k].label;
                break;
            }
        printf("rank 0: %*s%s (same handle)\n", 2 * depth, "", label);
        return;
    }
    int ints[64];
    MPI_Aint addrs[16];
    MPI_Datatype types[16];
    /* Exact maxima: Open MPI 4.1 reads past nd entries of oversized arrays (ompi#14051). */
    MPI_Type_get_contents(t, ni, na, nd, ints, addrs, types);
    MPI_Type_commit(&t);
    printf("rank 0: %*s%s %d %d %d ints", 2 * depth, "", combiner_name(c), ni, na, nd);
    for (int k = 0; k < ni; k++)
        print_int(c, ints, k);
    printf(" addrs");
    for (int k = 0; k < na; k++)
        printf(" %lld", (long long)addrs[k]);
    printf("\n");
    for (int k = 0; k < nd; k++)
        describe(types[k], depth + 1);

    MPI_Datatype copy = rebuild(c, ints, addrs, types);
    MPI_Type_commit(&copy);
    static unsigned char a[16384], b[16384];
    int pa = pack(t, a, sizeof a), pb = pack(copy, b, sizeof b);
    MPI_Count sa, sb, la, lb, ea, eb;
    MPI_Type_size_x(t, &sa);
    MPI_Type_size_x(copy, &sb);
    MPI_Type_get_extent_x(t, &la, &ea);
    MPI_Type_get_extent_x(copy, &lb, &eb);
    printf("rank 0: %*srebuilt: same size %d extent %d packed %d bytes %d\n", 2 * depth, "",
           sa == sb, la == lb && ea == eb, pa == pb, pa == pb && memcmp(a, b, pa) == 0);
    MPI_Type_free(&copy);
    for (int k = 0; k < nd; k++) {
        int ci, ca, cd, cc;
        MPI_Type_get_envelope(types[k], &ci, &ca, &cd, &cc);
        if (cc != MPI_COMBINER_NAMED)
            MPI_Type_free(&types[k]);
    }
}

static void contents(void) {
    for (int k = 0; k < (int)sizeof source; k++)
        source[k] = (unsigned char)(k * 7 + 3);
    MPI_Datatype ts[16];
    int n = 0;
    MPI_Datatype inner, inner2;
    MPI_Type_contiguous(3, MPI_LONG, &inner);
    MPI_Type_vector(2, 2, 5, inner, &ts[n++]);
    MPI_Type_free(&inner); /* still described by the vector */
    MPI_Type_create_hvector(3, 1, -40, MPI_DOUBLE, &ts[n++]);
    int lens[3] = {2, 1, 3}, disps[3] = {-4, 0, 9};
    MPI_Type_indexed(3, lens, disps, MPI_SHORT, &ts[n++]);
    MPI_Aint hd[3] = {-24, 8, 100};
    MPI_Type_create_hindexed(3, lens, hd, MPI_FLOAT, &ts[n++]);
    MPI_Type_create_indexed_block(3, 2, disps, MPI_INT, &ts[n++]);
    MPI_Type_create_hindexed_block(3, 1, hd, MPI_2INT, &ts[n++]);
    MPI_Type_create_resized(MPI_INT, -4, 16, &inner);
    MPI_Type_dup(MPI_CHAR, &inner2);
    MPI_Datatype stypes[3] = {inner, MPI_LONG_DOUBLE, inner2};
    MPI_Aint sd[3] = {0, 16, 40};
    MPI_Type_create_struct(3, lens, sd, stypes, &ts[n++]);
    MPI_Type_free(&inner);
    MPI_Type_free(&inner2);
    int sizes[3] = {5, 6, 7}, subsizes[3] = {2, 3, 4}, starts[3] = {3, 0, 2};
    MPI_Type_create_subarray(3, sizes, subsizes, starts, MPI_ORDER_FORTRAN, MPI_BYTE, &ts[n++]);
    int gsizes[2] = {9, 10}, distribs[2] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_NONE};
    int dargs[2] = {2, MPI_DISTRIBUTE_DFLT_DARG}, psizes[2] = {3, 1};
    MPI_Type_create_darray(3, 1, 2, gsizes, distribs, dargs, psizes, MPI_ORDER_C, MPI_UINT64_T,
                           &ts[n++]);
    MPI_Type_dup(ts[0], &ts[n++]);
    MPI_Type_contiguous(4, MPI_FLOAT, &ts[n++]);
    for (int k = 0; k < n; k++) {
        MPI_Type_commit(&ts[k]);
        printf("rank 0: type %d:\n", k);
        describe(ts[k], 1);
    }
    int ni, na, nd, c;
    MPI_Type_get_envelope(MPI_LONG, &ni, &na, &nd, &c);
    printf("rank 0: MPI_LONG envelope %d %d %d %s\n", ni, na, nd, combiner_name(c));
    int ints[4];
    MPI_Aint addrs[4];
    MPI_Datatype types[4];
    int rc = MPI_Type_get_contents(MPI_LONG, 4, 4, 4, ints, addrs, types);
    printf("rank 0: contents of a predefined type fail: %d\n", rc != MPI_SUCCESS);
    rc = MPI_Type_get_contents(ts[2], 2, 4, 4, ints, addrs, types);
    printf("rank 0: contents into too small arrays fail: %d\n", rc != MPI_SUCCESS);
    for (int k = 0; k < n; k++)
        MPI_Type_free(&ts[k]);
}

static void print_name(const char *what, MPI_Datatype t) {
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;
    MPI_Type_get_name(t, name, &len);
    printf("rank %d: name of %s: '%s' (%d)\n", rank, what, name, len);
}

static void names(void) {
    static const struct {
        MPI_Datatype type;
        const char *what;
    } named[] = {
        {MPI_INT, "int"}, {MPI_LONG, "long"}, {MPI_DOUBLE, "double"}, {MPI_CHAR, "char"},
        {MPI_LONG_LONG_INT, "long long int"}, {MPI_UNSIGNED_LONG, "unsigned long"},
        {MPI_DOUBLE_INT, "double int"}, {MPI_SHORT_INT, "short int"}, {MPI_2INT, "2int"},
        {MPI_LONG_DOUBLE, "long double"}, {MPI_BYTE, "byte"}, {MPI_PACKED, "packed"},
        {MPI_AINT, "aint"}, {MPI_C_BOOL, "bool"}, {MPI_INT8_T, "int8"}, {MPI_UINT64_T, "uint64"},
        {MPI_WCHAR, "wchar"}, {MPI_FLOAT_INT, "float int"}, {MPI_OFFSET, "offset"},
        {MPI_COUNT, "count"}, {MPI_C_DOUBLE_COMPLEX, "double complex"},
        {MPI_SIGNED_CHAR, "signed char"}, {MPI_UNSIGNED_CHAR, "unsigned char"},
        {MPI_LONG_INT, "long int"},
    };
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
        print_name(named[k].what, named[k].type);

    MPI_Datatype col, dup, dup2, dlong, dfloat;
    MPI_Type_vector(3, 1, 4, MPI_INT, &col);
    print_name("new vector", col);
    MPI_Type_set_name(col, "column");
    print_name("named vector", col);
    MPI_Type_dup(col, &dup);
    print_name("dup of named vector", dup);
    MPI_Type_dup(dup, &dup2);
    print_name("dup of dup", dup2);
    MPI_Type_dup(MPI_LONG, &dlong);
    print_name("dup of MPI_LONG", dlong);
    MPI_Type_set_name(MPI_FLOAT, "my float");
    print_name("renamed MPI_FLOAT", MPI_FLOAT);
    print_name("MPI_INT after renaming MPI_FLOAT", MPI_INT);
    MPI_Type_dup(MPI_FLOAT, &dfloat);
    print_name("dup of renamed MPI_FLOAT", dfloat);
    MPI_Type_set_name(MPI_FLOAT, "MPI_FLOAT");
    print_name("MPI_FLOAT named back", MPI_FLOAT);

    MPI_Datatype wrapper;
    MPI_Type_contiguous(2, col, &wrapper);
    int ints[1];
    MPI_Aint addrs[1];
    MPI_Datatype inner;
    MPI_Type_get_contents(wrapper, 1, 0, 1, ints, addrs, &inner);
    print_name("vector from get_contents", inner);
    MPI_Type_free(&inner);

    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    MPI_Type_set_name(col, longname);
    char got[MPI_MAX_OBJECT_NAME];
    int len;
    MPI_Type_get_name(col, got, &len);
    printf("rank %d: long derived name truncated to %d, %d\n", rank, len, (int)strlen(got));
    MPI_Type_set_name(MPI_SHORT, longname);
    MPI_Type_get_name(MPI_SHORT, got, &len);
    printf("rank %d: long predefined name truncated to %d, %d\n", rank, len, (int)strlen(got));
    MPI_Type_free(&col);
    MPI_Type_free(&dup);
    MPI_Type_free(&dup2);
    MPI_Type_free(&dlong);
    MPI_Type_free(&dfloat);
    MPI_Type_free(&wrapper);
}

static void misc(void) {
    static const int classes[3] = {MPI_TYPECLASS_INTEGER, MPI_TYPECLASS_REAL, MPI_TYPECLASS_COMPLEX};
    static const int sizes[] = {1, 2, 3, 4, 8, 16, 32};
    for (int c = 0; c < 3; c++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            MPI_Datatype t = MPI_DATATYPE_NULL;
            int rc = MPI_Type_match_size(classes[c], sizes[s], &t), got = -1;
            if (rc == MPI_SUCCESS)
                MPI_Type_size(t, &got);
            printf("rank %d: match_size class %d size %d: %s %d\n", rank, c, sizes[s],
                   rc == MPI_SUCCESS ? "ok" : "error", got);
        }

    MPI_Datatype t;
    MPI_Type_contiguous(2, MPI_INT, &t);
    MPI_Type_commit(&t);
    MPI_Type_free(&t);
    printf("rank %d: freed handle is MPI_DATATYPE_NULL: %d\n", rank, t == MPI_DATATYPE_NULL);
    MPI_Datatype p = MPI_INT;
    int rc = MPI_Type_commit(&p);
    printf("rank %d: commit MPI_INT: %d\n", rank, rc);
    rc = MPI_Type_free(&p);
    int class = -1;
    MPI_Error_class(rc, &class);
    printf("rank %d: free MPI_INT fails with MPI_ERR_TYPE: %d, handle kept %d\n", rank,
           class == MPI_ERR_TYPE, p == MPI_INT);

    int x[4];
    MPI_Aint a0, a3;
    MPI_Get_address(&x[0], &a0);
    MPI_Get_address(&x[3], &a3);
    printf("rank %d: aint diff %lld, add %d\n", rank, (long long)MPI_Aint_diff(a3, a0),
           MPI_Aint_add(a0, 3 * sizeof(int)) == a3);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    /* Whole lines per write: ranks' output is merged line by line. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    /* mpirun forwards each rank's output in 4 KiB chunks, so with several ranks no rank may
     * print more than that, or another rank's lines could land inside one of its lines. */
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 0)
        contents();
    if (rank != 0 || size == 1) {
        names();
        misc();
    }
    MPI_Finalize();
    return 0;
}
