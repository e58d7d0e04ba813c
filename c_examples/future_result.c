/* Task results of any size through futures (torc extensions of the C API).
 *
 *  - For result sizes 0, 1, 15, 16, 17, 4096, 65535, 65536, 1 MiB and 64 MiB, a task per
 *    global worker (qid 0 .. torc_num_workers()-1: on several nodes most of them run remotely)
 *    and one with qid -1 sets its result with torc_result (a copy) or with torc_result_alloc
 *    (filled in place). The primary task checks torc_future_wait, torc_future_done,
 *    torc_future_error (NULL), torc_future_size, torc_future_data, torc_future_copy (with a
 *    capacity below and above the size, bytes past the capacity untouched) and frees each
 *    handle with torc_future_free. Each task also reports where it ran by a CALL_BY_RES
 *    argument: a task named for a worker must run on that worker's node.
 *  - A result replaced by a second torc_result / torc_result_alloc, and a task that sets none
 *    (an empty result).
 *  - Futures nested three levels deep: tasks that create futures, wait for them (with
 *    torc_future_wait, or with torc_waitall) and compute their own result from theirs.
 *  - torc_waitall still waits for future tasks: handles freed at once (the tasks' CALL_BY_RES
 *    output is written anyway), and handles that are done after torc_waitall without a wait;
 *    a handle freed while its task runs, then a new one created at once.
 *
 * Prints "future_result: FAIL: ..." for every mismatch and exits non-zero; otherwise one line
 * "future_result: sizes=10 futures=F nested=S nodes=N workers=W ok" on node 0.
 * Usage: future_result (no arguments) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <torc.h>

#define MIB (1024L * 1024L)
static const long sizes[] = { 0, 1, 15, 16, 17, 4096, 65535, 65536, MIB, 64 * MIB };
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

/* How a task sets its result. */
enum {
    BY_COPY,           /* torc_result of a buffer of its own */
    BY_ALLOC,          /* torc_result_alloc, filled in place */
    REPLACED_BY_COPY,  /* torc_result_alloc of other bytes, then torc_result */
    REPLACED_BY_ALLOC, /* torc_result of other bytes, then torc_result_alloc */
    NO_RESULT,         /* neither: an empty result */
    NMODES
};
static const char *mode_name[NMODES] = { "copy", "alloc", "replaced-by-copy",
                                         "replaced-by-alloc", "none" };

/* What a task reports by CALL_BY_RES: its node, global worker, level and an error code. */
enum { W_NODE, W_WORKER, W_LEVEL, W_ERROR, W_LEN };

/* Node 0 only: the primary task's count of mismatches and of futures checked. */
static int failures;
static int futures;

#define FAIL(...)                              \
    do {                                       \
        printf("future_result: FAIL: ");       \
        printf(__VA_ARGS__);                   \
        printf("\n");                          \
        failures++;                            \
    } while (0)

/* Byte i of the result of the task with key `key`. */
static unsigned char pattern(long i, int key)
{
    uint32_t x = (uint32_t)i * 2654435761u + (uint32_t)key * 40503u;
    return (unsigned char)((x >> 24) ^ (uint32_t)i ^ (uint32_t)key);
}

static void fill(unsigned char *p, long n, int key)
{
    long i;
    for (i = 0; i < n; i++)
        p[i] = pattern(i, key);
}

/* The first index in [0, n) where p differs from the pattern of `key`, or -1. */
static long mismatch(const unsigned char *p, long n, int key)
{
    long i;
    for (i = 0; i < n; i++)
        if (p[i] != pattern(i, key))
            return i;
    return -1;
}

/* Whether the n bytes at p are all zero. */
static int all_zero(const unsigned char *p, long n)
{
    long i;
    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Sets the result to a copy of n bytes of pattern `key` from a malloc'd buffer (NULL for an
 * empty one when null_if_empty), scribbled over once given: the result is a copy. Returns 0,
 * or W_ERROR's code when the buffer cannot be allocated. */
static int result_by_copy(long n, int key, int null_if_empty)
{
    unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
    if (p == NULL)
        return 1;
    fill(p, n, key);
    /* An empty result may come from NULL or from a valid pointer. */
    torc_result(n == 0 && null_if_empty ? NULL : p, n);
    memset(p, 0xEE, n > 0 ? (size_t)n : 1); /* the result is a copy */
    free(p);
    return 0;
}

