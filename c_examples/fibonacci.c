/* Recursive Fibonacci with tasks: each call above the cut-off creates two child tasks (qid -1,
 * round-robin over all workers of all nodes) and waits for them; below it computes
 * sequentially. The result comes back through a CALL_BY_RES argument, so the program is
 * correct wherever the tasks run. Usage: fibonacci [n=30] [cutoff=18] */
#include <stdio.h>
#include <stdlib.h>
#include <torc.h>

static long fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

static void fib_task(int *n, int *cutoff, long *res)
{
    int n1, n2;
    long r1 = 0, r2 = 0;

    if (*n < 2 || *n <= *cutoff) {
        *res = fib_seq(*n);
        return;
    }
    n1 = *n - 1;
    n2 = *n - 2;
    torc_task(-1, (void (*)())fib_task, 3,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES,
              &n1, cutoff, &r1);
    torc_task(-1, (void (*)())fib_task, 3,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES,
              &n2, cutoff, &r2);
    torc_waitall();
    *res = r1 + r2;
}

int main(int argc, char *argv[])
{
    int n = argc > 1 ? atoi(argv[1]) : 30;
    int cutoff = argc > 2 ? atoi(argv[2]) : 18;
    long result = -1, expected;
    double t0, t1;

    torc_register_task((void *)fib_task);
    torc_init(argc, argv, MODE_MW);

    if (n < 0 || n > 60) {
        printf("fibonacci: FAIL: n = %d is out of range [0, 60]\n", n);
        return 1;
    }
    t0 = torc_gettime();
    torc_task(-1, (void (*)())fib_task, 3,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES,
              &n, &cutoff, &result);
    torc_waitall();
    t1 = torc_gettime();

    expected = fib_seq(n);
    if (result != expected) {
        printf("fibonacci: FAIL: fib(%d) = %ld with tasks, expected %ld\n", n, result, expected);
        return 1;
    }
    printf("fibonacci: fib(%d) = %ld (cutoff %d, %d nodes, %d workers, %.3f s)\n",
           n, result, cutoff, torc_num_nodes(), torc_num_workers(), t1 - t0);
    torc_finalize();
    return 0;
}
