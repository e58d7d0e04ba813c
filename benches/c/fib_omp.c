/* The peer of fib_torc.c: nested Fibonacci with OpenMP tasks (gcc/libgomp), same cut-off, and
 * its speed-up over the same sequential recursion timed in the same process, alternating
 * with the parallel rounds. Threads:
 * OMP_NUM_THREADS. Usage: fib_omp [n=32] [cutoff=20] [reps=5] */
#include <stdio.h>
#include <omp.h>
#include "bench_util.h"

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

int main(int argc, char *argv[])
{
    int n = (int)bench_arg(argc, argv, 1, 32);
    int cutoff = (int)bench_arg(argc, argv, 2, 20);
    int reps = (int)bench_arg(argc, argv, 3, 5);
    double *seq = malloc((size_t)reps * sizeof *seq), *par = malloc((size_t)reps * sizeof *par);
    double best, seq_med, par_med;
    long expected = 0, result = -1;
    int threads = 0;

#pragma omp parallel
#pragma omp single
    {
        threads = omp_get_num_threads();
        for (int r = -1; r < reps; r++) {
            double t0 = bench_now();
            expected = fib_seq(*(volatile int *)&n); /* not hoisted out of the loop */
            if (r >= 0)
                seq[r] = bench_now() - t0;
            t0 = bench_now();
            result = fib_par(n, cutoff);
            if (r >= 0)
                par[r] = bench_now() - t0;
        }
    }
    if (result != expected) {
        fprintf(stderr, "fib_omp: fib(%d) = %ld, expected %ld\n", n, result, expected);
        return 1;
    }
    bench_stats(seq, reps, &best, &seq_med);
    bench_stats(par, reps, &best, &par_med);
    printf("fib_omp threads=%d n=%d cutoff=%d reps=%d seq_ms=%.3f par_ms=%.3f speedup=%.3f\n",
           threads, n, cutoff, reps, seq_med * 1e3, par_med * 1e3, seq_med / par_med);
    free(seq);
    free(par);
    return 0;
}
