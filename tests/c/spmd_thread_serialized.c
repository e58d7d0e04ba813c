/* The application initializes MPI itself with only MPI_THREAD_SERIALIZED, then mixes ordinary
 * remote tasks with torc_spmd functions that call MPI_Bcast, MPI_Allreduce and MPI_Barrier on
 * MPI_COMM_WORLD (torc must keep its own MPI calls out of their way): tasks, torc_waitall,
 * spmd, tasks, for several rounds. Prints one line
 * "spmd_thread_serialized: level=serialized nodes=N rounds=R bad=0" on node 0 and exits 0 when
 * every value is right.
 *
 * With the argument "busy" it also calls torc_spmd while ordinary tasks of every node are
 * still running (waited for after it): each node must enter its instance without waiting for
 * its own sends (the completions of the tasks it ran) to complete, since the other nodes'
 * instances may already sit in the collective holding the MPI lock (waiting for them used to
 * hang 1 run in 10-20; tests/c_extensions.rs runs it 20 times). */
#include <torc.h>
#include <stdio.h>
#include <string.h>
#include "testing.h"

#define N 512
#define ROUNDS 5

double table[N];     /* broadcast from node 0 by bcast_spmd */
static long reduced; /* node 0: the last all-reduce */
static long barriers; /* on every node: barriers passed in spmd functions */

static void square(long *x, long *y) { *y = *x * *x; }

/* The node it ran on and how many elements of `table` differ from round *r's values. */
static void check_table(int *r, long *out)
{
    long bad = 0;
    for (int i = 0; i < N; i++)
        if (table[i] != *r * 1000.0 + i) bad++;
    out[0] = torc_node_id();
    out[1] = bad;
}

static void bcast_spmd(int *root)
{
    MPI_Bcast(table, N, MPI_DOUBLE, *root, MPI_COMM_WORLD);
}

/* All-reduces {this node's mismatches against round *r, 1, barriers passed}. */
static void allreduce_spmd(int *r)
{
    long mine = 0, total = -1;
    for (int i = 0; i < N; i++)
        if (table[i] != *r * 1000.0 + i) mine++;
    mine = mine * 1000000 + 1000 * barriers + 1;
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    reduced = total;
}

static void barrier_spmd(void)
{
    MPI_Barrier(MPI_COMM_WORLD);
    barriers++;
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Remote squares of 0..n-1, round-robin: the number of wrong ones. */
static long squares(long n)
{
    static long x[4000], y[4000];
    long bad = 0;
    for (long i = 0; i < n; i++) {
        x[i] = i;
        y[i] = -1;
        torc_task(-1, (void (*)())square, 2, 1, MPI_LONG, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  &x[i], &y[i]);
    }
    torc_waitall();
    for (long i = 0; i < n; i++)
        if (y[i] != i * i) bad++;
    return bad;
}

int main(int argc, char *argv[])
{
    int provided, level;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    REGISTER_TASKS(square, check_table, bcast_spmd, allreduce_spmd, barrier_spmd);
    torc_init(argc, argv, MODE_MW);

    int nodes = torc_num_nodes(), nw = torc_num_workers(), root = torc_node_id();
    long bad = 0;

    bad += squares(2000);
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++)
            table[i] = r * 1000.0 + i;
        torc_spmd((void (*)())bcast_spmd, 1, 1, MPI_INT, CALL_BY_COP, &root);
        torc_spmd((void (*)())barrier_spmd, 0);
        reduced = -1;
        torc_spmd((void (*)())allreduce_spmd, 1, 1, MPI_INT, CALL_BY_COP, &r);
        long want = (long)nodes * (1000 * (r + 1) + 1);
        if (reduced != want) {
            printf("spmd_thread_serialized: FAIL: round %d: MPI_Allreduce gave %ld, expected %ld\n",
                   r, reduced, want);
            bad++;
        }
        /* Ordinary tasks on every worker see this round's table. */
        long out[64][2];
        int nt = nw < 64 ? nw : 64;
        for (int k = 0; k < nt; k++) {
            out[k][0] = out[k][1] = -1;
            torc_task(k, (void (*)())check_table, 2, 1, MPI_INT, CALL_BY_COP, 2, MPI_LONG,
                      CALL_BY_RES, &r, out[k]);
        }
        torc_waitall();
        for (int k = 0; k < nt; k++)
            if (out[k][0] < 0 || out[k][1] != 0) {
                printf("spmd_thread_serialized: FAIL: round %d: the task for worker %d (node %ld) "
                       "sees %ld wrong elements\n", r, k, out[k][0], out[k][1]);
                bad++;
            }
        bad += squares(200 + 100 * r);
    }

    /* One more spmd call; with "busy", while tasks are still running (waited for after it). */
    int busy = argc > 1 && strcmp(argv[1], "busy") == 0;
    static long x[400], y[400];
    for (long i = 0; busy && i < 400; i++) {
        x[i] = i;
        y[i] = -1;
        torc_task(-1, (void (*)())square, 2, 1, MPI_LONG, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  &x[i], &y[i]);
    }
    int last = ROUNDS - 1;
    reduced = -1;
    torc_spmd((void (*)())allreduce_spmd, 1, 1, MPI_INT, CALL_BY_COP, &last);
    if (reduced != (long)nodes * (1000 * ROUNDS + 1)) {
        printf("spmd_thread_serialized: FAIL: %s: MPI_Allreduce gave %ld\n",
               busy ? "beside running tasks" : "after the rounds", reduced);
        bad++;
    }
    torc_waitall();
    for (long i = 0; busy && i < 400; i++)
        if (y[i] != i * i) bad++;
    bad += squares(1000);

    MPI_Query_thread(&level);
    printf("spmd_thread_serialized: level=%s nodes=%d rounds=%d bad=%ld\n",
           level == MPI_THREAD_SERIALIZED ? "serialized" : "other", nodes, ROUNDS, bad);
    torc_finalize();
    return bad == 0 && level == MPI_THREAD_SERIALIZED ? 0 : 1;
}
