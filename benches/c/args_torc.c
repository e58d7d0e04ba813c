/* Tasks with arguments through TORC's variadic entry (torc_task), the path TORC programs take:
 * the primary task creates N tasks (qid -1) and waits for them; repeated R times after one
 * warm-up round. Prints the best and median time per task in ns, and checks the results.
 *   cop1   one CALL_BY_COP int (the loop index)
 *   args4  a CALL_BY_COP int, CALL_BY_COP 3 doubles, a CALL_BY_REF double (read) and a
 *          CALL_BY_RES double (one per task: it receives i * v[0] + v[1] + v[2] + ref)
 * The peer is args_omp.c (OpenMP tasks with the same firstprivate / shared data).
 * Usage: args_torc MODE [tasks=200000] [reps=11] */
#include <stdio.h>
#include <string.h>
#include <torc.h>
#include "bench_util.h"

__attribute__((noinline)) static void cop1(int *i)
{
    __asm__ volatile("" ::"r"(*i) : "memory");
}

__attribute__((noinline)) static void args4(int *i, double *v, double *ref, double *res)
{
    *res = *i * v[0] + v[1] + v[2] + *ref;
}

int main(int argc, char *argv[])
{
    int four = argc > 1 && strcmp(argv[1], "args4") == 0;
    long n = bench_arg(argc, argv, 2, 200000);
    int reps = (int)bench_arg(argc, argv, 3, 11);
    double *t = malloc((size_t)reps * sizeof *t), best, median;
    double *res = calloc((size_t)n, sizeof *res);
    double v[3] = {0.5, 1.0, 2.0}, ref = 0.25;

    torc_register_task((void *)cop1);
    torc_register_task((void *)args4);
    torc_init(argc, argv, MODE_MW);

    for (int r = -1; r < reps; r++) {
        double t0 = bench_now();
        if (four) {
            for (int i = 0; i < n; i++)
                /* TORC's layout: every (count, type, call-way), then every address. */
                torc_task(-1, (void (*)())args4, 4,
                          1, MPI_INT, CALL_BY_COP,
                          3, MPI_DOUBLE, CALL_BY_COP,
                          1, MPI_DOUBLE, CALL_BY_REF,
                          1, MPI_DOUBLE, CALL_BY_RES,
                          &i, v, &ref, &res[i]);
        } else {
            for (int i = 0; i < n; i++)
                torc_task(-1, (void (*)())cop1, 1, 1, MPI_INT, CALL_BY_COP, &i);
        }
        torc_waitall();
        if (r >= 0)
            t[r] = (bench_now() - t0) / (double)n * 1e9;
    }
    if (four && !bench_check_args4("args_torc", res, n))
        return 1;
    bench_stats(t, reps, &best, &median);
    printf("args_torc mode=%s nodes=%d workers=%d tasks=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
           four ? "args4" : "cop1", torc_num_nodes(), torc_num_workers(), n, reps, best, median);
    fflush(stdout);
    free(t);
    free(res);
    torc_finalize();
    return 0;
}
