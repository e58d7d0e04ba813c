/* TORC Lite's asynchronous pattern: node 0's primary task starts a few detached tasks; each one,
 * when done, sends its result to node 0 with torc_task_direct(0, done, ...) (CALL_BY_COP). The
 * callback runs on node 0 (on any of its threads, possibly inline in the caller), records the
 * result in a table guarded by a mutex, and starts the next detached task until the total is
 * reached. The primary polls with torc_scheduler_loop(1) until every result has arrived.
 * Usage: async_detached [total=200] [in_flight=8] */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <torc.h>

/* Node 0 only (callbacks run there). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int total, issued, received, duplicates;
static double *result;
static int *arrivals;

static double work_value(int id, double x)
{
    double s = 0.0;
    int k;
    for (k = 1; k <= 100 + id % 50; k++)
        s += sqrt(x * k);
    return s;
}

static void work_task(int *id, double *x);

static void start_work(int id)
{
    double x = 1.0 + id;
    torc_task_detached(-1, (void (*)())work_task, 2,
                       1, MPI_INT, CALL_BY_COP,
                       1, MPI_DOUBLE, CALL_BY_COP,
                       &id, &x);
}

/* Runs on node 0. */
static void done_callback(int *id, double *value)
{
    int next = -1;
    if (torc_node_id() != 0) {
        printf("async_detached: FAIL: callback for %d runs on node %d\n", *id, torc_node_id());
        exit(1);
    }
    pthread_mutex_lock(&lock);
    if (*id < 0 || *id >= total || arrivals[*id]++ > 0) {
        duplicates++;
    } else {
        result[*id] = *value;
        received++;
    }
    if (issued < total)
        next = issued++;
    pthread_mutex_unlock(&lock);
    if (next >= 0)
        start_work(next);
}

/* Runs anywhere. */
static void work_task(int *id, double *x)
{
    double v = work_value(*id, *x);
    torc_task_direct(0, (void (*)())done_callback, 2,
                     1, MPI_INT, CALL_BY_COP,
                     1, MPI_DOUBLE, CALL_BY_COP,
                     id, &v);
}

static int count_received(void)
{
    int r;
    pthread_mutex_lock(&lock);
    r = received;
    pthread_mutex_unlock(&lock);
    return r;
}

int main(int argc, char *argv[])
{
    int want = argc > 1 ? atoi(argv[1]) : 200;
    int in_flight = argc > 2 ? atoi(argv[2]) : 8;
    int i, first, errors = 0;
    long polls = 0, ran = 0;
    double t0;

    torc_register_task((void *)work_task);
    torc_register_task((void *)done_callback);
    torc_init(argc, argv, MODE_MW);

    if (want < 1 || in_flight < 1) {
        printf("async_detached: FAIL: total = %d and in_flight = %d must be positive\n",
               want, in_flight);
        return 1;
    }
    result = calloc(want, sizeof *result);
    arrivals = calloc(want, sizeof *arrivals);
    pthread_mutex_lock(&lock);
    total = want;
    first = in_flight < want ? in_flight : want;
    issued = first;
    pthread_mutex_unlock(&lock);
    for (i = 0; i < first; i++)
        start_work(i);

    t0 = torc_gettime();
    while (count_received() < want) {
        polls++;
        if (torc_scheduler_loop(1))
            ran++;
        else
            thread_sleep(0);
        if (torc_gettime() - t0 > 60.0) {
            printf("async_detached: FAIL: only %d of %d results after 60 s\n",
                   count_received(), want);
            return 1;
        }
    }

    pthread_mutex_lock(&lock);
    for (i = 0; i < want; i++) {
        if (arrivals[i] != 1 || result[i] != work_value(i, 1.0 + i)) {
            printf("async_detached: FAIL: result %d arrived %d times, value %.17g expected %.17g\n",
                   i, arrivals[i], result[i], work_value(i, 1.0 + i));
            if (++errors > 10)
                break;
        }
    }
    if (duplicates) {
        printf("async_detached: FAIL: %d unexpected callbacks\n", duplicates);
        errors++;
    }
    pthread_mutex_unlock(&lock);
    if (errors)
        return 1;
    printf("async_detached: results=%d in_flight=%d ok (primary ran %ld of its %ld polls)\n",
           want, first, ran, polls);
    free(result);
    free(arrivals);
    torc_finalize();
    return 0;
}
