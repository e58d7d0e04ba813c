/* Uses every name of torc.h (SPEC 2) from C.
 *
 * Compiled with -std=c99 (compile only) and -std=c11 (linked against libtorc and run) under
 * -Wall -Wextra -Werror. Constant values are checked at compile time; the run creates a task
 * with every call-way through each creation entry point (the variadic torc_task* symbols are
 * Rust trampolines jumping into C), calls every other function once, and exits 0 only when
 * everything answered as SPEC 2 says. */
#include <torc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- compile-time checks of the constants and types ---------------------------------- */

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define CHECK(cond) _Static_assert(cond, #cond)
#else
#define CHECK_CAT2(a, b) a##b
#define CHECK_CAT(a, b) CHECK_CAT2(a, b)
#define CHECK(cond) typedef char CHECK_CAT(static_check_, __LINE__)[(cond) ? 1 : -1]
#endif

#if !defined(TORC_LITE) || !defined(MODE_MW) || !defined(MODE_MS)
#error "TORC_LITE / MODE_MW / MODE_MS are not macros"
#endif
#if !defined(CALL_BY_COP) || !defined(CALL_BY_REF) || !defined(CALL_BY_RES) || \
    !defined(CALL_BY_PTR) || !defined(CALL_BY_VAL) || !defined(CALL_BY_COP2) || \
    !defined(CALL_BY_VAD)
#error "a CALL_BY_* constant is not a macro"
#endif
#if !defined(torc_create) || !defined(torc_create_ex) || !defined(torc_create_detached) || \
    !defined(torc_create_direct)
#error "a torc_create* macro is missing"
#endif
#if TORC_LITE != 1 || MODE_MW != 0 || MODE_MS != 0
#error "TORC_LITE / MODE_* have the wrong values"
#endif

CHECK(TORC_LITE == 1);
CHECK(MODE_MW == 0);
CHECK(MODE_MS == 0);
CHECK(CALL_BY_COP == 1);
CHECK(CALL_BY_REF == 2);
CHECK(CALL_BY_RES == 3);
CHECK(CALL_BY_PTR == 4);
CHECK(CALL_BY_VAL == 1);
CHECK(CALL_BY_COP2 == 5);
CHECK(CALL_BY_VAD == 6);
CHECK(TORC_MAX_ARGS >= 24);
CHECK(sizeof(torc_time_t) == sizeof(double));
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
CHECK(_Generic((torc_time_t)0, double: 1, default: 0));
#endif

/* torc_time_t must be double itself (an incompatible pointer is an error under -Werror). */
static double time_storage;
static torc_time_t *const time_ptr = &time_storage;

/* ---- every function, through a pointer of its exact prototype ------------------------- */

static void (*const p_init)(int, char **, int) = torc_init;
static void (*const p_finalize)(void) = torc_finalize;
static void (*const p_register_task)(void *) = torc_register_task;
static void (*const p_task)(int, void (*)(), int, ...) = torc_task;
static void (*const p_task_ex)(int, int, void (*)(), int, ...) = torc_task_ex;
static void (*const p_task_detached)(int, void (*)(), int, ...) = torc_task_detached;
static void (*const p_task_direct)(int, void (*)(), int, ...) = torc_task_direct;
static void (*const p_create)(int, void (*)(), int, ...) = torc_create;
static void (*const p_create_ex)(int, int, void (*)(), int, ...) = torc_create_ex;
static void (*const p_create_detached)(int, void (*)(), int, ...) = torc_create_detached;
static void (*const p_create_direct)(int, void (*)(), int, ...) = torc_create_direct;
static void (*const p_task_argv)(int, int, torc_func_t, int, const torc_arg_t *) = torc_task_argv;
static void (*const p_waitall)(void) = torc_waitall;
static void (*const p_waitall2)(void) = torc_waitall2;
static void (*const p_waitall3)(void) = torc_waitall3;
static void (*const p_tasksync)(void) = torc_tasksync;
static void (*const p_taskinit)(void) = torc_taskinit;
static int (*const p_scheduler_loop)(int) = torc_scheduler_loop;
static int (*const p_fetch_work)(void) = torc_fetch_work;
static void (*const p_broadcast)(void *, long, MPI_Datatype) = torc_broadcast;
static void (*const p_enable_stealing)(void) = torc_enable_stealing;
static void (*const p_disable_stealing)(void) = torc_disable_stealing;
static void (*const p_i_enable_stealing)(void) = torc_i_enable_stealing;
static void (*const p_i_disable_stealing)(void) = torc_i_disable_stealing;
static void (*const p_reset_statistics)(void) = torc_reset_statistics;
static int (*const p_node_id)(void) = torc_node_id;
static int (*const p_num_nodes)(void) = torc_num_nodes;
static int (*const p_i_worker_id)(void) = torc_i_worker_id;
static int (*const p_i_num_workers)(void) = torc_i_num_workers;
static int (*const p_worker_id)(void) = torc_worker_id;
static int (*const p_num_workers)(void) = torc_num_workers;
static int (*const p_getlevel)(void) = torc_getlevel;
static torc_time_t (*const p_gettime)(void) = torc_gettime;
static int (*const p_sched_nextcpu)(int, int) = torc_sched_nextcpu;
static void (*const p_thread_sleep)(int) = thread_sleep;
static void (*const p_start_server_thread)(void) = start_server_thread;
static void (*const p_shutdown_server_thread)(void) = shutdown_server_thread;
static void *(*const p_getarg_addr)(int) = torc_getarg_addr;
static int (*const p_getarg_count)(int) = torc_getarg_count;
static int (*const p_getarg_callway)(int) = torc_getarg_callway;
static int (*const p_getarg_size)(int) = torc_getarg_size;
static int (*const p_get_num_args)(int) = torc_get_num_args;

/* torc_arg_t has the documented fields. */
static torc_arg_t sample_arg = {1, MPI_INT, CALL_BY_COP, NULL};

/* ---- the run ---------------------------------------------------------------------------- */

static int failures;
static long detached_sum;
static long direct_sum;
static int global_value = 42;

#define EXPECT(cond)                                                                        \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "header_c: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            __sync_fetch_and_add(&failures, 1);                                             \
        }                                                                                   \
    } while (0)

