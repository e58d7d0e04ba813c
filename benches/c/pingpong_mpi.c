/* Raw MPI floors between ranks 0 and 1 (further ranks only join the barriers), 8-byte messages:
 *   pingpong: blocking ping-pong; prints the half round-trip latency (best, median) in us.
 *   stream:   rank 0 sends N messages to rank 1, which acknowledges the last; prints the time
 *             per message (best, median) in ns.
 * Each mode repeats R times after one warm-up round.
 * Usage: mpirun -np 2 pingpong_mpi [pingpong|stream] [iterations=100000] [reps=11] */
#include <stdio.h>
#include <string.h>
#include <mpi.h>
#include "bench_util.h"

int main(int argc, char *argv[])
{
    const char *mode = argc > 1 ? argv[1] : "pingpong";
    long iters = bench_arg(argc, argv, 2, 100000);
    int reps = (int)bench_arg(argc, argv, 3, 11);
    int rank, size, stream;
    long buf = 0;
    double *t = malloc((size_t)reps * sizeof *t), best, median;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0)
            fprintf(stderr, "pingpong_mpi: needs at least 2 ranks, got %d\n", size);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (strcmp(mode, "pingpong") != 0 && strcmp(mode, "stream") != 0) {
        if (rank == 0)
            fprintf(stderr, "pingpong_mpi: unknown mode '%s' (pingpong or stream)\n", mode);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    stream = strcmp(mode, "stream") == 0;

    for (int r = -1; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = bench_now();
        if (rank == 0) {
            for (long i = 0; i < iters; i++) {
                MPI_Send(&buf, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD);
                if (!stream)
                    MPI_Recv(&buf, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            }
            if (stream)
                MPI_Recv(&buf, 1, MPI_LONG, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            for (long i = 0; i < iters; i++) {
                MPI_Recv(&buf, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (!stream)
                    MPI_Send(&buf, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD);
            }
            if (stream)
                MPI_Send(&buf, 1, MPI_LONG, 0, 1, MPI_COMM_WORLD);
        }
        double dt = bench_now() - t0;
        if (r >= 0)
            t[r] = stream ? dt / (double)iters * 1e9 : dt / (double)iters / 2.0 * 1e6;
    }
    if (rank == 0) {
        bench_stats(t, reps, &best, &median);
        if (stream)
            printf("pingpong_mpi mode=stream ranks=%d messages=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
                   size, iters, reps, best, median);
        else
            printf("pingpong_mpi mode=pingpong ranks=%d iterations=%ld reps=%d best_us=%.3f median_us=%.3f\n",
                   size, iters, reps, best, median);
    }
    free(t);
    MPI_Finalize();
    return 0;
}
