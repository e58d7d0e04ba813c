/* A direct task answered while the target node's only worker is busy (2 nodes x 1 worker).
 * The primary task (node 0) creates a task on node 1's worker that busy-runs for S ms (a loop
 * reading torc_gettime(), never sleeping); the task tells node 0 that it started with a direct
 * task. Then node 0 sends K probes, G us apart, all while that task runs: each probe is
 * torc_task_direct(node 1's worker, probe_body, ...) whose body (on node 1) answers with
 * torc_task_direct(node 0, reply, ...). A probe's round trip runs from the call until the
 * probe is complete (torc_waitall in the primary task returns: node 0's only worker is idle and
 * drives the engine meanwhile, so node 0 answers promptly) and its reply has arrived; the busy
 * task is detached, so that torc_waitall does not wait for it.
 * Prints the median and max round trip in us over the probes (and, for comparison, the same
 * round trip measured just before, while node 1 is idle).
 * Checks: every reply arrives (within 5 s), comes from node 1, the busy task ran on node 1 for
 * at least S ms; exits non-zero otherwise. How many probes node 1 answered while its worker was
 * still in the busy task is reported (busy_answers=N/K).
 * Usage: mpirun -np 2 busy_answer_torc [busy_ms=1000] [probes=20] [gap_us=5000] */
#include <stdio.h>
#include <torc.h>
#include "bench_util.h"

#define MAX_PROBES 1000

/* Node 1: whether the busy task is running; probes answered. */
static int busy_running;
/* Node 0: the busy task has started; replies received, and what each one reported. */
static int started_flag;
static int replies;
static double rt_us[MAX_PROBES];
static double reply_node[MAX_PROBES];
static double reply_busy[MAX_PROBES];

/* Node 0 (a direct task from the busy task): it started on node `*node`. */
static void started(double *node)
{
    (void)node;
    __atomic_store_n(&started_flag, 1, __ATOMIC_RELEASE);
}

/* Node 0 (a direct task from the busy task when it ends): {node id, wall time, worker id}. */
static double done_info[3] = {-1.0, -1.0, -1.0};
static int done_flag;
static void done(double *info)
{
    for (int i = 0; i < 3; i++)
        done_info[i] = info[i];
    __atomic_store_n(&done_flag, 1, __ATOMIC_RELEASE);
}

/* Node 1 (a detached task): busy-runs `*secs` seconds, then reports to node 0. */
static void busy_task(double *secs)
{
    double node = (double)torc_node_id();
    __atomic_store_n(&busy_running, 1, __ATOMIC_RELEASE);
    torc_task_direct(0, (void (*)())started, 1, 1, MPI_DOUBLE, CALL_BY_COP, &node);
    double t0 = torc_gettime(), end = t0 + *secs, t1;
    do {
        t1 = torc_gettime();
        __asm__ volatile("" ::: "memory");
    } while (t1 < end);
    __atomic_store_n(&busy_running, 0, __ATOMIC_RELEASE);
    double out[3] = {node, t1 - t0, (double)torc_worker_id()};
    torc_task_direct(0, (void (*)())done, 1, 3, MPI_DOUBLE, CALL_BY_COP, out);
}

/* Node 0: the answer to probe info[0] (sent at info[1]) from node info[2], which had its busy
 * flag at info[3]. */
static void reply(double *info)
{
    int k = (int)info[0];
    if (k >= 0 && k < MAX_PROBES) {
        reply_node[k] = info[2];
        reply_busy[k] = info[3];
    }
    __atomic_fetch_add(&replies, 1, __ATOMIC_RELEASE);
}

/* Node 1 (a direct task): answers node 0 at once. */
static void probe_body(double *in)
{
    double info[4] = {in[0], in[1], (double)torc_node_id(),
                      (double)__atomic_load_n(&busy_running, __ATOMIC_ACQUIRE)};
    torc_task_direct(0, (void (*)())reply, 1, 4, MPI_DOUBLE, CALL_BY_COP, info);
}

