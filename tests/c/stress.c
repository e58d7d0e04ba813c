/* Stress programs for one node; argv[1] picks the scenario, and each prints its totals.
 *
 *   tree  [mid] [leaves] : the primary creates `mid` tasks, each creating `leaves` leaf tasks
 *                          (COP inputs, RES output); every result is checked exactly.
 *   chain [depth] [hop]  : a task creates one child with level+1 until `depth`; each checks
 *                          torc_getlevel(); results flow back through RES. With hop=1 each
 *                          child goes to the next worker (qid), so waits cross workers.
 *   comb  [depth] [sibs] [fibn] : a chain of `depth` levels where every level also creates
 *                          `sibs` siblings computing fib(fibn) with a task per call and a wait
 *                          at every level, while the chain itself waits at every level: waiting
 *                          workers must run other tasks (or others must steal) without
 *                          deadlock.
 *   chains [n] [depth]   : `n` independent chains of `depth` levels at once (qid -1 spreads
 *                          them over the workers), each waiting at every level.
 *
 * Exit status 0 only when every check passed. */
#include <torc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"

static long errors;

#define FAIL(...)                                                                           \
    do {                                                                                    \
        if (__sync_fetch_and_add(&errors, 1) < 10)                                          \
            fprintf(stderr, "stress: " __VA_ARGS__);                                        \
    } while (0)

/* ---- tree ------------------------------------------------------------------------------------ */

static void leaf(int *i, int *j, int *leaves, long long *out)
{
    *out = (long long)*i * *leaves + *j + 1;
}

static void mid(int *i, int *leaves, long long *out)
{
    int n = *leaves, j;
    long long *res = malloc(sizeof(long long) * (size_t)n);
    long long sum = 0;
    if (torc_getlevel() != 1)
        FAIL("mid %d runs at level %d\n", *i, torc_getlevel());
    for (j = 0; j < n; j++) {
        res[j] = -1;
        torc_task(-1, (void (*)())leaf, 4, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1,
                  MPI_INT, CALL_BY_COP, 1, MPI_LONG_LONG, CALL_BY_RES, i, &j, leaves, &res[j]);
    }
    torc_waitall();
    for (j = 0; j < n; j++) {
        long long want = (long long)*i * n + j + 1;
        if (res[j] != want)
            FAIL("leaf (%d, %d) gave %lld, expected %lld\n", *i, j, res[j], want);
        sum += res[j];
    }
    free(res);
    *out = sum;
}

static int run_tree(int nmid, int leaves)
{
    long long *res = malloc(sizeof(long long) * (size_t)nmid);
    long long total = 0, n = (long long)nmid * leaves, want = n * (n + 1) / 2;
    int i;
    for (i = 0; i < nmid; i++) {
        res[i] = -1;
        torc_task(-1, (void (*)())mid, 3, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1,
                  MPI_LONG_LONG, CALL_BY_RES, &i, &leaves, &res[i]);
    }
    torc_waitall();
    for (i = 0; i < nmid; i++)
        total += res[i];
    free(res);
    printf("tree: tasks=%lld total=%lld\n", n + nmid, total);
    if (total != want)
        FAIL("tree total %lld, expected %lld\n", total, want);
    return 0;
}

/* ---- chain ----------------------------------------------------------------------------------- */

/* params: depth, hop (0: the child goes wherever qid -1 puts it; 1: to the next worker, so
 * that every level waits on a task running on another worker). */
static void chain(int *level, int *params, long long *out)
{
    long long sub = 0;
    int next = *level + 1;
    if (torc_getlevel() != *level)
        FAIL("chain task of level %d sees torc_getlevel() = %d\n", *level, torc_getlevel());
    if (*level < params[0]) {
        int qid = params[1] ? torc_sched_nextcpu(torc_worker_id(), 1) : -1;
        torc_task(qid, (void (*)())chain, 3, 1, MPI_INT, CALL_BY_COP, 2, MPI_INT, CALL_BY_COP,
                  1, MPI_LONG_LONG, CALL_BY_RES, &next, params, &sub);
        torc_waitall();
        if (torc_getlevel() != *level)
            FAIL("after its wait, level %d sees torc_getlevel() = %d\n", *level,
                 torc_getlevel());
    }
    *out = sub + *level;
}

static int run_chain(int depth, int hop)
{
    int one = 1, params[2];
    long long total = -1, want = (long long)depth * (depth + 1) / 2;
    params[0] = depth;
    params[1] = hop;
    torc_task(-1, (void (*)())chain, 3, 1, MPI_INT, CALL_BY_COP, 2, MPI_INT, CALL_BY_COP, 1,
              MPI_LONG_LONG, CALL_BY_RES, &one, params, &total);
    torc_waitall();
    printf("chain: depth=%d hop=%d total=%lld\n", depth, hop, total);
    if (total != want)
        FAIL("chain total %lld, expected %lld\n", total, want);
    return 0;
}

