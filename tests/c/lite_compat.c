/* What programs written for TORC Lite take from its torc.h: <pthread.h> and <time.h> come with
 * it (pthread types and PTHREAD_MUTEX_INITIALIZER, clock() and CLOCKS_PER_SEC), and
 * _torc_scheduler_loop, TORC Lite's internal name of the scheduler loop, links when a program
 * declares it itself. Includes nothing but torc.h (and stdio.h for printf); valid C99, C11 and
 * C++17. Prints "lite_compat: ok" on node 0 when every check passed. */
#include <torc.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" void _torc_scheduler_loop(int);
#else
extern void _torc_scheduler_loop(int);
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int sum;

static void add(int *x)
{
    pthread_mutex_lock(&lock);
    sum += *x;
    pthread_mutex_unlock(&lock);
}

static void *helper(void *arg)
{
    add((int *)arg);
    return arg;
}

int main(int argc, char *argv[])
{
    clock_t start = clock();
    torc_register_task((void *)add);
    torc_init(argc, argv, MODE_MW);

    pthread_t th;
    int hundred = 100;
    if (pthread_create(&th, NULL, helper, &hundred) != 0 || pthread_join(th, NULL) != 0) {
        printf("lite_compat: pthread_create failed\n");
        return 1;
    }
    for (int i = 1; i <= 10; i++)
        torc_task(-1, (void (*)())add, 1, 1, MPI_INT, CALL_BY_COP, &i);
    /* One worker on one node: the call runs exactly one queued task, the oldest (i = 1). */
    _torc_scheduler_loop(1);
    int lone = torc_num_nodes() == 1 && torc_i_num_workers() == 1;
    pthread_mutex_lock(&lock);
    int after_one = sum;
    pthread_mutex_unlock(&lock);
    if (lone && after_one != 101) {
        printf("lite_compat: _torc_scheduler_loop(1) left sum = %d, want 101\n", after_one);
        return 1;
    }
    torc_waitall();
    double secs = (double)(clock() - start) / CLOCKS_PER_SEC;
    if (sum != 155 || secs < 0) {
        printf("lite_compat: sum = %d (want 155), %g s\n", sum, secs);
        return 1;
    }
    printf("lite_compat: ok\n");
    torc_finalize();
    return 0;
}
