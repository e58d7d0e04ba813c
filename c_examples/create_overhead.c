/* Task creation overhead: the primary creates N tasks (qid -1) and waits for them, R times.
 * Each task of the first kind sets its own slot of an array (CALL_BY_RES, one char), so the
 * program checks that every task ran exactly where its result is visible to the creator; the
 * second kind takes no arguments at all (timed only). Prints the mean cost per task (create,
 * run and wait) of the best repetition. Usage: create_overhead [N=1000000] [R=3] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <torc.h>

static void mark_task(char *slot)
{
    *slot = 1;
}

static void empty_task(void)
{
}

int main(int argc, char *argv[])
{
    long n = argc > 1 ? atol(argv[1]) : 1000000L;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    char *slots;
    double best_mark = -1.0, best_empty = -1.0;
    long i, missing = 0;
    int r;

    torc_register_task((void *)mark_task);
    torc_register_task((void *)empty_task);
    torc_init(argc, argv, MODE_MW);

    if (n < 1 || reps < 1) {
        printf("create_overhead: FAIL: N = %ld and R = %d must be positive\n", n, reps);
        return 1;
    }
    slots = malloc(n);
    for (r = 0; r < reps; r++) {
        double t0, t1;

        memset(slots, 0, n);
        t0 = torc_gettime();
        for (i = 0; i < n; i++)
            torc_task(-1, (void (*)())mark_task, 1, 1, MPI_CHAR, CALL_BY_RES, &slots[i]);
        torc_waitall();
        t1 = torc_gettime();
        for (i = 0; i < n; i++)
            if (slots[i] != 1)
                missing++;
        if (missing) {
            printf("create_overhead: FAIL: repetition %d: %ld of %ld tasks left no result\n",
                   r, missing, n);
            return 1;
        }
        if (best_mark < 0 || t1 - t0 < best_mark)
            best_mark = t1 - t0;

        t0 = torc_gettime();
        for (i = 0; i < n; i++)
            torc_task(-1, (void (*)())empty_task, 0);
        torc_waitall();
        t1 = torc_gettime();
        if (best_empty < 0 || t1 - t0 < best_empty)
            best_empty = t1 - t0;
    }
    printf("create_overhead: tasks=%ld ns_per_task=%.1f (1 RES argument, best of %d, %d nodes x"
           " %d workers)\n", n, best_mark * 1e9 / n, reps, torc_num_nodes(), torc_i_num_workers());
    printf("create_overhead: empty tasks=%ld ns_per_task=%.1f (no arguments, best of %d)\n",
           n, best_empty * 1e9 / n, reps);
    free(slots);
    torc_finalize();
    return 0;
}
