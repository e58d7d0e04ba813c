/* One misuse of the torc API per case (SPEC 2.3); argv[1] names the case.
 *
 * Every misuse must produce one line "torc: <function>: <message naming the value>" on stderr
 * and stop the job with a non-zero status. The case "ok" (and the environment cases, which run
 * the same valid program) exits 0 when the request is valid, so the test can fail. A case that
 * survives its misuse prints "bad_input: survived" and exits 3. */
#include <torc.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"

static long result;

static void task_add(int *a, long *out)
{
    *out = *a + 1;
}

static void task_noop(void)
{
}

static const long read_only_table[4] = {1, 2, 3, 4};

static void task_finalize(void)
{
    torc_finalize(); /* only the primary task may */
}

static void task_bad_getarg(int *a)
{
    (void)a;
    (void)torc_getarg_addr(5); /* the task has one argument */
}

static void *thread_waitall(void *unused)
{
    (void)unused;
    torc_waitall(); /* not a torc worker */
    return NULL;
}

static void *thread_task(void *unused)
{
    int a = 1;
    (void)unused;
    torc_task(-1, (void (*)())task_add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a,
              &result);
    return NULL;
}

static void init(int argc, char **argv)
{
    REGISTER_TASKS(task_add, task_noop, task_bad_getarg, task_finalize);
    torc_init(argc, argv, MODE_MW);
}

