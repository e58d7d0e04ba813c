/* Argument descriptors at their edges:
 *  - zero-length arguments: count 0 gives the task NULL for REF/RES/PTR and a pointer to a
 *    zeroed word for COP, whatever address the creator passed;
 *  - variable-length COP arrays (lengths 0..L), freed and overwritten by the creator right after
 *    creation, summed by the task and returned by RES;
 *  - a task with 24 arguments (COP, REF, RES and VAD mixed);
 *  - CALL_BY_VAD words passed through untouched;
 *  - torc_get_num_args / torc_getarg_count / torc_getarg_size / torc_getarg_callway /
 *    torc_getarg_addr checked inside the tasks (each task returns a bit mask of failed checks).
 * Usage: varargs_len [L=64] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <torc.h>

#define CHECK(bit, cond) do { if (!(cond)) bad |= 1u << (bit); } while (0)

static int errors = 0;

static void report(const char *what, int i, unsigned status)
{
    if (status != 0) {
        printf("varargs_len: FAIL: %s %d: failed checks mask 0x%x\n", what, i, status);
        errors++;
    }
}

/* --- zero-length arguments ------------------------------------------------------------- */

static void zero_task(int *cop, int *ref, int *res, int *ptr, double *cop_d, unsigned *status)
{
    unsigned bad = 0;
    CHECK(0, cop != NULL && *cop == 0);
    CHECK(1, ref == NULL);
    CHECK(2, res == NULL);
    CHECK(3, ptr == NULL);
    CHECK(4, cop_d != NULL && *cop_d == 0.0);
    CHECK(5, torc_get_num_args(0) == 6);
    CHECK(6, torc_getarg_count(0) == 0 && torc_getarg_count(1) == 0 &&
             torc_getarg_count(2) == 0 && torc_getarg_count(3) == 0 &&
             torc_getarg_count(4) == 0 && torc_getarg_count(5) == 1);
    CHECK(7, torc_getarg_callway(0) == CALL_BY_COP && torc_getarg_callway(1) == CALL_BY_REF &&
             torc_getarg_callway(2) == CALL_BY_RES && torc_getarg_callway(3) == CALL_BY_PTR &&
             torc_getarg_callway(5) == CALL_BY_RES);
    CHECK(8, torc_getarg_addr(0) == (void *)cop && torc_getarg_addr(1) == NULL &&
             torc_getarg_addr(5) == (void *)status);
    CHECK(9, torc_getarg_size(5) == (int)sizeof(unsigned));
    *status = bad;
}

/* --- variable-length COP arrays -------------------------------------------------------- */

static void sum_task(int *len, double *arr, double *sum, unsigned *status)
{
    unsigned bad = 0;
    double s = 0.0;
    int k;
    for (k = 0; k < *len; k++)
        s += arr[k];
    *sum = s;
    CHECK(0, arr != NULL);
    CHECK(1, *len > 0 || arr[0] == 0.0);
    CHECK(2, torc_get_num_args(0) == 4);
    CHECK(3, torc_getarg_count(0) == 1 && torc_getarg_count(1) == *len &&
             torc_getarg_count(2) == 1);
    CHECK(4, torc_getarg_size(0) == (int)sizeof(int) && torc_getarg_size(2) == (int)sizeof(double));
    CHECK(5, *len == 0 || torc_getarg_size(1) == (int)sizeof(double));
    CHECK(6, torc_getarg_callway(0) == CALL_BY_COP &&
             torc_getarg_callway(1) == (*len > 1 ? CALL_BY_COP2 : CALL_BY_COP) &&
             torc_getarg_callway(2) == CALL_BY_RES);
    CHECK(7, torc_getarg_addr(1) == (void *)arr && torc_getarg_addr(0) == (void *)len);
    *status = bad;
}

/* --- 24 arguments ---------------------------------------------------------------------- */

#define NCOP 20

