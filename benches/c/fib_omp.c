/* The peer of fib_torc.c: nested Fibonacci with OpenMP tasks (gcc/libgomp), same cut-off, and
 * its speed-up over the same sequential recursion timed in the same process, alternating
 * with the parallel rounds. Threads:
 * OMP_NUM_THREADS. Usage: fib_omp [n=32] [cutoff=20] [reps=5] */
#include <stdio.h>
#include <omp.h>
#include "timing.h"

__attribute__((noinline)) static long fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

static long fib_par(int n, int cutoff)
{
    long a, b;
    if (n < 2 || n <= cutoff)
        return fib_seq(n);
#pragma omp task shared(a)
    a = fib_par(n - 1, cutoff);
#pragma omp task shared(b)
    b = fib_par(n - 2, cutoff);
#pragma omp taskwait
    return a + b;
}

/* The input, per timed round the sequential time, and the last round's results. */
struct fib {
    int n, cutoff;
    double *seq;
    long result, expected;
};

/* A round: the sequential recursion, then the tasks; the parallel time in s. */
static double round_of(void *ctx, int r)
{
    struct fib *c = ctx;
    double t0 = bench_now();
    c->expected = fib_seq(*(volatile int *)&c->n); /* not hoisted out of the loop */
    if (r >= 0)
        c->seq[r] = bench_now() - t0;
    t0 = bench_now();
    c->result = fib_par(c->n, c->cutoff);
    return bench_now() - t0;
}

int main(int argc, char *argv[])
{
    struct fib c = {(int)bench_arg(argc, argv, 1, 32), (int)bench_arg(argc, argv, 2, 20)};
    int reps = (int)bench_arg(argc, argv, 3, 5);
    double best, seq_med;
    int threads = 0;
    c.seq = malloc((size_t)reps * sizeof *c.seq);
    c.result = -1;

    struct bench_figures par = bench_omp_rounds(reps, round_of, &c, &threads);
    if (c.result != c.expected) {
        fprintf(stderr, "fib_omp: fib(%d) = %ld, expected %ld\n", c.n, c.result, c.expected);
        return 1;
    }
    bench_stats(c.seq, reps, &best, &seq_med);
    printf("fib_omp threads=%d n=%d cutoff=%d reps=%d seq_ms=%.3f par_ms=%.3f speedup=%.3f\n",
           threads, c.n, c.cutoff, reps, seq_med * 1e3, par.median * 1e3, seq_med / par.median);
    free(c.seq);
    return 0;
}
