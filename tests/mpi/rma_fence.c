/* RMA with active target synchronisation: fence epochs with Put, Get, Accumulate and
 * Get_accumulate on a window over a user array; a window from MPI_Win_allocate (and the heap
 * still working after it); window attributes and names; request-based Rput/Rget; general
 * active target (post/start/complete/wait, Win_test) with the window's group. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define N 8

static const char *flavor_name(int f) {
    return f == MPI_WIN_FLAVOR_CREATE ? "create" : f == MPI_WIN_FLAVOR_ALLOCATE ? "allocate" : "other";
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    /* A window over an array: slots 0..N-1 are written by the left neighbour, slot N..N+1
     * accumulate contributions of every rank. 16-byte aligned: MPICH 4.0 over UCX >= 1.13
     * rounds a window's base down to a multiple of 16 (pmodels/mpich#6140). */
    _Alignas(16) int32_t buf[N + 2];
    for (int i = 0; i < N + 2; i++) buf[i] = -1;
    buf[N] = buf[N + 1] = 0;
    MPI_Win win;
    MPI_Win_create(buf, sizeof buf, sizeof(int32_t), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_set_name(win, "ring window");
    char name[MPI_MAX_OBJECT_NAME];
    int len = 0;
    MPI_Win_get_name(win, name, &len);
    printf("rank %d: window name '%s' length %d\n", rank, name, len);

    int32_t mine[N];
    for (int i = 0; i < N; i++) mine[i] = rank * 100 + i;
    MPI_Win_fence(0, win);
    MPI_Put(mine, N, MPI_INT32_T, right, 0, N, MPI_INT32_T, win);
    int32_t one[2] = {1, rank};
    MPI_Accumulate(one, 2, MPI_INT32_T, 0, N, 2, MPI_INT32_T, MPI_SUM, win);
    MPI_Win_fence(0, win);
    int ok = 1;
    for (int i = 0; i < N; i++) ok &= buf[i] == left * 100 + i;
    printf("rank %d: put from %d %s, buf[3]=%d\n", rank, left, ok ? "ok" : "WRONG", buf[3]);
    if (rank == 0) printf("rank 0: accumulated %d ranks, rank sum %d\n", buf[N], buf[N + 1]);

    /* Get the right neighbour's slots 2..5 (which hold this rank's own values). */
    int32_t got[4] = {0};
    MPI_Win_fence(MPI_MODE_NOPUT, win);
    MPI_Get(got, 4, MPI_INT32_T, right, 2, 4, MPI_INT32_T, win);
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
    printf("rank %d: got %d %d %d %d\n", rank, got[0], got[1], got[2], got[3]);

    /* Get_accumulate: fetch the left neighbour's slot 0 and add 1000 to it. */
    int32_t add = 1000, before = 0;
    MPI_Win_fence(MPI_MODE_NOPRECEDE, win);
    MPI_Get_accumulate(&add, 1, MPI_INT32_T, &before, 1, MPI_INT32_T, left, 0, 1, MPI_INT32_T,
                       MPI_SUM, win);
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
    printf("rank %d: get_accumulate saw %d, slot 0 now %d\n", rank, before, buf[0]);

    /* Attributes of a created window. */
    void *base;
    MPI_Aint *wsize;
    int *disp, *flavor, flag;
    MPI_Win_get_attr(win, MPI_WIN_BASE, &base, &flag);
    printf("rank %d: base is buf: %s (flag %d)\n", rank, base == (void *)buf ? "yes" : "no", flag);
    MPI_Win_get_attr(win, MPI_WIN_SIZE, &wsize, &flag);
    MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &disp, &flag);
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    printf("rank %d: size %d disp_unit %d flavor %s\n", rank, (int)*wsize, *disp, flavor_name(*flavor));
    int *model;
    MPI_Win_get_attr(win, MPI_WIN_MODEL, &model, &flag);
    printf("rank %d: model known: %s\n", rank,
           flag && (*model == MPI_WIN_UNIFIED || *model == MPI_WIN_SEPARATE) ? "yes" : "no");

    /* General active target over the window's own group: everyone posts to and starts on
     * everyone, and puts its rank into slot N+1 of its right neighbour. */
    MPI_Group group;
    MPI_Win_get_group(win, &group);
    MPI_Win_post(group, 0, win);
    MPI_Win_start(group, 0, win);
    int32_t me = rank + 7;
    MPI_Put(&me, 1, MPI_INT32_T, right, N + 1, 1, MPI_INT32_T, win);
    MPI_Win_complete(win);
    int done = 0;
    while (!done) MPI_Win_test(win, &done);
    printf("rank %d: pscw slot %d\n", rank, buf[N + 1]);
    MPI_Win_free(&win);
    printf("rank %d: freed window is null: %s\n", rank, win == MPI_WIN_NULL ? "yes" : "no");

    /* A window from MPI_Win_allocate: memory of the MPI library, addressable by the program. */
    int64_t *mem = NULL;
    MPI_Win awin;
    MPI_Win_allocate(3 * sizeof(int64_t) * size, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                     &mem, &awin);
    for (int i = 0; i < 3 * size; i++) mem[i] = 0;
    /* The heap still works next to that memory. */
    char *heap = malloc(200000);
    memset(heap, 7, 200000);
    int heap_ok = heap[199999] == 7 && (void *)heap != (void *)mem;
    free(heap);
    MPI_Win_fence(0, awin);
    for (int t = 0; t < size; t++) {
        int64_t v[3] = {rank, (int64_t)rank << 33, -rank};
        MPI_Put(v, 3, MPI_INT64_T, t, 3 * rank, 3, MPI_INT64_T, awin);
    }
    MPI_Win_fence(0, awin);
    int aok = 1;
    for (int r = 0; r < size; r++)
        aok &= mem[3 * r] == r && mem[3 * r + 1] == ((int64_t)r << 33) && mem[3 * r + 2] == -r;
    printf("rank %d: allocated window %s, heap %s\n", rank, aok ? "ok" : "WRONG", heap_ok ? "ok" : "WRONG");
    MPI_Win_get_attr(awin, MPI_WIN_SIZE, &wsize, &flag);
    MPI_Win_get_attr(awin, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    MPI_Win_get_attr(awin, MPI_WIN_BASE, &base, &flag);
    printf("rank %d: allocated size %d flavor %s base matches %s\n", rank, (int)*wsize,
           flavor_name(*flavor), base == (void *)mem ? "yes" : "no");

    /* Request-based operations in a passive epoch on every rank (once every rank checked). */
    MPI_Barrier(MPI_COMM_WORLD);
    int64_t out = 1000 + rank, in = -1;
    MPI_Request reqs[2];
    MPI_Win_lock_all(0, awin);
    MPI_Rput(&out, 1, MPI_INT64_T, right, 3 * size - 1, 1, MPI_INT64_T, awin, &reqs[0]);
    MPI_Waitall(1, reqs, MPI_STATUSES_IGNORE);
    MPI_Win_flush_all(awin);
    MPI_Win_unlock_all(awin);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, awin);
    MPI_Rget(&in, 1, MPI_INT64_T, left, 3 * size - 1, 1, MPI_INT64_T, awin, &reqs[1]);
    MPI_Wait(&reqs[1], MPI_STATUS_IGNORE);
    MPI_Win_unlock_all(awin);
    printf("rank %d: rput/rget round trip %lld (request null: %s)\n", rank, (long long)in,
           reqs[1] == MPI_REQUEST_NULL ? "yes" : "no");
    MPI_Win_free(&awin);

    /* A zero-sized window on some ranks is fine. */
    MPI_Win zwin;
    MPI_Win_create(rank % 2 ? NULL : buf, rank % 2 ? 0 : sizeof buf, 1, MPI_INFO_NULL,
                   MPI_COMM_WORLD, &zwin);
    MPI_Win_fence(0, zwin);
    MPI_Win_fence(0, zwin);
    MPI_Win_free(&zwin);
    printf("rank %d: done\n", rank);
    MPI_Finalize();
    return 0;
}