static void many_task(int *a0, int *a1, int *a2, int *a3, int *a4, int *a5, int *a6, int *a7,
                      int *a8, int *a9, int *a10, int *a11, int *a12, int *a13, int *a14,
                      int *a15, int *a16, int *a17, int *a18, int *a19,
                      int *vec, long *sum, void *word, long *echo)
{
    int *a[NCOP] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9,
                     a10, a11, a12, a13, a14, a15, a16, a17, a18, a19 };
    long s = 0;
    int i;
    for (i = 0; i < NCOP; i++) {
        s += *a[i];
        vec[i] += *a[i];
    }
    if (torc_get_num_args(0) != 24 || torc_getarg_count(20) != NCOP ||
        torc_getarg_callway(20) != CALL_BY_REF || torc_getarg_callway(22) != CALL_BY_VAD)
        s = -1;
    *sum = s;
    *echo = (long)(intptr_t)word;
}

/* --- CALL_BY_VAD ----------------------------------------------------------------------- */

static void vad_task(void *w1, void *w2, long *out, unsigned *status)
{
    unsigned bad = 0;
    out[0] = (long)(intptr_t)w1;
    out[1] = (long)(intptr_t)w2;
    CHECK(0, torc_get_num_args(0) == 4);
    CHECK(1, torc_getarg_callway(0) == CALL_BY_VAD && torc_getarg_callway(1) == CALL_BY_VAD);
    CHECK(2, torc_getarg_size(0) == 0 && torc_getarg_size(1) == 0);
    CHECK(3, torc_getarg_addr(0) == w1 && torc_getarg_addr(1) == w2);
    CHECK(4, torc_getarg_count(2) == 2 && torc_getarg_callway(2) == CALL_BY_RES);
    *status = bad;
}