/* ---- comb: a waiting chain with waiting subtrees hanging off every level ------------------- */

static long fib_serial(int n)
{
    return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2);
}

static void fib(int *n, long *out)
{
    long a = 0, b = 0;
    int n1 = *n - 1, n2 = *n - 2;
    if (*n < 2) {
        *out = *n;
        return;
    }
    torc_task(-1, (void (*)())fib, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &n1, &a);
    torc_task(-1, (void (*)())fib, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &n2, &b);
    torc_waitall();
    *out = a + b;
}

/* params: depth, siblings, fib n */
static void comb(int *level, int *params, long long *out)
{
    int next = *level + 1, s, sibs = params[1];
    long fibs[16];
    long long sub = 0, sum = 0;
    if (torc_getlevel() != *level)
        FAIL("comb task of level %d sees torc_getlevel() = %d\n", *level, torc_getlevel());
    if (*level < params[0])
        torc_task(-1, (void (*)())comb, 3, 1, MPI_INT, CALL_BY_COP, 3, MPI_INT, CALL_BY_COP, 1,
                  MPI_LONG_LONG, CALL_BY_RES, &next, params, &sub);
    for (s = 0; s < sibs; s++)
        torc_task(-1, (void (*)())fib, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  &params[2], &fibs[s]);
    torc_waitall();
    for (s = 0; s < sibs; s++)
        sum += fibs[s];
    *out = sub + sum + *level;
}

static int run_comb(int depth, int sibs, int fibn)
{
    int one = 1, params[3];
    long long total = -1, want;
    long f = fib_serial(fibn);
    long long fib_tasks = 2 * fib_serial(fibn + 1) - 1;
    if (sibs > 16)
        sibs = 16;
    params[0] = depth;
    params[1] = sibs;
    params[2] = fibn;
    want = (long long)depth * (depth + 1) / 2 + (long long)depth * sibs * f;
    torc_task(-1, (void (*)())comb, 3, 1, MPI_INT, CALL_BY_COP, 3, MPI_INT, CALL_BY_COP, 1,
              MPI_LONG_LONG, CALL_BY_RES, &one, params, &total);
    torc_waitall();
    printf("comb: depth=%d tasks=%lld total=%lld\n", depth,
           (long long)depth * (1 + sibs * fib_tasks), total);
    if (total != want)
        FAIL("comb total %lld, expected %lld\n", total, want);
    return 0;
}

/* ---- many chains at once ------------------------------------------------------------------- */

static int run_chains(int n, int depth)
{
    int one = 1, i, params[2];
    long long *res = malloc(sizeof(long long) * (size_t)n);
    long long total = 0, want = (long long)n * depth * (depth + 1) / 2;
    params[0] = depth;
    params[1] = 0;
    for (i = 0; i < n; i++) {
        res[i] = -1;
        torc_task(-1, (void (*)())chain, 3, 1, MPI_INT, CALL_BY_COP, 2, MPI_INT, CALL_BY_COP, 1,
                  MPI_LONG_LONG, CALL_BY_RES, &one, params, &res[i]);
    }
    torc_waitall();
    for (i = 0; i < n; i++)
        total += res[i];
    free(res);
    printf("chains: n=%d depth=%d total=%lld\n", n, depth, total);
    if (total != want)
        FAIL("chains total %lld, expected %lld\n", total, want);
    return 0;
}

static int arg(int argc, char **argv, int i, int def)
{
    return argc > i ? atoi(argv[i]) : def;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "tree";
    torc_time_t t0;

    REGISTER_TASKS(leaf, mid, chain, fib, comb);
    torc_init(argc, argv, MODE_MW);
    t0 = torc_gettime();

    if (!strcmp(what, "tree"))
        run_tree(arg(argc, argv, 2, 1000), arg(argc, argv, 3, 1000));
    else if (!strcmp(what, "chain"))
        run_chain(arg(argc, argv, 2, 1000), arg(argc, argv, 3, 0));
    else if (!strcmp(what, "comb"))
        run_comb(arg(argc, argv, 2, 200), arg(argc, argv, 3, 3), arg(argc, argv, 4, 10));
    else if (!strcmp(what, "chains"))
        run_chains(arg(argc, argv, 2, 8), arg(argc, argv, 3, 300));
    else {
        fprintf(stderr, "stress: unknown scenario %s\n", what);
        return 2;
    }
    fprintf(stderr, "stress: %s took %.2f s on %d workers\n", what, torc_gettime() - t0,
            torc_num_workers());
    torc_finalize();
    if (errors) {
        fprintf(stderr, "stress: %ld errors\n", errors);
        return 1;
    }
    printf("stress: ok\n");
    return 0;
}
