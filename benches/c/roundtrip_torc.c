/* One remote task round trip with torc: the primary task (node 0) creates a task on the first
 * worker of node 1 with one double in (CALL_BY_COP) and one double out (CALL_BY_RES), and waits
 * for it; N times per round (a round also ends after `budget_ms` milliseconds, so that a slow
 * runtime does not take minutes), R rounds after one warm-up round. Prints the best and median
 * time per round trip in us. Needs at least 2 nodes.
 * Usage: mpirun -np 2 roundtrip_torc [iterations=2000] [reps=11] [budget_ms=500] */
#include <stdio.h>
#include <torc.h>
#include "bench_util.h"

static void add_one(double *in, double *out)
{
    *out = *in + 1.0;
}

int main(int argc, char *argv[])
{
    long iters = bench_arg(argc, argv, 1, 2000);
    int reps = (int)bench_arg(argc, argv, 2, 11);
    double budget = (double)bench_arg(argc, argv, 3, 500) * 1e-3;
    long fewest = iters;
    double *t = malloc((size_t)reps * sizeof *t), best, median;

    torc_register_task((void *)add_one);
    torc_init(argc, argv, MODE_MW);
    if (torc_num_nodes() < 2) {
        fprintf(stderr, "roundtrip_torc: needs at least 2 nodes, got %d\n", torc_num_nodes());
        torc_finalize();
        return 1;
    }
    /* Global worker ids are rank-major: node 1's first worker follows node 0's workers. */
    int remote = torc_i_num_workers();

    for (int r = -1; r < reps; r++) {
        double t0 = bench_now(), t1 = t0;
        long i;
        for (i = 0; i < iters && t1 - t0 < budget; i++) {
            double in = (double)i, out = -1.0;
            torc_task(remote, (void (*)())add_one, 2,
                      1, MPI_DOUBLE, CALL_BY_COP,
                      1, MPI_DOUBLE, CALL_BY_RES,
                      &in, &out);
            torc_waitall();
            if (out != in + 1.0) {
                fprintf(stderr, "roundtrip_torc: wrong result %g for input %g\n", out, in);
                torc_finalize();
                return 1;
            }
            t1 = bench_now();
        }
        if (r >= 0) {
            t[r] = (t1 - t0) / (double)i * 1e6;
            fewest = i < fewest ? i : fewest;
        }
    }
    bench_stats(t, reps, &best, &median);
    printf("roundtrip_torc nodes=%d workers=%d iterations=%ld reps=%d best_us=%.3f median_us=%.3f\n",
           torc_num_nodes(), torc_num_workers(), fewest, reps, best, median);
    fflush(stdout);
    free(t);
    torc_finalize();
    return 0;
}