int main(int argc, char *argv[])
{
    int maxlen = argc > 1 ? atoi(argv[1]) : 64;
    int nw, ntasks, i, len, k;
    int dummy = 7;
    double dummy_d = 3.5;
    unsigned zero_status[8];
    double *sums;
    unsigned *sum_status;
    long many_sum[8], many_echo[8];
    int many_vec[8][NCOP];
    int a[NCOP];
    long vad_out[8][2];
    unsigned vad_status[8];

    torc_register_task((void *)zero_task);
    torc_register_task((void *)sum_task);
    torc_register_task((void *)many_task);
    torc_register_task((void *)vad_task);
    torc_init(argc, argv, MODE_MW);

    if (maxlen < 0) {
        printf("varargs_len: FAIL: L = %d must not be negative\n", maxlen);
        return 1;
    }
    nw = torc_num_workers();
    ntasks = nw < 8 ? nw : 8;
    if (ntasks < 2)
        ntasks = 2;

    /* Zero-length arguments, with NULL and with real addresses. */
    for (i = 0; i < ntasks; i++) {
        zero_status[i] = 0xdead;
        torc_task(-1, (void (*)())zero_task, 6,
                  0, MPI_INT, CALL_BY_COP,
                  0, MPI_INT, CALL_BY_REF,
                  0, MPI_INT, CALL_BY_RES,
                  0, MPI_INT, CALL_BY_PTR,
                  0, MPI_DOUBLE, CALL_BY_COP,
                  1, MPI_UNSIGNED, CALL_BY_RES,
                  (i % 2) ? NULL : &dummy, (i % 2) ? NULL : &dummy, (i % 2) ? NULL : &dummy,
                  (i % 2) ? NULL : &dummy, (i % 2) ? NULL : &dummy_d, &zero_status[i]);
    }

    /* Variable-length COP arrays: the creator scribbles over and frees each array at once. */
    sums = malloc((maxlen + 1) * sizeof *sums);
    sum_status = malloc((maxlen + 1) * sizeof *sum_status);
    for (len = 0; len <= maxlen; len++) {
        double *arr = len > 0 ? malloc(len * sizeof *arr) : NULL;
        for (k = 0; k < len; k++)
            arr[k] = (double)(len * 1000 + k);
        sums[len] = -1.0;
        sum_status[len] = 0xdead;
        torc_task(-1, (void (*)())sum_task, 4,
                  1, MPI_INT, CALL_BY_COP,
                  len, MPI_DOUBLE, CALL_BY_COP,
                  1, MPI_DOUBLE, CALL_BY_RES,
                  1, MPI_UNSIGNED, CALL_BY_RES,
                  &len, arr, &sums[len], &sum_status[len]);
        if (arr) {
            memset(arr, 0xff, len * sizeof *arr);
            free(arr);
        }
    }

    /* 24 arguments. */
    for (i = 0; i < ntasks; i++) {
        for (k = 0; k < NCOP; k++) {
            a[k] = (k + 1) * (k + 1) + i;
            many_vec[i][k] = 1000 * i + k;
        }
        many_sum[i] = many_echo[i] = -2;
        torc_task(-1, (void (*)())many_task, 24,
                  1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP,
                  NCOP, MPI_INT, CALL_BY_REF,
                  1, MPI_LONG, CALL_BY_RES,
                  1, MPI_LONG, CALL_BY_VAD,
                  1, MPI_LONG, CALL_BY_RES,
                  &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &a[7], &a[8], &a[9],
                  &a[10], &a[11], &a[12], &a[13], &a[14], &a[15], &a[16], &a[17], &a[18], &a[19],
                  many_vec[i], &many_sum[i], (void *)(intptr_t)(4242 + i), &many_echo[i]);
    }

    /* CALL_BY_VAD words, including ones that are not valid addresses. */
    for (i = 0; i < ntasks; i++) {
        vad_out[i][0] = vad_out[i][1] = 0;
        vad_status[i] = 0xdead;
        torc_task(-1, (void (*)())vad_task, 4,
                  1, MPI_LONG, CALL_BY_VAD,
                  1, MPI_LONG, CALL_BY_VAD,
                  2, MPI_LONG, CALL_BY_RES,
                  1, MPI_UNSIGNED, CALL_BY_RES,
                  (void *)(intptr_t)(0x5eed0000L + i), (void *)(intptr_t)(-1 - i),
                  vad_out[i], &vad_status[i]);
    }

    torc_waitall();

    for (i = 0; i < ntasks; i++)
        report("zero-length task", i, zero_status[i]);
    for (len = 0; len <= maxlen; len++) {
        double want = 0.0;
        for (k = 0; k < len; k++)
            want += (double)(len * 1000 + k);
        report("array task of length", len, sum_status[len]);
        if (sums[len] != want) {
            printf("varargs_len: FAIL: sum of COP array of length %d = %g, expected %g\n",
                   len, sums[len], want);
            errors++;
        }
    }
    for (i = 0; i < ntasks; i++) {
        long want = 0;
        for (k = 0; k < NCOP; k++) {
            int ak = (k + 1) * (k + 1) + i;
            want += ak;
            if (many_vec[i][k] != 1000 * i + k + ak) {
                printf("varargs_len: FAIL: 24-arg task %d: REF element %d = %d, expected %d\n",
                       i, k, many_vec[i][k], 1000 * i + k + ak);
                errors++;
            }
        }
        if (many_sum[i] != want || many_echo[i] != 4242 + i) {
            printf("varargs_len: FAIL: 24-arg task %d: sum %ld (expected %ld), VAD echo %ld"
                   " (expected %d)\n", i, many_sum[i], want, many_echo[i], 4242 + i);
            errors++;
        }
    }
    for (i = 0; i < ntasks; i++) {
        report("VAD task", i, vad_status[i]);
        if (vad_out[i][0] != 0x5eed0000L + i || vad_out[i][1] != -1 - i) {
            printf("varargs_len: FAIL: VAD task %d saw words %ld and %ld, expected %ld and %d\n",
                   i, vad_out[i][0], vad_out[i][1], 0x5eed0000L + i, -1 - i);
            errors++;
        }
    }
    if (errors) {
        printf("varargs_len: FAIL: %d errors\n", errors);
        return 1;
    }
    printf("varargs_len: zero-length x%d, arrays 0..%d, 24-arg x%d, VAD x%d ok\n",
           ntasks, maxlen, ntasks, ntasks);
    free(sums);
    free(sum_status);
    torc_finalize();
    return 0;
}
