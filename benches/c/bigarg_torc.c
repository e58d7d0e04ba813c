/* A large argument round trip with torc: the primary task (node 0) creates a task on the first
 * worker of node 1 with one buffer of S MiB passed CALL_BY_REF (it travels to node 1 and back)
 * and waits for it; the task changes the first and the last byte, which the primary checks.
 * N round trips per round, R rounds after one warm-up round. Prints the median time per round
 * trip and the bandwidth = 2 x S / round trip time in GB/s (10^9 bytes per second). Needs at
 * least 2 nodes.
 * Usage: mpirun -np 2 bigarg_torc [mib=16] [iterations=10] [reps=5] */
#include <stdio.h>
#include <string.h>
#include <torc.h>
#include "bench_util.h"

static void touch(unsigned char *buf, long *size)
{
    buf[0]++;
    buf[*size - 1]++;
}

int main(int argc, char *argv[])
{
    long mib = bench_arg(argc, argv, 1, 16);
    long iters = bench_arg(argc, argv, 2, 10);
    int reps = (int)bench_arg(argc, argv, 3, 5);
    long size = mib << 20;
    double *t = malloc((size_t)reps * sizeof *t), best, median;

    torc_register_task((void *)touch);
    torc_init(argc, argv, MODE_MW);
    if (torc_num_nodes() < 2) {
        fprintf(stderr, "bigarg_torc: needs at least 2 nodes, got %d\n", torc_num_nodes());
        torc_finalize();
        return 1;
    }
    int remote = torc_i_num_workers();
    unsigned char *buf = malloc((size_t)size);
    memset(buf, 7, (size_t)size);
    unsigned char want = 7;

    for (int r = -1; r < reps; r++) {
        double t0 = bench_now();
        for (long i = 0; i < iters; i++) {
            torc_task(remote, (void (*)())touch, 2,
                      (int)size, MPI_BYTE, CALL_BY_REF,
                      1, MPI_LONG, CALL_BY_COP,
                      buf, &size);
            torc_waitall();
            want++;
            if (buf[0] != want || buf[size - 1] != want) {
                fprintf(stderr, "bigarg_torc: the buffer did not come back changed\n");
                torc_finalize();
                return 1;
            }
        }
        if (r >= 0)
            t[r] = (bench_now() - t0) / (double)iters;
    }
    bench_stats(t, reps, &best, &median);
    printf("bigarg_torc nodes=%d mib=%ld iterations=%ld reps=%d median_ms=%.3f "
           "best_gbs=%.3f median_gbs=%.3f\n",
           torc_num_nodes(), mib, iters, reps, median * 1e3, 2.0 * (double)size / best / 1e9,
           2.0 * (double)size / median / 1e9);
    fflush(stdout);
    free(buf);
    free(t);
    torc_finalize();
    return 0;
}
