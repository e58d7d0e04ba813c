/* An array of structs passed to tasks, TORC Lite style: a struct travels as machine words
 * (count = sizeof(struct) / sizeof(long), MPI_LONG) or as sizeof(struct) bytes (MPI_BYTE), by
 * CALL_BY_REF. Each task reads shared parameters passed by CALL_BY_PTR, updates its struct in
 * place and returns a per-task result by CALL_BY_RES. Usage: struct_ref [N=200] */
#include <stdio.h>
#include <stdlib.h>
#include <torc.h>

typedef struct {
    long id;
    long visits;
    double x;
    double v;
} particle_t;

typedef struct {
    double dt;
    long step;
} params_t;

#define WORDS(T) ((int)(sizeof(T) / sizeof(long)))

/* One step of a particle; returns its kinetic "energy". */
static void move_task(particle_t *p, params_t *prm, double *energy)
{
    p->x += p->v * prm->dt;
    p->v += (double)p->id;
    p->visits += prm->step;
    *energy = 0.5 * p->v * p->v;
}

static void expect_particle(long id, double x0, double v0, double dt, long step,
                            particle_t *want, double *energy)
{
    want->id = id;
    want->x = x0 + v0 * dt;
    want->v = v0 + (double)id;
    want->visits = step;
    *energy = 0.5 * want->v * want->v;
}

int main(int argc, char *argv[])
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    particle_t *ps;
    double *energy;
    params_t prm = { 0.25, 1 };
    int i, round, errors = 0;
    double total = 0.0;

    torc_register_task((void *)move_task);
    torc_init(argc, argv, MODE_MW);

    if (n < 1) {
        printf("struct_ref: FAIL: N = %d must be positive\n", n);
        return 1;
    }
    if (sizeof(particle_t) % sizeof(long) != 0 || sizeof(params_t) % sizeof(long) != 0) {
        printf("struct_ref: FAIL: structs are not a whole number of words\n");
        return 1;
    }
    ps = malloc(n * sizeof *ps);
    energy = malloc(n * sizeof *energy);
    for (i = 0; i < n; i++) {
        ps[i].id = i;
        ps[i].visits = 0;
        ps[i].x = (double)i;
        ps[i].v = 1.0;
    }

    /* Round 0: structs as words (MPI_LONG); round 1: as bytes (MPI_BYTE). Both with
     * params_t by PTR (read-only, kept alive until the wait). */
    for (round = 0; round < 2; round++) {
        particle_t *before = malloc(n * sizeof *before);
        for (i = 0; i < n; i++) {
            before[i] = ps[i];
            energy[i] = -1.0;
        }
        prm.step = round + 1;
        for (i = 0; i < n; i++) {
            if (round == 0)
                torc_task(-1, (void (*)())move_task, 3,
                          WORDS(particle_t), MPI_LONG, CALL_BY_REF,
                          WORDS(params_t), MPI_LONG, CALL_BY_PTR,
                          1, MPI_DOUBLE, CALL_BY_RES,
                          &ps[i], &prm, &energy[i]);
            else
                torc_task(-1, (void (*)())move_task, 3,
                          (int)sizeof(particle_t), MPI_BYTE, CALL_BY_REF,
                          (int)sizeof(params_t), MPI_BYTE, CALL_BY_PTR,
                          1, MPI_DOUBLE, CALL_BY_RES,
                          &ps[i], &prm, &energy[i]);
        }
        torc_waitall();
        for (i = 0; i < n && errors < 10; i++) {
            particle_t want;
            double e;
            expect_particle(before[i].id, before[i].x, before[i].v, prm.dt, prm.step, &want, &e);
            want.visits += before[i].visits;
            if (ps[i].id != want.id || ps[i].visits != want.visits || ps[i].x != want.x ||
                ps[i].v != want.v) {
                printf("struct_ref: FAIL: round %d particle %d = {id %ld, visits %ld, x %g, v %g},"
                       " expected {id %ld, visits %ld, x %g, v %g}\n", round, i,
                       ps[i].id, ps[i].visits, ps[i].x, ps[i].v,
                       want.id, want.visits, want.x, want.v);
                errors++;
            }
            if (energy[i] != e) {
                printf("struct_ref: FAIL: round %d energy %d = %g, expected %g\n",
                       round, i, energy[i], e);
                errors++;
            }
        }
        free(before);
    }
    if (errors) {
        printf("struct_ref: FAIL: %d errors\n", errors);
        return 1;
    }
    for (i = 0; i < n; i++)
        total += energy[i];
    printf("struct_ref: N=%d rounds=2 visits=%ld total_energy=%.3f ok\n", n, ps[n - 1].visits,
           total);
    free(ps);
    free(energy);
    torc_finalize();
    return 0;
}
