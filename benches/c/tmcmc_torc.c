/* A population-based sampler of the TMCMC kind (the workload TORC was built for): G generations
 * of P tasks each. A task takes a sample's parameters (CALL_BY_COP, 4 doubles) and computes its
 * log-likelihood (CALL_BY_RES, 1 double) with integer work calibrated on its process to take
 * 50-500 us (a fixed spread, so generations are uneven). The primary task waits after each
 * generation, then resamples: it picks the next generation's parents by their weights and
 * perturbs them (sequential, a few microseconds per sample), as TMCMC does.
 *
 *   efficiency = sum of the tasks' measured times / (workers x elapsed), the primary task's
 *                resampling included in `elapsed` (as in a real run)
 *
 * R rounds of the whole sampler after one short warm-up; prints the best and median
 * efficiency and checks that every likelihood came back.
 * Usage: tmcmc_torc [generations=5] [population=2000] [reps=3] */
#include <stdio.h>
#include <torc.h>
#include "timing.h"

/* Rounds of bench_work per second on this process, measured before torc_init. */
static double rate;

/* The cost model: 50-500 us, from the sample's first coordinate (in [0, 1)). */
static double cost_us(const double *theta)
{
    double u = theta[0] - (double)(long)theta[0];
    return 50.0 + 450.0 * (u < 0 ? -u : u);
}

static void likelihood(double *theta, double *loglik, double *took)
{
    double t0 = bench_now();
    bench_work((uint64_t)(cost_us(theta) * 1e-6 * rate));
    double s = 0.0;
    for (int k = 0; k < 4; k++)
        s -= (theta[k] - 0.5) * (theta[k] - 0.5);
    *loglik = s;
    *took = bench_now() - t0;
}

/* One generation: a task per sample; waits for them. */
static void generation(long p, double *theta, double *loglik, double *took)
{
    for (long i = 0; i < p; i++)
        torc_task(-1, (void (*)())likelihood, 3,
                  4, MPI_DOUBLE, CALL_BY_COP,
                  1, MPI_DOUBLE, CALL_BY_RES,
                  1, MPI_DOUBLE, CALL_BY_RES,
                  &theta[4 * i], &loglik[i], &took[i]);
    torc_waitall();
}

/* The next generation from this one: parents drawn by weight exp(loglik - max), moved a bit. */
static void resample(long p, double *theta, const double *loglik, uint64_t *s)
{
    double max = loglik[0], total = 0.0;
    for (long i = 1; i < p; i++)
        if (loglik[i] > max)
            max = loglik[i];
    double *w = malloc((size_t)p * sizeof *w), *next = malloc((size_t)p * 4 * sizeof *next);
    for (long i = 0; i < p; i++) {
        w[i] = exp(loglik[i] - max);
        total += w[i];
    }
    for (long i = 0; i < p; i++) {
        double u = bench_uniform(s) * total, acc = 0.0;
        long j = 0;
        while (j < p - 1 && (acc += w[j]) < u)
            j++;
        for (int k = 0; k < 4; k++)
            next[4 * i + k] = theta[4 * j + k] + 0.05 * (bench_uniform(s) - 0.5);
    }
    for (long i = 0; i < 4 * p; i++)
        theta[i] = next[i];
    free(w);
    free(next);
}

/* The whole sampler; returns its efficiency. */
static double sampler(int g, long p, int workers, uint64_t seed, double *theta, double *loglik,
                      double *took)
{
    uint64_t s = seed;
    for (long i = 0; i < 4 * p; i++)
        theta[i] = bench_uniform(&s);
    double t0 = bench_now(), busy = 0.0;
    for (int k = 0; k < g; k++) {
        for (long i = 0; i < p; i++)
            loglik[i] = 1.0; /* a log-likelihood is <= 0: 1 marks "not computed" */
        generation(p, theta, loglik, took);
        for (long i = 0; i < p; i++) {
            if (loglik[i] > 0.0) {
                printf("tmcmc_torc: FAIL: sample %ld of generation %d has no likelihood\n", i, k);
                exit(1);
            }
            busy += took[i];
        }
        if (k + 1 < g)
            resample(p, theta, loglik, &s);
    }
    return busy / ((double)workers * (bench_now() - t0));
}

/* The sampler's shape and buffers, for the rounds. */
struct tmcmc {
    int g, workers;
    long p;
    double *theta, *loglik, *took;
};

/* A round: the whole sampler (the warm-up round: one short generation); its efficiency. */
static double round_of(void *ctx, int r)
{
    struct tmcmc *c = ctx;
    if (r < 0)
        return sampler(1, c->p / 10 > 0 ? c->p / 10 : 1, c->workers, 7, c->theta, c->loglik,
                       c->took);
    return sampler(c->g, c->p, c->workers, 12345 + (uint64_t)r, c->theta, c->loglik, c->took);
}

int main(int argc, char *argv[])
{
    struct tmcmc c = {(int)bench_arg(argc, argv, 1, 5), 0, bench_arg(argc, argv, 2, 2000)};
    int reps = (int)bench_arg(argc, argv, 3, 3);

    rate = bench_calibrate();
    torc_register_task((void *)likelihood);
    torc_init(argc, argv, MODE_MW);

    c.workers = torc_num_workers();
    c.theta = malloc((size_t)c.p * 4 * sizeof *c.theta);
    c.loglik = malloc((size_t)c.p * sizeof *c.loglik);
    c.took = malloc((size_t)c.p * sizeof *c.took);

    struct bench_figures eff = bench_rounds(reps, round_of, &c);
    /* For an efficiency the largest is the best. */
    printf("tmcmc_torc nodes=%d workers=%d generations=%d population=%ld reps=%d "
           "best_eff=%.4f median_eff=%.4f\n",
           torc_num_nodes(), c.workers, c.g, c.p, reps, eff.max, eff.median);
    fflush(stdout);
    free(c.theta);
    free(c.loglik);
    free(c.took);
    torc_finalize();
    return 0;
}
