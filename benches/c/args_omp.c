/* The peer of args_torc.c: OpenMP tasks (gcc/libgomp) with the same data, one thread of a
 * parallel region creating N tasks and waiting for them (taskwait); repeated R times after one
 * warm-up round. Threads: OMP_NUM_THREADS.
 *   cop1   task firstprivate(i)
 *   args4  task firstprivate(i, v) shared(ref, res): res[i] = i * v[0] + v[1] + v[2] + ref
 * Usage: args_omp MODE [tasks=200000] [reps=11] */
#include <stdio.h>
#include <string.h>
#include <omp.h>
#include "bench_util.h"

__attribute__((noinline)) static void cop1(int i)
{
    __asm__ volatile("" ::"r"(i) : "memory");
}

int main(int argc, char *argv[])
{
    int four = argc > 1 && strcmp(argv[1], "args4") == 0;
    long n = bench_arg(argc, argv, 2, 200000);
    int reps = (int)bench_arg(argc, argv, 3, 11);
    double *t = malloc((size_t)reps * sizeof *t), best, median;
    double *res = calloc((size_t)n, sizeof *res);
    double v[3] = {0.5, 1.0, 2.0}, ref = 0.25;
    int threads = 0;

#pragma omp parallel
#pragma omp single
    {
        threads = omp_get_num_threads();
        for (int r = -1; r < reps; r++) {
            double t0 = bench_now();
            if (four) {
                for (int i = 0; i < n; i++) {
#pragma omp task firstprivate(i, v) shared(ref, res)
                    res[i] = i * v[0] + v[1] + v[2] + ref;
                }
            } else {
                for (int i = 0; i < n; i++) {
#pragma omp task firstprivate(i)
                    cop1(i);
                }
            }
#pragma omp taskwait
            if (r >= 0)
                t[r] = (bench_now() - t0) / (double)n * 1e9;
        }
    }
    if (four && !bench_check_args4("args_omp", res, n))
        return 1;
    bench_stats(t, reps, &best, &median);
    printf("args_omp mode=%s threads=%d tasks=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
           four ? "args4" : "cop1", threads, n, reps, best, median);
    free(t);
    free(res);
    return 0;
}
