/* Every call-way across nodes, placement by qid, round-robin spread, and a large REF array.
 * Usage: call_ways_across_nodes [large_mib]   (exit 0 when every check holds) */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(c, ...) do { if (!(c)) { failures++; fprintf(stderr, "call_ways_across_nodes: FAIL: " __VA_ARGS__); fputc('\n', stderr); } } while (0)

/* cop: 3 ints (copied), ref: 4 doubles (x2 in place), res: out where/what, ptr: 5 longs (read),
 * vad: a word, zero: REF with count 0 (must be NULL). */
static void all_ways(int *cop, double *ref, long *res, long *ptr, void *vad, double *zero)
{
    long sum = 0;
    for (int i = 0; i < 5; i++) sum += ptr[i];
    for (int i = 0; i < 4; i++) ref[i] *= 2;
    res[0] = torc_node_id();
    res[1] = cop[0] + cop[1] + cop[2];
    res[2] = sum;
    res[3] = (long)vad;
    res[4] = (zero == NULL);
    res[5] = torc_getlevel();
    cop[0] = -1; /* a private copy: the creator must not see this */
}

static void scale(long *n, double *a)
{
    for (long i = 0; i < *n; i++) a[i] = 2 * a[i] + 1;
}

/* Large arguments of every kind (each at least 64 KiB, so they travel in their own messages). */
enum { BIG = 20000 };
static void big_ways(long *cop, long *ptr, long *ref, long *res)
{
    for (long i = 0; i < BIG; i++) {
        res[i] = cop[i] + ptr[i];
        ref[i] = ref[i] * 3;
    }
    cop[0] = -1; /* a private copy */
}

/* Arguments below 64 KiB each travel inside the task message, but together they make messages
 * (the task, and its completion with the write-backs) longer than the control channel's
 * 128 KiB receive buffers: those take the announced bulk path. */
enum { MID = 6000 };
static void mid_ways(long *a, long *b, long *r1, long *r2, long *out)
{
    for (long i = 0; i < MID; i++) {
        out[i] = a[i] + b[i];
        r1[i] *= 2;
        r2[i] += a[i];
    }
}

