/* The peer of args_torc.c: OpenMP tasks (gcc/libgomp) with the same data, one thread of a
 * parallel region creating N tasks and waiting for them (taskwait); repeated R times after one
 * warm-up round. Threads: OMP_NUM_THREADS.
 *   cop1   task firstprivate(i)
 *   args4  task firstprivate(i, v) shared(ref, res): res[i] = i * v[0] + v[1] + v[2] + ref
 * Usage: args_omp MODE [tasks=200000] [reps=11] */
#include <stdio.h>
#include <string.h>
#include <omp.h>
#include "timing.h"

__attribute__((noinline)) static void cop1(int i)
{
    __asm__ volatile("" ::"r"(i) : "memory");
}

/* A round: n tasks of the mode, then the taskwait; the time per task in ns. */
static double round_of(void *ctx, int r)
{
    struct bench_args4 *a = ctx;
    double v[3] = {a->v[0], a->v[1], a->v[2]}, ref = a->ref, *res = a->res;
    long n = a->n;
    double t0 = bench_now();
    if (!a->four) {
        for (int i = 0; i < n; i++) {
#pragma omp task firstprivate(i)
            cop1(i);
        }
    } else {
        for (int i = 0; i < n; i++) {
#pragma omp task firstprivate(i, v) shared(ref, res)
            res[i] = i * v[0] + v[1] + v[2] + ref;
        }
    }
#pragma omp taskwait
    return (bench_now() - t0) / (double)n * 1e9;
}

int main(int argc, char *argv[])
{
    struct bench_args4 a = bench_args4_of(argc, argv);
    int reps = (int)bench_arg(argc, argv, 3, 11);
    int threads = 0;
    struct bench_figures f = bench_omp_rounds(reps, round_of, &a, &threads);
    if (a.four && !bench_check_args4("args_omp", a.res, a.n))
        return 1;
    printf("args_omp mode=%s threads=%d tasks=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
           a.four ? "args4" : "cop1", threads, a.n, reps, f.best, f.median);
    free(a.res);
    return 0;
}