/* Sets the result to n bytes of pattern `key` written in place by torc_result_alloc, which
 * must hand out zeroed memory. Returns 0, or W_ERROR's code. */
static int result_by_alloc(long n, int key)
{
    unsigned char *p = torc_result_alloc(n);
    if (p == NULL)
        return 2;
    int err = all_zero(p, n) ? 0 : 3;
    fill(p, n, key);
    return err;
}

/* Sets a result of *size bytes of pattern *key, as *mode says; reports where it ran. */
static void result_task(long *size, int *key, int *mode, int *where)
{
    long n = *size;
    unsigned char *p;

    where[W_NODE] = torc_node_id();
    where[W_WORKER] = torc_worker_id();
    where[W_LEVEL] = torc_getlevel();
    where[W_ERROR] = 0;
    switch (*mode) {
    case BY_COPY:
        where[W_ERROR] = result_by_copy(n, *key, *key % 2 == 0);
        break;
    case BY_ALLOC:
        where[W_ERROR] = result_by_alloc(n, *key);
        break;
    case REPLACED_BY_COPY:
        p = torc_result_alloc(n + 100);
        if (p == NULL) {
            where[W_ERROR] = 4;
            return;
        }
        memset(p, 0xAB, (size_t)n + 100);
        where[W_ERROR] = result_by_copy(n, *key, 0);
        break;
    case REPLACED_BY_ALLOC: {
        unsigned char other[33];
        memset(other, 0xCD, sizeof other);
        torc_result(other, (long)sizeof other);
        where[W_ERROR] = result_by_alloc(n, *key);
        break;
    }
    case NO_RESULT:
        break;
    default:
        where[W_ERROR] = 5;
    }
}

/* The node of global worker w when every node has the same number of workers, else -1. */
static int node_of(int w)
{
    int per = torc_i_num_workers();
    if (per <= 0 || torc_num_workers() != per * torc_num_nodes())
        return -1;
    return w / per;
}

/* Checks one future of a result_task(n, key, mode) created with `qid`, then frees it. */
static void check_future(torc_future_t *f, long n, int key, int mode, int qid, const int *where)
{
    long want = mode == NO_RESULT ? 0 : n;
    long got, cap, bad, i;
    const unsigned char *d;
    unsigned char *buf;
    const char *err;
    char what[96];

    snprintf(what, sizeof what, "size %ld, %s, qid %d", n, mode_name[mode], qid);
    futures++;
    torc_future_wait(f);
    if (torc_future_done(f) != 1)
        FAIL("%s: torc_future_done is %d after torc_future_wait", what, torc_future_done(f));
    err = torc_future_error(f);
    if (err != NULL)
        FAIL("%s: torc_future_error is \"%s\"", what, err);
    got = torc_future_size(f);
    if (got != want)
        FAIL("%s: torc_future_size is %ld, expected %ld", what, got, want);
    d = torc_future_data(f);
    if (d == NULL) {
        FAIL("%s: torc_future_data is NULL", what);
        torc_future_free(f);
        return;
    }
    if (got == want && (bad = mismatch(d, want, key)) >= 0)
        FAIL("%s: byte %ld of torc_future_data is %u, expected %u", what, bad, d[bad],
             pattern(bad, key));
    if (torc_future_data(f) != d)
        FAIL("%s: torc_future_data moved between two calls", what);

    /* torc_future_copy: below the size, above it, and nothing at all. */
    buf = malloc((size_t)want + 32);
    if (buf == NULL) {
        FAIL("%s: out of memory", what);
        torc_future_free(f);
        return;
    }
    cap = want / 2;
    memset(buf, 0x5A, (size_t)want + 32);
    got = torc_future_copy(f, buf, cap);
    if (got != want)
        FAIL("%s: torc_future_copy with cap %ld returned %ld, expected %ld", what, cap, got, want);
    if (memcmp(buf, d, (size_t)cap) != 0)
        FAIL("%s: torc_future_copy with cap %ld copied wrong bytes", what, cap);
    for (i = cap; i < want + 32; i++)
        if (buf[i] != 0x5A) {
            FAIL("%s: torc_future_copy with cap %ld wrote byte %ld", what, cap, i);
            break;
        }
    cap = want + 16;
    memset(buf, 0x5A, (size_t)want + 32);
    got = torc_future_copy(f, buf, cap);
    if (got != want)
        FAIL("%s: torc_future_copy with cap %ld returned %ld, expected %ld", what, cap, got, want);
    if (memcmp(buf, d, (size_t)want) != 0)
        FAIL("%s: torc_future_copy with cap %ld copied wrong bytes", what, cap);
    for (i = want; i < want + 32; i++)
        if (buf[i] != 0x5A) {
            FAIL("%s: torc_future_copy with cap %ld wrote byte %ld past the result", what, cap,
                 i);
            break;
        }
    got = torc_future_copy(f, NULL, 0);
    if (got != want)
        FAIL("%s: torc_future_copy(NULL, 0) returned %ld, expected %ld", what, got, want);
    free(buf);
    torc_future_free(f);

    /* Where it ran. */
    if (where[W_ERROR] != 0)
        FAIL("%s: the task reported error %d (node %d)", what, where[W_ERROR], where[W_NODE]);
    if (where[W_LEVEL] != 1)
        FAIL("%s: the task ran at level %d, expected 1", what, where[W_LEVEL]);
    if (where[W_NODE] < 0 || where[W_NODE] >= torc_num_nodes() || where[W_WORKER] < 0 ||
        where[W_WORKER] >= torc_num_workers())
        FAIL("%s: the task ran on node %d worker %d", what, where[W_NODE], where[W_WORKER]);
    if (qid >= 0 && node_of(qid) >= 0 &&
        (where[W_NODE] != node_of(qid) || node_of(where[W_WORKER]) != node_of(qid)))
        FAIL("%s: the task ran on node %d worker %d, expected node %d", what, where[W_NODE],
             where[W_WORKER], node_of(qid));
}