int main(int argc, char *argv[])
{
    torc_register_task((void *)all_ways);
    torc_register_task((void *)big_ways);
    torc_register_task((void *)mid_ways);
    torc_init(argc, argv, MODE_MW);
    int nw = torc_num_workers(), nn = torc_num_nodes();
    long large_mib = argc > 1 ? atol(argv[1]) : 0;

    int T = 2 * nw + 3;
    int (*cop)[3] = calloc(T, sizeof *cop);
    double (*ref)[4] = calloc(T, sizeof *ref);
    long (*res)[6] = calloc(T, sizeof *res);
    long ptr[5] = {1, 2, 3, 4, 5};
    /* Task i < nw goes to global worker i; the rest are spread with qid -1. */
    for (int i = 0; i < T; i++) {
        cop[i][0] = i; cop[i][1] = 10 * i; cop[i][2] = 100;
        for (int k = 0; k < 4; k++) ref[i][k] = i + k;
        int qid = i < nw ? i : -1;
        torc_task(qid, (void (*)())all_ways, 6,
                  3, MPI_INT, CALL_BY_COP,
                  4, MPI_DOUBLE, CALL_BY_REF,
                  6, MPI_LONG, CALL_BY_RES,
                  5, MPI_LONG, CALL_BY_PTR,
                  1, MPI_LONG, CALL_BY_VAD,
                  0, MPI_DOUBLE, CALL_BY_REF,
                  cop[i], ref[i], res[i], ptr, (void *)(long)(1000 + i), NULL);
        cop[i][2] = 7; /* changing COP data after creation must not matter */
    }
    torc_waitall();

    int *node_of = malloc(nw * sizeof(int));
    int seen_remote = 0;
    for (int i = 0; i < T; i++) {
        CHECK(res[i][1] == i + 10 * i + 100, "task %d saw COP sum %ld", i, res[i][1]);
        CHECK(res[i][2] == 15, "task %d saw PTR sum %ld", i, res[i][2]);
        CHECK(res[i][3] == 1000 + i, "task %d saw VAD %ld", i, res[i][3]);
        CHECK(res[i][4] == 1, "task %d: count 0 did not give NULL", i);
        CHECK(res[i][5] == 1, "task %d level %ld", i, res[i][5]);
        for (int k = 0; k < 4; k++)
            CHECK(ref[i][k] == 2.0 * (i + k), "task %d REF[%d] = %g", i, k, ref[i][k]);
        CHECK(cop[i][0] == i, "task %d: COP copy leaked back", i);
        if (i < nw) node_of[i] = (int)res[i][0];
        if (res[i][0] != 0) seen_remote = 1;
    }
    /* qid placement: global workers are rank-major, so node ids never decrease with qid and
     * every node appears. */
    for (int i = 1; i < nw; i++)
        CHECK(node_of[i] >= node_of[i - 1], "worker %d on node %d before worker %d on node %d",
              i - 1, node_of[i - 1], i, node_of[i]);
    CHECK(node_of[0] == 0 && node_of[nw - 1] == nn - 1, "qid placement: first node %d last node %d",
          node_of[0], node_of[nw - 1]);
    if (nn > 1) CHECK(seen_remote, "no task ran on another node");

    {
        long *cop = malloc(BIG * sizeof(long)), *ptr = malloc(BIG * sizeof(long));
        long *ref = malloc(BIG * sizeof(long)), *res = calloc(BIG, sizeof(long));
        for (long i = 0; i < BIG; i++) { cop[i] = i; ptr[i] = 2 * i; ref[i] = i + 1; }
        torc_task(nw - 1, (void (*)())big_ways, 4, BIG, MPI_LONG, CALL_BY_COP, BIG, MPI_LONG, CALL_BY_PTR,
                  BIG, MPI_LONG, CALL_BY_REF, BIG, MPI_LONG, CALL_BY_RES, cop, ptr, ref, res);
        cop[1] = -5; /* changing COP data after creation must not matter to the task */
        torc_waitall();
        cop[1] = 1;
        long bad = 0;
        for (long i = 0; i < BIG; i++)
            if (res[i] != 3 * i || ref[i] != 3 * (i + 1) || cop[i] != i) bad++;
        CHECK(bad == 0, "large arguments of every kind: %ld wrong elements", bad);
        free(cop); free(ptr); free(ref); free(res);
    }
    {
        long *a = malloc(MID * sizeof(long)), *b = malloc(MID * sizeof(long));
        long *r1 = malloc(MID * sizeof(long)), *r2 = malloc(MID * sizeof(long));
        long *out = calloc(MID, sizeof(long));
        for (long i = 0; i < MID; i++) { a[i] = i; b[i] = 5 * i; r1[i] = i + 2; r2[i] = 7; }
        torc_task(nw - 1, (void (*)())mid_ways, 5, MID, MPI_LONG, CALL_BY_COP, MID, MPI_LONG, CALL_BY_COP,
                  MID, MPI_LONG, CALL_BY_REF, MID, MPI_LONG, CALL_BY_REF, MID, MPI_LONG, CALL_BY_RES,
                  a, b, r1, r2, out);
        torc_waitall();
        long bad = 0;
        for (long i = 0; i < MID; i++)
            if (out[i] != 6 * i || r1[i] != 2 * (i + 2) || r2[i] != 7 + i) bad++;
        CHECK(bad == 0, "messages longer than the control buffers: %ld wrong elements", bad);
        free(a); free(b); free(r1); free(r2); free(out);
    }
    if (large_mib > 0) {
        long n = large_mib * (1L << 20) / (long)sizeof(double);
        double *a = malloc(n * sizeof(double));
        for (long i = 0; i < n; i++) a[i] = (double)(i % 1000);
        torc_task(nw - 1, (void (*)())scale, 2, 1, MPI_LONG, CALL_BY_COP, (int)n, MPI_DOUBLE, CALL_BY_REF, &n, a);
        torc_waitall();
        long bad = 0;
        for (long i = 0; i < n; i++) if (a[i] != 2.0 * (i % 1000) + 1) bad++;
        CHECK(bad == 0, "large REF array: %ld wrong elements of %ld", bad, n);
        free(a);
        printf("call_ways_across_nodes: large array of %ld MiB ok\n", large_mib);
    }
    printf("call_ways_across_nodes: nodes=%d workers=%d tasks=%d failures=%d\n", nn, nw, T, failures);
    torc_finalize();
    return failures ? 1 : 0;
}
