/* The peer of idle_torc.c: rank 0 waits in a blocking MPI_Recv while rank 1 busy-loops for S
 * milliseconds and then sends one message. CPU time (getrusage RUSAGE_SELF, user + system)
 * around the wait on rank 0 and around the loop on rank 1 (minus the looping thread's own
 * CPU time), as a percentage of one core. Rank 1 sends its figure to rank 0.
 * Usage: mpirun -np 2 idle_mpi [ms=2000] */
#include <stdio.h>
#include <mpi.h>
#include "bench_util.h"

int main(int argc, char *argv[])
{
    double secs = (double)bench_arg(argc, argv, 1, 2000) * 1e-3;
    int rank, nranks = bench_mpi_start("idle_mpi", &argc, &argv, &rank);

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        double pct1 = -1.0;
        double w0 = bench_now(), p0 = bench_process_cpu();
        MPI_Recv(&pct1, 1, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        double w1 = bench_now(), p1 = bench_process_cpu();
        double pct0 = (p1 - p0) / (w1 - w0) * 100.0;
        printf("idle_mpi ranks=%d wait_s=%.3f node0_pct=%.2f node1_pct=%.2f max_pct=%.2f\n",
               nranks, w1 - w0, pct0, pct1, pct0 > pct1 ? pct0 : pct1);
    } else if (rank == 1) {
        double w0 = bench_now(), p0 = bench_process_cpu(), t0 = bench_thread_cpu();
        bench_spin_for(secs);
        double w1 = bench_now(), p1 = bench_process_cpu(), t1 = bench_thread_cpu();
        double pct = ((p1 - p0) - (t1 - t0)) / (w1 - w0) * 100.0;
        MPI_Send(&pct, 1, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
