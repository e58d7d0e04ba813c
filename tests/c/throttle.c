/* Throttling (TORC_THROTTLING_FACTOR, src/sched/spawn.rs): with more than one worker, a task
 * created while its creator's queue already holds FACTOR x workers tasks of its level runs at
 * once in its creator. The primary task first creates a blocker, which the other worker takes
 * (it is the oldest task) and which holds that worker until the loop below is over; then it
 * creates N tasks. Each records whether it ran on worker 0 while the loop was still going
 * (only a throttled task can: worker 0 is busy creating). Prints
 *   throttle: workers=W ran_during_loop=K sum=S ok
 * where S checks that every task ran once with its own argument. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <torc.h>

static atomic_int loop_done;
static atomic_long sum;
static atomic_int during;

static void blocker(void)
{
    while (!atomic_load(&loop_done))
        ;
}

static void work(int *i, long *out)
{
    if (torc_worker_id() == 0 && !atomic_load(&loop_done))
        atomic_fetch_add(&during, 1);
    atomic_fetch_add(&sum, *i);
    *out = *i + 1;
}

int main(int argc, char *argv[])
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    long *out = calloc((size_t)n, sizeof *out);
    torc_register_task((void *)blocker);
    torc_register_task((void *)work);
    torc_init(argc, argv, MODE_MW);
    torc_task(-1, blocker, 0);
    for (int i = 0; i < n; i++)
        torc_task(-1, (void (*)())work, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG, CALL_BY_RES,
                  &i, &out[i]);
    atomic_store(&loop_done, 1);
    torc_waitall();
    long want = (long)n * (n - 1) / 2;
    int ok = atomic_load(&sum) == want;
    for (int i = 0; i < n; i++)
        ok = ok && out[i] == i + 1;
    printf("throttle: workers=%d ran_during_loop=%d sum=%ld %s\n", torc_num_workers(),
           atomic_load(&during), atomic_load(&sum), ok ? "ok" : "WRONG");
    torc_finalize();
    free(out);
    return ok ? 0 : 1;
}
