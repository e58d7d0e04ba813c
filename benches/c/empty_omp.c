/* The peer of empty_torc.c: OpenMP tasks (gcc/libgomp). One thread of a parallel region creates
 * N empty tasks and waits for them (taskwait); repeated R times after one warm-up round. Prints
 * the best and median time per task in ns. Threads: OMP_NUM_THREADS.
 * Usage: empty_omp [tasks=200000] [reps=11] */
#include <stdio.h>
#include <omp.h>
#include "bench_util.h"

__attribute__((noinline)) static void empty(void)
{
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char *argv[])
{
    long n = bench_arg(argc, argv, 1, 200000);
    int reps = (int)bench_arg(argc, argv, 2, 11);
    double *t = malloc((size_t)reps * sizeof *t), best, median;
    int threads = 0;

#pragma omp parallel
#pragma omp single
    {
        threads = omp_get_num_threads();
        for (int r = -1; r < reps; r++) {
            double t0 = bench_now();
            for (long i = 0; i < n; i++) {
#pragma omp task
                empty();
            }
#pragma omp taskwait
            if (r >= 0)
                t[r] = (bench_now() - t0) / (double)n * 1e9;
        }
    }
    bench_stats(t, reps, &best, &median);
    printf("empty_omp threads=%d tasks=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
           threads, n, reps, best, median);
    free(t);
    return 0;
}
