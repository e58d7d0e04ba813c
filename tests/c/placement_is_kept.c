/* Placement is kept: a task created with qid >= 0 runs on that worker's node, with inter-node
 * stealing on or off, even when every task names the creating worker while the other nodes
 * idle and ask for work. Once torc_disable_stealing() has returned, no task moves between
 * nodes by stealing: round-robin tasks (qid -1) run on the node they were placed on.
 * Assumes the same worker count on every node. Prints one summary line; exit status 0 when
 * no task ran elsewhere. */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>

static void where(int *node)
{
    thread_sleep(1); /* long enough for idle nodes to ask for it */
    *node = torc_node_id();
}

/* Runs n tasks placed by qid_of(i) and counts those that ran on another node than
 * node_of(i). */
static int run_and_count(int n, int (*qid_of)(int), int (*node_of)(int))
{
    int *ran = calloc(n, sizeof(int));
    for (int i = 0; i < n; i++) {
        ran[i] = -1;
        torc_task(qid_of(i), (void (*)())where, 1, 1, MPI_INT, CALL_BY_RES, &ran[i]);
    }
    torc_waitall();
    int elsewhere = 0;
    for (int i = 0; i < n; i++)
        if (ran[i] != node_of(i))
            elsewhere++;
    free(ran);
    return elsewhere;
}

static int per_node;
static int spread(int i) { return i % torc_num_workers(); }
static int node_of_spread(int i) { return spread(i) / per_node; }
static int own(int i) { (void)i; return 0; }
static int node0(int i) { (void)i; return 0; }
static int any(int i) { (void)i; return -1; }

int main(int argc, char *argv[])
{
    torc_register_task((void *)where);
    torc_init(argc, argv, MODE_MW);
    per_node = torc_i_num_workers();
    int n = argc > 1 ? atoi(argv[1]) : 100;

    torc_enable_stealing();
    int named = run_and_count(n, spread, node_of_spread);
    int pinned = run_and_count(n, own, node0);
    torc_disable_stealing();
    int named_off = run_and_count(n, spread, node_of_spread);
    int pinned_off = run_and_count(n, own, node0);
    /* The primary task's first qid -1 children: round-robin from its own worker (global 0),
     * so the i-th one is placed on global worker i % total, as spread(i). */
    int rr_off = run_and_count(n, any, node_of_spread);

    printf("placement_is_kept: nodes=%d workers=%d tasks=%d elsewhere: named=%d pinned=%d "
           "named_off=%d pinned_off=%d rr_off=%d\n",
           torc_num_nodes(), torc_num_workers(), n, named, pinned, named_off, pinned_off,
           rr_off);
    int bad = named + pinned + named_off + pinned_off + rr_off;
    torc_finalize();
    return bad == 0 ? 0 : 1;
}
