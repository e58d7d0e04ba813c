/* TORC's queue order on one node with one worker: tasks of one nesting level run oldest first
 * (a master-worker loop runs its tasks in creation order), deeper levels before shallower ones,
 * and a waiting task runs only deeper tasks on top of itself (stack use follows the nesting).
 * Prints "order: ok" when every check passed, else what differed. */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "testing.h"

#define MAXLOG 4096
static int logbuf[MAXLOG];
static int nlog;
static int failures;

static void record(int id)
{
    if (nlog < MAXLOG)
        logbuf[nlog++] = id;
}

static void check_log(const char *what, const int *want, int n)
{
    int ok = nlog == n;
    for (int i = 0; ok && i < n; i++)
        ok = logbuf[i] == want[i];
    if (!ok) {
        failures++;
        printf("order: %s ran", what);
        for (int i = 0; i < nlog && i < 40; i++)
            printf(" %d", logbuf[i]);
        printf("; want");
        for (int i = 0; i < n && i < 40; i++)
            printf(" %d", want[i]);
        printf("\n");
    }
    nlog = 0;
}

static void leaf(int *id) { record(*id); }

/* Creates two children (ids 10*id+1, 10*id+2) and returns without waiting: they still run
 * before its completion, so before any task of its own level created after it. */
static void parent(int *id)
{
    record(*id);
    for (int k = 1; k <= 2; k++) {
        int c = 10 * *id + k;
        torc_task(-1, (void (*)())leaf, 1, 1, MPI_INT, CALL_BY_COP, &c);
    }
}

/* Waits for one child; records the child's stack address. */
static uintptr_t lo = UINTPTR_MAX, hi;
static void deep_leaf(void)
{
    char here;
    uintptr_t a = (uintptr_t)&here;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
}
static void waiter(void)
{
    torc_task(-1, (void (*)())deep_leaf, 0);
    torc_waitall();
}

int main(int argc, char *argv[])
{
    REGISTER_TASKS(leaf, parent, deep_leaf, waiter);
    torc_init(argc, argv, MODE_MW);
    if (wrong_shape("order", 1, 1))
        return 2;

    /* A master-worker loop: creation order. */
    int want[100];
    for (int i = 0; i < 100; i++) {
        want[i] = i;
        torc_task(-1, (void (*)())leaf, 1, 1, MPI_INT, CALL_BY_COP, &i);
    }
    torc_waitall();
    check_log("a loop of 100 tasks", want, 100);

    /* The same with qid naming the worker. */
    for (int i = 0; i < 50; i++)
        torc_task(0, (void (*)())leaf, 1, 1, MPI_INT, CALL_BY_COP, &i);
    torc_waitall();
    check_log("a loop of 50 tasks with qid 0", want, 50);

    /* Parents 1..3 (level 1), each with two children (level 2): a parent's children run
     * right after it, before the next parent. */
    for (int i = 1; i <= 3; i++)
        torc_task(-1, (void (*)())parent, 1, 1, MPI_INT, CALL_BY_COP, &i);
    torc_waitall();
    int nested[] = {1, 11, 12, 2, 21, 22, 3, 31, 32};
    check_log("nested tasks", nested, 9);

    /* 1000 waiting tasks, each with one child: every child runs at the same stack depth (a
     * waiter runs only deeper tasks, never the next waiter, on top of itself). */
    for (int i = 0; i < 1000; i++)
        torc_task(-1, (void (*)())waiter, 0);
    torc_waitall();
    if (hi - lo > 64 * 1024) {
        failures++;
        printf("order: children of 1000 waiters ran over %lu bytes of stack\n",
               (unsigned long)(hi - lo));
    }

    if (failures == 0)
        printf("order: ok\n");
    torc_finalize();
    return failures == 0 ? 0 : 1;
}
