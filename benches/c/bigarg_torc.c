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
#include "timing.h"

static void touch(unsigned char *buf, long *size)
{
    buf[0]++;
    buf[*size - 1]++;
}

/* The buffer and its size, the round trips per round and the value both changed bytes must
 * have after the next one. */
struct trips {
    unsigned char *buf;
    long size, iters;
    int remote;
    unsigned char want;
};

/* A round: iters round trips, each checked; the time per round trip in s. */
static double round_of(void *ctx, int r)
{
    struct trips *c = ctx;
    double t0 = bench_now();
    for (long i = 0; i < c->iters; i++) {
        torc_task(c->remote, (void (*)())touch, 2,
                  (int)c->size, MPI_BYTE, CALL_BY_REF,
                  1, MPI_LONG, CALL_BY_COP,
                  c->buf, &c->size);
        torc_waitall();
        c->want++;
        if (c->buf[0] != c->want || c->buf[c->size - 1] != c->want) {
            fprintf(stderr, "bigarg_torc: the buffer did not come back changed\n");
            torc_finalize();
            exit(1);
        }
    }
    return (bench_now() - t0) / (double)c->iters;
}

int main(int argc, char *argv[])
{
    long mib = bench_arg(argc, argv, 1, 16);
    struct trips c = {NULL, mib << 20, bench_arg(argc, argv, 2, 10), 0, 7};
    int reps = (int)bench_arg(argc, argv, 3, 5);

    torc_register_task((void *)touch);
    torc_init(argc, argv, MODE_MW);
    if (bench_too_few_nodes("bigarg_torc"))
        return 1;
    c.remote = torc_i_num_workers();
    c.buf = malloc((size_t)c.size);
    memset(c.buf, 7, (size_t)c.size);

    struct bench_figures f = bench_rounds(reps, round_of, &c);
    printf("bigarg_torc nodes=%d mib=%ld iterations=%ld reps=%d median_ms=%.3f "
           "best_gbs=%.3f median_gbs=%.3f\n",
           torc_num_nodes(), mib, c.iters, reps, f.median * 1e3,
           2.0 * (double)c.size / f.best / 1e9, 2.0 * (double)c.size / f.median / 1e9);
    fflush(stdout);
    free(c.buf);
    torc_finalize();
    return 0;
}
