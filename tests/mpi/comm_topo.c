/* Process topologies: Dims_create, a 2D periodic Cartesian grid (get, rank, coords, shift,
 * sub) and a non-periodic one (MPI_PROC_NULL at the edges), a graph ring, distributed graphs
 * (adjacent and weighted; general and unweighted), Topo_test, and the neighbourhood
 * collectives on each, blocking and nonblocking. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static const char *topo_name(int status) {
    switch (status) {
    case MPI_CART: return "CART";
    case MPI_GRAPH: return "GRAPH";
    case MPI_DIST_GRAPH: return "DIST_GRAPH";
    case MPI_UNDEFINED: return "UNDEFINED";
    default: return "???";
    }
}

static void print_ints(int rank, const char *what, int n, const int *v) {
    printf("rank %d: %s", rank, what);
    for (int i = 0; i < n; i++) {
        if (v[i] == MPI_PROC_NULL) printf(" PROC_NULL");
        else printf(" %d", v[i]);
    }
    printf("\n");
}

static void topo(int rank, const char *what, MPI_Comm comm) {
    int status = -12345;
    MPI_Topo_test(comm, &status);
    printf("rank %d: %s topology %s\n", rank, what, topo_name(status));
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    topo(rank, "world", MPI_COMM_WORLD);

    /* Dims_create, free and with a fixed dimension. */
    int dims[2] = {0, 0};
    MPI_Dims_create(size, 2, dims);
    print_ints(rank, "dims", 2, dims);
    int dims3[3] = {0, 3, 0};
    MPI_Dims_create(12, 3, dims3);
    print_ints(rank, "dims of 12 with 3 fixed", 3, dims3);

    /* A periodic grid. */
    int periods[2] = {1, 1};
    MPI_Comm cart;
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart);
    topo(rank, "cart", cart);
    int ndims = -1, d[2], p[2], coords[2], crank = -1;
    MPI_Cartdim_get(cart, &ndims);
    MPI_Cart_get(cart, 2, d, p, coords);
    MPI_Cart_rank(cart, coords, &crank);
    printf("rank %d: cart ndims %d dims %d %d periods %d %d coords %d %d rank %d\n", rank, ndims,
           d[0], d[1], p[0], p[1], coords[0], coords[1], crank);
    int c2[2] = {-1, -1}, c3[3] = {-1, -1, -1};
    MPI_Cart_coords(cart, size - 1, 2, c2);
    /* Room for more coordinates than dimensions: only ndims are written. (Fewer is an error
     * in MPICH, and Open MPI writes that many.) */
    MPI_Cart_coords(cart, size - 1, 3, c3);
    printf("rank %d: coords of %d: %d %d, with room for 3: %d %d %d\n", rank, size - 1, c2[0],
           c2[1], c3[0], c3[1], c3[2]);
    int shifts[6];
    MPI_Cart_shift(cart, 0, 1, &shifts[0], &shifts[1]);
    MPI_Cart_shift(cart, 1, 1, &shifts[2], &shifts[3]);
    MPI_Cart_shift(cart, 1, -2, &shifts[4], &shifts[5]);
    print_ints(rank, "periodic shifts", 6, shifts);

    /* Rows of the grid. */
    int remain[2] = {0, 1};
    MPI_Comm row;
    MPI_Cart_sub(cart, remain, &row);
    int rsize, rrank, rsum = -1, rdims = -1;
    MPI_Comm_size(row, &rsize);
    MPI_Comm_rank(row, &rrank);
    MPI_Cartdim_get(row, &rdims);
    MPI_Allreduce(&rank, &rsum, 1, MPI_INT, MPI_SUM, row);
    printf("rank %d: row rank %d of %d, ndims %d, sum of world ranks %d\n", rank, rrank, rsize, rdims, rsum);
    topo(rank, "row", row);

    /* Neighbours on the periodic grid: -dim0, +dim0, -dim1, +dim1. */
    int gathered[4] = {-7, -7, -7, -7};
    MPI_Neighbor_allgather(&rank, 1, MPI_INT, gathered, 1, MPI_INT, cart);
    print_ints(rank, "cart allgather", 4, gathered);
    int sendv[4], recvv[4];
    for (int i = 0; i < 4; i++) sendv[i] = rank * 10 + i;
    MPI_Request req;
    MPI_Ineighbor_alltoall(sendv, 1, MPI_INT, recvv, 1, MPI_INT, cart, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    print_ints(rank, "cart ialltoall", 4, recvv);

    /* A non-periodic grid: MPI_PROC_NULL at the edges, buffers for them untouched. (Untouched
     * slots hold -7, which is no implementation's MPI_PROC_NULL: MPICH's is -1.) */
    int open[2] = {0, 0};
    MPI_Comm grid;
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, open, 0, &grid);
    MPI_Cart_shift(grid, 0, 1, &shifts[0], &shifts[1]);
    MPI_Cart_shift(grid, 1, 1, &shifts[2], &shifts[3]);
    print_ints(rank, "open shifts", 4, shifts);
    for (int i = 0; i < 4; i++) recvv[i] = -7;
    MPI_Neighbor_alltoall(sendv, 1, MPI_INT, recvv, 1, MPI_INT, grid);
    print_ints(rank, "open alltoall", 4, recvv);

    /* A graph ring (with self or double edges on 1 and 2 ranks). */
    int index[64], edges[128];
    for (int i = 0; i < size; i++) {
        index[i] = 2 * (i + 1);
        edges[2 * i] = (i + size - 1) % size;
        edges[2 * i + 1] = (i + 1) % size;
    }
    MPI_Comm graph;
    MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &graph);
    topo(rank, "graph", graph);
    int nnodes = -1, nedges = -1, count = -1, nb[2] = {-1, -1};
    MPI_Graphdims_get(graph, &nnodes, &nedges);
    MPI_Graph_neighbors_count(graph, rank, &count);
    MPI_Graph_neighbors(graph, rank, 2, nb);
    printf("rank %d: graph nodes %d edges %d, %d neighbours %d %d\n", rank, nnodes, nedges, count, nb[0], nb[1]);
    int gi[64], ge[128];
    MPI_Graph_get(graph, size, 2 * size, gi, ge);
    if (rank == 0) {
        print_ints(rank, "graph index", size, gi);
        print_ints(rank, "graph edges", 2 * size, ge);
    }
    int sq = rank * rank, got[2] = {-7, -7};
    MPI_Neighbor_allgather(&sq, 1, MPI_INT, got, 1, MPI_INT, graph);
    print_ints(rank, "graph allgather", 2, got);

    /* A weighted distributed graph: edges i -> i+1 (weight 1) and i -> i+2 (weight 2). */
    int left = (rank + size - 1) % size, left2 = (rank + 2 * size - 2) % size;
    int right = (rank + 1) % size, right2 = (rank + 2) % size;
    int srcs[2] = {left, left2}, sw[2] = {1, 2}, dsts[2] = {right, right2}, dw[2] = {1, 2};
    MPI_Comm dg;
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, srcs, sw, 2, dsts, dw, MPI_INFO_NULL, 0, &dg);
    topo(rank, "dist graph", dg);
    int indeg = -1, outdeg = -1, weighted = -1;
    MPI_Dist_graph_neighbors_count(dg, &indeg, &outdeg, &weighted);
    int s[2], swo[2], t[2], two[2];
    MPI_Dist_graph_neighbors(dg, 2, s, swo, 2, t, two);
    printf("rank %d: dist graph in %d out %d weighted %d, sources %d(%d) %d(%d), destinations %d(%d) %d(%d)\n",
           rank, indeg, outdeg, weighted, s[0], swo[0], s[1], swo[1], t[0], two[0], t[1], two[1]);

    /* alltoallv: 1 int to right, 2 to right2; 1 from left, 2 from left2. */
    int sbuf[3] = {rank * 100, rank * 100 + 1, rank * 100 + 2}, rbuf[4] = {-7, -7, -7, -7};
    int scounts[2] = {1, 2}, sdispls[2] = {0, 1}, rcounts[2] = {1, 2}, rdispls[2] = {0, 2};
    MPI_Neighbor_alltoallv(sbuf, scounts, sdispls, MPI_INT, rbuf, rcounts, rdispls, MPI_INT, dg);
    print_ints(rank, "dist alltoallv", 4, rbuf);
    for (int i = 0; i < 4; i++) rbuf[i] = -7;
    MPI_Ineighbor_alltoallv(sbuf, scounts, sdispls, MPI_INT, rbuf, rcounts, rdispls, MPI_INT, dg, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    print_ints(rank, "dist ialltoallv", 4, rbuf);

    /* alltoallw: an int to right, a double to right2, at byte displacements. */
    struct { int i; int pad; double d; } wsend = {rank + 1000, 0, rank + 0.5}, wrecv = {-1, 0, -1.0};
    int wcounts[2] = {1, 1};
    MPI_Aint wdispls[2] = {0, 8};
    MPI_Datatype wtypes[2] = {MPI_INT, MPI_DOUBLE};
    MPI_Ineighbor_alltoallw(&wsend, wcounts, wdispls, wtypes, &wrecv, wcounts, wdispls, wtypes, dg, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    printf("rank %d: dist ialltoallw %d %.1f\n", rank, wrecv.i, wrecv.d);
    wrecv.i = -1;
    wrecv.d = -1.0;
    MPI_Neighbor_alltoallw(&wsend, wcounts, wdispls, wtypes, &wrecv, wcounts, wdispls, wtypes, dg);
    printf("rank %d: dist alltoallw %d %.1f\n", rank, wrecv.i, wrecv.d);

    int both[2] = {-7, -7};
    MPI_Ineighbor_allgather(&rank, 1, MPI_INT, both, 1, MPI_INT, dg, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    print_ints(rank, "dist iallgather", 2, both);

    /* An unweighted distributed graph given entirely by rank 0: i -> i+1. */
    int all_src[64], all_deg[64], all_dst[64];
    for (int i = 0; i < size; i++) {
        all_src[i] = i;
        all_deg[i] = 1;
        all_dst[i] = (i + 1) % size;
    }
    MPI_Comm ring;
    MPI_Dist_graph_create(MPI_COMM_WORLD, rank == 0 ? size : 0, all_src, all_deg, all_dst,
                          MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &ring);
    MPI_Dist_graph_neighbors_count(ring, &indeg, &outdeg, &weighted);
    int from = -1, to = -1;
    MPI_Dist_graph_neighbors(ring, 1, &from, MPI_UNWEIGHTED, 1, &to, MPI_UNWEIGHTED);
    printf("rank %d: ring in %d out %d weighted %d, from %d to %d\n", rank, indeg, outdeg, weighted, from, to);
    int pair[2] = {rank, rank + 50}, into[3] = {-7, -7, -7}, two_count[1] = {2}, at_one[1] = {1};
    MPI_Neighbor_allgatherv(pair, 2, MPI_INT, into, two_count, at_one, MPI_INT, ring);
    print_ints(rank, "ring allgatherv", 3, into);
    into[0] = into[1] = into[2] = -7;
    MPI_Ineighbor_allgatherv(pair, 2, MPI_INT, into, two_count, at_one, MPI_INT, ring, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    print_ints(rank, "ring iallgatherv", 3, into);

    MPI_Comm comms[] = {cart, row, grid, graph, dg, ring};
    for (unsigned i = 0; i < sizeof comms / sizeof comms[0]; i++) MPI_Comm_free(&comms[i]);
    MPI_Finalize();
    return 0;
}
