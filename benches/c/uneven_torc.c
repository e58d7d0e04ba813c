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
#include "timing.h"

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
static double run_tasks(long n, const double *len, double *took, int *node)
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

/* The tasks' lengths, the rounds' buffers and, per timed round, its efficiency, nominal
 * efficiency and the tasks each node ran. */
struct uneven {
    long n;
    int nodes, workers;
    double nominal, *len, *took, *eff, *nom;
    int *node;
    long *per_node;
};

/* A round (the warm-up round: a tenth of the tasks, ten times shorter); its efficiency. */
static double round_of(void *ctx, int r)
{
    struct uneven *c = ctx;
    if (r < 0) {
        long m = c->n / 10 > 0 ? c->n / 10 : 1;
        double *short_len = malloc((size_t)m * sizeof *short_len);
        for (long i = 0; i < m; i++)
            short_len[i] = c->len[i] / 10.0;
        run_tasks(m, short_len, c->took, c->node);
        free(short_len);
        return 0.0;
    }
    double elapsed = run_tasks(c->n, c->len, c->took, c->node), busy = 0.0;
    for (long i = 0; i < c->n; i++) {
        busy += c->took[i];
        if (c->node[i] >= 0 && c->node[i] < c->nodes)
            c->per_node[r * c->nodes + c->node[i]]++;
    }
    c->nom[r] = c->nominal / ((double)c->workers * elapsed);
    return c->eff[r] = busy / ((double)c->workers * elapsed);
}

int main(int argc, char *argv[])
{
    struct uneven c = {bench_arg(argc, argv, 1, 400)};
    double mean_us = (double)bench_arg(argc, argv, 2, 2000);
    int reps = (int)bench_arg(argc, argv, 3, 3);
    uint64_t seed = (uint64_t)bench_arg(argc, argv, 4, 12345);

    rate = bench_calibrate();
    torc_register_task((void *)work);
    torc_init(argc, argv, MODE_MW);

    c.nodes = torc_num_nodes();
    c.workers = torc_num_workers();
    c.len = malloc((size_t)c.n * sizeof *c.len);
    c.took = malloc((size_t)c.n * sizeof *c.took);
    c.node = malloc((size_t)c.n * sizeof *c.node);
    c.eff = malloc((size_t)reps * sizeof *c.eff);
    c.nom = malloc((size_t)reps * sizeof *c.nom);
    c.per_node = calloc((size_t)reps * (size_t)c.nodes, sizeof *c.per_node);
    double nom_best, nom_median;

    uint64_t s = seed ? seed : 1;
    for (long i = 0; i < c.n; i++) {
        c.len[i] = bench_exponential(&s, mean_us);
        c.nominal += c.len[i] * 1e-6;
    }

    struct bench_figures eff = bench_rounds(reps, round_of, &c);
    /* The round with the median efficiency (the middle one of the sorted), for its per-node
     * counts. */
    double *sorted = malloc((size_t)reps * sizeof *sorted), best, median;
    for (int r = 0; r < reps; r++)
        sorted[r] = c.eff[r];
    bench_stats(sorted, reps, &best, &median);
    int mid = 0;
    for (int r = 0; r < reps; r++)
        if (fabs(c.eff[r] - sorted[reps / 2]) < fabs(c.eff[mid] - sorted[reps / 2]))
            mid = r;
    bench_stats(c.nom, reps, &nom_best, &nom_median);
    /* For an efficiency the largest is the best. */
    printf("uneven_torc nodes=%d workers=%d tasks=%ld mean_us=%.0f total_ms=%.1f reps=%d "
           "best_eff=%.4f median_eff=%.4f median_nominal_eff=%.4f tasks_per_node=",
           c.nodes, c.workers, c.n, mean_us, c.nominal * 1e3, reps, eff.max, eff.median,
           nom_median);
    for (int k = 0; k < c.nodes; k++)
        printf("%s%ld", k ? "/" : "", c.per_node[mid * c.nodes + k]);
    printf("\n");
    fflush(stdout);
    (void)best;
    (void)median;
    (void)nom_best;
    free(c.len);
    free(c.took);
    free(c.node);
    free(c.eff);
    free(c.nom);
    free(c.per_node);
    free(sorted);
    torc_finalize();
    return 0;
}