/* One argument of each call-way:
 *   cop  : int, COP          val : int, VAL        cop2 : 3 doubles, COP2
 *   ref  : int, REF (+= cop) res : long, RES       ptr  : 2 ints, PTR      vad : a word */
static void task_ways(int *cop, int *val, double *cop2, int *ref, long *res, int *ptr, void *vad)
{
    EXPECT(p_getlevel() == 1);
    EXPECT(p_get_num_args(0) == 7);
    EXPECT(*cop == 5);
    EXPECT(*val == 6);
    EXPECT(cop2[0] == 0.5 && cop2[1] == 1.5 && cop2[2] == 2.5);
    EXPECT(ptr[0] == 10 && ptr[1] == 20);
    EXPECT(vad == (void *)(size_t)0x1234);
    EXPECT(p_getarg_addr(0) == (void *)cop);
    EXPECT(p_getarg_addr(3) == (void *)ref);
    EXPECT(p_getarg_addr(6) == vad);
    EXPECT(p_getarg_count(0) == 1);
    EXPECT(p_getarg_count(2) == 3);
    EXPECT(p_getarg_count(5) == 2);
    EXPECT(p_getarg_callway(0) == CALL_BY_COP);
    EXPECT(p_getarg_callway(2) == CALL_BY_COP2);
    EXPECT(p_getarg_callway(3) == CALL_BY_REF);
    EXPECT(p_getarg_callway(4) == CALL_BY_RES);
    EXPECT(p_getarg_callway(5) == CALL_BY_PTR);
    EXPECT(p_getarg_callway(6) == CALL_BY_VAD);
    EXPECT(p_getarg_size(0) == (int)sizeof(int));
    EXPECT(p_getarg_size(2) == (int)sizeof(double));
    EXPECT(p_getarg_size(4) == (int)sizeof(long));
    EXPECT(p_i_worker_id() >= 0 && p_i_worker_id() < p_i_num_workers());
    EXPECT(p_worker_id() == p_i_worker_id());
    *ref += *cop;
    *res = (long)(*cop + *val + cop2[2] * 2 + ptr[0] + ptr[1]); /* 5+6+5+10+20 = 46 */
}

static void task_detached(long *v)
{
    __sync_fetch_and_add(&detached_sum, *v);
}

static void task_direct(long *v)
{
    __sync_fetch_and_add(&direct_sum, *v);
}

static void task_none(void)
{
    EXPECT(p_get_num_args(0) == 0);
}

/* 24 arguments: the varargs shim must read triples and pointers past the registers. */
static void task_24(int *a0, int *a1, int *a2, int *a3, int *a4, int *a5, int *a6, int *a7,
                    int *a8, int *a9, int *a10, int *a11, int *a12, int *a13, int *a14, int *a15,
                    int *a16, int *a17, int *a18, int *a19, int *a20, int *a21, int *a22,
                    long *out)
{
    EXPECT(p_get_num_args(0) == 24);
    *out = (long)*a0 + *a1 + *a2 + *a3 + *a4 + *a5 + *a6 + *a7 + *a8 + *a9 + *a10 + *a11 +
           *a12 + *a13 + *a14 + *a15 + *a16 + *a17 + *a18 + *a19 + *a20 + *a21 + *a22;
}

