// Uses every name of torc.h (SPEC 2) from C++17: the header must be valid C++ with C linkage.
// Compiled with -Wall -Wextra -Werror, linked against libtorc and run: C++ callers cast their
// task functions to `void (*)()`, as with TORC Lite.
#include <torc.h>

#include <cstdio>
#include <type_traits>

static_assert(TORC_LITE == 1, "TORC_LITE");
static_assert(MODE_MW == 0 && MODE_MS == 0, "MODE_MW / MODE_MS");
static_assert(CALL_BY_COP == 1, "CALL_BY_COP");
static_assert(CALL_BY_REF == 2, "CALL_BY_REF");
static_assert(CALL_BY_RES == 3, "CALL_BY_RES");
static_assert(CALL_BY_PTR == 4, "CALL_BY_PTR");
static_assert(CALL_BY_VAL == 1, "CALL_BY_VAL");
static_assert(CALL_BY_COP2 == 5, "CALL_BY_COP2");
static_assert(CALL_BY_VAD == 6, "CALL_BY_VAD");
static_assert(TORC_MAX_ARGS >= 24, "at least 24 task arguments");
static_assert(std::is_same<torc_time_t, double>::value, "torc_time_t is double");
static_assert(std::is_same<torc_func_t, void (*)()>::value, "torc_func_t is void (*)()");
static_assert(std::is_same<decltype(torc_arg_t::count), int>::value, "torc_arg_t::count");
static_assert(std::is_same<decltype(torc_arg_t::datatype), MPI_Datatype>::value,
              "torc_arg_t::datatype");
static_assert(std::is_same<decltype(torc_arg_t::callway), int>::value, "torc_arg_t::callway");
static_assert(std::is_same<decltype(torc_arg_t::addr), void *>::value, "torc_arg_t::addr");

// Exact prototypes (a mismatch does not compile).
#define SAME(f, T) static_assert(std::is_same<decltype(&f), T>::value, #f " has the wrong type")
SAME(torc_init, void (*)(int, char **, int));
SAME(torc_finalize, void (*)());
SAME(torc_register_task, void (*)(void *));
SAME(torc_task, void (*)(int, void (*)(), int, ...));
SAME(torc_task_ex, void (*)(int, int, void (*)(), int, ...));
SAME(torc_task_detached, void (*)(int, void (*)(), int, ...));
SAME(torc_task_direct, void (*)(int, void (*)(), int, ...));
SAME(torc_create, void (*)(int, void (*)(), int, ...));
SAME(torc_create_ex, void (*)(int, int, void (*)(), int, ...));
SAME(torc_create_detached, void (*)(int, void (*)(), int, ...));
SAME(torc_create_direct, void (*)(int, void (*)(), int, ...));
SAME(torc_task_argv, void (*)(int, int, torc_func_t, int, const torc_arg_t *));
SAME(torc_waitall, void (*)());
SAME(torc_waitall2, void (*)());
SAME(torc_waitall3, void (*)());
SAME(torc_tasksync, void (*)());
SAME(torc_taskinit, void (*)());
SAME(torc_scheduler_loop, int (*)(int));
SAME(torc_fetch_work, int (*)());
SAME(torc_broadcast, void (*)(void *, long, MPI_Datatype));
SAME(torc_enable_stealing, void (*)());
SAME(torc_disable_stealing, void (*)());
SAME(torc_i_enable_stealing, void (*)());
SAME(torc_i_disable_stealing, void (*)());
SAME(torc_reset_statistics, void (*)());
SAME(torc_node_id, int (*)());
SAME(torc_num_nodes, int (*)());
SAME(torc_i_worker_id, int (*)());
SAME(torc_i_num_workers, int (*)());
SAME(torc_worker_id, int (*)());
SAME(torc_num_workers, int (*)());
SAME(torc_getlevel, int (*)());
SAME(torc_gettime, torc_time_t (*)());
SAME(torc_sched_nextcpu, int (*)(int, int));
SAME(thread_sleep, void (*)(int));
SAME(start_server_thread, void (*)());
SAME(shutdown_server_thread, void (*)());
SAME(torc_getarg_addr, void *(*)(int));
SAME(torc_getarg_count, int (*)(int));
SAME(torc_getarg_callway, int (*)(int));
SAME(torc_getarg_size, int (*)(int));
SAME(torc_get_num_args, int (*)(int));

static int failures = 0;
static long detached_sum = 0;

#define EXPECT(cond)                                                                        \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "header_cxx: line %d: check failed: %s\n", __LINE__, #cond); \
            __sync_fetch_and_add(&failures, 1);                                             \
        }                                                                                   \
    } while (0)

static void square(int *in, long *out, int *ref)
{
    EXPECT(torc_getlevel() == 1);
    *out = static_cast<long>(*in) * *in;
    __sync_fetch_and_add(ref, 1);
}

static void add_detached(long *v) { __sync_fetch_and_add(&detached_sum, *v); }

int main(int argc, char *argv[])
{
    torc_register_task(reinterpret_cast<void *>(square));
    torc_register_task(reinterpret_cast<void *>(add_detached));
    torc_init(argc, argv, MODE_MW);

    long out[100] = {};
    int calls = 0;
    for (int i = 0; i < 100; i++) {
        int qid = torc_sched_nextcpu(i == 0 ? -1 : (i - 1) % torc_num_workers(), 1);
        if (i % 2)
            torc_create(qid, reinterpret_cast<void (*)()>(square), 3, 1, MPI_INT, CALL_BY_COP, 1,
                        MPI_LONG, CALL_BY_RES, 1, MPI_INT, CALL_BY_REF, &i, &out[i], &calls);
        else
            torc_task_ex(-1, 1, reinterpret_cast<void (*)()>(square), 3, 1, MPI_INT, CALL_BY_VAL,
                         1, MPI_LONG, CALL_BY_RES, 1, MPI_INT, CALL_BY_REF, &i, &out[i], &calls);
    }
    torc_waitall();
    long total = 0;
    for (int i = 0; i < 100; i++) {
        EXPECT(out[i] == static_cast<long>(i) * i);
        total += out[i];
    }
    EXPECT(calls == 100);
    long one = 7;
    torc_create_detached(-1, reinterpret_cast<void (*)()>(add_detached), 1, 1, MPI_LONG,
                         CALL_BY_COP, &one);
    torc_create_direct(0, reinterpret_cast<void (*)()>(add_detached), 1, 1, MPI_LONG,
                       CALL_BY_COP, &one);
    torc_arg_t a[1] = {{1, MPI_LONG, CALL_BY_COP, &one}};
    torc_task_argv(-1, TORC_TASK_DETACHED, reinterpret_cast<torc_func_t>(add_detached), 1, a);
    torc_finalize();
    EXPECT(detached_sum == 21);
    if (failures) {
        std::fprintf(stderr, "header_cxx: %d checks failed\n", failures);
        return 1;
    }
    std::printf("header_cxx: ok total=%ld\n", total);
    return 0;
}
