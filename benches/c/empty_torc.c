/* Empty-task overhead of torc: the primary task creates N tasks without arguments (qid -1:
 * round-robin over all workers of all nodes) and waits for them; repeated R times after one
 * warm-up round. Prints the best and median time per task in ns.
 * Usage: empty_torc [tasks=200000] [reps=11] */
#include <stdio.h>
#include <torc.h>
#include "timing.h"

__attribute__((noinline)) static void empty(void)
{
    __asm__ volatile("" ::: "memory");
}

/* A round: n tasks without arguments, then the wait; the time per task in ns. */
static double round_of(void *ctx, int r)
{
    long n = *(long *)ctx;
    double t0 = bench_now();
    for (long i = 0; i < n; i++)
        torc_task(-1, (void (*)())empty, 0);
    torc_waitall();
    return (bench_now() - t0) / (double)n * 1e9;
}

int main(int argc, char *argv[])
{
    long n = bench_arg(argc, argv, 1, 200000);
    int reps = (int)bench_arg(argc, argv, 2, 11);

    torc_register_task((void *)empty);
    torc_init(argc, argv, MODE_MW);

    struct bench_figures f = bench_rounds(reps, round_of, &n);
    printf("empty_torc nodes=%d workers=%d tasks=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
           torc_num_nodes(), torc_num_workers(), n, reps, f.best, f.median);
    fflush(stdout);
    torc_finalize();
    return 0;
}
