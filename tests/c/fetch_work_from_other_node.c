/* torc_fetch_work steals from another node: node 1's only worker is blocked in a parent task
 * (released later by a direct task) while that parent's children wait in its queues. The
 * parent places them round-robin from its own worker (qid -1): the even ones on node 1, the
 * odd ones on node 0. The even ones can reach node 0 only by being stolen; node 0's primary
 * keeps fetching work and running it until it has run one of them itself. */
#include <torc.h>
#include <stdio.h>
#include <stdatomic.h>
#include "testing.h"

#define CHILDREN 8

static atomic_int released;
static atomic_int stolen_here; /* even children run on node 0 (counted in node 0's process) */

static void child(int *i, long *where)
{
    *where = torc_node_id();
    if (*i % 2 == 0 && torc_node_id() == 0)
        atomic_fetch_add(&stolen_here, 1);
}

static void parent(long *where /* [CHILDREN] */, long *fetched_done)
{
    for (int i = 0; i < CHILDREN; i++)
        torc_task(-1, (void (*)())child, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  &i, &where[i]);
    while (!atomic_load(&released)) thread_sleep(1);
    torc_waitall();
    *fetched_done = 1;
}

static void release(void) { atomic_store(&released, 1); }

int main(int argc, char *argv[])
{
    REGISTER_TASKS(child, parent, release);
    torc_init(argc, argv, MODE_MW);
    if (wrong_shape("fetch_work_from_other_node", 2, 1))
        return 2;
    torc_enable_stealing();
    long where[CHILDREN], done = 0;
    for (int i = 0; i < CHILDREN; i++) where[i] = -1;
    torc_task(1, (void (*)())parent, 2, CHILDREN, MPI_LONG, CALL_BY_REF, 1, MPI_LONG, CALL_BY_RES,
              where, &done);
    /* The even children stay queued on node 1 until the parent is released, so this loop
     * cannot miss them; it ends once one of them ran here. */
    int fetched = 0, ran = 0;
    while (atomic_load(&stolen_here) == 0) {
        if (torc_fetch_work())
            fetched = 1;
        if (torc_scheduler_loop(1))
            ran = 1;
    }
    torc_task_direct(1, (void (*)())release, 0);
    torc_waitall();
    int even_here = 0, odd_here = 0;
    for (int i = 0; i < CHILDREN; i++) {
        if (where[i] == 0 && i % 2 == 0) even_here++;
        if (where[i] == 0 && i % 2 == 1) odd_here++;
    }
    printf("fetch_work_from_other_node: fetched=%d ran=%d done=%ld stolen_children_run_on_node0=%d "
           "placed_children_run_on_node0=%d\n",
           fetched, ran, done, even_here, odd_here);
    torc_finalize();
    return fetched == 1 && ran == 1 && done == 1 && even_here >= 1 ? 0 : 1;
}
