/* A three-stage pipeline over N values in chunks. For each stage the primary task creates one
 * task per chunk (qid -1; input chunk by CALL_BY_COP, output chunk by CALL_BY_RES), then helps:
 * it pulls work to itself with torc_fetch_work() and runs it with torc_scheduler_loop(1), and
 * meets the workers at torc_waitall2() (an SPMD-style barrier that may return while children
 * still run elsewhere), followed by torc_waitall() before it reads the stage's output.
 *   stage 1: a[i] = i * i          (from the index)
 *   stage 2: b[i] = a[i] + 3 * i   (each task also splits its chunk into two child tasks)
 *   stage 3: c[i] = b[i] % 1000003 + 1
 * Usage: pipeline [N=20000] [chunk=500] */
#include <stdio.h>
#include <stdlib.h>
#include <torc.h>

static void stage1(long *first, int *len, long *out)
{
    int k;
    for (k = 0; k < *len; k++)
        out[k] = (*first + k) * (*first + k);
}

static void stage2_part(long *first, int *len, long *in, long *out)
{
    int k;
    for (k = 0; k < *len; k++)
        out[k] = in[k] + 3 * (*first + k);
}

static void stage2(long *first, int *len, long *in, long *out)
{
    /* Two children, one per half: the halves come back by RES into this task's out buffer. */
    int h1 = *len / 2, h2 = *len - *len / 2;
    long f2 = *first + h1;
    torc_task(-1, (void (*)())stage2_part, 4,
              1, MPI_LONG, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
              h1, MPI_LONG, CALL_BY_COP, h1, MPI_LONG, CALL_BY_RES,
              first, &h1, in, out);
    torc_task(-1, (void (*)())stage2_part, 4,
              1, MPI_LONG, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
              h2, MPI_LONG, CALL_BY_COP, h2, MPI_LONG, CALL_BY_RES,
              &f2, &h2, in + h1, out + h1);
    torc_waitall();
}

static void stage3(int *len, long *in, long *out)
{
    int k;
    for (k = 0; k < *len; k++)
        out[k] = in[k] % 1000003 + 1;
}

/* The primary's part between stages; returns how many tasks it ran itself. */
static long help_and_barrier(void)
{
    long ran = 0;
    while (torc_fetch_work()) {
        if (torc_scheduler_loop(1))
            ran++;
    }
    torc_waitall2();
    torc_waitall();
    return ran;
}

int main(int argc, char *argv[])
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    int chunk = argc > 2 ? atoi(argv[2]) : 500;
    long *a, *b, *c, i, first, ran = 0, errors = 0, checksum = 0;

    torc_register_task((void *)stage1);
    torc_register_task((void *)stage2_part);
    torc_register_task((void *)stage2);
    torc_register_task((void *)stage3);
    torc_init(argc, argv, MODE_MW);

    if (n < 1 || chunk < 2) {
        printf("pipeline: FAIL: N = %ld must be positive and chunk = %d at least 2\n", n, chunk);
        return 1;
    }
    a = malloc(n * sizeof *a);
    b = malloc(n * sizeof *b);
    c = malloc(n * sizeof *c);
    for (i = 0; i < n; i++)
        a[i] = b[i] = c[i] = -1;

    for (first = 0; first < n; first += chunk) {
        int len = (int)(n - first < chunk ? n - first : chunk);
        torc_task(-1, (void (*)())stage1, 3,
                  1, MPI_LONG, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, len, MPI_LONG, CALL_BY_RES,
                  &first, &len, &a[first]);
    }
    ran += help_and_barrier();

    for (first = 0; first < n; first += chunk) {
        int len = (int)(n - first < chunk ? n - first : chunk);
        torc_task(-1, (void (*)())stage2, 4,
                  1, MPI_LONG, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  len, MPI_LONG, CALL_BY_COP, len, MPI_LONG, CALL_BY_RES,
                  &first, &len, &a[first], &b[first]);
    }
    ran += help_and_barrier();

    for (first = 0; first < n; first += chunk) {
        int len = (int)(n - first < chunk ? n - first : chunk);
        torc_task(-1, (void (*)())stage3, 3,
                  1, MPI_INT, CALL_BY_COP, len, MPI_LONG, CALL_BY_COP, len, MPI_LONG, CALL_BY_RES,
                  &len, &b[first], &c[first]);
    }
    ran += help_and_barrier();

    for (i = 0; i < n; i++) {
        long wa = i * i, wb = wa + 3 * i, wc = wb % 1000003 + 1;
        if (a[i] != wa || b[i] != wb || c[i] != wc) {
            printf("pipeline: FAIL: element %ld: a=%ld b=%ld c=%ld, expected %ld %ld %ld\n",
                   i, a[i], b[i], c[i], wa, wb, wc);
            if (++errors > 10)
                break;
        }
        checksum += c[i];
    }
    if (errors) {
        printf("pipeline: FAIL: %ld wrong elements\n", errors);
        return 1;
    }
    printf("pipeline: N=%ld chunk=%d stages=3 checksum=%ld ok (primary ran %ld tasks)\n",
           n, chunk, checksum, ran);
    free(a);
    free(b);
    free(c);
    torc_finalize();
    return 0;
}
