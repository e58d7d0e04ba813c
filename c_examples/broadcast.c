/* torc_broadcast of global variables: after torc_init, node 0 sets scalars and arrays (static
 * and non-static, initialised and zero-initialised) and broadcasts each one; then tasks read the
 * globals wherever they run and return what they saw by CALL_BY_RES. Tasks go round-robin over
 * all workers (qid -1) and to every worker by name (qid 0..torc_num_workers()-1).
 * Usage: broadcast [seed=7] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <torc.h>

#define TABLE 16
#define SMALL 5
#define ROWS 3
#define COLS 4
#define NAME 16

int g_count = -1;                  /* non-static, initialised */
static double s_scale = -1.0;      /* static, initialised */
long g_table[TABLE];               /* non-static array, zero-initialised */
static int s_small[SMALL] = { 9, 9, 9, 9, 9 };
double g_matrix[ROWS][COLS];
static char s_name[NAME];

/* What a task saw. */
typedef struct {
    long count;
    double scale;
    long table[TABLE];
    long small[SMALL];
    double matrix[ROWS * COLS];
    char name[NAME];
} seen_t;

static void read_globals(long *seen_words, int *where)
{
    seen_t s;
    int i, j;
    memset(&s, 0, sizeof s);
    s.count = g_count;
    s.scale = s_scale;
    for (i = 0; i < TABLE; i++)
        s.table[i] = g_table[i];
    for (i = 0; i < SMALL; i++)
        s.small[i] = s_small[i];
    for (i = 0; i < ROWS; i++)
        for (j = 0; j < COLS; j++)
            s.matrix[i * COLS + j] = g_matrix[i][j];
    memcpy(s.name, s_name, NAME);
    memcpy(seen_words, &s, sizeof s);
    where[0] = torc_node_id();
    where[1] = torc_worker_id();
}

static int check(const char *how, int k, const seen_t *s, const int *where, int seed)
{
    int i, j, bad = 0;
    if (s->count != 1000 + seed) bad = 1;
    if (s->scale != 0.5 * seed) bad = 2;
    for (i = 0; i < TABLE; i++)
        if (s->table[i] != (long)seed * i - 3) bad = 3;
    for (i = 0; i < SMALL; i++)
        if (s->small[i] != seed + i) bad = 4;
    for (i = 0; i < ROWS; i++)
        for (j = 0; j < COLS; j++)
            if (s->matrix[i * COLS + j] != i + 0.25 * j + seed) bad = 5;
    if (strcmp(s->name, "broadcast ok") != 0) bad = 6;
    if (bad)
        printf("broadcast: FAIL: %s task %d (node %d, worker %d): wrong value seen (check %d):"
               " count %ld scale %g table[1] %ld small[0] %ld matrix[0] %g name '%.15s'\n",
               how, k, where[0], where[1], bad, s->count, s->scale, s->table[1], s->small[0],
               s->matrix[0], s->name);
    return bad != 0;
}

int main(int argc, char *argv[])
{
    int seed = argc > 1 ? atoi(argv[1]) : 7;
    int nw, nspread, ntasks, i, j, errors = 0;
    seen_t *seen;
    int (*where)[2];
    const int words = (int)(sizeof(seen_t) / sizeof(long));

    torc_register_task((void *)read_globals);
    torc_init(argc, argv, MODE_MW);

    /* Node 0 only: set the values, then copy each variable to every other node. */
    g_count = 1000 + seed;
    s_scale = 0.5 * seed;
    for (i = 0; i < TABLE; i++)
        g_table[i] = (long)seed * i - 3;
    for (i = 0; i < SMALL; i++)
        s_small[i] = seed + i;
    for (i = 0; i < ROWS; i++)
        for (j = 0; j < COLS; j++)
            g_matrix[i][j] = i + 0.25 * j + seed;
    strcpy(s_name, "broadcast ok");
    torc_broadcast(&g_count, 1, MPI_INT);
    torc_broadcast(&s_scale, 1, MPI_DOUBLE);
    torc_broadcast(g_table, TABLE, MPI_LONG);
    torc_broadcast(s_small, SMALL, MPI_INT);
    torc_broadcast(g_matrix, ROWS * COLS, MPI_DOUBLE);
    torc_broadcast(s_name, NAME, MPI_CHAR);

    if (sizeof(seen_t) % sizeof(long) != 0) {
        printf("broadcast: FAIL: seen_t is not a whole number of words\n");
        return 1;
    }
    nw = torc_num_workers();
    nspread = 3 * nw;
    ntasks = nspread + nw;
    seen = calloc(ntasks, sizeof *seen);
    where = calloc(ntasks, sizeof *where);
    for (i = 0; i < ntasks; i++) {
        int qid = i < nspread ? -1 : i - nspread;
        torc_task(qid, (void (*)())read_globals, 2,
                  words, MPI_LONG, CALL_BY_RES,
                  2, MPI_INT, CALL_BY_RES,
                  &seen[i], where[i]);
    }
    torc_waitall();

    for (i = 0; i < ntasks; i++)
        errors += check(i < nspread ? "round-robin" : "named", i, &seen[i], where[i], seed);
    if (errors) {
        printf("broadcast: FAIL: %d of %d tasks saw wrong values\n", errors, ntasks);
        return 1;
    }
    printf("broadcast: count=%d scale=%g tasks=%d (spread %d, named %d) nodes=%d ok\n",
           g_count, s_scale, ntasks, nspread, nw, torc_num_nodes());
    free(seen);
    free(where);
    torc_finalize();
    return 0;
}
