/* Cost of a task with an 8-byte result through a CALL_BY_RES argument, the peer of
 * benches/c/future_torc.c: the primary task creates a task with one long in (CALL_BY_COP) and
 * one long out (CALL_BY_RES, written by the task) through the variadic torc_task, and waits
 * for it (torc_waitall); N times per round (a round also ends after `budget_ms` milliseconds),
 * R rounds after one warm-up round.
 *
 * `local`: the task goes to worker 0, the primary task's own worker, which runs it while it
 * waits. `remote`: to the first worker of node 1 (needs at least 2 nodes): a round trip.
 * Prints the best and median time per task in ns and the median in us. Checks every result.
 * Usage: mpirun -np 1|2 res_torc local|remote [iterations=200000] [reps=11] [budget_ms=500] */
#include <stdio.h>
#include <string.h>
#include <torc.h>
#include "bench_util.h"

static void twice_plus_one(long *in, long *out)
{
    *out = *in * 2 + 1;
}

int main(int argc, char *argv[])
{
    const char *where = argc > 1 ? argv[1] : "local";
    long iters = bench_arg(argc, argv, 2, 200000);
    int reps = (int)bench_arg(argc, argv, 3, 11);
    double budget = (double)bench_arg(argc, argv, 4, 500) * 1e-3;
    long fewest = iters;
    double *t = malloc((size_t)reps * sizeof *t), best, median;
    int remote = strcmp(where, "remote") == 0;

    torc_register_task((void *)twice_plus_one);
    torc_init(argc, argv, MODE_MW);
    if (!remote && strcmp(where, "local") != 0) {
        fprintf(stderr, "res_torc: the first argument is local or remote, not %s\n", where);
        torc_finalize();
        return 2;
    }
    if (remote && torc_num_nodes() < 2) {
        fprintf(stderr, "res_torc: remote needs at least 2 nodes, got %d\n", torc_num_nodes());
        torc_finalize();
        return 1;
    }
    /* Global worker ids are rank-major: node 1's first worker follows node 0's workers. */
    int qid = remote ? torc_i_num_workers() : 0;

    for (int r = -1; r < reps; r++) {
        double t0 = bench_now(), t1 = t0;
        long i;
        for (i = 0; i < iters && t1 - t0 < budget; i++) {
            long in = i, out = -1;
            torc_task(qid, (void (*)())twice_plus_one, 2,
                      1, MPI_LONG, CALL_BY_COP,
                      1, MPI_LONG, CALL_BY_RES,
                      &in, &out);
            torc_waitall();
            if (out != 2 * in + 1) {
                fprintf(stderr, "res_torc: wrong result %ld for input %ld\n", out, in);
                torc_finalize();
                return 1;
            }
            /* Reading the clock every time would cost as much as a local task. */
            if ((i & 63) == 63 || remote)
                t1 = bench_now();
        }
        t1 = bench_now();
        if (r >= 0) {
            t[r] = (t1 - t0) / (double)i * 1e9;
            fewest = i < fewest ? i : fewest;
        }
    }
    bench_stats(t, reps, &best, &median);
    printf("res_torc target=%s nodes=%d workers=%d qid=%d iterations=%ld reps=%d "
           "best_ns=%.2f median_ns=%.2f median_us=%.3f\n",
           where, torc_num_nodes(), torc_num_workers(), qid, fewest, reps, best, median,
           median * 1e-3);
    fflush(stdout);
    free(t);
    torc_finalize();
    return 0;
}
