/* The peer of bigarg_torc.c: raw MPI ping-pong of an S MiB buffer between ranks 0 and 1
 * (MPI_Send/MPI_Recv, MPI_BYTE). N round trips per round, R rounds after one warm-up round.
 * Prints the median time per round trip and the bandwidth = 2 x S / round trip time in GB/s.
 * Usage: mpirun -np 2 bigarg_mpi [mib=16] [iterations=10] [reps=5] */
#include <stdio.h>
#include <string.h>
#include <mpi.h>
#include "bench_util.h"

int main(int argc, char *argv[])
{
    long mib = bench_arg(argc, argv, 1, 16);
    long iters = bench_arg(argc, argv, 2, 10);
    int reps = (int)bench_arg(argc, argv, 3, 5);
    long size = mib << 20;
    double *t = malloc((size_t)reps * sizeof *t), best, median;
    int rank, nranks;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (nranks < 2) {
        fprintf(stderr, "bigarg_mpi: needs at least 2 ranks, got %d\n", nranks);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    unsigned char *buf = malloc((size_t)size);
    memset(buf, 7, (size_t)size);

    for (int r = -1; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = bench_now();
        for (long i = 0; i < iters; i++) {
            if (rank == 0) {
                MPI_Send(buf, (int)size, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                MPI_Recv(buf, (int)size, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                MPI_Recv(buf, (int)size, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                buf[0]++;
                buf[size - 1]++;
                MPI_Send(buf, (int)size, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
            }
        }
        if (r >= 0)
            t[r] = (bench_now() - t0) / (double)iters;
    }
    if (rank == 0) {
        bench_stats(t, reps, &best, &median);
        printf("bigarg_mpi ranks=%d mib=%ld iterations=%ld reps=%d median_ms=%.3f "
               "best_gbs=%.3f median_gbs=%.3f\n",
               nranks, mib, iters, reps, median * 1e3, 2.0 * (double)size / best / 1e9,
               2.0 * (double)size / median / 1e9);
    }
    free(buf);
    free(t);
    MPI_Finalize();
    return 0;
}
