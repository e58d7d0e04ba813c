/* Switching to SPMD execution inside a task-parallel program (Listing 2 of the torcpy paper, in
 * C with the torc extension torc_spmd).
 *
 * The primary task fills the global array A on node 0, then
 *     torc_spmd(bcast_task, 1, 1, MPI_INT, CALL_BY_COP, &root);
 * runs bcast_task on every node at the same time, which calls
 *     MPI_Bcast(A, N, MPI_DOUBLE, root, MPI_COMM_WORLD);
 * Afterwards every node holds A: ordinary tasks placed on every worker of every node check it,
 * and so does a second spmd function that compares A on its node and sums the mismatches of
 * all nodes with MPI_Allreduce. Also:
 *  - an spmd function gathering every node's worker count with MPI_Allgather (to place the
 *    checking tasks on each node's first worker);
 *  - spmd called twice in a row (a second array broadcast twice, with new values in between);
 *  - spmd between ordinary tasks: tasks, torc_waitall, an spmd function scaling A on every
 *    node (with a CALL_BY_PTR array and a CALL_BY_VAD word as inputs), tasks again;
 *  - MPI_Barrier inside spmd functions, counted on every node with MPI_Allreduce;
 *  - many spmd calls in a row, each an MPI_Allreduce, and one while ordinary tasks are still
 *    running.
 *
 * Prints "spmd_bcast: FAIL: ..." for every mismatch and exits non-zero; otherwise one line
 * "spmd_bcast: N=1024 nodes=N spmd_calls=C tasks=T ok" on node 0.
 * Usage: spmd_bcast (no arguments) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <torc.h>

#define N 1024
#define MAX_NODES 256
#define PTR_LEN 100
#define VAD_WORD 4242
#define ROUNDS 20

/* The global arrays of Listing 2 (A) and of the spmd-twice case (B), on every node. */
double A[N];
static double B[N];
static double *const arrays[2] = { A, B };

/* Every node's worker count (filled on every node by gather_workers). */
static int g_workers[MAX_NODES];
/* Mismatches an spmd instance found on its node, summed over all nodes by the next check. */
static long g_local_errors;
/* On each node: barriers passed inside spmd functions. */
static long g_barriers;
/* On node 0 (the primary's instance): what the last all-reduce gave. */
static long g_reduced[3];

/* Node 0 only. */
static int failures, spmd_calls, tasks;

#define FAIL(...)                         \
    do {                                  \
        printf("spmd_bcast: FAIL: ");     \
        printf(__VA_ARGS__);              \
        printf("\n");                     \
        failures++;                       \
    } while (0)

/* Element i of array `which` when its tag is `tag`. */
static double value(int which, int i, double tag)
{
    return which == 0 ? 100.0 * i * tag : tag - i;
}

/* Mismatches of array `which` on this node against tag `tag`. */
static long mismatches(int which, double tag)
{
    long bad = 0;
    int i;
    for (i = 0; i < N; i++)
        if (arrays[which][i] != value(which, i, tag))
            bad++;
    return bad;
}

/* --- spmd functions ------------------------------------------------------------------------- */

/* Listing 2's bcast_task: broadcast array *which from rank *root. */
static void bcast_task(int *root, int *which)
{
    MPI_Bcast(arrays[*which], N, MPI_DOUBLE, *root, MPI_COMM_WORLD);
}

/* Every node's worker count on every node; MPI's view of the job must be torc's. */
static void gather_workers(void)
{
    int mine = torc_i_num_workers(), rank = -1, size = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank != torc_node_id() || size != torc_num_nodes())
        g_local_errors++;
    MPI_Allgather(&mine, 1, MPI_INT, g_workers, 1, MPI_INT, MPI_COMM_WORLD);
}

/* Checks array *which on this node; all-reduces {mismatches and earlier errors, instances,
 * barriers passed} over all nodes. */
