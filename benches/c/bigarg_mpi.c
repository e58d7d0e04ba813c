/* The peer of bigarg_torc.c: raw MPI ping-pong of an S MiB buffer between ranks 0 and 1
 * (MPI_Send/MPI_Recv, MPI_BYTE). N round trips per round, R rounds after one warm-up round.
 * Prints the median time per round trip and the bandwidth = 2 x S / round trip time in GB/s.
 * Usage: mpirun -np 2 bigarg_mpi [mib=16] [iterations=10] [reps=5] */
#include <stdio.h>
#include <string.h>
#include <mpi.h>
#include "timing.h"

/* The buffer and its size, the round trips per round and this rank. */
struct trips {
    unsigned char *buf;
    long size, iters;
    int rank;
};

/* A round: iters round trips (the other ranks only join the barrier); the time per round
 * trip in s. */
static double round_of(void *ctx, int r)
{
    struct trips *c = ctx;
    int size = (int)c->size;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = bench_now();
    for (long i = 0; i < c->iters; i++) {
        if (c->rank == 0) {
            MPI_Send(c->buf, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(c->buf, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (c->rank == 1) {
            MPI_Recv(c->buf, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            c->buf[0]++;
            c->buf[size - 1]++;
            MPI_Send(c->buf, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
        }
    }
    return (bench_now() - t0) / (double)c->iters;
}

int main(int argc, char *argv[])
{
    long mib = bench_arg(argc, argv, 1, 16);
    struct trips c = {NULL, mib << 20, bench_arg(argc, argv, 2, 10), 0};
    int reps = (int)bench_arg(argc, argv, 3, 5);
    int nranks = bench_mpi_start("bigarg_mpi", &argc, &argv, &c.rank);
    c.buf = malloc((size_t)c.size);
    memset(c.buf, 7, (size_t)c.size);

    struct bench_figures f = bench_rounds(reps, round_of, &c);
    if (c.rank == 0) {
        printf("bigarg_mpi ranks=%d mib=%ld iterations=%ld reps=%d median_ms=%.3f "
               "best_gbs=%.3f median_gbs=%.3f\n",
               nranks, mib, c.iters, reps, f.median * 1e3, 2.0 * (double)c.size / f.best / 1e9,
               2.0 * (double)c.size / f.median / 1e9);
    }
    free(c.buf);
    MPI_Finalize();
    return 0;
}