/* Creates one task_ways through `how` (0..5) and checks what came back. */
static void ways_through(int how)
{
    int cop = 5, val = 6, ref = 100, ptr[2] = {10, 20};
    double cop2[3] = {0.5, 1.5, 2.5};
    long res = -1;
    void *vad = (void *)(size_t)0x1234;
    void (*f)() = (void (*)())task_ways;
    switch (how) {
    case 0:
        p_task(-1, f, 7, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_VAL, 3, MPI_DOUBLE,
               CALL_BY_COP2, 1, MPI_INT, CALL_BY_REF, 1, MPI_LONG, CALL_BY_RES, 2, MPI_INT,
               CALL_BY_PTR, 1, MPI_LONG, CALL_BY_VAD, &cop, &val, cop2, &ref, &res, ptr, vad);
        break;
    case 1:
        torc_create(-1, f, 7, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_VAL, 3, MPI_DOUBLE,
                    CALL_BY_COP2, 1, MPI_INT, CALL_BY_REF, 1, MPI_LONG, CALL_BY_RES, 2, MPI_INT,
                    CALL_BY_PTR, 1, MPI_LONG, CALL_BY_VAD, &cop, &val, cop2, &ref, &res, ptr,
                    vad);
        break;
    case 2:
        p_task_ex(0, 1, f, 7, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_VAL, 3, MPI_DOUBLE,
                  CALL_BY_COP2, 1, MPI_INT, CALL_BY_REF, 1, MPI_LONG, CALL_BY_RES, 2, MPI_INT,
                  CALL_BY_PTR, 1, MPI_LONG, CALL_BY_VAD, &cop, &val, cop2, &ref, &res, ptr, vad);
        break;
    case 3:
        torc_create_ex(p_num_workers() - 1, 0, f, 7, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
                       CALL_BY_VAL, 3, MPI_DOUBLE, CALL_BY_COP2, 1, MPI_INT, CALL_BY_REF, 1,
                       MPI_LONG, CALL_BY_RES, 2, MPI_INT, CALL_BY_PTR, 1, MPI_LONG, CALL_BY_VAD,
                       &cop, &val, cop2, &ref, &res, ptr, vad);
        break;
    default: {
        torc_arg_t a[7] = {
            {1, MPI_INT, CALL_BY_COP, NULL}, {1, MPI_INT, CALL_BY_VAL, NULL},
            {3, MPI_DOUBLE, CALL_BY_COP2, NULL}, {1, MPI_INT, CALL_BY_REF, NULL},
            {1, MPI_LONG, CALL_BY_RES, NULL}, {2, MPI_INT, CALL_BY_PTR, NULL},
            {1, MPI_LONG, CALL_BY_VAD, NULL},
        };
        a[0].addr = &cop;
        a[1].addr = &val;
        a[2].addr = cop2;
        a[3].addr = &ref;
        a[4].addr = &res;
        a[5].addr = ptr;
        a[6].addr = vad;
        p_task_argv(-1, how == 4 ? 0 : TORC_TASK_INVISIBLE, (torc_func_t)task_ways, 7, a);
        break;
    }
    }
    /* COP/VAL/COP2 were copied at creation: changing them now must not matter. */
    cop = -1;
    val = -1;
    cop2[2] = -1;
    switch (how % 4) {
    case 0: p_waitall(); break;
    case 1: p_tasksync(); break;
    case 2:
        /* Without helping: only safe when another worker can run the child. */
        if (p_num_workers() > 1)
            p_waitall3();
        else
            p_waitall();
        break;
    default: p_waitall(); break;
    }
    EXPECT(ref == 105);
    EXPECT(res == 46);
}

