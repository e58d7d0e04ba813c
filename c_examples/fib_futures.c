/* Recursive Fibonacci with futures (Listing 1 of the torcpy paper, in C with the torc
 * extensions): above the cut-off, fib(n) creates two future tasks (qid -1, round-robin over
 * all workers of all nodes) for fib(n-1) and fib(n-2), waits for them and returns the sum of
 * their 8-byte results, read with torc_future_copy, as its own result (torc_result). The
 * primary task checks the result against a sequential fib.
 * Usage: fib_futures [n=25] [cutoff=12] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <torc.h>

static int64_t fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

static void fib_task(int *n, int *cutoff)
{
    torc_future_t *t1, *t2;
    int64_t r1 = -1, r2 = -1, result;
    int n1, n2;

    if (*n < 2 || *n <= *cutoff) {
        result = fib_seq(*n);
        torc_result(&result, (long)sizeof result);
        return;
    }
    n1 = *n - 1;
    n2 = *n - 2;
    t1 = torc_task_future(-1, (void (*)())fib_task, 2,
                          1, MPI_INT, CALL_BY_COP,
                          1, MPI_INT, CALL_BY_COP,
                          &n1, cutoff);
    t2 = torc_task_future(-1, (void (*)())fib_task, 2,
                          1, MPI_INT, CALL_BY_COP,
                          1, MPI_INT, CALL_BY_COP,
                          &n2, cutoff);
    torc_future_wait(t1);
    torc_future_wait(t2);
    /* A wrong size, a failure or a wrong value shows as -1 in the parent's sum. */
    if (torc_future_copy(t1, &r1, (long)sizeof r1) != (long)sizeof r1 ||
        torc_future_copy(t2, &r2, (long)sizeof r2) != (long)sizeof r2 || r1 < 0 || r2 < 0)
        result = -1;
    else
        result = r1 + r2;
    torc_future_free(t1);
    torc_future_free(t2);
    torc_result(&result, (long)sizeof result);
}

int main(int argc, char *argv[])
{
    int n = argc > 1 ? atoi(argv[1]) : 25;
    int cutoff = argc > 2 ? atoi(argv[2]) : 12;
    int64_t result = -1, expected;
    torc_future_t *f;
    long size;
    double t0, t1;

    torc_register_task((void *)fib_task);
    torc_init(argc, argv, MODE_MW);

    if (n < 0 || n > 60) {
        printf("fib_futures: FAIL: n = %d is out of range [0, 60]\n", n);
        torc_finalize();
        return 1;
    }
    t0 = torc_gettime();
    f = torc_task_future(-1, (void (*)())fib_task, 2,
                         1, MPI_INT, CALL_BY_COP,
                         1, MPI_INT, CALL_BY_COP,
                         &n, &cutoff);
    size = torc_future_copy(f, &result, (long)sizeof result);
    t1 = torc_gettime();
    if (torc_future_error(f) != NULL) {
        printf("fib_futures: FAIL: the task failed: %s\n", torc_future_error(f));
        torc_finalize();
        return 1;
    }
    torc_future_free(f);

    expected = fib_seq(n);
    if (size != (long)sizeof result || result != expected) {
        printf("fib_futures: FAIL: fib(%d) = %lld (a result of %ld bytes) with futures, "
               "expected %lld\n", n, (long long)result, size, (long long)expected);
        torc_finalize();
        return 1;
    }
    printf("fib_futures: fib(%d) = %lld (cutoff %d, %d nodes, %d workers, %.3f s)\n",
           n, (long long)result, cutoff, torc_num_nodes(), torc_num_workers(), t1 - t0);
    torc_finalize();
    return 0;
}
