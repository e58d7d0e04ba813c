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
#include "timing.h"

static void twice_plus_one(long *in, long *out)
{
    *out = *in * 2 + 1;
}

/* One task to the worker *ctx with a CALL_BY_RES result, checked. */
static void call(void *ctx, long i)
{
    long in = i, out = -1;
    torc_task(*(int *)ctx, (void (*)())twice_plus_one, 2,
              1, MPI_LONG, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES,
              &in, &out);
    torc_waitall();
    if (out != 2 * in + 1) {
        fprintf(stderr, "res_torc: wrong result %ld for input %ld\n", out, in);
        torc_finalize();
        exit(1);
    }
}

int main(int argc, char *argv[])
{
    return bench_target_main(argc, argv, "res_torc", (void *)twice_plus_one, call);
}
