/* Point-to-point beyond the basics: buffered sends with an attached buffer, Sendrecv_replace,
 * persistent requests started in a loop, Waitany/Waitsome/Testany/Testsome over arrays with
 * MPI_REQUEST_NULL entries, cancelling an unmatched receive, Request_free, Request_get_status,
 * matched probes with Mrecv/Imrecv, Get_elements on received messages, and the error class in
 * the status of a truncated receive completed by Waitall. Every rank talks
 * to its ring neighbours (itself on one rank). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 100

static int rank, size, left, right;

static const char *yes(int b) { return b ? "yes" : "no"; }

static void buffered(void) {
    int bufsize = 4 * (N * (int)sizeof(int) + MPI_BSEND_OVERHEAD);
    char *buf = malloc(bufsize);
    MPI_Buffer_attach(buf, bufsize);
    int a[N], b[N], in[N];
    for (int i = 0; i < N; i++) {
        a[i] = rank * 1000 + i;
        b[i] = -(rank * 1000 + i);
    }
    MPI_Bsend(a, N, MPI_INT, right, 10, MPI_COMM_WORLD);
    MPI_Request r;
    MPI_Ibsend(b, N, MPI_INT, right, 11, MPI_COMM_WORLD, &r);
    /* The data was copied out: changing it now does not change what arrives. */
    memset(a, 0, sizeof a);
    MPI_Status st;
    MPI_Recv(in, N, MPI_INT, left, 10, MPI_COMM_WORLD, &st);
    long long sum = 0;
    for (int i = 0; i < N; i++) sum += in[i];
    int count;
    MPI_Get_count(&st, MPI_INT, &count);
    printf("rank %d: bsend from %d sum %lld count %d\n", rank, st.MPI_SOURCE, sum, count);
    MPI_Recv(in, N, MPI_INT, left, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Wait(&r, &st);
    printf("rank %d: ibsend in[7] %d, request null %s\n", rank, in[7], yes(r == MPI_REQUEST_NULL));

    /* Detach gives back the attached buffer and its size. */
    void *addr;
    int got;
    MPI_Buffer_detach(&addr, &got);
    printf("rank %d: detach gives the attached buffer %s, size %s\n", rank, yes(addr == buf),
           yes(got == bufsize));
    /* At least MPI_BSEND_OVERHEAD bytes: MPICH refuses smaller buffers. */
    MPI_Buffer_attach(buf + 8, MPI_BSEND_OVERHEAD + 64);
    MPI_Buffer_detach(&addr, &got);
    printf("rank %d: second detach at offset %d, size as attached %s\n", rank,
           (int)((char *)addr - buf), yes(got == MPI_BSEND_OVERHEAD + 64));

    /* Persistent buffered sends need the buffer too. */
    MPI_Buffer_attach(buf, bufsize);
    int v = 0, w = -1;
    MPI_Request p;
    MPI_Bsend_init(&v, 1, MPI_INT, right, 13, MPI_COMM_WORLD, &p);
    int total = 0;
    for (int i = 1; i <= 3; i++) {
        v = rank + i;
        MPI_Start(&p);
        MPI_Wait(&p, MPI_STATUS_IGNORE);
        MPI_Recv(&w, 1, MPI_INT, left, 13, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        total += w;
    }
    MPI_Request_free(&p);
    MPI_Buffer_detach(&addr, &got);
    printf("rank %d: bsend_init total %d, freed %s\n", rank, total, yes(p == MPI_REQUEST_NULL));
    free(buf);
}

static void replace(void) {
    int v[3] = {rank, rank * 2, rank * 3};
    MPI_Status st;
    MPI_Sendrecv_replace(v, 3, MPI_INT, right, 20, left, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    int count;
    MPI_Get_count(&st, MPI_INT, &count);
    printf("rank %d: replace got %d %d %d from %d tag %d count %d\n", rank, v[0], v[1], v[2],
           st.MPI_SOURCE, st.MPI_TAG, count);
}

static void persistent(void) {
    int sendv = 0, recvv = -1, rs = 0, rr = -1;
    MPI_Request pr[2], ps[2];
    MPI_Recv_init(&recvv, 1, MPI_INT, left, 30, MPI_COMM_WORLD, &pr[0]);
    MPI_Send_init(&sendv, 1, MPI_INT, right, 30, MPI_COMM_WORLD, &pr[1]);
    MPI_Recv_init(&rr, 1, MPI_INT, MPI_ANY_SOURCE, 31, MPI_COMM_WORLD, &ps[0]);
    MPI_Ssend_init(&rs, 1, MPI_INT, right, 31, MPI_COMM_WORLD, &ps[1]);
    int sum = 0, ok = 1;
    for (int i = 0; i < 5; i++) {
        sendv = rank * 100 + i;
        rs = -sendv;
        MPI_Startall(2, pr);
        MPI_Start(&ps[0]);
        MPI_Start(&ps[1]);
        MPI_Status st[2];
        MPI_Waitall(2, pr, st);
        ok &= st[0].MPI_SOURCE == left && st[0].MPI_TAG == 30;
        ok &= recvv == left * 100 + i;
        int flag = 0;
        while (!flag) MPI_Testall(2, ps, &flag, st);
        ok &= rr == -(left * 100 + i) && st[0].MPI_SOURCE == left;
        ok &= pr[0] != MPI_REQUEST_NULL && pr[1] != MPI_REQUEST_NULL && ps[0] != MPI_REQUEST_NULL;
        sum += recvv - 2 * rr;
    }
    printf("rank %d: persistent loop ok %s sum %d\n", rank, yes(ok), sum);

    /* Ready mode: the receive is started before anyone sends. */
    int rv = 0, got = -1;
    MPI_Request rq[2];
    MPI_Recv_init(&got, 1, MPI_INT, left, 32, MPI_COMM_WORLD, &rq[0]);
    MPI_Rsend_init(&rv, 1, MPI_INT, right, 32, MPI_COMM_WORLD, &rq[1]);
    for (int i = 0; i < 3; i++) {
        rv = rank + 10 * i;
        MPI_Start(&rq[0]);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Start(&rq[1]);
        MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    printf("rank %d: rsend_init last %d\n", rank, got);

    /* Inactive persistent requests and MPI_REQUEST_NULL complete at once with an empty
     * status. */
    MPI_Status st;
    st.MPI_SOURCE = st.MPI_TAG = 77;
    MPI_Wait(&pr[0], &st);
    int count = -1;
    MPI_Get_count(&st, MPI_INT, &count);
    printf("rank %d: wait inactive: source any %s tag any %s count %d, still allocated %s\n",
           rank, yes(st.MPI_SOURCE == MPI_ANY_SOURCE), yes(st.MPI_TAG == MPI_ANY_TAG), count,
           yes(pr[0] != MPI_REQUEST_NULL));
    int flag = 0;
    st.MPI_SOURCE = st.MPI_TAG = 77;
    MPI_Test(&pr[1], &flag, &st);
    printf("rank %d: test inactive: flag %d source any %s\n", rank, flag,
           yes(st.MPI_SOURCE == MPI_ANY_SOURCE));
    MPI_Request nul = MPI_REQUEST_NULL;
    st.MPI_SOURCE = st.MPI_TAG = 77;
    MPI_Wait(&nul, &st);
    printf("rank %d: wait null: source any %s tag any %s\n", rank,
           yes(st.MPI_SOURCE == MPI_ANY_SOURCE), yes(st.MPI_TAG == MPI_ANY_TAG));
    flag = 0;
    MPI_Test(&nul, &flag, MPI_STATUS_IGNORE);
    printf("rank %d: test null: flag %d\n", rank, flag);
    MPI_Request all[6] = {pr[0], pr[1], ps[0], ps[1], rq[0], rq[1]};
    for (int i = 0; i < 6; i++) MPI_Request_free(&all[i]);
    printf("rank %d: freed persistent %s\n", rank, yes(all[0] == MPI_REQUEST_NULL && all[5] == MPI_REQUEST_NULL));
}

/* Posts receives from the left at indices 1, 2, 4 (tags 40 + index) and sends to the right,
 * with MPI_REQUEST_NULL at 0 and 3. */
static void post(MPI_Request *r, int *in, int *out) {
    r[0] = r[3] = MPI_REQUEST_NULL;
    for (int i = 1; i <= 4; i++) {
        if (i == 3) continue;
        out[i] = rank * 10 + i;
        MPI_Irecv(&in[i], 1, MPI_INT, left, 40 + i, MPI_COMM_WORLD, &r[i]);
    }
    /* Send in reverse order so completion order is not index order. */
    for (int i = 4; i >= 1; i--)
        if (i != 3) MPI_Send(&out[i], 1, MPI_INT, right, 40 + i, MPI_COMM_WORLD);
}

static void completion(void) {
    MPI_Request r[5];
    int in[5], out[5];
    MPI_Status st, sts[5];

    post(r, in, out);
    int mask = 0, ok = 1, index;
    for (;;) {
        MPI_Waitany(5, r, &index, &st);
        if (index == MPI_UNDEFINED) break;
        mask |= 1 << index;
        ok &= r[index] == MPI_REQUEST_NULL && st.MPI_TAG == 40 + index && in[index] == left * 10 + index;
    }
    printf("rank %d: waitany mask %d ok %s\n", rank, mask, yes(ok));

    post(r, in, out);
    mask = 0, ok = 1;
    int outcount, idx[5], rounds = 0;
    for (;;) {
        for (int i = 0; i < 5; i++) sts[i].MPI_TAG = -77;
        MPI_Waitsome(5, r, &outcount, idx, sts);
        if (outcount == MPI_UNDEFINED) break;
        rounds++;
        ok &= outcount >= 1;
        for (int j = 0; j < outcount; j++) {
            mask |= 1 << idx[j];
            ok &= sts[j].MPI_TAG == 40 + idx[j] && r[idx[j]] == MPI_REQUEST_NULL;
        }
        for (int j = outcount; j < 5; j++) ok &= sts[j].MPI_TAG == -77;
    }
    printf("rank %d: waitsome mask %d ok %s\n", rank, mask, yes(ok));

    post(r, in, out);
    mask = 0, ok = 1;
    for (;;) {
        int flag = 0;
        st.MPI_TAG = -77;
        MPI_Testany(5, r, &index, &flag, &st);
        if (flag && index == MPI_UNDEFINED) break;
        if (flag) {
            mask |= 1 << index;
            ok &= st.MPI_TAG == 40 + index && in[index] == left * 10 + index;
        } else {
            ok &= index == MPI_UNDEFINED && st.MPI_TAG == -77;
        }
    }
    printf("rank %d: testany mask %d ok %s\n", rank, mask, yes(ok));

    post(r, in, out);
    mask = 0, ok = 1;
    for (;;) {
        MPI_Testsome(5, r, &outcount, idx, MPI_STATUSES_IGNORE);
        if (outcount == MPI_UNDEFINED) break;
        for (int j = 0; j < outcount; j++) {
            mask |= 1 << idx[j];
            ok &= in[idx[j]] == left * 10 + idx[j];
        }
    }
    printf("rank %d: testsome mask %d ok %s\n", rank, mask, yes(ok));

    /* Arrays of nothing but MPI_REQUEST_NULL. */
    MPI_Request nulls[3] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    int flag = 0;
    MPI_Waitany(3, nulls, &index, MPI_STATUS_IGNORE);
    printf("rank %d: waitany nulls undefined %s\n", rank, yes(index == MPI_UNDEFINED));
    MPI_Testany(3, nulls, &index, &flag, MPI_STATUS_IGNORE);
    printf("rank %d: testany nulls flag %d undefined %s\n", rank, flag, yes(index == MPI_UNDEFINED));
    MPI_Waitsome(3, nulls, &outcount, idx, sts);
    printf("rank %d: waitsome nulls undefined %s\n", rank, yes(outcount == MPI_UNDEFINED));
    MPI_Testsome(3, nulls, &outcount, idx, sts);
    printf("rank %d: testsome nulls undefined %s\n", rank, yes(outcount == MPI_UNDEFINED));
    sts[1].MPI_TAG = 77;
    MPI_Waitall(3, nulls, sts);
    printf("rank %d: waitall nulls tag any %s\n", rank, yes(sts[1].MPI_TAG == MPI_ANY_TAG));
}

static void cancel_free_status(void) {
    /* Cancel a receive nobody will match. */
    int x = -1;
    MPI_Request r;
    MPI_Status st;
    MPI_Irecv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, &r);
    MPI_Cancel(&r);
    MPI_Wait(&r, &st);
    int flag = -1;
    MPI_Test_cancelled(&st, &flag);
    printf("rank %d: cancelled irecv flag %d null %s x %d\n", rank, flag, yes(r == MPI_REQUEST_NULL), x);

    /* Request_free on an active send; the message still arrives. */
    int v = rank + 500, w = -1;
    MPI_Isend(&v, 1, MPI_INT, right, 50, MPI_COMM_WORLD, &r);
    MPI_Request_free(&r);
    printf("rank %d: freed isend null %s\n", rank, yes(r == MPI_REQUEST_NULL));
    MPI_Recv(&w, 1, MPI_INT, left, 50, MPI_COMM_WORLD, &st);
    MPI_Test_cancelled(&st, &flag);
    printf("rank %d: after free got %d cancelled %d\n", rank, w, flag);
    MPI_Barrier(MPI_COMM_WORLD); /* v stays alive until everyone has received */

    /* Request_get_status does not free the request. */
    MPI_Irecv(&w, 1, MPI_INT, left, 51, MPI_COMM_WORLD, &r);
    MPI_Send(&v, 1, MPI_INT, right, 51, MPI_COMM_WORLD);
    flag = 0;
    while (!flag) MPI_Request_get_status(r, &flag, &st);
    printf("rank %d: get_status source %d tag %d, still allocated %s\n", rank, st.MPI_SOURCE,
           st.MPI_TAG, yes(r != MPI_REQUEST_NULL));
    MPI_Wait(&r, &st);
    printf("rank %d: then wait source %d null %s\n", rank, st.MPI_SOURCE, yes(r == MPI_REQUEST_NULL));
    MPI_Request_get_status(MPI_REQUEST_NULL, &flag, &st);
    printf("rank %d: get_status null flag %d tag any %s\n", rank, flag, yes(st.MPI_TAG == MPI_ANY_TAG));
}

static void matched(void) {
    /* Each rank sends rank + 1 ints to the right; the receiver sizes its buffer from the probe. */
    int out[8];
    for (int i = 0; i < 8; i++) out[i] = rank * 8 + i;
    MPI_Request sr;
    MPI_Isend(out, rank % 8 + 1, MPI_INT, right, 60, MPI_COMM_WORLD, &sr);
    MPI_Message m;
    MPI_Status st;
    MPI_Mprobe(MPI_ANY_SOURCE, 60, MPI_COMM_WORLD, &m, &st);
    int n;
    MPI_Get_count(&st, MPI_INT, &n);
    int *in = calloc(n, sizeof(int));
    MPI_Mrecv(in, n, MPI_INT, &m, &st);
    printf("rank %d: mprobe %d ints from %d, last %d, message null %s\n", rank, n, st.MPI_SOURCE,
           in[n - 1], yes(m == MPI_MESSAGE_NULL));
    free(in);
    MPI_Wait(&sr, MPI_STATUS_IGNORE);

    /* Improbe until found, then Imrecv. */
    MPI_Isend(out, 2, MPI_INT, right, 61, MPI_COMM_WORLD, &sr);
    int flag = 0, two[2] = {-1, -1};
    while (!flag) MPI_Improbe(left, 61, MPI_COMM_WORLD, &flag, &m, &st);
    MPI_Request rr;
    MPI_Imrecv(two, 2, MPI_INT, &m, &rr);
    printf("rank %d: improbe source %d, message null after imrecv %s\n", rank, st.MPI_SOURCE,
           yes(m == MPI_MESSAGE_NULL));
    MPI_Wait(&rr, &st);
    MPI_Wait(&sr, MPI_STATUS_IGNORE);
    printf("rank %d: imrecv got %d %d from %d\n", rank, two[0], two[1], st.MPI_SOURCE);

    /* A matched probe of MPI_PROC_NULL gives MPI_MESSAGE_NO_PROC. */
    MPI_Mprobe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &m, &st);
    printf("rank %d: mprobe proc_null no_proc %s source proc_null %s\n", rank,
           yes(m == MPI_MESSAGE_NO_PROC), yes(st.MPI_SOURCE == MPI_PROC_NULL));
    MPI_Mrecv(two, 2, MPI_INT, &m, &st);
    MPI_Get_count(&st, MPI_INT, &n);
    printf("rank %d: mrecv no_proc count %d message null %s\n", rank, n, yes(m == MPI_MESSAGE_NULL));
}

static void elements(void) {
    MPI_Status st;
    int count;
    MPI_Count big;
    /* Three ints received as pairs: 1.5 pairs is no count but three elements. (Pairs of a
     * derived type: MPICH 4.0 fails an internal assertion receiving part of an MPI_2INT.) */
    int three[3] = {1, 2, 3}, pairs[4];
    MPI_Datatype pair;
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    MPI_Sendrecv(three, 3, MPI_INT, right, 70, pairs, 2, pair, left, 70, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, pair, &count);
    int el;
    MPI_Get_elements(&st, pair, &el);
    printf("rank %d: 3 ints as int pairs: count undefined %s, elements %d (undefined %s)\n", rank,
           yes(count == MPI_UNDEFINED), el, yes(el == MPI_UNDEFINED));
    MPI_Type_free(&pair);
    /* Two (double, int) pairs: four elements. */
    struct { double v; int i; } di[2] = {{1.5, 1}, {2.5, 2}}, dj[2];
    MPI_Sendrecv(di, 2, MPI_DOUBLE_INT, right, 71, dj, 2, MPI_DOUBLE_INT, left, 71, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_DOUBLE_INT, &count);
    MPI_Get_elements(&st, MPI_DOUBLE_INT, &el);
    /* MPI_Get_elements_x writes exactly one MPI_Count. */
    struct { int before; MPI_Count n; int after; } guard = {11, -1, 22};
    MPI_Get_elements_x(&st, MPI_DOUBLE_INT, &guard.n);
    big = guard.n;
    printf("rank %d: double_int count %d elements %d elements_x %lld guards %d %d got %.1f\n",
           rank, count, el, (long long)big, guard.before, guard.after, dj[1].v);
    /* (long, int) pairs: the guest's long is 4 bytes, natively 8; elements agree. */
    struct { long v; int i; } li[3] = {{7, 1}, {8, 2}, {9, 3}}, lj[3];
    MPI_Sendrecv(li, 3, MPI_LONG_INT, right, 72, lj, 3, MPI_LONG_INT, left, 72, MPI_COMM_WORLD, &st);
    MPI_Get_elements(&st, MPI_LONG_INT, &el);
    MPI_Get_count(&st, MPI_LONG_INT, &count);
    printf("rank %d: long_int count %d elements %d last %ld\n", rank, count, el, lj[2].v);
    /* An empty message. */
    MPI_Sendrecv(three, 0, MPI_INT, right, 73, pairs, 2, MPI_INT, left, 73, MPI_COMM_WORLD, &st);
    MPI_Get_elements(&st, MPI_INT, &el);
    printf("rank %d: empty elements %d\n", rank, el);
}

static const char *class_name(int code) {
    int class = -1;
    MPI_Error_class(code, &class);
    switch (class) {
    case MPI_SUCCESS: return "MPI_SUCCESS";
    case MPI_ERR_TRUNCATE: return "MPI_ERR_TRUNCATE";
    case MPI_ERR_IN_STATUS: return "MPI_ERR_IN_STATUS";
    case MPI_ERR_PENDING: return "MPI_ERR_PENDING";
    default: return "another class";
    }
}

/* A truncated receive completed with another: the error in its status is an error code, whose
 * class the program gets (whether Waitall reports it is up to the MPI library: native and wasm
 * on the same one must agree). The other request may still be pending when Waitall returns on
 * the error (its status then says so, depending on timing): it is completed afterwards. */
static void errors_in_statuses(void) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int four[4] = {1, 2, 3, 4}, two[2], room[4];
    MPI_Request reqs[2];
    MPI_Status st[2];
    st[0].MPI_ERROR = st[1].MPI_ERROR = MPI_SUCCESS;
    MPI_Irecv(two, 2, MPI_INT, left, 80, MPI_COMM_WORLD, &reqs[0]);
    MPI_Irecv(room, 4, MPI_INT, left, 81, MPI_COMM_WORLD, &reqs[1]);
    MPI_Send(four, 4, MPI_INT, right, 80, MPI_COMM_WORLD);
    MPI_Send(four, 4, MPI_INT, right, 81, MPI_COMM_WORLD);
    int rc = MPI_Waitall(2, reqs, st);
    printf("rank %d: waitall with a truncated receive -> %s", rank, class_name(rc));
    if (rc != MPI_SUCCESS) printf(", its status %s", class_name(st[0].MPI_ERROR));
    printf("\n");
    for (int i = 0; i < 2; i++)
        if (reqs[i] != MPI_REQUEST_NULL) MPI_Wait(&reqs[i], MPI_STATUS_IGNORE);
    printf("rank %d: the other receive got %d %d %d %d\n", rank, room[0], room[1], room[2],
           room[3]);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    right = (rank + 1) % size;
    left = (rank + size - 1) % size;
    buffered();
    replace();
    persistent();
    completion();
    cancel_free_status();
    matched();
    elements();
    errors_in_statuses();
    MPI_Finalize();
    return 0;
}
