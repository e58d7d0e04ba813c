/* Master/worker: the primary task creates N tasks (qid -1, round-robin over all workers), each
 * taking a double by CALL_BY_COP and returning its square root (and the global id of the worker
 * that ran it) by CALL_BY_RES. The master checks every result. Usage: sqrt_mw [N=1000] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <torc.h>

static void sqrt_task(double *x, double *y, int *worker)
{
    *y = sqrt(*x);
    *worker = torc_worker_id();
}

int main(int argc, char *argv[])
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    double *y;
    int *who, *ran_on;
    int i, nw, errors = 0;
    double sum = 0.0;

    torc_register_task((void *)sqrt_task);
    torc_init(argc, argv, MODE_MW);

    if (n < 1) {
        printf("sqrt_mw: FAIL: N = %d must be positive\n", n);
        return 1;
    }
    nw = torc_num_workers();
    y = malloc(n * sizeof *y);
    who = malloc(n * sizeof *who);
    ran_on = calloc(nw, sizeof *ran_on);
    for (i = 0; i < n; i++) {
        double x = (double)i;
        y[i] = -1.0;
        who[i] = -2;
        /* x is copied at creation (COP): reusing the variable is fine. */
        torc_task(-1, (void (*)())sqrt_task, 3,
                  1, MPI_DOUBLE, CALL_BY_COP,
                  1, MPI_DOUBLE, CALL_BY_RES,
                  1, MPI_INT, CALL_BY_RES,
                  &x, &y[i], &who[i]);
    }
    torc_waitall();

    for (i = 0; i < n; i++) {
        if (y[i] != sqrt((double)i)) {
            printf("sqrt_mw: FAIL: sqrt(%d) = %.17g, expected %.17g\n", i, y[i], sqrt((double)i));
            errors++;
        }
        if (who[i] < 0 || who[i] >= nw) {
            printf("sqrt_mw: FAIL: task %d reports worker %d (of %d)\n", i, who[i], nw);
            errors++;
        } else {
            ran_on[who[i]]++;
        }
        sum += y[i];
        if (errors > 10)
            break;
    }
    if (errors) {
        printf("sqrt_mw: FAIL: %d errors\n", errors);
        return 1;
    }
    printf("sqrt_mw: N=%d sum=%.6f ok (tasks per worker:", n, sum);
    for (i = 0; i < nw; i++)
        printf(" %d", ran_on[i]);
    printf(")\n");
    free(y);
    free(who);
    free(ran_on);
    torc_finalize();
    return 0;
}
