/* Many small tasks spread over all nodes (qid -1), each result checked.
 * Usage: many_tasks_across_nodes [tasks] */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>

static void work(long *i, long *out) { *out = 3 * *i + torc_node_id() * 0 + 1; }

int main(int argc, char *argv[])
{
    torc_register_task((void *)work);
    torc_init(argc, argv, MODE_MW);
    long n = argc > 1 ? atol(argv[1]) : 200000;
    long *out = calloc(n, sizeof(long));
    long batch = 10000;
    for (long b = 0; b < n; b += batch) {
        for (long i = b; i < b + batch && i < n; i++)
            torc_task(-1, (void (*)())work, 2, 1, MPI_LONG, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES, &i, &out[i]);
        torc_waitall();
    }
    long bad = 0;
    for (long i = 0; i < n; i++) if (out[i] != 3 * i + 1) bad++;
    printf("many_tasks_across_nodes: tasks=%ld nodes=%d workers=%d bad=%ld\n", n, torc_num_nodes(), torc_num_workers(), bad);
    torc_finalize();
    return bad ? 1 : 0;
}