static void check_spmd(int *which, double *tag)
{
    long mine[3], total[3];
    mine[0] = mismatches(*which, *tag) + g_local_errors;
    mine[1] = 1;
    mine[2] = g_barriers;
    g_local_errors = 0;
    MPI_Allreduce(mine, total, 3, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    memcpy(g_reduced, total, sizeof total);
}

/* Scales A on this node by *factor; checks the CALL_BY_PTR array and the CALL_BY_VAD word. */
static void scale_spmd(double *factor, double *ptr, void *word)
{
    int i;
    for (i = 0; i < N; i++)
        A[i] *= *factor;
    for (i = 0; i < PTR_LEN; i++)
        if (ptr[i] != 0.5 * i)
            g_local_errors++;
    if ((intptr_t)word != VAD_WORD)
        g_local_errors++;
}

/* Two barriers, counted. */
static void barrier_spmd(void)
{
    g_barriers++;
    MPI_Barrier(MPI_COMM_WORLD);
    g_barriers++;
    MPI_Barrier(MPI_COMM_WORLD);
}

/* The sum over all nodes of (node id + *round). */
static void sum_spmd(int *round)
{
    long mine = torc_node_id() + *round, total = -1;
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    g_reduced[0] = total;
}

/* --- ordinary tasks ------------------------------------------------------------------------- */

/* Where it ran and the mismatches of array *which against *tag there. */
static void check_task(int *which, double *tag, long *out)
{
    out[0] = torc_node_id();
    out[1] = mismatches(*which, *tag);
    out[2] = torc_worker_id();
}

/* Some work, not waited for before an spmd call. */
static void busy_task(int *i, long *out)
{
    long s = 0;
    int k;
    for (k = 0; k < 100000; k++)
        s += (k ^ *i) % 7;
    *out = s;
}

/* --- the primary task ----------------------------------------------------------------------- */

static int first[MAX_NODES];

/* Checks array `which` against `tag` with a task on every global worker and one on each node's
 * first worker (placed through g_workers), all waited for. */
static void check_with_tasks(const char *when, int which, double tag)
{
    int nodes = torc_num_nodes(), nw = torc_num_workers(), nt = nw + nodes, j;
    long (*out)[3] = calloc((size_t)nt, sizeof *out);

    for (j = 0; j < nt; j++) {
        int qid = j < nw ? j : first[j - nw];
        out[j][0] = -1;
        torc_task(qid, (void (*)())check_task, 3,
                  1, MPI_INT, CALL_BY_COP,
                  1, MPI_DOUBLE, CALL_BY_COP,
                  3, MPI_LONG, CALL_BY_RES,
                  &which, &tag, out[j]);
        tasks++;
    }
    torc_waitall();
    for (j = 0; j < nt; j++) {
        int qid = j < nw ? j : first[j - nw];
        int node = 0;
        while (node + 1 < nodes && first[node + 1] <= qid)
            node++;
        if (out[j][0] != node)
            FAIL("%s: the task for worker %d ran on node %ld, expected %d", when, qid,
                 out[j][0], node);
        if (out[j][1] != 0)
            FAIL("%s: node %ld (worker %ld) sees %ld wrong elements of %s", when, out[j][0],
                 out[j][2], out[j][1], which == 0 ? "A" : "B");
    }
    free(out);
}

/* Checks array `which` against `tag` on every node with check_spmd; `barriers` is the number of
 * barrier_spmd calls so far. */
static void check_with_spmd(const char *when, int which, double tag, int barriers)
{
    long nodes = torc_num_nodes();
    memset(g_reduced, 0xFF, sizeof g_reduced);
    torc_spmd((void (*)())check_spmd, 2,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_DOUBLE, CALL_BY_COP,
              &which, &tag);
    spmd_calls++;
    if (g_reduced[0] != 0)
        FAIL("%s: all nodes together see %ld wrong elements of %s (or errors before)", when,
             g_reduced[0], which == 0 ? "A" : "B");
    if (g_reduced[1] != nodes)
        FAIL("%s: %ld spmd instances, expected %ld", when, g_reduced[1], nodes);
    if (g_reduced[2] != 2L * barriers * nodes)
        FAIL("%s: %ld barriers passed on all nodes, expected %ld", when, g_reduced[2],
             2L * barriers * nodes);
}

static void bcast(int which)
{
    /* As in Listing 2: the root is the caller's node. */
    int root = torc_node_id();
    torc_spmd((void (*)())bcast_task, 2,
              1, MPI_INT, CALL_BY_COP,
              1, MPI_INT, CALL_BY_COP,
              &root, &which);
    spmd_calls++;
}

int main(int argc, char *argv[])
{
    int nodes, nw, i, k, r, sum_workers = 0, barriers = 0;
    double factor = 3.0, ptr[PTR_LEN];
    long *busy;

    torc_register_task((void *)bcast_task);
    torc_register_task((void *)gather_workers);
    torc_register_task((void *)check_spmd);
    torc_register_task((void *)scale_spmd);
    torc_register_task((void *)barrier_spmd);
    torc_register_task((void *)sum_spmd);
    torc_register_task((void *)check_task);
    torc_register_task((void *)busy_task);
    torc_init(argc, argv, MODE_MW);

    nodes = torc_num_nodes();
    nw = torc_num_workers();
    if (nodes > MAX_NODES) {
        printf("spmd_bcast: FAIL: %d nodes, at most %d supported\n", nodes, MAX_NODES);
        torc_finalize();
        return 1;
    }

    /* Every node's workers, hence each node's first global worker. */
    torc_spmd((void (*)())gather_workers, 0);
    spmd_calls++;
    for (k = 0; k < nodes; k++) {
        first[k] = sum_workers;
        sum_workers += g_workers[k];
    }
    if (sum_workers != nw || g_workers[0] != torc_i_num_workers())
        FAIL("MPI_Allgather of worker counts: %d workers in all, expected %d", sum_workers, nw);

    /* Listing 2: the primary task initializes A on node 0, then switches to SPMD. */
    for (i = 0; i < N; i++)
        A[i] = 100.0 * i;
    bcast(0);
    check_with_tasks("after the broadcast of A", 0, 1.0);
    check_with_spmd("after the broadcast of A", 0, 1.0, barriers);

    /* spmd twice in a row: B with one tag, then another. */
    for (i = 0; i < N; i++)
        B[i] = value(1, i, 7.0);
    bcast(1);
    for (i = 0; i < N; i++)
        B[i] = value(1, i, -2.5);
    bcast(1);
    check_with_spmd("after broadcasting B twice", 1, -2.5, barriers);
    check_with_tasks("after broadcasting B twice", 1, -2.5);

    /* Between ordinary tasks: tasks (above), then spmd scaling A everywhere, then tasks. */
    for (i = 0; i < PTR_LEN; i++)
        ptr[i] = 0.5 * i;
    torc_spmd((void (*)())scale_spmd, 3,
              1, MPI_DOUBLE, CALL_BY_COP,
              PTR_LEN, MPI_DOUBLE, CALL_BY_PTR,
              1, MPI_LONG, CALL_BY_VAD,
              &factor, ptr, (void *)(intptr_t)VAD_WORD);
    spmd_calls++;
    check_with_tasks("after scaling A in spmd", 0, factor);

    /* Barriers inside spmd functions, twice in a row; counted by the next check. */
    torc_spmd((void (*)())barrier_spmd, 0);
    torc_spmd((void (*)())barrier_spmd, 0);
    spmd_calls += 2;
    barriers += 2;
    check_with_spmd("after the barriers", 0, factor, barriers);

    /* Many spmd calls in a row. */
    for (r = 0; r < ROUNDS; r++) {
        long want = (long)nodes * (nodes - 1) / 2 + (long)r * nodes;
        g_reduced[0] = -1;
        torc_spmd((void (*)())sum_spmd, 1, 1, MPI_INT, CALL_BY_COP, &r);
        spmd_calls++;
        if (g_reduced[0] != want)
            FAIL("round %d: MPI_Allreduce in spmd gave %ld, expected %ld", r, g_reduced[0],
                 want);
    }

    /* An spmd call while ordinary tasks still run on every worker; waited for after it. */
    busy = calloc((size_t)nw, sizeof *busy);
    for (k = 0; k < nw; k++) {
        busy[k] = -1;
        torc_task(k, (void (*)())busy_task, 2,
                  1, MPI_INT, CALL_BY_COP,
                  1, MPI_LONG, CALL_BY_RES,
                  &k, &busy[k]);
        tasks++;
    }
    r = ROUNDS;
    g_reduced[0] = -1;
    torc_spmd((void (*)())sum_spmd, 1, 1, MPI_INT, CALL_BY_COP, &r);
    spmd_calls++;
    if (g_reduced[0] != (long)nodes * (nodes - 1) / 2 + (long)r * nodes)
        FAIL("spmd beside running tasks: MPI_Allreduce gave %ld", g_reduced[0]);
    torc_waitall();
    for (k = 0; k < nw; k++) {
        long s = 0;
        int j;
        for (j = 0; j < 100000; j++)
            s += (j ^ k) % 7;
        if (busy[k] != s)
            FAIL("busy task %d: %ld, expected %ld", k, busy[k], s);
    }
    free(busy);
    check_with_tasks("at the end", 0, factor);
    check_with_spmd("at the end", 0, factor, barriers);

    if (failures) {
        printf("spmd_bcast: FAIL: %d mismatches\n", failures);
        torc_finalize();
        return 1;
    }
    printf("spmd_bcast: N=%d nodes=%d spmd_calls=%d tasks=%d ok\n", N, nodes, spmd_calls, tasks);
    torc_finalize();
    return 0;
}
