/* Broadcast of variables defined in a shared library (global and static), then tasks defined
 * in that library read them on every worker of every node. */
#include <torc.h>
#include <stdio.h>
#include <stdlib.h>

extern double lib_table[8];
long *lib_count_addr(void);
void lib_read(double *sum, long *count);

int main(int argc, char *argv[])
{
    torc_init(argc, argv, MODE_MW);
    for (int i = 0; i < 8; i++) lib_table[i] = 1.5 * (i + 1);
    *lib_count_addr() = 4242;
    torc_broadcast(lib_table, 8, MPI_DOUBLE);
    torc_broadcast(lib_count_addr(), 1, MPI_LONG);
    int nw = torc_num_workers();
    double *sum = calloc(nw, sizeof(double));
    long *count = calloc(nw, sizeof(long));
    for (int g = 0; g < nw; g++)
        torc_task(g, (void (*)())lib_read, 2, 1, MPI_DOUBLE, CALL_BY_RES, 1, MPI_LONG, CALL_BY_RES, &sum[g], &count[g]);
    torc_waitall();
    int bad = 0;
    for (int g = 0; g < nw; g++)
        if (sum[g] != 54.0 || count[g] != 4242) bad++;
    printf("broadcast_library_data: nodes=%d workers=%d bad=%d\n", torc_num_nodes(), nw, bad);
    torc_finalize();
    return bad ? 1 : 0;
}
