/* Helpers shared by the benchmark programs: a monotonic clock, best/median of samples, CPU
 * times, busy loops, a small deterministic random generator, and the start of the MPI and torc
 * programs that need 2 ranks. The timing loop itself is in timing.h. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts the n samples and stores the smallest and the median. */
static inline void bench_stats(double *v, int n, double *best, double *median)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    *best = v[0];
    *median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static inline long bench_arg(int argc, char **argv, int i, long dflt)
{
    long v = argc > i ? atol(argv[i]) : dflt;
    return v > 0 ? v : dflt;
}

/* args_torc.c / args_omp.c: `MODE [tasks=200000]` (MODE args4 or cop1), the inputs of the
 * args4 tasks and their results. */
struct bench_args4 {
    int four;
    long n;
    double v[3], ref, *res;
};

static inline struct bench_args4 bench_args4_of(int argc, char **argv)
{
    struct bench_args4 a = {argc > 1 && strcmp(argv[1], "args4") == 0,
                            bench_arg(argc, argv, 2, 200000), {0.5, 1.0, 2.0}, 0.25, NULL};
    a.res = calloc((size_t)a.n, sizeof *a.res);
    return a;
}

/* Checks the outputs of args_torc.c / args_omp.c's 4-argument tasks (res[i] = i * 0.5 + 0.5 +
 * 1.0 + 2.0 + 0.25); prints the first wrong one as `who: FAIL: ...` and returns 0 then. */
static inline int bench_check_args4(const char *who, const double *res, long n)
{
    for (long i = 0; i < n; i++) {
        if (res[i] != i * 0.5 + 3.25) {
            printf("%s: FAIL: res[%ld] = %g\n", who, i, res[i]);
            return 0;
        }
    }
    return 1;
}

/* CPU time (user + system) of the whole process, in seconds. */
static inline double bench_process_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* CPU time of the calling thread, in seconds. */
static inline double bench_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Busy-waits (never sleeps) until `seconds` of wall-clock time have passed. */
static inline void bench_spin_for(double seconds)
{
    double end = bench_now() + seconds;
    while (bench_now() < end)
        __asm__ volatile("" ::: "memory");
}

/* `n` rounds of integer work the compiler cannot remove. */
__attribute__((noinline, unused)) static uint64_t bench_work(uint64_t n)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint64_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}

/* Rounds of bench_work per second on this process's core when undisturbed: the fastest of
 * several short trials, so that a trial slowed down by another process does not count. */
static inline double bench_calibrate(void)
{
    uint64_t n = 1 << 16;
    double best = 0.0;
    /* Grow the trial to about 1 ms, then keep the fastest of 15 trials. */
    for (;;) {
        double t0 = bench_now();
        bench_work(n);
        if (bench_now() - t0 > 1e-3 || n > (1ull << 40))
            break;
        n *= 2;
    }
    for (int k = 0; k < 15; k++) {
        double t0 = bench_now();
        bench_work(n);
        double rate = (double)n / (bench_now() - t0);
        best = rate > best ? rate : best;
    }
    return best;
}

/* xorshift64*: a small deterministic generator; returns a double in [0, 1). */
static inline double bench_uniform(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 0x2545f4914f6cdd1dull) >> 11) * (1.0 / 9007199254740992.0);
}

/* An exponentially distributed value with the given mean. */
static inline double bench_exponential(uint64_t *s, double mean)
{
    return -mean * log(1.0 - bench_uniform(s));
}

#ifdef MPI_VERSION
/* Starts MPI (programs that include mpi.h first); stops the job unless it has 2 ranks or
 * more. Returns the number of ranks; `*rank` is this one. */
static inline int bench_mpi_start(const char *prog, int *argc, char ***argv, int *rank)
{
    int nranks;
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (nranks < 2) {
        fprintf(stderr, "%s: needs at least 2 ranks, got %d\n", prog, nranks);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return nranks;
}
#endif

#ifdef TORC_H
/* Whether torc runs on fewer than 2 nodes (programs that include torc.h first); then says so
 * and ends torc: the program returns 1. */
static inline int bench_too_few_nodes(const char *prog)
{
    if (torc_num_nodes() >= 2)
        return 0;
    fprintf(stderr, "%s: needs at least 2 nodes, got %d\n", prog, torc_num_nodes());
    torc_finalize();
    return 1;
}
#endif

#endif
