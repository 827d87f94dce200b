/* RMA with passive target synchronisation: a shared counter on rank 0 incremented with
 * Fetch_and_op under shared locks, a one-winner election with Compare_and_swap, a spin lock
 * built from Compare_and_swap protecting a non-atomic read-modify-write, exclusive locks,
 * flushes and Win_sync. */
#include <mpi.h>
#include <stdio.h>
#include <stdint.h>

#define ROUNDS 25

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* slot 0: counter, 1: election, 2: spin lock, 3: protected value; and a 64-bit counter.
     * Window bases are 16-byte aligned: MPICH 4.0 over UCX >= 1.13 rounds a window's base
     * down to a multiple of 16 (fixed in MPICH by pmodels/mpich#6140), which would make
     * every access land before the window. */
    _Alignas(16) int32_t cells[4] = {0, -1, 0, 0};
    _Alignas(16) int64_t wide = 0;
    MPI_Win win, wwin;
    MPI_Win_create(cells, sizeof cells, sizeof(int32_t), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_create(&wide, sizeof wide, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &wwin);

    /* Counter: every fetched value is distinct, their sum is known. */
    int32_t one = 1, fetched, seen_sum = 0;
    for (int i = 0; i < ROUNDS; i++) {
        MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
        MPI_Fetch_and_op(&one, &fetched, MPI_INT32_T, 0, 0, MPI_SUM, win);
        MPI_Win_unlock(0, win);
        seen_sum += fetched;
    }
    int32_t total_seen;
    MPI_Reduce(&seen_sum, &total_seen, 1, MPI_INT32_T, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        int32_t n = cells[0];
        MPI_Win_unlock(0, win);
        int expect = size * ROUNDS;
        printf("rank 0: counter %d (expected %d), fetched values sum %s\n", n, expect,
               total_seen == expect * (expect - 1) / 2 ? "ok" : "WRONG");
    }

    /* Election: exactly one rank swaps -1 for its rank. */
    int32_t candidate = rank, expected = -1, previous;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    MPI_Compare_and_swap(&candidate, &expected, &previous, MPI_INT32_T, 0, 1, win);
    MPI_Win_unlock(0, win);
    int won = previous == -1, winners;
    MPI_Allreduce(&won, &winners, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    int32_t leader;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, MPI_MODE_NOCHECK, win);
    MPI_Get(&leader, 1, MPI_INT32_T, 0, 1, 1, MPI_INT32_T, win);
    MPI_Win_unlock(0, win);
    int agree = won ? leader == rank : leader != rank, all_agree;
    MPI_Allreduce(&agree, &all_agree, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    printf("rank %d: %d winner(s), leader valid %s, all agree %s\n", rank, winners,
           leader >= 0 && leader < size ? "yes" : "no", all_agree ? "yes" : "no");

    /* Spin lock on slot 2 protecting a get-modify-put of slot 3. */
    MPI_Win_lock_all(0, win);
    for (int i = 0; i < ROUNDS; i++) {
        int32_t unlocked = 0, locked = 1, old;
        do {
            MPI_Compare_and_swap(&locked, &unlocked, &old, MPI_INT32_T, 0, 2, win);
            MPI_Win_flush(0, win);
        } while (old != 0);
        int32_t value;
        MPI_Get(&value, 1, MPI_INT32_T, 0, 3, 1, MPI_INT32_T, win);
        MPI_Win_flush(0, win);
        value += 2;
        MPI_Put(&value, 1, MPI_INT32_T, 0, 3, 1, MPI_INT32_T, win);
        MPI_Win_flush(0, win);
        int32_t dummy;
        MPI_Fetch_and_op(&unlocked, &dummy, MPI_INT32_T, 0, 2, MPI_REPLACE, win);
        MPI_Win_flush_local(0, win);
    }
    MPI_Win_flush_local_all(win);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        MPI_Win_sync(win);
        printf("rank 0: protected value %d (expected %d), lock %d\n", cells[3], 2 * size * ROUNDS,
               cells[2]);
        MPI_Win_unlock(0, win);
    }

    /* 64-bit fetch-and-add on every rank's window, and a no-op fetch to read it. */
    int64_t add = ((int64_t)1 << 35) + rank, old;
    for (int t = 0; t < size; t++) {
        MPI_Win_lock(MPI_LOCK_SHARED, t, 0, wwin);
        MPI_Fetch_and_op(&add, &old, MPI_INT64_T, t, 0, MPI_SUM, wwin);
        MPI_Win_unlock(t, wwin);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    int64_t now;
    MPI_Win_lock(MPI_LOCK_SHARED, rank, 0, wwin);
    MPI_Fetch_and_op(NULL, &now, MPI_INT64_T, rank, 0, MPI_NO_OP, wwin);
    MPI_Win_unlock(rank, wwin);
    printf("rank %d: wide counter %lld\n", rank, (long long)now);

    MPI_Win_free(&wwin);
    MPI_Win_free(&win);
    MPI_Finalize();
    return 0;
}
