/* The peer of empty_torc.c: OpenMP tasks (gcc/libgomp). One thread of a parallel region creates
 * N empty tasks and waits for them (taskwait); repeated R times after one warm-up round. Prints
 * the best and median time per task in ns. Threads: OMP_NUM_THREADS.
 * Usage: empty_omp [tasks=200000] [reps=11] */
#include <stdio.h>
#include <omp.h>
#include "timing.h"

__attribute__((noinline)) static void empty(void)
{
    __asm__ volatile("" ::: "memory");
}

/* A round: n empty tasks, then the taskwait; the time per task in ns. */
static double round_of(void *ctx, int r)
{
    long n = *(long *)ctx;
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
#pragma omp task
        empty();
    }
#pragma omp taskwait
    return (bench_now() - t0) / (double)n * 1e9;
}

int main(int argc, char *argv[])
{
    long n = bench_arg(argc, argv, 1, 200000);
    int reps = (int)bench_arg(argc, argv, 2, 11);
    int threads = 0;
    struct bench_figures f = bench_omp_rounds(reps, round_of, &n, &threads);
    printf("empty_omp threads=%d tasks=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
           threads, n, reps, f.best, f.median);
    return 0;
}