/* Tasks of result size sizes[s] set by `mode`, one per qid of `qids`; waited for, checked. */
static void batch(int s, int mode, const int *qids, int nq)
{
    torc_future_t **f = calloc((size_t)nq, sizeof *f);
    int (*where)[W_LEN] = calloc((size_t)nq, sizeof *where);
    long n = sizes[s];
    int j;

    for (j = 0; j < nq; j++) {
        int key = s * 1000 + mode * 100 + j;
        f[j] = torc_task_future(qids[j], (void (*)())result_task, 4,
                                1, MPI_LONG, CALL_BY_COP,
                                1, MPI_INT, CALL_BY_COP,
                                1, MPI_INT, CALL_BY_COP,
                                W_LEN, MPI_INT, CALL_BY_RES,
                                &n, &key, &mode, where[j]);
        if (f[j] == NULL)
            FAIL("size %ld, %s, qid %d: torc_task_future returned NULL", n, mode_name[mode],
                 qids[j]);
    }
    /* The last one first: the others complete meanwhile. */
    for (j = nq - 1; j >= 0; j--)
        if (f[j] != NULL)
            check_future(f[j], n, s * 1000 + mode * 100 + j, mode, qids[j], where[j]);
    free(f);
    free(where);
}

/* --- futures nested three levels deep ------------------------------------------------------ */

#define FAN 3

/* Level 3: {a * a + 1, level, errors}. */
static void leaf_task(long *a)
{
    long out[3];
    out[0] = *a * *a + 1;
    out[1] = torc_getlevel();
    out[2] = 0;
    torc_result(out, (long)sizeof out);
}

/* Level 2: FAN leaves, each on another worker than this one; waits with torc_waitall and reads
 * the results with torc_future_data. */
