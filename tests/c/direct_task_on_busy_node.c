/* A direct task runs promptly on its target node while all that node's workers are busy:
 * every worker of the last node spins in a long task until a flag is set on that node, and
 * only a direct task (which must bypass the worker queues) sets it. A runtime that queued the
 * direct task would never finish (the test's timeout catches that). The primary waits with
 * torc_waitall3, which runs no tasks itself. */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>

static atomic_int release_flag;

static void where(long *node) { *node = torc_node_id(); }

static void spin_until_released(long *node)
{
    while (!atomic_load(&release_flag)) thread_sleep(1);
    *node = torc_node_id();
}

static void release(long *node)
{
    atomic_store(&release_flag, 1);
    *node = torc_node_id();
}

int main(int argc, char *argv[])
{
    torc_init(argc, argv, MODE_MW);
    int nn = torc_num_nodes(), nw = torc_num_workers();
    if (nn < 2) { printf("direct_task_on_busy_node: needs 2 or more nodes\n"); torc_finalize(); return 0; }
    long *node_of = calloc(nw, sizeof(long));
    for (int g = 0; g < nw; g++)
        torc_task(g, (void (*)())where, 1, 1, MPI_LONG, CALL_BY_RES, &node_of[g]);
    torc_waitall();
    long *spun = calloc(nw, sizeof(long));
    int busy = 0, target = -1;
    for (int g = 0; g < nw; g++) {
        if (node_of[g] != nn - 1) continue;
        torc_task(g, (void (*)())spin_until_released, 1, 1, MPI_LONG, CALL_BY_RES, &spun[g]);
        busy++;
        target = g;
    }
    long direct_node = -1;
    torc_task_direct(target, (void (*)())release, 1, 1, MPI_LONG, CALL_BY_RES, &direct_node);
    torc_waitall3();
    int ok = direct_node == nn - 1;
    for (int g = 0; g < nw; g++)
        if (node_of[g] == nn - 1 && spun[g] != nn - 1) ok = 0;
    printf("direct_task_on_busy_node: %d busy workers on node %d released by a direct task on node %ld: %s\n",
           busy, nn - 1, direct_node, ok ? "ok" : "WRONG");
    torc_finalize();
    return ok ? 0 : 1;
}
