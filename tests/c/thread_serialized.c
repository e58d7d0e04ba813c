/* The application initializes MPI itself with only MPI_THREAD_SERIALIZED, then uses torc on
 * several nodes: results must be right and the job must end cleanly. */
#include <torc.h>
#include <stdio.h>
#include "testing.h"

static void square(long *x, long *y) { *y = *x * *x; }

int main(int argc, char *argv[])
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    torc_register_task((void *)square);
    torc_init(argc, argv, MODE_MW);
    enum { N = 2000 };
    static long x[N], y[N];
    spread_long_tasks((testing_task_fn)square, N, x, y);
    long bad = 0;
    for (long i = 0; i < N; i++) if (y[i] != i * i) bad++;
    int level;
    MPI_Query_thread(&level);
    printf("thread_serialized: level=%s nodes=%d bad=%ld\n",
           level == MPI_THREAD_SERIALIZED ? "serialized" : "other", torc_num_nodes(), bad);
    torc_finalize();
    return bad == 0 && level == MPI_THREAD_SERIALIZED ? 0 : 1;
}
