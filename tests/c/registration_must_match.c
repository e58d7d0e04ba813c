/* Registration must match across nodes. argv[1]: "same" (every node registers task_a, task_b:
 * a valid program, whose tasks run on every node and print "registration_must_match: ok"),
 * "swap" (nodes other than 0 register task_b, task_a) or "extra" (the last node registers one
 * more function). The latter two must be refused by torc_init with one line naming the first
 * difference. */
#include <torc.h>
#include <stdio.h>
#include <string.h>

void task_a(int *x, int *y) { *y = *x + 1; }
void task_b(int *x, int *y) { *y = *x * 10; }
void task_c(void) {}

int main(int argc, char *argv[])
{
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *mode = argc > 1 ? argv[1] : "same";
    if (!strcmp(mode, "swap") && rank != 0) {
        torc_register_task((void *)task_b);
        torc_register_task((void *)task_a);
    } else {
        torc_register_task((void *)task_a);
        torc_register_task((void *)task_b);
    }
    if (!strcmp(mode, "extra") && rank == size - 1)
        torc_register_task((void *)task_c);
    torc_init(argc, argv, MODE_MW);
    int n = torc_num_workers(), bad = 0;
    int x[64], ya[64], yb[64];
    for (int i = 0; i < n && i < 64; i++) {
        x[i] = i;
        torc_task(i, (void (*)())task_a, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
                  CALL_BY_RES, &x[i], &ya[i]);
        torc_task(i, (void (*)())task_b, 2, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
                  CALL_BY_RES, &x[i], &yb[i]);
    }
    torc_waitall();
    for (int i = 0; i < n && i < 64; i++)
        bad += ya[i] != i + 1 || yb[i] != 10 * i;
    if (bad == 0)
        printf("registration_must_match: ok\n");
    torc_finalize();
    return bad == 0 ? 0 : 1;
}
