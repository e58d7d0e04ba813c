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
#include "timing.h"

__attribute__((noinline)) static void cop1(int *i)
{
    __asm__ volatile("" ::"r"(*i) : "memory");
}

__attribute__((noinline)) static void args4(int *i, double *v, double *ref, double *res)
{
    *res = *i * v[0] + v[1] + v[2] + *ref;
}

/* A round: n tasks of the mode, then the wait; the time per task in ns. */
static double round_of(void *ctx, int r)
{
    struct bench_args4 *a = ctx;
    double t0 = bench_now();
    if (a->four) {
        for (int i = 0; i < a->n; i++)
            /* TORC's layout: every (count, type, call-way), then every address. */
            torc_task(-1, (void (*)())args4, 4,
                      1, MPI_INT, CALL_BY_COP,
                      3, MPI_DOUBLE, CALL_BY_COP,
                      1, MPI_DOUBLE, CALL_BY_REF,
                      1, MPI_DOUBLE, CALL_BY_RES,
                      &i, a->v, &a->ref, &a->res[i]);
    } else {
        for (int i = 0; i < a->n; i++)
            torc_task(-1, (void (*)())cop1, 1, 1, MPI_INT, CALL_BY_COP, &i);
    }
    torc_waitall();
    return (bench_now() - t0) / (double)a->n * 1e9;
}

int main(int argc, char *argv[])
{
    struct bench_args4 a = bench_args4_of(argc, argv);
    int reps = (int)bench_arg(argc, argv, 3, 11);

    torc_register_task((void *)cop1);
    torc_register_task((void *)args4);
    torc_init(argc, argv, MODE_MW);

    struct bench_figures f = bench_rounds(reps, round_of, &a);
    if (a.four && !bench_check_args4("args_torc", a.res, a.n))
        return 1;
    printf("args_torc mode=%s nodes=%d workers=%d tasks=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
           a.four ? "args4" : "cop1", torc_num_nodes(), torc_num_workers(), a.n, reps, f.best,
           f.median);
    fflush(stdout);
    free(a.res);
    torc_finalize();
    return 0;
}
