/* Group operations: size, rank (MPI_UNDEFINED outside), translate_ranks (MPI_UNDEFINED and
 * MPI_PROC_NULL), compare, union, intersection, difference, incl, excl, range_incl,
 * range_excl, MPI_GROUP_EMPTY results, free (the handle becomes MPI_GROUP_NULL). */
#include <mpi.h>
#include <stdio.h>

static const char *compare_name(int result) {
    switch (result) {
    case MPI_IDENT: return "IDENT";
    case MPI_CONGRUENT: return "CONGRUENT";
    case MPI_SIMILAR: return "SIMILAR";
    case MPI_UNEQUAL: return "UNEQUAL";
    default: return "???";
    }
}

static void print_rank_list(int rank, const char *what, int n, const int *list) {
    printf("rank %d: %s", rank, what);
    for (int i = 0; i < n; i++) {
        if (list[i] == MPI_UNDEFINED) printf(" UNDEFINED");
        else if (list[i] == MPI_PROC_NULL) printf(" PROC_NULL");
        else printf(" %d", list[i]);
    }
    printf("\n");
}

static void describe(int rank, const char *what, MPI_Group g, MPI_Group world) {
    int size, grank;
    MPI_Group_size(g, &size);
    MPI_Group_rank(g, &grank);
    int members[64], world_ranks[64];
    for (int i = 0; i < size; i++) members[i] = i;
    MPI_Group_translate_ranks(g, size, members, world, world_ranks);
    printf("rank %d: %s size %d my rank %s%d\n", rank, what, size,
           grank == MPI_UNDEFINED ? "UNDEFINED " : "", grank == MPI_UNDEFINED ? 0 : grank);
    print_rank_list(rank, what, size, world_ranks);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Group world;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    describe(rank, "world", world, world);

    int list[64], n = 0;
    for (int i = 0; i < size; i += 2) list[n++] = i;
    MPI_Group evens, odds;
    MPI_Group_incl(world, n, list, &evens);
    MPI_Group_excl(world, n, list, &odds);
    describe(rank, "evens", evens, world);
    describe(rank, "odds", odds, world);

    /* World ranks into the evens group, with MPI_PROC_NULL passed through. */
    int in[65], out[65];
    for (int i = 0; i < size; i++) in[i] = i;
    in[size] = MPI_PROC_NULL;
    MPI_Group_translate_ranks(world, size + 1, in, evens, out);
    print_rank_list(rank, "world->evens", size + 1, out);

    /* Ranges: evens again, and the rest; a descending range. */
    int ranges[2][3] = {{0, size - 1, 2}, {0, 0, 1}};
    MPI_Group r_evens, r_odds, backwards;
    MPI_Group_range_incl(world, 1, ranges, &r_evens);
    MPI_Group_range_excl(world, 1, ranges, &r_odds);
    int down[1][3] = {{size - 1, 0, -1}};
    MPI_Group_range_incl(world, 1, down, &backwards);
    int result;
    MPI_Group_compare(r_evens, evens, &result);
    printf("rank %d: range evens vs evens %s\n", rank, compare_name(result));
    MPI_Group_compare(r_odds, odds, &result);
    printf("rank %d: range odds vs odds %s\n", rank, compare_name(result));
    describe(rank, "backwards", backwards, world);
    MPI_Group_compare(backwards, world, &result);
    printf("rank %d: backwards vs world %s\n", rank, compare_name(result));

    /* Set operations. */
    MPI_Group uni, inter, diff, none;
    MPI_Group_union(evens, odds, &uni);
    describe(rank, "union", uni, world);
    MPI_Group_compare(uni, world, &result);
    printf("rank %d: union vs world %s\n", rank, compare_name(result));
    MPI_Group_intersection(world, evens, &inter);
    MPI_Group_compare(inter, evens, &result);
    printf("rank %d: intersection vs evens %s\n", rank, compare_name(result));
    MPI_Group_difference(world, evens, &diff);
    MPI_Group_compare(diff, odds, &result);
    printf("rank %d: difference vs odds %s\n", rank, compare_name(result));
    MPI_Group_intersection(evens, odds, &none);
    int nsize;
    MPI_Group_size(none, &nsize);
    MPI_Group_compare(none, MPI_GROUP_EMPTY, &result);
    printf("rank %d: evens and odds share %d, vs MPI_GROUP_EMPTY %s, is MPI_GROUP_EMPTY %d\n",
           rank, nsize, compare_name(result), none == MPI_GROUP_EMPTY);
    MPI_Group_size(MPI_GROUP_EMPTY, &nsize);
    int erank;
    MPI_Group_rank(MPI_GROUP_EMPTY, &erank);
    printf("rank %d: MPI_GROUP_EMPTY size %d rank undefined %d\n", rank, nsize, erank == MPI_UNDEFINED);

    MPI_Group groups[] = {world, evens, odds, r_evens, r_odds, backwards, uni, inter, diff, none};
    int all_null = 1;
    for (unsigned i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        MPI_Group_free(&groups[i]);
        all_null &= groups[i] == MPI_GROUP_NULL;
    }
    printf("rank %d: freed groups null %d\n", rank, all_null);
    MPI_Finalize();
    return 0;
}