static void mid_task(long *b)
{
    torc_future_t *f[FAN];
    long *out = torc_result_alloc(3 * (long)sizeof(long));
    int nw = torc_num_workers(), me = torc_worker_id(), j;
    long a;

    out[1] = torc_getlevel();
    for (j = 0; j < FAN; j++) {
        a = *b * FAN + j;
        f[j] = torc_task_future((me + 1 + j) % nw, (void (*)())leaf_task, 1,
                                1, MPI_LONG, CALL_BY_COP, &a);
    }
    torc_waitall();
    for (j = 0; j < FAN; j++) {
        const long *v;
        if (!torc_future_done(f[j]) || torc_future_error(f[j]) != NULL ||
            torc_future_size(f[j]) != 3 * (long)sizeof(long)) {
            out[2]++;
        } else {
            v = torc_future_data(f[j]);
            out[0] += v[0];
            out[2] += v[2] + (v[1] != 3);
        }
        torc_future_free(f[j]);
    }
}

/* Level 1: FAN mid tasks with qid -1, waited for in reverse order with torc_future_wait and
 * read with torc_future_copy. */
static void top_task(long *c)
{
    torc_future_t *f[FAN];
    long out[3] = { 0, 0, 0 }, v[3], b;
    int j;

    out[1] = torc_getlevel();
    for (j = 0; j < FAN; j++) {
        b = *c * FAN + j;
        f[j] = torc_task_future(-1, (void (*)())mid_task, 1, 1, MPI_LONG, CALL_BY_COP, &b);
    }
    for (j = FAN - 1; j >= 0; j--) {
        torc_future_wait(f[j]);
        if (torc_future_copy(f[j], v, (long)sizeof v) != (long)sizeof v ||
            torc_future_error(f[j]) != NULL) {
            out[2]++;
        } else {
            out[0] += v[0];
            out[2] += v[2] + (v[1] != 2);
        }
        torc_future_free(f[j]);
    }
    torc_result(out, (long)sizeof out);
}

/* One top task per global worker and one with qid -1; returns the sum of their results. */
static long nested(void)
{
    int nw = torc_num_workers(), nt = nw + 1, c;
    torc_future_t **f = calloc((size_t)nt, sizeof *f);
    long total = 0, want = 0, a, ci, v[3];

    for (c = 0; c < nt; c++) {
        ci = c;
        f[c] = torc_task_future(c < nw ? c : -1, (void (*)())top_task, 1,
                                1, MPI_LONG, CALL_BY_COP, &ci);
    }
    for (c = 0; c < nt; c++) {
        futures += 1 + FAN + FAN * FAN;
        if (torc_future_copy(f[c], v, (long)sizeof v) != (long)sizeof v) {
            FAIL("nested: top task %d: result of %ld bytes, expected %ld", c,
                 torc_future_size(f[c]), (long)sizeof v);
        } else {
            if (v[1] != 1)
                FAIL("nested: top task %d ran at level %ld, expected 1", c, v[1]);
            if (v[2] != 0)
                FAIL("nested: top task %d saw %ld wrong results below it", c, v[2]);
            total += v[0];
        }
        torc_future_free(f[c]);
    }
    for (a = 0; a < (long)nt * FAN * FAN; a++)
        want += a * a + 1;
    if (total != want)
        FAIL("nested: sum %ld, expected %ld", total, want);
    free(f);
    return total;
}

/* --- torc_waitall waits for future tasks too ------------------------------------------------ */

static void value_task(long *i, long *out)
{
    long v = *i * 3 + 1;
    *out = v;
    torc_result(&v, (long)sizeof v);
}

