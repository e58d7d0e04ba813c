/* Helpers shared by the benchmark programs: a monotonic clock and best/median of samples. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts the n samples and stores the smallest and the median. */
static void bench_stats(double *v, int n, double *best, double *median)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    *best = v[0];
    *median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static long bench_arg(int argc, char **argv, int i, long dflt)
{
    long v = argc > i ? atol(argv[i]) : dflt;
    return v > 0 ? v : dflt;
}

#endif
