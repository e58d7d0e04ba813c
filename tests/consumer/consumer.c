/* A small TORC program built against an *installed* torc, the way an existing application is:
 * by a Makefile with torc_cflags/torc_libs, by CMake with find_package(torc), or with
 * pkg-config (see Makefile and CMakeLists.txt beside it; tests/install.rs drives them).
 *
 * Tasks spread over all workers (qid -1) get a by-copy scalar and vector and return a vector and
 * the node they ran on by result. Prints "consumer: ok ..." and exits 0 when every result
 * checks, else prints FAIL and exits 1. Usage: mpirun -np N ./consumer [ntasks] */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>

#define N 40
#define MAXTASKS 256

static void scale_task(double *a, double *x, double *y, int *node)
{
    int i;
    for (i = 0; i < N; i++)
        y[i] = *a * x[i] + 1.0;
    *node = torc_node_id();
}

int main(int argc, char *argv[])
{
    static double y[MAXTASKS][N];
    static int node[MAXTASKS];
    double x[N], a;
    int ntasks = argc > 1 ? atoi(argv[1]) : 32;
    int t, i, bad = 0, remote = 0;

    torc_register_task((void *)scale_task);
    torc_init(argc, argv, MODE_MS);
    if (ntasks < 1 || ntasks > MAXTASKS) {
        printf("consumer: FAIL: ntasks = %d (1..%d)\n", ntasks, MAXTASKS);
        torc_finalize();
        return 1;
    }

    for (t = 0; t < ntasks; t++) {
        a = t + 0.5;
        for (i = 0; i < N; i++)
            x[i] = i * 0.25 - t;
        node[t] = -1;
        torc_create(-1, (void (*)())scale_task, 4,
                    1, MPI_DOUBLE, CALL_BY_COP,
                    N, MPI_DOUBLE, CALL_BY_COP,
                    N, MPI_DOUBLE, CALL_BY_RES,
                    1, MPI_INT, CALL_BY_RES,
                    &a, x, y[t], &node[t]);
        /* The task owns copies of a and x: spoil ours. */
        a = -1.0;
        for (i = 0; i < N; i++)
            x[i] = -1.0;
    }
    torc_waitall();

    for (t = 0; t < ntasks; t++) {
        for (i = 0; i < N; i++) {
            double expect = (t + 0.5) * (i * 0.25 - t) + 1.0;
            if (y[t][i] != expect) {
                if (bad < 5)
                    printf("consumer: task %d: y[%d] = %g, expected %g\n", t, i, y[t][i], expect);
                bad++;
            }
        }
        if (node[t] < 0 || node[t] >= torc_num_nodes()) {
            printf("consumer: task %d reports node %d\n", t, node[t]);
            bad++;
        }
        if (node[t] > 0)
            remote++;
    }
    if (bad == 0)
        printf("consumer: ok tasks=%d nodes=%d workers=%d remote=%d\n", ntasks, torc_num_nodes(),
               torc_num_workers(), remote);
    else
        printf("consumer: FAIL (%d wrong results)\n", bad);
    fflush(stdout);
    torc_finalize();
    return bad ? 1 : 0;
}
