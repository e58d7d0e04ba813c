/* Misuse of the torc extensions (torc_spmd, torc_result*, torc_future_*), one case per run;
 * argv[1] names the case.
 *
 * Every misuse must produce one line "torc: <function>: <message naming the value>" on stderr
 * and stop the job with a non-zero status. The case "ok" runs the same calls validly and exits
 * 0 after printing "spmd_bad: ok". A case that survives its misuse prints
 * "spmd_bad: survived case <name>" on stderr and exits 3. */
#include <torc.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"

static long g_sum;

static void spmd_sum(int *x)
{
    long mine = *x, total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    g_sum = total;
}

static void spmd_ref(int *x, int *y)
{
    (void)x;
    (void)y;
}

static void task_value(int *x)
{
    long v = *x + 1;
    torc_result(&v, (long)sizeof v);
}

static void task_result_negative(void)
{
    long v = 5;
    torc_result(&v, -1);
}

static void task_result_null(void)
{
    torc_result(NULL, 5);
}

static void task_alloc_negative(void)
{
    (void)torc_result_alloc(-3);
}

static void task_spmd(void)
{
    int x = 1;
    torc_spmd((void (*)())spmd_sum, 1, 1, MPI_INT, CALL_BY_COP, &x);
}

static void *thread_result(void *unused)
{
    long v = 1;
    (void)unused;
    torc_result(&v, (long)sizeof v); /* not a task */
    return NULL;
}

static void *thread_result_alloc(void *unused)
{
    (void)unused;
    (void)torc_result_alloc(8); /* not a task */
    return NULL;
}

static void init(int argc, char **argv)
{
    REGISTER_TASKS(spmd_sum, spmd_ref, task_value, task_result_negative, task_result_null,
                   task_alloc_negative, task_spmd);
    torc_init(argc, argv, MODE_MW);
}

/* The last global worker: on node 1 and up at several ranks. */
static int last(void)
{
    return torc_num_workers() - 1;
}

/* A future of task_value(41) on the last worker. */
static torc_future_t *future_42(void)
{
    int x = 41;
    return torc_task_future(last(), (void (*)())task_value, 1, 1, MPI_INT, CALL_BY_COP, &x);
}

/* The valid uses of the same calls. */
static int valid(int argc, char **argv)
{
    int x = 2, y[4] = { 0, 0, 0, 0 };
    long v = 0, sz;
    torc_future_t *f;

    init(argc, argv);
    torc_spmd((void (*)())spmd_sum, 1, 1, MPI_INT, CALL_BY_COP, &x);
    if (g_sum != 2L * torc_num_nodes()) {
        fprintf(stderr, "spmd_bad: spmd sum %ld\n", g_sum);
        return 1;
    }
    torc_spmd((void (*)())spmd_ref, 2, 1, MPI_INT, CALL_BY_VAL, 4, MPI_INT, CALL_BY_PTR, &x, y);
    f = future_42();
    sz = torc_future_copy(f, &v, (long)sizeof v);
    if (sz != (long)sizeof v || v != 42 || torc_future_error(f) != NULL) {
        fprintf(stderr, "spmd_bad: future gave %ld (%ld bytes)\n", v, sz);
        return 1;
    }
    torc_future_free(f);
    torc_future_free(NULL);
    torc_finalize();
    printf("spmd_bad: ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "ok";
    int x = 1, y[4] = { 0, 0, 0, 0 };
    long v = 0;

    if (!strcmp(c, "ok"))
        return valid(argc, argv);

    /* Before torc_init. */
    if (!strcmp(c, "spmd_before_init")) {
        torc_spmd((void (*)())spmd_sum, 1, 1, MPI_INT, CALL_BY_COP, &x);
        survived("spmd_bad", c);
    }
    if (!strcmp(c, "result_before_init")) {
        torc_result(&v, (long)sizeof v);
        survived("spmd_bad", c);
    }

    init(argc, argv);

    if (!strcmp(c, "spmd_ref")) {
        torc_spmd((void (*)())spmd_ref, 2, 1, MPI_INT, CALL_BY_COP, 4, MPI_INT, CALL_BY_REF, &x,
                  y);
    } else if (!strcmp(c, "spmd_res")) {
        torc_spmd((void (*)())spmd_ref, 1, 4, MPI_INT, CALL_BY_RES, y);
    } else if (!strcmp(c, "spmd_null_function")) {
        torc_spmd(NULL, 0);
    } else if (!strcmp(c, "spmd_narg_negative")) {
        torc_spmd((void (*)())spmd_ref, -2);
    } else if (!strcmp(c, "spmd_in_task")) {
        /* On the last worker: node 1 at 2 ranks, the primary's own worker at 1 x 1. */
        torc_task(last(), (void (*)())task_spmd, 0);
        torc_waitall();
    } else if (!strcmp(c, "result_on_foreign_thread")) {
        on_foreign_thread(thread_result);
    } else if (!strcmp(c, "result_alloc_on_foreign_thread")) {
        on_foreign_thread(thread_result_alloc);
    } else if (!strcmp(c, "result_negative_len")) {
        torc_task(last(), (void (*)())task_result_negative, 0);
        torc_waitall();
    } else if (!strcmp(c, "result_null_data")) {
        torc_task(last(), (void (*)())task_result_null, 0);
        torc_waitall();
    } else if (!strcmp(c, "result_alloc_negative_len")) {
        torc_task(last(), (void (*)())task_alloc_negative, 0);
        torc_waitall();
    } else if (!strcmp(c, "future_wait_null")) {
        torc_future_wait(NULL);
    } else if (!strcmp(c, "future_size_null")) {
        (void)torc_future_size(NULL);
    } else if (!strcmp(c, "future_copy_negative_cap")) {
        torc_future_t *f = future_42();
        (void)torc_future_copy(f, &v, -5);
    } else if (!strcmp(c, "future_copy_null_dst")) {
        torc_future_t *f = future_42();
        (void)torc_future_copy(f, NULL, 8);
    } else if (!strcmp(c, "task_future_qid_too_big")) {
        (void)torc_task_future(torc_num_workers(), (void (*)())task_value, 1, 1, MPI_INT,
                               CALL_BY_COP, &x);
    } else {
        fprintf(stderr, "spmd_bad: unknown case %s\n", c);
        return 2;
    }
    survived("spmd_bad", c);
    return 3;
}