/* Sends probes first..first+n-1 to `target`, gap seconds apart; 0 on success. */
static int probes(int target, int first, int n, double gap)
{
    for (int k = first; k < first + n; k++) {
        double in[2] = {(double)k, bench_now()};
        torc_task_direct(target, (void (*)())probe_body, 1, 2, MPI_DOUBLE, CALL_BY_COP, in);
        /* The probe is a child of this task: wait for its completion (this idle worker drives
         * the communication engine meanwhile), then for the reply it sent. */
        torc_waitall();
        double limit = in[1] + 5.0;
        while (__atomic_load_n(&replies, __ATOMIC_ACQUIRE) < k + 1) {
            if (bench_now() > limit) {
                fprintf(stderr, "busy_answer_torc: no reply to probe %d within 5 s\n", k);
                return 1;
            }
            __asm__ volatile("pause" ::: "memory");
        }
        rt_us[k] = (bench_now() - in[1]) * 1e6;
        if (reply_node[k] != 1.0) {
            fprintf(stderr, "busy_answer_torc: probe %d answered by node %g, not 1\n", k,
                    reply_node[k]);
            return 1;
        }
        bench_spin_for(gap);
    }
    return 0;
}

int main(int argc, char *argv[])
{
    double secs = (double)bench_arg(argc, argv, 1, 1000) * 1e-3;
    int k = (int)bench_arg(argc, argv, 2, 20);
    double gap = (double)bench_arg(argc, argv, 3, 5000) * 1e-6;
    double out[3] = {-1.0, -1.0, -1.0};
    double idle[MAX_PROBES], busy[MAX_PROBES], best, med, idle_best, idle_med;
    int rc = 0;

    if (k > MAX_PROBES / 2)
        k = MAX_PROBES / 2;
    torc_register_task((void *)started);
    torc_register_task((void *)busy_task);
    torc_register_task((void *)reply);
    torc_register_task((void *)probe_body);
    torc_init(argc, argv, MODE_MW);
    if (torc_num_nodes() != 2 || torc_i_num_workers() != 1) {
        fprintf(stderr, "busy_answer_torc: needs 2 nodes x 1 worker, got %d nodes x %d\n",
                torc_num_nodes(), torc_i_num_workers());
        torc_finalize();
        return 1;
    }
    int remote = torc_i_num_workers(); /* node 1's only worker (global ids are rank-major) */
    bench_spin_for(0.05);

    /* The same round trip while node 1 is idle (probes 0..k-1), then while it is busy. */
    if (probes(remote, 0, k, gap)) {
        torc_finalize();
        return 1;
    }
    /* Detached, so that the probes' torc_waitall does not wait for it. */
    torc_task_detached(remote, (void (*)())busy_task, 1, 1, MPI_DOUBLE, CALL_BY_COP, &secs);
    double c0 = bench_now();
    while (!__atomic_load_n(&started_flag, __ATOMIC_ACQUIRE)) {
        if (bench_now() - c0 > 10.0) {
            fprintf(stderr, "busy_answer_torc: the busy task did not start within 10 s\n");
            torc_finalize();
            return 1;
        }
        __asm__ volatile("pause" ::: "memory");
    }
    double s0 = bench_now();
    bench_spin_for(0.01);
    rc = probes(remote, k, k, gap);
    double probes_s = bench_now() - s0;
    c0 = bench_now();
    while (!rc && !__atomic_load_n(&done_flag, __ATOMIC_ACQUIRE)) {
        if (bench_now() - c0 > secs + 10.0) {
            fprintf(stderr, "busy_answer_torc: the busy task did not report its end\n");
            rc = 1;
        }
        torc_waitall();
        __asm__ volatile("pause" ::: "memory");
    }
    for (int i = 0; i < 3; i++)
        out[i] = done_info[i];
    if (rc) {
        torc_finalize();
        return 1;
    }
    if (out[0] != 1.0 || out[2] != (double)remote || out[1] < secs) {
        fprintf(stderr,
                "busy_answer_torc: the busy task reported node %g worker %g, %g s (expected "
                "node 1 worker %d, >= %g s)\n",
                out[0], out[2], out[1], remote, secs);
        torc_finalize();
        return 1;
    }
    int while_busy = 0;
    for (int i = 0; i < k; i++) {
        idle[i] = rt_us[i];
        busy[i] = rt_us[k + i];
        while_busy += reply_busy[k + i] == 1.0;
    }
    bench_stats(idle, k, &idle_best, &idle_med);
    bench_stats(busy, k, &best, &med);
    printf("busy_answer_torc nodes=%d workers=%d busy_ms=%.0f probes=%d gap_us=%.0f "
           "busy_answers=%d/%d probes_ms=%.1f best_us=%.2f median_us=%.2f max_us=%.2f "
           "idle_median_us=%.2f idle_max_us=%.2f\n",
           torc_num_nodes(), torc_num_workers(), out[1] * 1e3, k, gap * 1e6, while_busy, k,
           probes_s * 1e3, best, med, busy[k - 1], idle_med, idle[k - 1]);
    fflush(stdout);
    torc_finalize();
    return 0;
}
