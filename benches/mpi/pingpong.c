/* MPI micro-benchmarks for wasmpi vs native: ping-pong latency and bandwidth between ranks 0
 * and 1 (0 B to 4 MiB), and MPI_Allreduce latency on all ranks. The same source is built
 * with mpicc and with `wasmpi cc`; benches/run-mpi.sh compares them.
 * Output lines: "pingpong <bytes> <one-way us> <MB/s>", "allreduce <bytes> <us>" and
 * "call_{send,recv}_proc_null 8 <us per call>". */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int iterations_for(long bytes) {
    if (bytes <= 1024) return 20000;
    if (bytes <= 65536) return 4000;
    if (bytes <= 1048576) return 400;
    return 100;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const long max = 4L << 20;
    char *buf = malloc(max);
    memset(buf, rank, max);
    long sizes[] = {0, 8, 64, 512, 4096, 32768, 262144, 1048576, 4194304};
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int bytes = (int)sizes[s], iters = iterations_for(bytes);
        for (int warm = 0; warm < 2; warm++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            for (int i = 0; i < iters; i++) {
                if (rank == 0) {
                    MPI_Send(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                    MPI_Recv(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                } else if (rank == 1) {
                    MPI_Recv(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    MPI_Send(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
                }
            }
            double one_way = (MPI_Wtime() - t0) / iters / 2;
            if (warm && rank == 0)
                printf("pingpong %d %.3f %.1f\n", bytes, one_way * 1e6, bytes ? bytes / one_way / 1e6 : 0.0);
        }
    }
    double in[1024], out[1024];
    for (int i = 0; i < 1024; i++) in[i] = rank + i;
    int counts[] = {1, 1024};
    for (int c = 0; c < 2; c++) {
        int iters = 20000 / (c * 9 + 1);
        for (int warm = 0; warm < 2; warm++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            for (int i = 0; i < iters; i++) MPI_Allreduce(in, out, counts[c], MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            double each = (MPI_Wtime() - t0) / iters;
            if (warm && rank == 0) printf("allreduce %d %.3f\n", counts[c] * 8, each * 1e6);
        }
    }
    /* The pure cost of a call: MPI_Send and MPI_Recv with MPI_PROC_NULL return at once, so
     * what remains is the call path (for wasm: trampoline, handle lookups, buffer check). */
    const int calls = 2000000;
    for (int warm = 0; warm < 2; warm++) {
        double t0 = MPI_Wtime();
        for (int i = 0; i < calls; i++) MPI_Send(buf, 8, MPI_BYTE, MPI_PROC_NULL, 0, MPI_COMM_WORLD);
        double t1 = MPI_Wtime();
        for (int i = 0; i < calls; i++)
            MPI_Recv(buf, 8, MPI_BYTE, MPI_PROC_NULL, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        double t2 = MPI_Wtime();
        if (warm && rank == 0) {
            printf("call_send_proc_null 8 %.4f\n", (t1 - t0) / calls * 1e6);
            printf("call_recv_proc_null 8 %.4f\n", (t2 - t1) / calls * 1e6);
        }
    }
    free(buf);
    MPI_Finalize();
    return 0;
}
