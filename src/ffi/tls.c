/* The calling thread's worker context and current task (see src/sched/worker.rs), and its
 * worker's descriptor pool (see src/task/pool.rs).
 *
 * They live in C so that they can use the initial-exec TLS model: in a shared library, a Rust
 * thread-local is reached through a call to __tls_get_addr, which would be paid on every task
 * created; an initial-exec variable is one load relative to the thread pointer, here behind a
 * call to a two-instruction accessor. The accessors are hidden: calls from Rust bind directly,
 * without the PLT. The static TLS this needs, three pointers, comes from the surplus glibc keeps
 * for libraries loaded later with dlopen (a program that has used that surplus up could not
 * dlopen libtorc; linking it, the normal case, needs no surplus). */

#define TORC_HIDDEN __attribute__((visibility("hidden")))
#define TORC_IE __attribute__((tls_model("initial-exec")))

static __thread void *worker TORC_IE;
static __thread void *current TORC_IE;
static __thread const void *pool TORC_IE;

TORC_HIDDEN void *torc_tls_worker(void) { return worker; }
TORC_HIDDEN void torc_tls_set_worker(void *w) { worker = w; }
TORC_HIDDEN void *torc_tls_current(void) { return current; }
TORC_HIDDEN void torc_tls_set_current(void *t) { current = t; }
TORC_HIDDEN const void *torc_tls_pool(void) { return pool; }
TORC_HIDDEN void torc_tls_set_pool(const void *p) { pool = p; }