static void waitall_waits(void)
{
    int nw = torc_num_workers(), k = 2 * nw + 1, j;
    torc_future_t **f = calloc((size_t)k, sizeof *f);
    long *out = calloc((size_t)k, sizeof *out), *out2, i, v;

    /* Handles freed at once: the tasks still run, and torc_waitall waits for their output. */
    for (j = 0; j < k; j++) {
        i = j;
        out[j] = -1;
        torc_future_free(torc_task_future(j < nw ? j : -1, (void (*)())value_task, 2,
                                          1, MPI_LONG, CALL_BY_COP,
                                          1, MPI_LONG, CALL_BY_RES, &i, &out[j]));
        futures++;
    }
    torc_future_free(NULL);
    torc_waitall();
    for (j = 0; j < k; j++)
        if (out[j] != 3L * j + 1)
            FAIL("waitall: freed handle %d: output %ld after torc_waitall, expected %ld", j,
                 out[j], 3L * j + 1);

    /* Handles kept: done after torc_waitall without waiting on them. */
    for (j = 0; j < k; j++) {
        i = 100 + j;
        out[j] = -1;
        f[j] = torc_task_future(j < nw ? nw - 1 - j : -1, (void (*)())value_task, 2,
                                1, MPI_LONG, CALL_BY_COP,
                                1, MPI_LONG, CALL_BY_RES, &i, &out[j]);
        futures++;
    }
    torc_waitall();
    for (j = 0; j < k; j++) {
        if (torc_future_done(f[j]) != 1)
            FAIL("waitall: handle %d is not done after torc_waitall", j);
        if (out[j] != 3L * (100 + j) + 1)
            FAIL("waitall: handle %d: output %ld, expected %ld", j, out[j], 3L * (100 + j) + 1);
        v = -1;
        if (torc_future_copy(f[j], &v, (long)sizeof v) != (long)sizeof v ||
            v != 3L * (100 + j) + 1)
            FAIL("waitall: handle %d: result %ld, expected %ld", j, v, 3L * (100 + j) + 1);
        torc_future_free(f[j]);
    }
    /* Nothing is left: this returns at once. */
    torc_waitall();

    /* A handle freed while its task runs, then a new one at once (which may reuse what the
     * freed one held): each result goes to its own handle. */
    out2 = calloc((size_t)k * 2, sizeof *out2);
    for (j = 0; j < 2 * k; j++) {
        long a = 1000 + j, b = 2000 + j, rb = -1;
        out2[j] = -1;
        torc_future_free(torc_task_future(nw - 1 - j % nw, (void (*)())value_task, 2,
                                          1, MPI_LONG, CALL_BY_COP,
                                          1, MPI_LONG, CALL_BY_RES, &a, &out2[j]));
        f[0] = torc_task_future(-1, (void (*)())value_task, 2,
                                1, MPI_LONG, CALL_BY_COP,
                                1, MPI_LONG, CALL_BY_RES, &b, &rb);
        v = -1;
        if (torc_future_copy(f[0], &v, (long)sizeof v) != (long)sizeof v || v != 3 * b + 1 ||
            rb != 3 * b + 1)
            FAIL("reuse: handle %d: result %ld and output %ld, expected %ld", j, v, rb,
                 3 * b + 1);
        torc_future_free(f[0]);
        futures += 2;
    }
    torc_waitall();
    for (j = 0; j < 2 * k; j++)
        if (out2[j] != 3L * (1000 + j) + 1)
            FAIL("reuse: freed handle %d: output %ld after torc_waitall, expected %ld", j,
                 out2[j], 3L * (1000 + j) + 1);
    free(out2);
    free(f);
    free(out);
}

int main(int argc, char *argv[])
{
    int nw, nq, s, mode, j, *qids;
    long sum;
    int two[2];

    torc_register_task((void *)result_task);
    torc_register_task((void *)leaf_task);
    torc_register_task((void *)mid_task);
    torc_register_task((void *)top_task);
    torc_register_task((void *)value_task);
    torc_init(argc, argv, MODE_MW);

    nw = torc_num_workers();
    /* Every global worker by name, then round-robin. */
    nq = nw + 1;
    qids = malloc((size_t)nq * sizeof *qids);
    for (j = 0; j < nw; j++)
        qids[j] = j;
    qids[nw] = -1;

    for (s = 0; s < NSIZES; s++)
        for (mode = BY_COPY; mode <= BY_ALLOC; mode++)
            batch(s, mode, qids, nq);
    /* Replaced and missing results, round-robin and on the last worker (remote on several
     * nodes); every size but the largest. */
    two[0] = -1;
    two[1] = nw - 1;
    for (s = 0; s < NSIZES - 1; s++)
        for (mode = REPLACED_BY_COPY; mode < NMODES; mode++)
            batch(s, mode, two, 2);

    sum = nested();
    waitall_waits();

    if (failures) {
        printf("future_result: FAIL: %d mismatches\n", failures);
        torc_finalize();
        return 1;
    }
    printf("future_result: sizes=%d futures=%d nested=%ld nodes=%d workers=%d ok\n", NSIZES,
           futures, sum, torc_num_nodes(), nw);
    free(qids);
    torc_finalize();
    return 0;
}
