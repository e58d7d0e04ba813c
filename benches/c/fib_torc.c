/* Nested Fibonacci with torc: each call above the cut-off creates two child tasks (qid -1,
 * round-robin over all workers of all nodes) and waits for them; below it computes
 * sequentially. The sequential version (plain recursion) is timed by the primary task in the
 * same process, alternating with the parallel rounds (so that a change of the machine's load
 * hits both). Prints the median times and the speed-up = median sequential / median parallel.
 * R rounds of each after one warm-up round.
 * Usage: fib_torc [n=32] [cutoff=20] [reps=5] */
#include <stdio.h>
#include <torc.h>
#include "timing.h"

__attribute__((noinline)) static long fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

/* fib(*n) as a task, which computes it with child tasks above the cut-off. */
static void spawn_fib(int *n, int *cutoff, long *res);

static void fib_task(int *n, int *cutoff, long *res)
{
    if (*n < 2 || *n <= *cutoff) {
        *res = fib_seq(*n);
        return;
    }
    int n1 = *n - 1, n2 = *n - 2;
    long r1 = 0, r2 = 0;
    spawn_fib(&n1, cutoff, &r1);
    spawn_fib(&n2, cutoff, &r2);
    torc_waitall();
    *res = r1 + r2;
}

static void spawn_fib(int *n, int *cutoff, long *res)
{
    torc_task(-1, (void (*)())fib_task, 3,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES,
              n, cutoff, res);
}

/* The input and, per timed round, the sequential time. */
struct fib {
    int n, cutoff;
    double *seq;
};

/* A round: the sequential recursion, then the tasks, their results compared; the parallel
 * time in s. */
static double round_of(void *ctx, int r)
{
    struct fib *c = ctx;
    long expected, result = -1;
    double t0 = bench_now();
    expected = fib_seq(*(volatile int *)&c->n); /* not hoisted out of the loop */
    if (r >= 0)
        c->seq[r] = bench_now() - t0;
    t0 = bench_now();
    spawn_fib(&c->n, &c->cutoff, &result);
    torc_waitall();
    double par = bench_now() - t0;
    if (result != expected) {
        fprintf(stderr, "fib_torc: fib(%d) = %ld, expected %ld\n", c->n, result, expected);
        torc_finalize();
        exit(1);
    }
    return par;
}

int main(int argc, char *argv[])
{
    struct fib c = {(int)bench_arg(argc, argv, 1, 32), (int)bench_arg(argc, argv, 2, 20)};
    int reps = (int)bench_arg(argc, argv, 3, 5);
    double best, seq_med;
    c.seq = malloc((size_t)reps * sizeof *c.seq);

    torc_register_task((void *)fib_task);
    torc_init(argc, argv, MODE_MW);

    struct bench_figures par = bench_rounds(reps, round_of, &c);
    bench_stats(c.seq, reps, &best, &seq_med);
    printf("fib_torc nodes=%d workers=%d n=%d cutoff=%d reps=%d seq_ms=%.3f par_ms=%.3f "
           "speedup=%.3f\n",
           torc_num_nodes(), torc_num_workers(), c.n, c.cutoff, reps, seq_med * 1e3,
           par.median * 1e3, seq_med / par.median);
    fflush(stdout);
    free(c.seq);
    torc_finalize();
    return 0;
}
