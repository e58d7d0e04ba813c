/* Inter-node stealing is the only way this program finishes: node 0 has one worker, which is
 * the primary task, and it waits with torc_waitall3 (running no tasks) for its children. Those
 * placed round-robin (qid -1) on node 0 itself can only run elsewhere, stolen by other nodes:
 * every task must report a node other than 0. torc_fetch_work is checked too. */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>

static void work(long *i, long *out, long *node)
{
    *out = *i * 7;
    *node = torc_node_id();
}

int main(int argc, char *argv[])
{
    torc_register_task((void *)work);
    torc_init(argc, argv, MODE_MW);
    long n = argc > 1 ? atol(argv[1]) : 100;
    if (torc_num_nodes() < 2 || torc_i_num_workers() != 1) {
        printf("steal_across_nodes: needs 2+ nodes and 1 worker on node 0\n");
        torc_finalize();
        return 2;
    }
    torc_enable_stealing();
    long *out = calloc(n, sizeof(long)), *node = calloc(n, sizeof(long));
    for (long i = 0; i < n; i++)
        torc_task(-1, (void (*)())work, 3, 1, MPI_LONG, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  1, MPI_LONG, CALL_BY_RES, &i, &out[i], &node[i]);
    torc_waitall3();
    long bad = 0, remote = 0;
    for (long i = 0; i < n; i++) {
        if (out[i] != 7 * i) bad++;
        if (node[i] != 0) remote++;
    }
    /* With nothing queued anywhere, torc_fetch_work asks the other nodes, answers 0, and
     * does not hang. */
    int fetched = torc_fetch_work();
    torc_disable_stealing();
    printf("steal_across_nodes: tasks=%ld stolen=%ld bad=%ld fetch_when_idle=%d\n", n, remote, bad, fetched);
    torc_finalize();
    return bad == 0 && remote == n && fetched == 0 ? 0 : 1;
}
