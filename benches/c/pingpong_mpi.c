/* Raw MPI floors between ranks 0 and 1 (further ranks only join the barriers), 8-byte messages:
 *   pingpong: blocking ping-pong; prints the half round-trip latency (best, median) in us.
 *   stream:   rank 0 sends N messages to rank 1, which acknowledges the last; prints the time
 *             per message (best, median) in ns.
 * Each mode repeats R times after one warm-up round.
 * Usage: mpirun -np 2 pingpong_mpi [pingpong|stream] [iterations=100000] [reps=11] */
#include <stdio.h>
#include <string.h>
#include <mpi.h>
#include "timing.h"

/* The messages per round, the mode and this rank. */
struct floors {
    long iters;
    int stream, rank;
};

/* A round (the ranks past 1 only join the barrier): the half round trip in us (pingpong) or
 * the time per message in ns (stream). */
static double round_of(void *ctx, int r)
{
    struct floors *c = ctx;
    long buf = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = bench_now();
    if (c->rank == 0) {
        for (long i = 0; i < c->iters; i++) {
            MPI_Send(&buf, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD);
            if (!c->stream)
                MPI_Recv(&buf, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        if (c->stream)
            MPI_Recv(&buf, 1, MPI_LONG, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (c->rank == 1) {
        for (long i = 0; i < c->iters; i++) {
            MPI_Recv(&buf, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (!c->stream)
                MPI_Send(&buf, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD);
        }
        if (c->stream)
            MPI_Send(&buf, 1, MPI_LONG, 0, 1, MPI_COMM_WORLD);
    }
    double dt = bench_now() - t0;
    return c->stream ? dt / (double)c->iters * 1e9 : dt / (double)c->iters / 2.0 * 1e6;
}

int main(int argc, char *argv[])
{
    const char *mode = argc > 1 ? argv[1] : "pingpong";
    struct floors c = {bench_arg(argc, argv, 2, 100000), 0, 0};
    int reps = (int)bench_arg(argc, argv, 3, 11);
    int size = bench_mpi_start("pingpong_mpi", &argc, &argv, &c.rank);

    if (strcmp(mode, "pingpong") != 0 && strcmp(mode, "stream") != 0) {
        if (c.rank == 0)
            fprintf(stderr, "pingpong_mpi: unknown mode '%s' (pingpong or stream)\n", mode);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    c.stream = strcmp(mode, "stream") == 0;

    struct bench_figures f = bench_rounds(reps, round_of, &c);
    if (c.rank == 0) {
        if (c.stream)
            printf("pingpong_mpi mode=stream ranks=%d messages=%ld reps=%d best_ns=%.2f median_ns=%.2f\n",
                   size, c.iters, reps, f.best, f.median);
        else
            printf("pingpong_mpi mode=pingpong ranks=%d iterations=%ld reps=%d best_us=%.3f median_us=%.3f\n",
                   size, c.iters, reps, f.best, f.median);
    }
    MPI_Finalize();
    return 0;
}
