/* Uneven tasks with stealing: the primary task creates N tasks with qid -1 (round-robin over all
 * workers of all nodes) whose lengths are exponentially distributed (mean M us, fixed seed), and
 * waits for them. A task is a busy loop of integer work calibrated on its process to take its
 * length (no sleeping); it measures its own wall-clock time. Run with TORC_STEALING=1 so that
 * nodes (and workers) that run dry take queued tasks from the others.
 *
 *   efficiency         = sum of the tasks' measured times / (workers x elapsed)
 *   nominal_efficiency = sum of the tasks' nominal lengths / (workers x elapsed)
 *                        (lower when the tasks ran slower than calibrated, e.g. because a
 *                        runtime thread shared their core)
 *
 * R rounds after one short warm-up round; prints the best and median efficiency, and how many
 * tasks each node ran in the median round.
 * Usage: uneven_torc [tasks=400] [mean_us=2000] [reps=3] [seed=12345] */
#include <stdio.h>
#include <torc.h>
#include "bench_util.h"

/* Rounds of bench_work per second on this process, measured before torc_init. */
static double rate;

static void work(double *len_us, double *took_s, int *node)
{
    double t0 = bench_now();
    bench_work((uint64_t)(*len_us * 1e-6 * rate));
    *took_s = bench_now() - t0;
    *node = torc_node_id();
}

/* One round: creates the tasks, waits; returns the elapsed time. */
static double round_of(long n, const double *len, double *took, int *node)
{
    double t0 = bench_now();
    for (long i = 0; i < n; i++)
        torc_task(-1, (void (*)())work, 3,
                  1, MPI_DOUBLE, CALL_BY_COP,
                  1, MPI_DOUBLE, CALL_BY_RES,
                  1, MPI_INT, CALL_BY_RES,
                  &len[i], &took[i], &node[i]);
    torc_waitall();
    return bench_now() - t0;
}

int main(int argc, char *argv[])
{
    long n = bench_arg(argc, argv, 1, 400);
    double mean_us = (double)bench_arg(argc, argv, 2, 2000);
    int reps = (int)bench_arg(argc, argv, 3, 3);
    uint64_t seed = (uint64_t)bench_arg(argc, argv, 4, 12345);

    rate = bench_calibrate();
    torc_register_task((void *)work);
    torc_init(argc, argv, MODE_MW);

    int nodes = torc_num_nodes(), workers = torc_num_workers();
    double *len = malloc((size_t)n * sizeof *len), *took = malloc((size_t)n * sizeof *took);
    int *node = malloc((size_t)n * sizeof *node);
    double *eff = malloc((size_t)reps * sizeof *eff), *nom = malloc((size_t)reps * sizeof *nom);
    long *per_node = calloc((size_t)reps * (size_t)nodes, sizeof *per_node);
    double nominal = 0.0, best, median, nom_best, nom_median;

    uint64_t s = seed ? seed : 1;
    for (long i = 0; i < n; i++) {
        len[i] = bench_exponential(&s, mean_us);
        nominal += len[i] * 1e-6;
    }

    /* Warm-up: a tenth of the tasks, ten times shorter. */
    {
        long m = n / 10 > 0 ? n / 10 : 1;
        double *short_len = malloc((size_t)m * sizeof *short_len);
        for (long i = 0; i < m; i++)
            short_len[i] = len[i] / 10.0;
        round_of(m, short_len, took, node);
        free(short_len);
    }
    for (int r = 0; r < reps; r++) {
        double elapsed = round_of(n, len, took, node), busy = 0.0;
        for (long i = 0; i < n; i++) {
            busy += took[i];
            if (node[i] >= 0 && node[i] < nodes)
                per_node[r * nodes + node[i]]++;
        }
        eff[r] = busy / ((double)workers * elapsed);
        nom[r] = nominal / ((double)workers * elapsed);
    }
    /* The round with the median efficiency, for its per-node counts. */
    double *sorted = malloc((size_t)reps * sizeof *sorted);
    for (int r = 0; r < reps; r++)
        sorted[r] = eff[r];
    bench_stats(sorted, reps, &best, &median);
    int mid = 0;
    for (int r = 0; r < reps; r++)
        if (fabs(eff[r] - sorted[reps / 2]) < fabs(eff[mid] - sorted[reps / 2]))
            mid = r;
    bench_stats(nom, reps, &nom_best, &nom_median);
    /* bench_stats keeps the smallest as "best"; for an efficiency the largest is the best. */
    printf("uneven_torc nodes=%d workers=%d tasks=%ld mean_us=%.0f total_ms=%.1f reps=%d "
           "best_eff=%.4f median_eff=%.4f median_nominal_eff=%.4f tasks_per_node=",
           nodes, workers, n, mean_us, nominal * 1e3, reps, sorted[reps - 1], median,
           nom_median);
    for (int k = 0; k < nodes; k++)
        printf("%s%ld", k ? "/" : "", per_node[mid * nodes + k]);
    printf("\n");
    fflush(stdout);
    (void)best;
    (void)nom_best;
    free(len);
    free(took);
    free(node);
    free(eff);
    free(nom);
    free(per_node);
    free(sorted);
    torc_finalize();
    return 0;
}
