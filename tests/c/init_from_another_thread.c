/* torc_init called by a thread other than main, after the application initialized MPI itself:
 * on node 0 that thread is the primary task; on the others torc_init never returns (the
 * process exits when node 0 finalizes) while main waits in pthread_join. */
#include <torc.h>
#include <pthread.h>
#include <stdio.h>
#include "testing.h"

static void cube(long *x, long *y) { *y = *x * *x * *x; }

static int ok = 0;

static void *primary(void *arg)
{
    int *argc = arg;
    torc_init(*argc, NULL, MODE_MW);
    enum { N = 500 };
    static long x[N], y[N];
    spread_long_tasks((testing_task_fn)cube, N, x, y);
    long bad = 0;
    for (long i = 0; i < N; i++) if (y[i] != i * i * i) bad++;
    printf("init_from_another_thread: nodes=%d workers=%d bad=%ld\n", torc_num_nodes(), torc_num_workers(), bad);
    ok = bad == 0;
    torc_finalize();
    return NULL;
}

int main(int argc, char *argv[])
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    torc_register_task((void *)cube);
    pthread_t t;
    pthread_create(&t, NULL, primary, &argc);
    pthread_join(t, NULL);
    return ok ? 0 : 1;
}