/* A valid program: one task, checked. */
static int valid(int argc, char **argv)
{
    int a = 41;
    init(argc, argv);
    torc_task(-1, (void (*)())task_add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a,
              &result);
    torc_waitall();
    torc_finalize();
    if (result != 42) {
        fprintf(stderr, "bad_input: wrong result %ld\n", result);
        return 1;
    }
    printf("bad_input: ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "ok";
    int a = 1;
    double buf[8] = {0};
    void (*add)() = (void (*)())task_add;

    if (!strcmp(c, "ok") || !strcmp(c, "env"))
        return valid(argc, argv);

    /* Cases before torc_init. */
    if (!strcmp(c, "task_before_init")) {
        torc_task(-1, add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a, &result);
        survived("bad_input", c);
    }
    if (!strcmp(c, "task_noargs_before_init")) {
        torc_task(-1, (void (*)())task_noop, 0);
        survived("bad_input", c);
    }
    if (!strcmp(c, "waitall_before_init")) {
        torc_waitall();
        survived("bad_input", c);
    }

    init(argc, argv);

    if (!strcmp(c, "narg_negative")) {
        torc_task(-1, add, -1);
    } else if (!strcmp(c, "narg_too_big")) {
        torc_task(-1, add, TORC_MAX_ARGS + 1);
    } else if (!strcmp(c, "narg_negative_ex")) {
        torc_task_ex(-1, 1, add, -4);
    } else if (!strcmp(c, "unknown_callway")) {
        torc_task(-1, add, 2, 1, MPI_INT, 9, 1, MPI_LONG, CALL_BY_RES, &a, &result);
    } else if (!strcmp(c, "unknown_callway_second")) {
        torc_task(-1, add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, 0, &a, &result);
    } else if (!strcmp(c, "negative_count")) {
        torc_task(-1, add, 2, -5, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a, &result);
    } else if (!strcmp(c, "negative_count_detached")) {
        torc_task_detached(-1, add, 2, 1, MPI_INT, CALL_BY_COP, -7, MPI_LONG, CALL_BY_RES, &a,
                           &result);
    } else if (!strcmp(c, "null_function")) {
        torc_task(-1, NULL, 0);
    } else if (!strcmp(c, "null_function_direct")) {
        torc_task_direct(0, NULL, 0);
    } else if (!strcmp(c, "qid_too_big")) {
        torc_task(torc_num_workers(), add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  &a, &result);
    } else if (!strcmp(c, "qid_way_too_big")) {
        torc_task(torc_num_workers() + 5, add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG,
                  CALL_BY_RES, &a, &result);
    } else if (!strcmp(c, "qid_negative")) {
        torc_task(-2, add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a, &result);
    } else if (!strcmp(c, "qid_negative_detached")) {
        torc_task_detached(-2, (void (*)())task_noop, 0);
    } else if (!strcmp(c, "datatype_with_holes")) {
        MPI_Datatype strided;
        MPI_Type_vector(2, 1, 2, MPI_DOUBLE, &strided);
        MPI_Type_commit(&strided);
        torc_task(-1, add, 2, 1, strided, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, buf, &result);
    } else if (!strcmp(c, "datatype_null")) {
        torc_task(-1, add, 2, 1, MPI_DATATYPE_NULL, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a,
                  &result);
    } else if (!strcmp(c, "null_data")) {
        torc_task(-1, add, 2, 1, MPI_INT, CALL_BY_COP, 3, MPI_LONG, CALL_BY_REF, &a, NULL);
    } else if (!strcmp(c, "null_data_cop")) {
        torc_task(-1, add, 2, 4, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, NULL, &result);
    } else if (!strcmp(c, "argv_null_args")) {
        torc_task_argv(-1, 0, (torc_func_t)task_add, 2, NULL);
    } else if (!strcmp(c, "argv_bad_flags")) {
        torc_task_argv(-1, 8, (torc_func_t)task_noop, 0, NULL);
    } else if (!strcmp(c, "argv_unknown_callway")) {
        torc_arg_t args[2] = {{1, MPI_INT, CALL_BY_COP, NULL}, {1, MPI_LONG, 77, NULL}};
        args[0].addr = &a;
        args[1].addr = &result;
        torc_task_argv(-1, 0, (torc_func_t)task_add, 2, args);
    } else if (!strcmp(c, "qid_too_big_noargs")) {
        /* Argument-less torc_task takes a shorter path into the runtime: same checks. */
        torc_task(torc_num_workers(), (void (*)())task_noop, 0);
    } else if (!strcmp(c, "task_noargs_after_finalize")) {
        torc_finalize();
        torc_task(-1, (void (*)())task_noop, 0);
    } else if (!strcmp(c, "task_after_finalize")) {
        torc_finalize();
        torc_task(-1, add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a, &result);
    } else if (!strcmp(c, "waitall_after_finalize")) {
        torc_finalize();
        torc_waitall();
    } else if (!strcmp(c, "getarg_out_of_range")) {
        torc_task(-1, (void (*)())task_bad_getarg, 1, 1, MPI_INT, CALL_BY_COP, &a);
        torc_waitall();
    } else if (!strcmp(c, "waitall_on_foreign_thread")) {
        on_foreign_thread(thread_waitall);
    } else if (!strcmp(c, "task_on_foreign_thread")) {
        on_foreign_thread(thread_task);
    } else if (!strcmp(c, "broadcast_negative_count")) {
        torc_broadcast(&result, -1, MPI_LONG);
    } else if (!strcmp(c, "finalize_in_task")) {
        /* On the last worker: node 1 at 2 ranks, the primary's own worker at 1 x 1. */
        torc_task(torc_num_workers() - 1, (void (*)())task_finalize, 0);
        torc_waitall();
    } else if (!strcmp(c, "broadcast_const")) {
        torc_broadcast((void *)read_only_table, 4, MPI_LONG);
    } else if (!strcmp(c, "broadcast_function")) {
        torc_broadcast((void *)task_noop, 1, MPI_LONG);
    } else if (!strcmp(c, "broadcast_heap")) {
        long *heap = malloc(4 * sizeof(long));
        torc_broadcast(heap, 4, MPI_LONG);
    } else if (!strcmp(c, "register_after_init")) {
        /* Refused without stopping: the program goes on and must still work. */
        torc_register_task((void *)task_noop);
        torc_task(-1, add, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &a, &result);
        torc_waitall();
        torc_finalize();
        if (result != 2)
            return 1;
        printf("bad_input: ok\n");
        return 0;
    } else {
        fprintf(stderr, "bad_input: unknown case %s\n", c);
        return 2;
    }
    survived("bad_input", c);
    return 3;
}