int main(int argc, char *argv[])
{
    int i, workers;
    long sum24 = 0, total;
    int v[23];
    torc_time_t t0, t1;

    (void)time_ptr;
    (void)sample_arg;
    (void)p_create_detached;
    (void)p_create_direct;
    (void)p_create;
    (void)p_create_ex;

    /* Before torc_init: the documented "not started" answers. */
    EXPECT(p_node_id() == -1);
    EXPECT(p_num_nodes() == 0);
    EXPECT(p_num_workers() == 0);
    EXPECT(p_i_num_workers() == 0);
    EXPECT(p_i_worker_id() == -1);
    EXPECT(p_worker_id() == -1);

    p_register_task((void *)task_ways);
    p_register_task((void *)task_detached);
    p_register_task((void *)task_direct);
    p_register_task((void *)task_none);
    p_register_task((void *)task_24);
    p_start_server_thread();

    p_init(argc, argv, MODE_MW);
    p_init(argc, argv, MODE_MS); /* a second call is a no-op */

    workers = p_num_workers();
    EXPECT(p_node_id() == 0);
    EXPECT(p_num_nodes() == 1);
    EXPECT(workers >= 1);
    EXPECT(p_i_num_workers() == workers);
    EXPECT(p_i_worker_id() == 0);
    EXPECT(p_worker_id() == 0);
    EXPECT(p_getlevel() == 0);
    EXPECT(p_sched_nextcpu(-1, 1) == 0);
    EXPECT(p_sched_nextcpu(workers - 1, 1) == 0);
    EXPECT(p_sched_nextcpu(0, workers + 1) == (workers == 1 ? 0 : 1));

    for (i = 0; i < 6; i++)
        ways_through(i);

    /* The macros are the functions. */
    EXPECT(torc_create == torc_task);
    EXPECT(torc_create_ex == torc_task_ex);
    EXPECT(torc_create_detached == torc_task_detached);
    EXPECT(torc_create_direct == torc_task_direct);

    /* Zero arguments, every entry point. */
    p_task(-1, (void (*)())task_none, 0);
    p_task_ex(-1, 0, (void (*)())task_none, 0);
    p_task_argv(-1, 0, (torc_func_t)task_none, 0, NULL);
    p_waitall();

    /* 24 arguments. */
    for (i = 0; i < 23; i++)
        v[i] = i + 1;
    p_task(-1, (void (*)())task_24, 24, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1,
           MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
           CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
           CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
           CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
           CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
           CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT,
           CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_INT, CALL_BY_COP, 1, MPI_LONG,
           CALL_BY_RES, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
           &v[10], &v[11], &v[12], &v[13], &v[14], &v[15], &v[16], &v[17], &v[18], &v[19],
           &v[20], &v[21], &v[22], &sum24);
    p_waitall();
    EXPECT(sum24 == 23 * 24 / 2);

    /* Scheduler helpers. With one worker nobody else can take the queued task. */
    p_waitall2();
    p_taskinit();
    if (workers == 1) {
        EXPECT(p_scheduler_loop(1) == 0);
        EXPECT(p_fetch_work() == 0);
        p_task(0, (void (*)())task_none, 0);
        EXPECT(p_fetch_work() == 1);
        EXPECT(p_scheduler_loop(1) == 1);
        EXPECT(p_scheduler_loop(0) == 0);
    } else {
        (void)p_scheduler_loop(1);
        (void)p_fetch_work();
    }
    p_waitall();

    /* Detached and direct tasks: nobody waits; both are complete after torc_finalize. */
    for (i = 1; i <= 10; i++) {
        long x = i;
        p_task_detached(-1, (void (*)())task_detached, 1, 1, MPI_LONG, CALL_BY_COP, &x);
        torc_create_detached(0, (void (*)())task_detached, 1, 1, MPI_LONG, CALL_BY_COP, &x);
        p_task_direct(0, (void (*)())task_direct, 1, 1, MPI_LONG, CALL_BY_COP, &x);
        torc_create_direct(-1, (void (*)())task_direct, 1, 1, MPI_LONG, CALL_BY_COP, &x);
    }
    {
        long x = 1000;
        torc_arg_t a = {1, MPI_LONG, CALL_BY_COP, NULL};
        a.addr = &x;
        p_task_argv(-1, TORC_TASK_DETACHED, (torc_func_t)task_detached, 1, &a);
        p_task_argv(-1, TORC_TASK_DIRECT | TORC_TASK_INVISIBLE, (torc_func_t)task_direct, 1, &a);
    }

    p_broadcast(&global_value, 1, MPI_INT);
    EXPECT(global_value == 42);
    p_enable_stealing();
    p_disable_stealing();
    p_i_enable_stealing();
    p_i_disable_stealing();
    p_reset_statistics();
    t0 = p_gettime();
    p_thread_sleep(20);
    t1 = p_gettime();
    EXPECT(t0 > 1.0e9);
    EXPECT(t1 - t0 >= 0.015 && t1 - t0 < 10.0);

    p_shutdown_server_thread();
    p_finalize();
    p_finalize(); /* a second call is a no-op */

    total = 2 * (10 * 11 / 2) + 1000;
    EXPECT(detached_sum == total);
    EXPECT(direct_sum == total);

    if (failures) {
        fprintf(stderr, "header_c: %d checks failed\n", failures);
        return 1;
    }
    printf("header_c: ok workers=%d\n", workers);
    return 0;
}
