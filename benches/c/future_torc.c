/* Cost of a task with an 8-byte result through a torc future (the torc extension of torc.h):
 * the primary task creates a task with one long in (CALL_BY_COP) through the variadic
 * torc_task_future, waits for it (torc_future_wait), reads its 8-byte result (set by the task
 * with torc_result) with torc_future_copy and releases the handle (torc_future_free); N times
 * per round (a round also ends after `budget_ms` milliseconds), R rounds after one warm-up
 * round. The same with a CALL_BY_RES argument instead is benches/c/res_torc.c.
 *
 * `local`: the task goes to worker 0, the primary task's own worker, which runs it while it
 * waits. `remote`: to the first worker of node 1 (needs at least 2 nodes): a round trip.
 * Prints the best and median time per task in ns and the median in us. Checks every result.
 * Usage: mpirun -np 1|2 future_torc local|remote [iterations=200000] [reps=11] [budget_ms=500] */
#include <stdio.h>
#include <string.h>
#include <torc.h>
#include "timing.h"

static void twice_plus_one(long *in)
{
    long r = *in * 2 + 1;
    torc_result(&r, (long)sizeof r);
}

/* One task through a future to the worker *ctx, its result checked. */
static void call(void *ctx, long i)
{
    long in = i, out = -1;
    torc_future_t *h = torc_task_future(*(int *)ctx, (void (*)())twice_plus_one, 1,
                                        1, MPI_LONG, CALL_BY_COP,
                                        &in);
    torc_future_wait(h);
    long len = torc_future_copy(h, &out, (long)sizeof out);
    torc_future_free(h);
    if (len != (long)sizeof out || out != 2 * in + 1) {
        fprintf(stderr, "future_torc: wrong result %ld (%ld bytes) for input %ld\n", out, len,
                in);
        torc_finalize();
        exit(1);
    }
}

int main(int argc, char *argv[])
{
    return bench_target_main(argc, argv, "future_torc", (void *)twice_plus_one, call);
}
