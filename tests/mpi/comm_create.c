/* Communicator construction: split by parity, dup / dup_with_info / idup and compare, create
 * and create_group from groups (ranks outside get MPI_COMM_NULL), split_type SHARED, names,
 * test_inter, Fortran handles, and freeing (the handle becomes MPI_COMM_NULL). Each new
 * communicator is used for a collective whose result is checked. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static const char *compare_name(int result) {
    switch (result) {
    case MPI_IDENT: return "IDENT";
    case MPI_CONGRUENT: return "CONGRUENT";
    case MPI_SIMILAR: return "SIMILAR";
    case MPI_UNEQUAL: return "UNEQUAL";
    default: return "???";
    }
}

/* Sum of world ranks over `comm`. */
static int sum_of_world_ranks(MPI_Comm comm, int world_rank) {
    int sum = -1;
    MPI_Allreduce(&world_rank, &sum, 1, MPI_INT, MPI_SUM, comm);
    return sum;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Split by parity, ordered by descending world rank. */
    MPI_Comm parity;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &parity);
    int prank, psize;
    MPI_Comm_rank(parity, &prank);
    MPI_Comm_size(parity, &psize);
    int result;
    MPI_Comm_compare(MPI_COMM_WORLD, parity, &result);
    printf("rank %d: parity %d rank %d of %d, sum %d, vs world %s\n", rank, rank % 2, prank, psize,
           sum_of_world_ranks(parity, rank), compare_name(result));

    /* Split with MPI_UNDEFINED: ranks >= 2 get no communicator. */
    MPI_Comm low;
    MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &low);
    if (low == MPI_COMM_NULL) {
        printf("rank %d: low is MPI_COMM_NULL\n", rank);
    } else {
        int lsize;
        MPI_Comm_size(low, &lsize);
        printf("rank %d: low size %d sum %d\n", rank, lsize, sum_of_world_ranks(low, rank));
        MPI_Comm_free(&low);
        printf("rank %d: freed low is null %d\n", rank, low == MPI_COMM_NULL);
    }

    /* Dup and compare. */
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_compare(MPI_COMM_WORLD, dup, &result);
    printf("rank %d: dup vs world %s, sum %d\n", rank, compare_name(result), sum_of_world_ranks(dup, rank));
    MPI_Comm_compare(dup, dup, &result);
    printf("rank %d: dup vs dup %s\n", rank, compare_name(result));
    MPI_Comm dup2;
    MPI_Info info;
    MPI_Info_create(&info);
    MPI_Info_set(info, "wasmpi_test_hint", "1");
    MPI_Comm_dup_with_info(dup, info, &dup2);
    MPI_Info_free(&info);
    MPI_Comm_compare(dup, dup2, &result);
    printf("rank %d: dup_with_info vs dup %s\n", rank, compare_name(result));

    /* Nonblocking dup: usable after the wait. */
    MPI_Comm idup;
    MPI_Request req;
    MPI_Comm_idup(dup2, &idup, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    printf("rank %d: idup request null %d, sum %d\n", rank, req == MPI_REQUEST_NULL,
           sum_of_world_ranks(idup, rank));
    MPI_Comm_compare(idup, MPI_COMM_WORLD, &result);
    printf("rank %d: idup vs world %s\n", rank, compare_name(result));

    /* Create from a group: the world group reversed; then only the even ranks. */
    MPI_Group world_group, reversed, evens;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    int ranks[64], n_even = 0;
    for (int i = 0; i < size; i++) ranks[i] = size - 1 - i;
    MPI_Group_incl(world_group, size, ranks, &reversed);
    MPI_Comm rev;
    MPI_Comm_create(MPI_COMM_WORLD, reversed, &rev);
    int rrank;
    MPI_Comm_rank(rev, &rrank);
    MPI_Comm_compare(MPI_COMM_WORLD, rev, &result);
    printf("rank %d: reversed rank %d, vs world %s\n", rank, rrank, compare_name(result));
    for (int i = 0; i < size; i += 2) ranks[n_even++] = i;
    MPI_Group_incl(world_group, n_even, ranks, &evens);
    MPI_Comm even_comm;
    MPI_Comm_create(MPI_COMM_WORLD, evens, &even_comm);
    if (even_comm == MPI_COMM_NULL) {
        printf("rank %d: not in the even communicator\n", rank);
    } else {
        int esize;
        MPI_Comm_size(even_comm, &esize);
        printf("rank %d: even communicator size %d sum %d\n", rank, esize,
               sum_of_world_ranks(even_comm, rank));
        MPI_Comm_free(&even_comm);
    }

    /* create_group is called by the group's members only. */
    if (rank % 2 == 0) {
        MPI_Comm g;
        MPI_Comm_create_group(MPI_COMM_WORLD, evens, 42, &g);
        int gsize, grank;
        MPI_Comm_size(g, &gsize);
        MPI_Comm_rank(g, &grank);
        printf("rank %d: create_group rank %d of %d sum %d\n", rank, grank, gsize,
               sum_of_world_ranks(g, rank));
        MPI_Comm_free(&g);
    }

    /* The group of a communicator. */
    MPI_Group pgroup;
    MPI_Comm_group(parity, &pgroup);
    int gsize, grank;
    MPI_Group_size(pgroup, &gsize);
    MPI_Group_rank(pgroup, &grank);
    printf("rank %d: parity group rank %d of %d\n", rank, grank, gsize);

    /* Shared-memory split: one node. */
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    int nsize;
    MPI_Comm_size(node, &nsize);
    printf("rank %d: shared split size %d\n", rank, nsize);
    MPI_Comm none;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, rank, MPI_INFO_NULL, &none);
    printf("rank %d: undefined split type gives null %d\n", rank, none == MPI_COMM_NULL);

    /* Names. */
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;
    MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
    printf("rank %d: world name '%s' len %d\n", rank, name, len);
    MPI_Comm_get_name(MPI_COMM_SELF, name, &len);
    printf("rank %d: self name '%s' len %d\n", rank, name, len);
    MPI_Comm_set_name(parity, rank % 2 ? "odd ranks" : "even ranks");
    MPI_Comm_get_name(parity, name, &len);
    printf("rank %d: parity name '%s' len %d\n", rank, name, len);

    /* Intercommunicator test, Fortran handles. */
    int inter = -1;
    MPI_Comm_test_inter(dup, &inter);
    printf("rank %d: dup is inter %d\n", rank, inter);
    MPI_Fint f = MPI_Comm_c2f(dup);
    printf("rank %d: f2c(c2f(dup)) == dup %d, f2c(c2f(world)) == world %d\n", rank,
           MPI_Comm_f2c(f) == dup, MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_WORLD)) == MPI_COMM_WORLD);

    /* Freeing sets the handle to MPI_COMM_NULL. */
    MPI_Comm_free(&dup);
    MPI_Comm_free(&dup2);
    MPI_Comm_free(&idup);
    MPI_Comm_free(&rev);
    MPI_Comm_free(&parity);
    MPI_Comm_free(&node);
    printf("rank %d: freed handles null %d %d %d %d %d\n", rank, dup == MPI_COMM_NULL,
           dup2 == MPI_COMM_NULL, idup == MPI_COMM_NULL, rev == MPI_COMM_NULL, parity == MPI_COMM_NULL);
    MPI_Group_free(&pgroup);
    MPI_Group_free(&evens);
    MPI_Group_free(&reversed);
    MPI_Group_free(&world_group);
    MPI_Finalize();
    return 0;
}
