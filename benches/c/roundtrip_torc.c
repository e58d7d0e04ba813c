/* One remote task round trip with torc: the primary task (node 0) creates a task on the first
 * worker of node 1 with one double in (CALL_BY_COP) and one double out (CALL_BY_RES), and waits
 * for it; N times per round (a round also ends after `budget_ms` milliseconds, so that a slow
 * runtime does not take minutes), R rounds after one warm-up round. Prints the best and median
 * time per round trip in us. Needs at least 2 nodes.
 * Usage: mpirun -np 2 roundtrip_torc [iterations=2000] [reps=11] [budget_ms=500] */
#include <stdio.h>
#include <torc.h>
#include "timing.h"

static void add_one(double *in, double *out)
{
    *out = *in + 1.0;
}

/* One task to the worker *ctx and back, its result checked. */
static void call(void *ctx, long i)
{
    double in = (double)i, out = -1.0;
    torc_task(*(int *)ctx, (void (*)())add_one, 2,
              1, MPI_DOUBLE, CALL_BY_COP,
              1, MPI_DOUBLE, CALL_BY_RES,
              &in, &out);
    torc_waitall();
    if (out != in + 1.0) {
        fprintf(stderr, "roundtrip_torc: wrong result %g for input %g\n", out, in);
        torc_finalize();
        exit(1);
    }
}

int main(int argc, char *argv[])
{
    long iters = bench_arg(argc, argv, 1, 2000), fewest;
    int reps = (int)bench_arg(argc, argv, 2, 11);
    double budget = (double)bench_arg(argc, argv, 3, 500) * 1e-3;

    torc_register_task((void *)add_one);
    torc_init(argc, argv, MODE_MW);
    if (bench_too_few_nodes("roundtrip_torc"))
        return 1;
    /* Global worker ids are rank-major: node 1's first worker follows node 0's workers. */
    int remote = torc_i_num_workers();

    /* The clock is read after every round trip. */
    struct bench_figures f = bench_budget_rounds(reps, iters, budget, 0, call, &remote, &fewest);
    printf("roundtrip_torc nodes=%d workers=%d iterations=%ld reps=%d best_us=%.3f median_us=%.3f\n",
           torc_num_nodes(), torc_num_workers(), fewest, reps, f.best * 1e6, f.median * 1e6);
    fflush(stdout);
    torc_finalize();
    return 0;
}
