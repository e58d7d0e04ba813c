/* Helpers of the C test programs in tests/c, included as "testing.h" beside them. */
#ifndef TORC_TESTS_TESTING_H
#define TORC_TESTS_TESTING_H

#include <torc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* A task function, as torc_task takes it. */
typedef void (*testing_task_fn)();

static inline void testing_register(const testing_task_fn *fs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        torc_register_task((void *)fs[i]);
}

/* Registers the task functions given, in this order (every node registers the same list):
 * REGISTER_TASKS(leaf, parent, waiter). */
#define REGISTER_TASKS(...)                                                                     \
    testing_register((const testing_task_fn[]){__VA_ARGS__},                                   \
                     sizeof((const testing_task_fn[]){__VA_ARGS__}) / sizeof(testing_task_fn))

/* Whether the job is not `nodes` nodes of `workers` workers each; then says so on stdout as
 * `PROG: needs N node(s) x W worker(s)` and ends torc: the program returns 2. */
static inline int wrong_shape(const char *prog, int nodes, int workers)
{
    if (torc_num_nodes() == nodes && torc_num_workers() == nodes * workers)
        return 0;
    printf("%s: needs %d node%s x %d worker%s\n", prog, nodes, nodes == 1 ? "" : "s", workers,
           workers == 1 ? "" : "s");
    torc_finalize();
    return 1;
}

/* The end of a misuse case that the program survived: says so on stderr and exits 3. */
static inline void survived(const char *prog, const char *name)
{
    fflush(stdout);
    fprintf(stderr, "%s: survived case %s\n", prog, name);
    exit(3);
}

/* Runs f in a new thread (not a worker of torc) and waits for its end. */
static inline void on_foreign_thread(void *(*f)(void *))
{
    pthread_t t;
    pthread_create(&t, NULL, f, NULL);
    pthread_join(t, NULL);
}

/* Creates a task f(&x[i], &y[i]) for every i < n, x[i] = i (CALL_BY_COP in, CALL_BY_RES
 * out), spread over every worker of every node (qid -1), and waits for them. */
static inline void spread_long_tasks(testing_task_fn f, long n, long *x, long *y)
{
    for (long i = 0; i < n; i++) {
        x[i] = i;
        torc_task(-1, f, 2, 1, MPI_LONG, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &x[i], &y[i]);
    }
    torc_waitall();
}

#endif
