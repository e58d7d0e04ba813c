/* Idle cost of torc: the primary task (node 0) creates one task on the first worker of node 1
 * that busy-loops for S milliseconds, and waits for it. CPU time (getrusage RUSAGE_SELF,
 * user + system) is taken around the wait on node 0 and around the task on node 1; on node 1
 * the task's own thread CPU time (its busy loop) is subtracted. Each figure is the CPU time
 * the process spent besides useful work, as a percentage of one core over the wall-clock time.
 * Also prints how much longer than the task node 0 waited (creation, wake-up, result), and the
 * CPU time of each thread of node 0 during the wait (from /proc, 10 ms resolution).
 * Usage: mpirun -np 2 idle_torc [ms=2000]
 *
 * With a second argument `busy0` the other way round (issue 15, item 4): node 0 itself
 * computes for S ms while every other node has nothing to do (run it with TORC_STEALING=1:
 * the idle nodes then keep asking node 0 for work). A small task on each other node reads
 * its process CPU time and clock before and after; each idle node's figure is its CPU time
 * over the wall-clock time, as a percentage of one core; max_pct is the largest.
 * Usage: mpirun -np 4 -x TORC_STEALING=1 idle_torc [ms=2000] busy0 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <torc.h>
#include "bench_util.h"

/* CPU time of each thread of this process (from /proc/self/task), for the breakdown. */
#define MAX_THREADS 64
struct thread_cpu {
    int n;
    long tid[MAX_THREADS];
    double secs[MAX_THREADS];
    char name[MAX_THREADS][20];
};

static void thread_cpu_snapshot(struct thread_cpu *t)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    double tick = (double)sysconf(_SC_CLK_TCK);
    t->n = 0;
    if (!d)
        return;
    while ((e = readdir(d)) && t->n < MAX_THREADS) {
        char path[300], buf[1024];
        FILE *f;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = 0;
        /* The name is in parentheses; utime and stime are the 12th and 13th fields after it. */
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close)
            continue;
        unsigned long ut = 0, st = 0;
        if (sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
            continue;
        int i = t->n++;
        t->tid[i] = atol(e->d_name);
        t->secs[i] = (double)(ut + st) / tick;
        size_t nl = (size_t)(close - open - 1);
        nl = nl < sizeof t->name[i] - 1 ? nl : sizeof t->name[i] - 1;
        memcpy(t->name[i], open + 1, nl);
        t->name[i][nl] = 0;
        for (char *c = t->name[i]; *c; c++)
            if (*c == ' ' || *c == '=' || *c == ',')
                *c = '_';
    }
    closedir(d);
}

/* Prints `name:ms,...` for the threads that used CPU between the two snapshots. */
static void thread_cpu_print(const struct thread_cpu *a, const struct thread_cpu *b)
{
    int any = 0;
    for (int i = 0; i < b->n; i++) {
        double before = 0.0;
        for (int j = 0; j < a->n; j++)
            if (a->tid[j] == b->tid[i])
                before = a->secs[j];
        double used = b->secs[i] - before;
        if (used > 0.0) {
            printf("%s%s:%.0fms", any ? "," : "", b->name[i], used * 1e3);
            any = 1;
        }
    }
    if (!any)
        printf("none");
}

/* Busy-loops `*secs` seconds; returns the process CPU time beyond this thread's as a
 * percentage of one core over the loop's wall-clock time, and that wall-clock time. */
static void long_task(double *secs, double *pct, double *wall)
{
    double w0 = bench_now(), p0 = bench_process_cpu(), t0 = bench_thread_cpu();
    bench_spin_for(*secs);
    double w1 = bench_now(), p1 = bench_process_cpu(), t1 = bench_thread_cpu();
    *pct = ((p1 - p0) - (t1 - t0)) / (w1 - w0) * 100.0;
    *wall = w1 - w0;
}

/* The process CPU time and clock of the node it runs on. */
static void mark(double *cpu, double *wall)
{
    *cpu = bench_process_cpu();
    *wall = bench_now();
}

/* `busy0`: node 0 computes, the others idle; prints each idle node's CPU use. */
static int busy_node0(double secs)
{
    enum { MAXN = 64 };
    int nodes = torc_num_nodes(), per = torc_i_num_workers();
    double c0[MAXN], w0[MAXN], c1[MAXN], w1[MAXN];
    if (nodes > MAXN) {
        fprintf(stderr, "idle_torc: at most %d nodes\n", MAXN);
        return 1;
    }
    for (int k = 1; k < nodes; k++)
        torc_task(k * per, (void (*)())mark, 2, 1, MPI_DOUBLE, CALL_BY_RES, 1, MPI_DOUBLE,
                  CALL_BY_RES, &c0[k], &w0[k]);
    torc_waitall();
    bench_spin_for(secs);
    for (int k = 1; k < nodes; k++)
        torc_task(k * per, (void (*)())mark, 2, 1, MPI_DOUBLE, CALL_BY_RES, 1, MPI_DOUBLE,
                  CALL_BY_RES, &c1[k], &w1[k]);
    torc_waitall();
    double max = 0.0;
    printf("idle_torc mode=busy0 nodes=%d workers=%d stealing=%s idle_pct=", nodes,
           torc_num_workers(), getenv("TORC_STEALING") ? getenv("TORC_STEALING") : "0");
    for (int k = 1; k < nodes; k++) {
        double pct = (c1[k] - c0[k]) / (w1[k] - w0[k]) * 100.0;
        printf("%s%.2f", k > 1 ? "," : "", pct);
        if (pct > max)
            max = pct;
    }
    printf(" max_pct=%.2f\n", max);
    fflush(stdout);
    return 0;
}

int main(int argc, char *argv[])
{
    double secs = (double)bench_arg(argc, argv, 1, 2000) * 1e-3;
    double pct1 = -1.0, task_wall = 0.0;

    torc_register_task((void *)long_task);
    torc_register_task((void *)mark);
    torc_init(argc, argv, MODE_MW);
    if (argc > 2 && strcmp(argv[2], "busy0") == 0) {
        int rc = torc_num_nodes() < 2 ? 1 : busy_node0(secs);
        torc_finalize();
        return rc;
    }
    if (bench_too_few_nodes("idle_torc"))
        return 1;
    int remote = torc_i_num_workers();
    /* Let the start-up settle before measuring. */
    bench_spin_for(0.05);

    struct thread_cpu before, after;
    thread_cpu_snapshot(&before);
    double w0 = bench_now(), p0 = bench_process_cpu();
    torc_task(remote, (void (*)())long_task, 3,
              1, MPI_DOUBLE, CALL_BY_COP,
              1, MPI_DOUBLE, CALL_BY_RES,
              1, MPI_DOUBLE, CALL_BY_RES,
              &secs, &pct1, &task_wall);
    torc_waitall();
    double w1 = bench_now(), p1 = bench_process_cpu();
    thread_cpu_snapshot(&after);
    double pct0 = (p1 - p0) / (w1 - w0) * 100.0;
    double max = pct0 > pct1 ? pct0 : pct1;
    printf("idle_torc nodes=%d workers=%d wait_s=%.3f extra_wait_ms=%.3f node0_pct=%.2f "
           "node1_pct=%.2f max_pct=%.2f node0_threads=",
           torc_num_nodes(), torc_num_workers(), w1 - w0, (w1 - w0 - task_wall) * 1e3, pct0,
           pct1, max);
    thread_cpu_print(&before, &after);
    printf("\n");
    fflush(stdout);
    torc_finalize();
    return 0;
}
