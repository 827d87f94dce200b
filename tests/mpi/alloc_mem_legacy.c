/* MPI_Alloc_mem/MPI_Free_mem as modules built with other headers call them: through the
 * imports (wasmpi's mpi.h would call malloc directly), which the launcher serves with the
 * module's exported malloc/free. Natively these are the MPI library's own functions. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef MPI_Alloc_mem
#undef MPI_Free_mem

#ifdef __wasm__
/* Export malloc and free the way MPIWasm-era modules did. */
__attribute__((export_name("malloc"))) void *exported_malloc(size_t size) { return malloc(size); }
__attribute__((export_name("free"))) void exported_free(void *p) { free(p); }
#endif

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double *block = NULL;
    int rc = MPI_Alloc_mem(1000 * sizeof(double), MPI_INFO_NULL, &block);
    for (int i = 0; i < 1000; i++) block[i] = rank + i * 0.5;
    double sum = 0;
    MPI_Allreduce(&block[999], &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    char *more = NULL;
    MPI_Alloc_mem(64, MPI_INFO_NULL, &more);
    strcpy(more, "still usable");
    printf("rank %d: alloc rc %d, distinct %d, sum %.1f, %s\n", rank, rc, (void *)more != (void *)block, sum, more);
    MPI_Free_mem(more);
    MPI_Free_mem(block);
    MPI_Finalize();
    return 0;
}
