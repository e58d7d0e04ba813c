/* The timing loop of the benchmark programs: one warm-up round, then R timed rounds, each
 * round's figure kept, then their smallest, median and largest (bench_rounds); the same with
 * rounds of at most N calls that also end after a time budget (bench_budget_rounds); and, for
 * the torc programs that time one task at a time on a `local` or `remote` worker, their whole
 * program (bench_target_main, declared when torc.h was included first). The OpenMP programs
 * run bench_rounds in one thread of a parallel region (bench_omp_rounds).
 *
 * Included as "timing.h" beside the program, like bench_util.h, so the compiler finds it in
 * benches/c without an -I option. */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_util.h"

/* The figures of the timed rounds: the smallest ("best" for a time), the median and the
 * largest ("best" for an efficiency). */
struct bench_figures {
    double best, median, max;
};

/* One round of a benchmark: does the work being measured and returns the round's figure (a
 * time per operation, an efficiency, ...). `r` is -1 for the warm-up round, whose figure is
 * dropped, then 0 to reps - 1. */
typedef double (*bench_round_fn)(void *ctx, int r);

/* The figures of the `reps` rounds in t (sorted here, then freed). */
static inline struct bench_figures bench_figures_of(double *t, int reps)
{
    struct bench_figures f;
    bench_stats(t, reps, &f.best, &f.median);
    f.max = t[reps - 1];
    free(t);
    return f;
}

/* Runs the warm-up round, then `reps` timed rounds of `round`; returns their figures. */
static inline struct bench_figures bench_rounds(int reps, bench_round_fn round, void *ctx)
{
    double *t = malloc((size_t)reps * sizeof *t);
    round(ctx, -1);
    for (int r = 0; r < reps; r++)
        t[r] = round(ctx, r);
    return bench_figures_of(t, reps);
}

/* One call of a budgeted round (bench_budget_rounds): call number `i` of the round. */
typedef void (*bench_call_fn)(void *ctx, long i);

/* Runs the warm-up round, then `reps` timed rounds, each of at most `iters` calls of `call`
 * that also ends once `budget` seconds have passed: the clock is read after every call whose
 * number i has (i & mask) == mask (mask 0: after every call; 63: after every 64th, where
 * reading the clock every time would cost as much as the call). Returns the figures in
 * seconds per call; `*fewest` is the fewest calls a timed round made. Always inlined, so that
 * the call is too. */
static inline __attribute__((always_inline)) struct bench_figures
bench_budget_rounds(int reps, long iters, double budget, long mask, bench_call_fn call, void *ctx,
                    long *fewest)
{
    double *t = malloc((size_t)reps * sizeof *t);
    *fewest = iters;
    for (int r = -1; r < reps; r++) {
        double t0 = bench_now(), t1 = t0;
        long i;
        for (i = 0; i < iters && t1 - t0 < budget; i++) {
            call(ctx, i);
            if ((i & mask) == mask)
                t1 = bench_now();
        }
        t1 = bench_now();
        if (r >= 0) {
            t[r] = (t1 - t0) / (double)i;
            *fewest = i < *fewest ? i : *fewest;
        }
    }
    return bench_figures_of(t, reps);
}

/* The target named by `where` (`local` or `remote`) on a job of `nodes` nodes: 0 for local, 1
 * for remote; after saying why on stderr, -2 for another word and -1 for remote on fewer than
 * 2 nodes (the program's exit status is then minus that). */
static inline int bench_remote(const char *prog, const char *where, int nodes)
{
    int remote = strcmp(where, "remote") == 0;
    if (!remote && strcmp(where, "local") != 0) {
        fprintf(stderr, "%s: the first argument is local or remote, not %s\n", prog, where);
        return -2;
    }
    if (remote && nodes < 2) {
        fprintf(stderr, "%s: remote needs at least 2 nodes, got %d\n", prog, nodes);
        return -1;
    }
    return remote;
}

#ifdef _OPENMP
#include <omp.h>

/* bench_rounds run by one thread of a parallel region (the OpenMP programs, built with
 * -fopenmp: their rounds create tasks for the region's threads); `*threads` is the number of
 * threads of the region. */
static inline struct bench_figures bench_omp_rounds(int reps, bench_round_fn round, void *ctx,
                                                    int *threads)
{
    struct bench_figures f;
#pragma omp parallel
#pragma omp single
    {
        *threads = omp_get_num_threads();
        f = bench_rounds(reps, round, ctx);
    }
    return f;
}
#endif

#ifdef TORC_H
/* The whole program of the torc benchmarks that time one task at a time on a target worker
 * (future_torc.c, res_torc.c): `PROG local|remote [iterations=200000] [reps=11]
 * [budget_ms=500]`. Registers `task`, starts torc, runs the budgeted rounds of `call` (whose
 * context is the target's global worker id, an int) and prints the best and median time per
 * task in ns and the median in us. Returns the exit status. */
static inline __attribute__((always_inline)) int
bench_target_main(int argc, char *argv[], const char *prog, void *task, bench_call_fn call)
{
    const char *where = argc > 1 ? argv[1] : "local";
    long iters = bench_arg(argc, argv, 2, 200000), fewest;
    int reps = (int)bench_arg(argc, argv, 3, 11);
    double budget = (double)bench_arg(argc, argv, 4, 500) * 1e-3;

    torc_register_task(task);
    torc_init(argc, argv, MODE_MW);
    int remote = bench_remote(prog, where, torc_num_nodes());
    if (remote < 0) {
        torc_finalize();
        return -remote;
    }
    /* Global worker ids are rank-major: node 1's first worker follows node 0's workers. */
    int qid = remote ? torc_i_num_workers() : 0;

    struct bench_figures f =
        bench_budget_rounds(reps, iters, budget, remote ? 0 : 63, call, &qid, &fewest);
    torc_waitall();
    printf("%s target=%s nodes=%d workers=%d qid=%d iterations=%ld reps=%d "
           "best_ns=%.2f median_ns=%.2f median_us=%.3f\n",
           prog, where, torc_num_nodes(), torc_num_workers(), qid, fewest, reps, f.best * 1e9,
           f.median * 1e9, f.median * 1e6);
    fflush(stdout);
    torc_finalize();
    return 0;
}
#endif

#endif
