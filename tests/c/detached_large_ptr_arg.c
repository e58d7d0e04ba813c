/* A detached task with a large CALL_BY_PTR argument (1 MiB, sent in its own message) to
 * another node: nobody waits for a detached task, so the creator overwrites and frees its
 * buffer right after the creating call; the task must still see the data as it was at
 * creation. It reports what it saw to node 0 with a direct task. Needs 2+ nodes. */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>

#define N (1 << 20)
#define ROUNDS 8

static atomic_int reports, good;

static void report(int *ok)
{
    if (*ok) atomic_fetch_add(&good, 1);
    atomic_fetch_add(&reports, 1);
}

static void check(unsigned char *data, int *round)
{
    int ok = 1;
    for (int i = 0; i < N; i++)
        if (data[i] != (unsigned char)(i * 7 + *round)) { ok = 0; break; }
    torc_task_direct(0, (void (*)())report, 1, 1, MPI_INT, CALL_BY_COP, &ok);
}

int main(int argc, char *argv[])
{
    torc_register_task((void *)report);
    torc_register_task((void *)check);
    torc_init(argc, argv, MODE_MW);
    if (torc_num_nodes() < 2) {
        printf("detached_large_ptr_arg: needs 2+ nodes\n");
        torc_finalize();
        return 2;
    }
    int target = torc_num_workers() - 1; /* a worker of the last node */
    for (int r = 0; r < ROUNDS; r++) {
        unsigned char *buf = malloc(N);
        for (int i = 0; i < N; i++) buf[i] = (unsigned char)(i * 7 + r);
        torc_task_detached(target, (void (*)())check, 2, N, MPI_BYTE, CALL_BY_PTR,
                           1, MPI_INT, CALL_BY_COP, buf, &r);
        memset(buf, 0xee, N); /* the creator may reuse its memory at once */
        free(buf);
    }
    /* Wait for the reports (they come back as direct tasks run on this node). */
    while (atomic_load(&reports) < ROUNDS) torc_scheduler_loop(1);
    printf("detached_large_ptr_arg: rounds=%d good=%d\n", ROUNDS, atomic_load(&good));
    int ok = atomic_load(&good) == ROUNDS;
    torc_finalize();
    return ok ? 0 : 1;
}
