/* Info objects (set, get, get_valuelen, nkeys, nthkey, delete, dup, free) and communicator
 * attributes: the predefined MPI_TAG_UB, MPI_HOST, MPI_IO, MPI_WTIME_IS_GLOBAL,
 * MPI_UNIVERSE_SIZE and MPI_APPNUM (also through MPI_Attr_get), and user keys with the
 * predefined copy and delete callbacks (NULL_COPY_FN: not copied by dup; DUP_FN: copied). The
 * heap keeps working after the attribute queries. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Info. */
    MPI_Info info;
    MPI_Info_create(&info);
    int nkeys = -1;
    MPI_Info_get_nkeys(info, &nkeys);
    printf("rank %d: new info has %d keys\n", rank, nkeys);
    MPI_Info_set(info, "color", "blue");
    MPI_Info_set(info, "shape", "round");
    MPI_Info_set(info, "size", "a fairly long value of the size key");
    MPI_Info_set(info, "color", "green"); /* replaces */
    MPI_Info_get_nkeys(info, &nkeys);
    printf("rank %d: info has %d keys:", rank, nkeys);
    for (int i = 0; i < nkeys; i++) {
        char key[MPI_MAX_INFO_KEY + 1];
        MPI_Info_get_nthkey(info, i, key);
        printf(" %s", key);
    }
    printf("\n");
    char value[MPI_MAX_INFO_VAL + 1];
    int flag = -1, len = -1;
    MPI_Info_get(info, "color", MPI_MAX_INFO_VAL, value, &flag);
    printf("rank %d: color flag %d value '%s'\n", rank, flag, value);
    MPI_Info_get_valuelen(info, "size", &len, &flag);
    printf("rank %d: size valuelen %d flag %d\n", rank, len, flag);
    /* A value longer than valuelen: MPI-3.1 truncates it (Open MPI does), MPICH 4.0 refuses
     * the call with MPI_ERR_INFO_VALUE. Either way the wasm run must do what the native does. */
    memset(value, 'x', sizeof value);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rc = MPI_Info_get(info, "size", 8, value, &flag);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    if (rc == MPI_SUCCESS) {
        printf("rank %d: size cut to 8: flag %d value '%s'\n", rank, flag, value);
    } else {
        int class = -1;
        MPI_Error_class(rc, &class);
        printf("rank %d: size cut to 8 refused: %s\n", rank,
               class == MPI_ERR_INFO_VALUE ? "MPI_ERR_INFO_VALUE" : "another class");
    }
    MPI_Info_get(info, "missing", MPI_MAX_INFO_VAL, value, &flag);
    MPI_Info_get_valuelen(info, "missing", &len, &flag);
    printf("rank %d: missing key flag %d\n", rank, flag);

    MPI_Info copy;
    MPI_Info_dup(info, &copy);
    MPI_Info_delete(info, "shape");
    MPI_Info_get_nkeys(info, &nkeys);
    int copy_keys = -1;
    MPI_Info_get_nkeys(copy, &copy_keys);
    MPI_Info_get(copy, "shape", MPI_MAX_INFO_VAL, value, &flag);
    printf("rank %d: after delete %d keys, copy %d keys, copy shape flag %d '%s'\n", rank, nkeys,
           copy_keys, flag, value);
    MPI_Info_free(&info);
    MPI_Info_free(&copy);
    printf("rank %d: freed infos null %d %d\n", rank, info == MPI_INFO_NULL, copy == MPI_INFO_NULL);
    int env_keys = -1;
    MPI_Info_get_nkeys(MPI_INFO_ENV, &env_keys);
    printf("rank %d: MPI_INFO_ENV has keys %d\n", rank, env_keys >= 0);

    /* Predefined attributes. */
    int *tag_ub = NULL, *host = NULL, *io = NULL, *wtime_global = NULL, *universe = NULL, *appnum = NULL;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag);
    printf("rank %d: MPI_TAG_UB flag %d, at least 32767 %d\n", rank, flag, flag && *tag_ub >= 32767);
    int *tag_ub2 = NULL;
    MPI_Attr_get(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub2, &flag);
    printf("rank %d: MPI_Attr_get(MPI_TAG_UB) flag %d, same value %d\n", rank, flag, *tag_ub2 == *tag_ub);
    int tag_ub_value = *tag_ub;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_HOST, &host, &flag);
    printf("rank %d: MPI_HOST flag %d, PROC_NULL or a rank %d\n", rank, flag,
           flag && (*host == MPI_PROC_NULL || (*host >= 0 && *host < size)));
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_IO, &io, &flag);
    printf("rank %d: MPI_IO flag %d, ANY_SOURCE, PROC_NULL or a rank %d\n", rank, flag,
           flag && (*io == MPI_ANY_SOURCE || *io == MPI_PROC_NULL || (*io >= 0 && *io < size)));
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &wtime_global, &flag);
    printf("rank %d: MPI_WTIME_IS_GLOBAL flag %d value %d\n", rank, flag, flag ? *wtime_global : -1);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &universe, &flag);
    printf("rank %d: MPI_UNIVERSE_SIZE flag %d, at least the world %d\n", rank, flag, flag && *universe >= size);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &appnum, &flag);
    printf("rank %d: MPI_APPNUM flag %d value %d\n", rank, flag, flag ? *appnum : -1);

    /* The heap still works, and does not overlap the attribute values. */
    size_t big = 8 << 20;
    unsigned char *block = malloc(big);
    memset(block, 0xa5, big);
    unsigned long sum = 0;
    for (size_t i = 0; i < big; i += 4096) sum += block[i];
    free(block);
    printf("rank %d: heap ok %d, MPI_TAG_UB value intact %d\n", rank, sum == 0xa5ul * (big / 4096),
           *tag_ub == tag_ub_value);

    /* User keys. */
    static int payload = 1234, other = 99;
    int plain, copied;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &plain, NULL);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &copied, &other);
    MPI_Comm comm;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    int *got = NULL;
    MPI_Comm_get_attr(comm, plain, &got, &flag);
    printf("rank %d: unset key flag %d\n", rank, flag);
    MPI_Comm_set_attr(comm, plain, &payload);
    MPI_Comm_set_attr(comm, copied, &other);
    MPI_Comm_get_attr(comm, plain, &got, &flag);
    printf("rank %d: plain key flag %d, same pointer %d, value %d\n", rank, flag, got == &payload, *got);
    MPI_Comm dup;
    MPI_Comm_dup(comm, &dup);
    MPI_Comm_get_attr(dup, plain, &got, &flag);
    printf("rank %d: plain key on the dup flag %d\n", rank, flag);
    got = NULL;
    MPI_Comm_get_attr(dup, copied, &got, &flag);
    printf("rank %d: copied key on the dup flag %d, same pointer %d\n", rank, flag, got == &other);
    MPI_Comm_delete_attr(comm, plain);
    MPI_Comm_get_attr(comm, plain, &got, &flag);
    printf("rank %d: deleted key flag %d\n", rank, flag);
    MPI_Comm_set_attr(comm, plain, (void *)(size_t)7); /* any value, not only pointers */
    MPI_Comm_get_attr(comm, plain, &got, &flag);
    printf("rank %d: opaque value flag %d value %d\n", rank, flag, (int)(size_t)got);
    MPI_Comm_free(&dup);
    MPI_Comm_free(&comm);
    MPI_Comm_free_keyval(&plain);
    MPI_Comm_free_keyval(&copied);
    printf("rank %d: freed keyvals invalid %d %d\n", rank, plain == MPI_KEYVAL_INVALID,
           copied == MPI_KEYVAL_INVALID);

    /* The attribute of a duplicated MPI_COMM_WORLD. */
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_get_attr(comm, MPI_TAG_UB, &tag_ub2, &flag);
    printf("rank %d: MPI_TAG_UB on a dup flag %d same %d\n", rank, flag, flag && *tag_ub2 == tag_ub_value);
    MPI_Comm_free(&comm);
    MPI_Finalize();
    return 0;
}
