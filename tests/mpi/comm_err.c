/* Error cases (wasm only): freed and bogus communicator handles, freeing a predefined
 * communicator, inherited error handlers, bad groups, info objects and keys, guest attribute
 * callbacks, neighbourhood collectives without topology or with buffers past the end of
 * memory. With "fatal", a freed handle aborts the job under MPI_ERRORS_ARE_FATAL. */
#include <mpi.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static int rank;

static void expect(const char *what, int rc, int wanted, const char *wanted_name) {
    int class = -1;
    if (rc != MPI_SUCCESS) MPI_Error_class(rc, &class);
    printf("rank %d: %s -> %s\n", rank, what,
           rc == wanted || class == wanted ? wanted_name : "something else");
}

static int copy_attr(MPI_Comm comm, int key, void *extra, void *in, void *out, int *flag) {
    (void)comm, (void)key, (void)extra;
    *(void **)out = in;
    *flag = 1;
    return MPI_SUCCESS;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int fatal = argc > 1;
    if (fatal) {
        MPI_Comm dup;
        MPI_Comm_dup(MPI_COMM_WORLD, &dup);
        MPI_Comm stale = dup;
        MPI_Comm_free(&dup);
        if (rank == 1) MPI_Barrier(stale);
        printf("rank %d: after the fatal error\n", rank);
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    /* A new communicator inherits its parent's error handler. */
    MPI_Comm dup, stale;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Errhandler eh = MPI_ERRHANDLER_NULL;
    MPI_Comm_get_errhandler(dup, &eh);
    printf("rank %d: dup inherits MPI_ERRORS_RETURN %d\n", rank, eh == MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    int x = 0;
    expect("negative count on the dup (world fatal)", MPI_Send(&x, -1, MPI_INT, 0, 0, dup), MPI_ERR_COUNT,
           "MPI_ERR_COUNT");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    /* Freed handles. */
    stale = dup;
    MPI_Comm_free(&dup);
    printf("rank %d: freed handle is MPI_COMM_NULL %d\n", rank, dup == MPI_COMM_NULL);
    expect("barrier on a freed communicator", MPI_Barrier(stale), MPI_ERR_COMM, "MPI_ERR_COMM");
    expect("freeing it again", MPI_Comm_free(&stale), MPI_ERR_COMM, "MPI_ERR_COMM");
    MPI_Comm null = MPI_COMM_NULL;
    expect("freeing MPI_COMM_NULL", MPI_Comm_free(&null), MPI_ERR_COMM, "MPI_ERR_COMM");
    expect("dup of MPI_COMM_NULL", MPI_Comm_dup(MPI_COMM_NULL, &dup), MPI_ERR_COMM, "MPI_ERR_COMM");

    /* Predefined communicators cannot be freed. */
    MPI_Comm world = MPI_COMM_WORLD, self = MPI_COMM_SELF;
    expect("freeing MPI_COMM_WORLD", MPI_Comm_free(&world), MPI_ERR_COMM, "MPI_ERR_COMM");
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN); /* its errors go to its handler */
    expect("freeing MPI_COMM_SELF", MPI_Comm_free(&self), MPI_ERR_COMM, "MPI_ERR_COMM");
    printf("rank %d: world handle unchanged %d, still works %d\n", rank, world == MPI_COMM_WORLD,
           MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS);
    /* Erroneous on an intracommunicator, and what happens differs: Open MPI reports 0,
     * MPICH 4.0 the size of the (local) group; the test knows which to expect. */
    int remote = -1, world_size = -1, class = -1;
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    int rc = MPI_Comm_remote_size(MPI_COMM_WORLD, &remote);
    if (rc != MPI_SUCCESS) MPI_Error_class(rc, &class);
    printf("rank %d: remote size of an intracommunicator -> %s\n", rank,
           rc != MPI_SUCCESS ? (class == MPI_ERR_COMM ? "MPI_ERR_COMM" : "another error")
           : remote == 0     ? "0"
           : remote == world_size ? "the local size"
                                  : "something else");

    /* Output handle outside memory: refused before the communicator is created. */
    MPI_Comm *past_end = (MPI_Comm *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536 - 2);
    expect("dup into a handle past the end", MPI_Comm_dup(MPI_COMM_WORLD, past_end), MPI_ERR_ARG,
           "MPI_ERR_ARG");

    /* Groups. */
    MPI_Group g, freed;
    int n = -1;
    expect("size of MPI_GROUP_NULL", MPI_Group_size(MPI_GROUP_NULL, &n), MPI_ERR_GROUP, "MPI_ERR_GROUP");
    MPI_Comm_group(MPI_COMM_WORLD, &g);
    freed = g;
    MPI_Group_free(&g);
    expect("size of a freed group", MPI_Group_size(freed, &n), MPI_ERR_GROUP, "MPI_ERR_GROUP");
    expect("comm from a freed group", MPI_Comm_create(MPI_COMM_WORLD, freed, &dup), MPI_ERR_GROUP,
           "MPI_ERR_GROUP");
    int ranks[1] = {0};
    expect("incl with a negative count", MPI_Group_incl(MPI_GROUP_EMPTY, -1, ranks, &g), MPI_ERR_ARG,
           "MPI_ERR_ARG");

    /* Info. */
    expect("set on MPI_INFO_NULL", MPI_Info_set(MPI_INFO_NULL, "k", "v"), MPI_ERR_INFO, "MPI_ERR_INFO");
    MPI_Info env = MPI_INFO_ENV;
    expect("freeing MPI_INFO_ENV", MPI_Info_free(&env), MPI_ERR_INFO, "MPI_ERR_INFO");
    MPI_Info info;
    MPI_Info_create(&info);
    char long_key[400];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = 0;
    expect("key longer than MPI_MAX_INFO_KEY", MPI_Info_set(info, long_key, "v"), MPI_ERR_INFO_KEY,
           "MPI_ERR_INFO_KEY");
    expect("deleting a missing key", MPI_Info_delete(info, "missing"), MPI_ERR_INFO_NOKEY,
           "MPI_ERR_INFO_NOKEY");
    MPI_Info stale_info = info;
    MPI_Info_free(&info);
    expect("nkeys of a freed info", MPI_Info_get_nkeys(stale_info, &n), MPI_ERR_INFO, "MPI_ERR_INFO");

    /* Attribute keys. */
    void *val;
    int flag;
    expect("get_attr with a bogus key", MPI_Comm_get_attr(MPI_COMM_WORLD, 12345, &val, &flag),
           MPI_ERR_KEYVAL, "MPI_ERR_KEYVAL");
    expect("set_attr on MPI_TAG_UB", MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, &flag), MPI_ERR_KEYVAL,
           "MPI_ERR_KEYVAL");
    int key = MPI_KEYVAL_INVALID;
    expect("keyval with a guest copy callback",
           MPI_Comm_create_keyval(copy_attr, MPI_COMM_NULL_DELETE_FN, &key, NULL), MPI_ERR_OTHER,
           "MPI_ERR_OTHER");
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &key, NULL);
    int stale_key = key;
    MPI_Comm_free_keyval(&key);
    expect("set_attr with a freed key", MPI_Comm_set_attr(MPI_COMM_WORLD, stale_key, &flag),
           MPI_ERR_KEYVAL, "MPI_ERR_KEYVAL");

    /* Topologies. */
    int in[4], out[4] = {0};
    expect("neighbour allgather without topology",
           MPI_Neighbor_allgather(out, 1, MPI_INT, in, 1, MPI_INT, MPI_COMM_WORLD), MPI_ERR_TOPOLOGY,
           "MPI_ERR_TOPOLOGY");
    int dims[1] = {1}, periods[1] = {1};
    MPI_Comm line;
    MPI_Comm_split(MPI_COMM_WORLD, rank, 0, &dup); /* one rank each */
    MPI_Cart_create(dup, 1, dims, periods, 0, &line);
    char *end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536);
    expect("neighbour allgather past the end",
           MPI_Neighbor_allgather(out, 1, MPI_INT, end - 4, 1, MPI_INT, line), MPI_ERR_BUFFER,
           "MPI_ERR_BUFFER");
    int counts[2] = {1, 1}, displs[2] = {0, 1 << 28};
    expect("neighbour allgatherv block past the end",
           MPI_Neighbor_allgatherv(out, 1, MPI_INT, in, counts, displs, MPI_INT, line), MPI_ERR_BUFFER,
           "MPI_ERR_BUFFER");
    MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
    expect("cart with negative dimensions", MPI_Cart_create(dup, -1, dims, periods, 0, &line),
           MPI_ERR_DIMS, "MPI_ERR_DIMS");
    expect("call_errhandler under MPI_ERRORS_RETURN", MPI_Comm_call_errhandler(dup, MPI_ERR_OTHER),
           MPI_SUCCESS, "MPI_SUCCESS");
    MPI_Comm_free(&line);
    MPI_Comm_free(&dup);
    MPI_Finalize();
    return 0;
}
