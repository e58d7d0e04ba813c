/* torc_fetch_work steals from another node: node 1's only worker is blocked in a parent task
 * (released later by a direct task) while that parent's children wait in its queue; node 0's
 * primary must be able to fetch one of them with torc_fetch_work and run it itself. */
#include <torc.h>
#include <stdio.h>
#include <stdatomic.h>

static atomic_int released;

static void child(long *where) { *where = torc_node_id(); }

static void parent(long *where /* [4] */, long *fetched_done)
{
    for (int i = 0; i < 4; i++)
        torc_task(torc_worker_id(), (void (*)())child, 1, 1, MPI_LONG, CALL_BY_RES, &where[i]);
    while (!atomic_load(&released)) thread_sleep(1);
    torc_waitall();
    *fetched_done = 1;
}

static void release(void) { atomic_store(&released, 1); }

int main(int argc, char *argv[])
{
    torc_register_task((void *)child);
    torc_register_task((void *)parent);
    torc_register_task((void *)release);
    torc_init(argc, argv, MODE_MW);
    if (torc_num_nodes() != 2 || torc_num_workers() != 2) {
        printf("mn_fetch: needs 2 nodes x 1 worker\n");
        torc_finalize();
        return 2;
    }
    torc_enable_stealing();
    long where[4] = {-1, -1, -1, -1}, done = 0;
    torc_task(1, (void (*)())parent, 2, 4, MPI_LONG, CALL_BY_REF, 1, MPI_LONG, CALL_BY_RES, where, &done);
    /* Keep asking until one of node 1's queued children is here (it is queued there until the
     * parent is released, so this cannot miss), then run it on this node. */
    int fetched = 0, ran = 0;
    while (!fetched) fetched = torc_fetch_work();
    ran = torc_scheduler_loop(1);
    torc_task_direct(1, (void (*)())release, 0);
    torc_waitall();
    int here = 0;
    for (int i = 0; i < 4; i++) here += where[i] == 0;
    printf("mn_fetch: fetched=%d ran=%d done=%ld children_run_on_node0=%d\n", fetched, ran, done, here);
    torc_finalize();
    return fetched == 1 && ran == 1 && done == 1 && here >= 1 ? 0 : 1;
}
