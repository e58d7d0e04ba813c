/* Waits that suspend the waiting task on its own stack, so that its worker runs any task
 * meanwhile. Each mode prints "suspend: MODE ok ..." when its checks passed, else what differed
 * (and exits 1).
 *   sibling      one worker: a task waits for the future of a sibling queued after it (same
 *                nesting level, so the waiter could not run it on top of itself)
 *   deep N       a chain of N nested tasks, each waiting for its one child; on several nodes
 *                each child runs on the next node
 *   fib N C      Fibonacci with cut-off C; every task checks that torc_worker_id() and its
 *                locals are the same after its wait as before */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"

static torc_future_t *producer_future;

static void producer(int *in)
{
    long out = 6L * *in;
    torc_result(&out, sizeof out);
}

static void waiter(long *seen, int *worker_same)
{
    int before = torc_worker_id();
    /* The producer was created after this task, at the same level. */
    torc_future_wait(producer_future);
    long v = -1;
    if (torc_future_copy(producer_future, &v, sizeof v) != (long)sizeof v)
        v = -2;
    *seen = v;
    *worker_same = before == torc_worker_id();
}

/* The next node's first worker (on one node: any worker). */
static int next_node_worker(void)
{
    int nodes = torc_num_nodes();
    if (nodes == 1)
        return -1;
    int per_node = torc_num_workers() / nodes;
    return ((torc_node_id() + 1) % nodes) * per_node;
}

static void chain(int *left, long *depth)
{
    int worker = torc_worker_id();
    long below = 0;
    if (*left > 0) {
        int next = *left - 1;
        torc_task(next_node_worker(), (void (*)())chain, 2,
                  1, MPI_INT, CALL_BY_COP,
                  1, MPI_LONG, CALL_BY_RES,
                  &next, &below);
        torc_waitall();
    }
    /* A worker that changed under the task would be a bug: make the sum wrong. */
    *depth = below + (worker == torc_worker_id() ? 1 : 1000000000L);
}

static long fib_seq(int n)
{
    return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2);
}

static void fib(int *n, int *cutoff, long *res)
{
    if (*n <= *cutoff) {
        *res = fib_seq(*n);
        return;
    }
    volatile double guard = *n * 1.5; /* a local that must survive the wait */
    int worker = torc_worker_id();
    int n1 = *n - 1, n2 = *n - 2;
    long r1 = 0, r2 = 0;
    torc_task(-1, (void (*)())fib, 3, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES, &n1, cutoff, &r1);
    torc_task(-1, (void (*)())fib, 3, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
              1, MPI_LONG, CALL_BY_RES, &n2, cutoff, &r2);
    torc_waitall();
    int same = worker == torc_worker_id() && guard == *n * 1.5;
    *res = same ? r1 + r2 : -1000000;
}

int main(int argc, char *argv[])
{
    REGISTER_TASKS(producer, waiter, chain, fib);
    torc_init(argc, argv, MODE_MW);
    const char *mode = argc > 1 ? argv[1] : "";
    int status = 0;

    if (strcmp(mode, "sibling") == 0) {
        long seen = 0;
        int same = 0, seven = 7;
        /* The waiter first: on one worker it runs first and waits for a task behind it. */
        torc_task(-1, (void (*)())waiter, 2, 1, MPI_LONG, CALL_BY_RES, 1, MPI_INT, CALL_BY_RES,
                  &seen, &same);
        producer_future = torc_task_future(-1, (void (*)())producer, 1,
                                           1, MPI_INT, CALL_BY_COP, &seven);
        torc_waitall();
        torc_future_free(producer_future);
        if (seen != 42 || !same) {
            printf("suspend: sibling: the waiter saw %ld (want 42), same worker %d\n", seen, same);
            status = 1;
        } else {
            printf("suspend: sibling ok value=%ld\n", seen);
        }
    } else if (strcmp(mode, "deep") == 0 && argc > 2) {
        int n = atoi(argv[2]);
        long depth = 0;
        torc_task(-1, (void (*)())chain, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  &n, &depth);
        torc_waitall();
        if (depth != (long)n + 1) {
            printf("suspend: deep: %ld levels came back (want %ld)\n", depth, (long)n + 1);
            status = 1;
        } else {
            printf("suspend: deep ok levels=%ld nodes=%d\n", depth, torc_num_nodes());
        }
    } else if (strcmp(mode, "fib") == 0 && argc > 3) {
        int n = atoi(argv[2]), cutoff = atoi(argv[3]);
        long res = 0;
        torc_task(-1, (void (*)())fib, 3, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  1, MPI_LONG, CALL_BY_RES, &n, &cutoff, &res);
        torc_waitall();
        long want = fib_seq(n);
        if (res != want) {
            printf("suspend: fib(%d) = %ld (want %ld)\n", n, res, want);
            status = 1;
        } else {
            printf("suspend: fib ok fib(%d)=%ld\n", n, res);
        }
    } else {
        printf("usage: suspend sibling | deep N | fib N CUTOFF\n");
        status = 2;
    }
    torc_finalize();
    return status;
}
