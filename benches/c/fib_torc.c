/* Nested Fibonacci with torc: each call above the cut-off creates two child tasks (qid -1,
 * round-robin over all workers of all nodes) and waits for them; below it computes
 * sequentially. The sequential version (plain recursion) is timed by the primary task in the
 * same process, alternating with the parallel rounds (so that a change of the machine's load
 * hits both). Prints the median times and the speed-up = median sequential / median parallel.
 * R rounds of each after one warm-up round.
 * Usage: fib_torc [n=32] [cutoff=20] [reps=5] */
#include <stdio.h>
#include <torc.h>
#include "bench_util.h"

__attribute__((noinline)) static long fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

static void fib_task(int *n, int *cutoff, long *res)
{
    int n1, n2;
    long r1 = 0, r2 = 0;

    if (*n < 2 || *n <= *cutoff) {
        *res = fib_seq(*n);
        return;
    }
    n1 = *n - 1;
    n2 = *n - 2;
    torc_task(-1, (void (*)())fib_task, 3,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES,
              &n1, cutoff, &r1);
    torc_task(-1, (void (*)())fib_task, 3,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES,
              &n2, cutoff, &r2);
    torc_waitall();
    *res = r1 + r2;
}

int main(int argc, char *argv[])
{
    int n = (int)bench_arg(argc, argv, 1, 32);
    int cutoff = (int)bench_arg(argc, argv, 2, 20);
    int reps = (int)bench_arg(argc, argv, 3, 5);
    double *seq = malloc((size_t)reps * sizeof *seq), *par = malloc((size_t)reps * sizeof *par);
    double best, seq_med, par_med;
    long expected = 0, result = -1;

    torc_register_task((void *)fib_task);
    torc_init(argc, argv, MODE_MW);

    for (int r = -1; r < reps; r++) {
        double t0 = bench_now();
        expected = fib_seq(*(volatile int *)&n); /* not hoisted out of the loop */
        if (r >= 0)
            seq[r] = bench_now() - t0;
        t0 = bench_now();
        result = -1;
        torc_task(-1, (void (*)())fib_task, 3,
                  1, MPI_INT, CALL_BY_COP,
                  1, MPI_INT, CALL_BY_COP,
                  1, MPI_LONG, CALL_BY_RES,
                  &n, &cutoff, &result);
        torc_waitall();
        if (r >= 0)
            par[r] = bench_now() - t0;
        if (result != expected) {
            fprintf(stderr, "fib_torc: fib(%d) = %ld, expected %ld\n", n, result, expected);
            torc_finalize();
            return 1;
        }
    }
    bench_stats(seq, reps, &best, &seq_med);
    bench_stats(par, reps, &best, &par_med);
    printf("fib_torc nodes=%d workers=%d n=%d cutoff=%d reps=%d seq_ms=%.3f par_ms=%.3f "
           "speedup=%.3f\n",
           torc_num_nodes(), torc_num_workers(), n, cutoff, reps, seq_med * 1e3, par_med * 1e3,
           seq_med / par_med);
    fflush(stdout);
    free(seq);
    free(par);
    torc_finalize();
    return 0;
}
