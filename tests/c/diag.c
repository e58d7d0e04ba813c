/* Failures torc must report (tests/diagnosis.rs): `diag MODE`.
 *   null     a task on the last node dereferences NULL
 *   abort    a task on node 0 calls abort()
 *   chain    as null, on node 0, with the application's own SIGSEGV handler installed before
 *            torc_init (it prints a line, then torc's default ending follows)
 *   exit     a task on the last node calls exit(3)
 *   hang     a task on the last node waits forever at a barrier nobody else reaches, while the
 *            primary task waits for it (TORC_WATCHDOG makes the job stop)
 *   block    a task on the last node waits until the file named by argv[2] exists, while the
 *            primary task waits for it; every rank prints "pid RANK PID" first (the test
 *            kills a rank, or sends SIGUSR1 and then creates the file)
 *   outside  the primary task (the program itself) dereferences NULL after torc_init
 *   fine     tasks on every node finish normally (nothing to report)
 */
#include <torc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *mode;
static const char *file;
static pthread_barrier_t never;

static void crash_null(int *x)
{
    volatile int *p = NULL;
    *x = *p;
}

static void call_abort(int *x)
{
    (void)x;
    abort();
}

static void call_exit(int *x)
{
    (void)x;
    fflush(stdout);
    exit(3);
}

static void wait_at_barrier(int *x)
{
    (void)x;
    pthread_barrier_wait(&never);
}

static void wait_for_file(int *x)
{
    while (access(file, F_OK) != 0)
        usleep(1000);
    *x = 7;
}

static void square(int *x)
{
    *x = *x * *x;
}

static void app_handler(int sig)
{
    const char msg[] = "diag: the application's handler ran\n";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0) {
    }
    _exit(42);
}

int main(int argc, char *argv[])
{
    mode = argc > 1 ? argv[1] : "fine";
    file = argc > 2 ? argv[2] : "/nonexistent";
    pthread_barrier_init(&never, NULL, 2);
    if (strcmp(mode, "chain") == 0)
        signal(SIGSEGV, app_handler);
    torc_register_task(crash_null);
    torc_register_task(call_abort);
    torc_register_task(call_exit);
    torc_register_task(wait_at_barrier);
    torc_register_task(wait_for_file);
    torc_register_task(square);
    /* Before torc_init, which returns only on node 0: the rank as the launcher tells it. */
    const char *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (!rank)
        rank = getenv("PMI_RANK");
    printf("pid %s %d\n", rank ? rank : "0", (int)getpid());
    fflush(stdout);
    torc_init(argc, argv, MODE_MW);
    int last = torc_num_nodes() - 1;
    int lastw = torc_num_workers() - 1; /* global id of a worker on the last node */
    int x = 3;
    if (strcmp(mode, "null") == 0) {
        torc_create(lastw, crash_null, 1, 1, MPI_INT, CALL_BY_REF, &x);
    } else if (strcmp(mode, "chain") == 0) {
        torc_create(0, crash_null, 1, 1, MPI_INT, CALL_BY_REF, &x);
    } else if (strcmp(mode, "abort") == 0) {
        torc_create(0, call_abort, 1, 1, MPI_INT, CALL_BY_REF, &x);
    } else if (strcmp(mode, "exit") == 0) {
        torc_create(lastw, call_exit, 1, 1, MPI_INT, CALL_BY_REF, &x);
    } else if (strcmp(mode, "hang") == 0) {
        torc_create(lastw, wait_at_barrier, 1, 1, MPI_INT, CALL_BY_REF, &x);
    } else if (strcmp(mode, "outside") == 0) {
        volatile int *p = NULL;
        x = *p;
    } else if (strcmp(mode, "block") == 0) {
        printf("diag: waiting on node %d\n", last);
        fflush(stdout);
        torc_create(lastw, wait_for_file, 1, 1, MPI_INT, CALL_BY_REF, &x);
    } else {
        int v[64];
        for (int i = 0; i < 64; i++) {
            v[i] = i;
            torc_create(-1, square, 1, 1, MPI_INT, CALL_BY_REF, &v[i]);
        }
        torc_waitall();
        long s = 0;
        for (int i = 0; i < 64; i++)
            s += v[i];
        printf("diag: sum %ld\n", s);
    }
    torc_waitall();
    printf("diag: done x=%d\n", x);
    torc_finalize();
    return 0;
}
