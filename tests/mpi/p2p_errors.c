/* Error cases of requests and buffered sends, under MPI_ERRORS_RETURN (wasm only: the launcher's
 * own checks): freed, forged and duplicated request handles, output arrays that cross the end
 * of linear memory (refused before anything completes, so the requests stay usable), attached
 * buffers outside memory, and message handles that name no message. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

static int rank;

static const char *name(int rc) {
    int class;
    if (rc == MPI_SUCCESS) return "MPI_SUCCESS";
    MPI_Error_class(rc, &class);
    switch (class) {
    case MPI_ERR_REQUEST: return "MPI_ERR_REQUEST";
    case MPI_ERR_BUFFER: return "MPI_ERR_BUFFER";
    case MPI_ERR_ARG: return "MPI_ERR_ARG";
    case MPI_ERR_COUNT: return "MPI_ERR_COUNT";
    default: return "other";
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    char *end = (char *)(uintptr_t)(__builtin_wasm_memory_size(0) * 65536);
    void *addr;
    int size;
    int x = 0, in[2] = {-1, -1}, out[2] = {rank + 10, rank + 20};

    /* A freed request handle, a forged one, MPI_REQUEST_NULL where a request is needed. */
    MPI_Request r, saved;
    MPI_Send_init(&x, 1, MPI_INT, rank, 1, MPI_COMM_WORLD, &r);
    saved = r;
    MPI_Request_free(&r);
    printf("rank %d: wait on a freed request -> %s\n", rank, name(MPI_Wait(&saved, MPI_STATUS_IGNORE)));
    MPI_Request forged = 12345;
    int flag;
    printf("rank %d: test on a forged request -> %s\n", rank, name(MPI_Test(&forged, &flag, MPI_STATUS_IGNORE)));
    r = MPI_REQUEST_NULL;
    printf("rank %d: start on MPI_REQUEST_NULL -> %s\n", rank, name(MPI_Start(&r)));
    printf("rank %d: cancel MPI_REQUEST_NULL -> %s\n", rank, name(MPI_Cancel(&r)));
    printf("rank %d: free MPI_REQUEST_NULL -> %s\n", rank, name(MPI_Request_free(&r)));

    /* Two receives from self, both messages already sent. */
    MPI_Request rs[2];
    MPI_Irecv(&in[0], 1, MPI_INT, rank, 2, MPI_COMM_WORLD, &rs[0]);
    MPI_Irecv(&in[1], 1, MPI_INT, rank, 3, MPI_COMM_WORLD, &rs[1]);
    MPI_Send(&out[0], 1, MPI_INT, rank, 2, MPI_COMM_WORLD);
    MPI_Send(&out[1], 1, MPI_INT, rank, 3, MPI_COMM_WORLD);
    printf("rank %d: start on a non-persistent request -> %s\n", rank, name(MPI_Start(&rs[0])));
    MPI_Request dup[2] = {rs[0], rs[0]};
    printf("rank %d: waitall naming a request twice -> %s\n", rank,
           name(MPI_Waitall(2, dup, MPI_STATUSES_IGNORE)));
    /* Room for one status at the end of memory, not two. */
    MPI_Status *past = (MPI_Status *)(end - sizeof(MPI_Status));
    printf("rank %d: waitall statuses past the end -> %s, requests kept %s\n", rank,
           name(MPI_Waitall(2, rs, past)),
           rs[0] != MPI_REQUEST_NULL && rs[1] != MPI_REQUEST_NULL ? "yes" : "no");
    int outcount, *indices = (int *)(end - 4);
    printf("rank %d: waitsome indices past the end -> %s\n", rank,
           name(MPI_Waitsome(2, rs, &outcount, indices, MPI_STATUSES_IGNORE)));
    int index;
    printf("rank %d: testany status past the end -> %s\n", rank,
           name(MPI_Testany(2, rs, &index, &flag, (MPI_Status *)(end - 8))));
    printf("rank %d: waitall count -1 -> %s\n", rank, name(MPI_Waitall(-1, rs, MPI_STATUSES_IGNORE)));
    MPI_Status sts[2];
    int rc = MPI_Waitall(2, rs, sts);
    printf("rank %d: then waitall -> %s, got %d %d tags %d %d\n", rank, name(rc), in[0], in[1],
           sts[0].MPI_TAG, sts[1].MPI_TAG);
    MPI_Count *count_past = (MPI_Count *)(end - 4);
    printf("rank %d: get_elements_x count past the end -> %s\n", rank,
           name(MPI_Get_elements_x(&sts[0], MPI_INT, count_past)));

    /* Attached buffers must lie in linear memory. */
    printf("rank %d: detach with nothing attached -> %s\n", rank, name(MPI_Buffer_detach(&addr, &size)));
    printf("rank %d: attach past the end -> %s\n", rank, name(MPI_Buffer_attach(end - 100, 200)));
    printf("rank %d: attach negative size -> %s\n", rank, name(MPI_Buffer_attach(in, -1)));
    static char buf[1024];
    MPI_Buffer_attach(buf, sizeof buf);
    printf("rank %d: attach twice -> %s\n", rank, name(MPI_Buffer_attach(buf, sizeof buf)));
    printf("rank %d: detach size past the end -> %s\n", rank,
           name(MPI_Buffer_detach(&addr, (int *)(end - 2))));
    rc = MPI_Buffer_detach(&addr, &size);
    printf("rank %d: then detach -> %s, same buffer %s size %d\n", rank, name(rc),
           addr == buf ? "yes" : "no", size);

    /* Message handles. */
    MPI_Message m = MPI_MESSAGE_NULL;
    printf("rank %d: mrecv MPI_MESSAGE_NULL -> %s\n", rank, name(MPI_Mrecv(in, 1, MPI_INT, &m, MPI_STATUS_IGNORE)));
    m = 4242;
    printf("rank %d: mrecv forged message -> %s\n", rank, name(MPI_Mrecv(in, 1, MPI_INT, &m, MPI_STATUS_IGNORE)));

    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
