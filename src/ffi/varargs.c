/* The variadic entry points of torc.h. Stable Rust cannot define C variadic functions, so each
 * one reads its (count, datatype, call-way) triples and then its argument pointers into an
 * array and hands that to the runtime. They are named torc_va_*: the exported torc_task*
 * symbols are tiny Rust trampolines that jump here with every register and stack slot intact
 * (a cdylib exports only symbols defined in Rust). */
#include <stdarg.h>
#include <stddef.h>
#include <mpi.h>

#include "torc_arg.h"

/* Implemented in Rust (src/ffi/exports.rs). `api` names the entry point for error messages. */
void torc_internal_create(int api, int qid, int flags, void (*f)(), int narg, const torc_arg_t *args);

enum { API_TASK = 0, API_TASK_EX = 1, API_DETACHED = 2, API_DIRECT = 3 };
enum { FLAG_INVISIBLE = 1, FLAG_DETACHED = 2, FLAG_DIRECT = 4 };

static void gather(int api, int qid, int flags, void (*f)(), int narg, va_list ap)
{
    torc_arg_t args[TORC_SHIM_MAX_ARGS];
    int i;
    if (narg < 0 || narg > TORC_SHIM_MAX_ARGS) {
        /* Out of range: let the runtime report it without reading the arguments. */
        torc_internal_create(api, qid, flags, f, narg, NULL);
        return;
    }
    for (i = 0; i < narg; i++) {
        args[i].count = va_arg(ap, int);
        args[i].datatype = va_arg(ap, MPI_Datatype);
        args[i].callway = va_arg(ap, int);
    }
    for (i = 0; i < narg; i++)
        args[i].addr = va_arg(ap, void *);
    torc_internal_create(api, qid, flags, f, narg, args);
}

void torc_va_task(int qid, void (*f)(), int narg, ...)
{
    va_list ap;
    if (narg == 0) { /* nothing to read: skip the va_list */
        torc_internal_create(API_TASK, qid, 0, f, 0, NULL);
        return;
    }
    va_start(ap, narg);
    gather(API_TASK, qid, 0, f, narg, ap);
    va_end(ap);
}

void torc_va_task_ex(int qid, int invisible, void (*f)(), int narg, ...)
{
    va_list ap;
    va_start(ap, narg);
    gather(API_TASK_EX, qid, invisible ? FLAG_INVISIBLE : 0, f, narg, ap);
    va_end(ap);
}

void torc_va_task_detached(int qid, void (*f)(), int narg, ...)
{
    va_list ap;
    va_start(ap, narg);
    gather(API_DETACHED, qid, FLAG_DETACHED, f, narg, ap);
    va_end(ap);
}

void torc_va_task_direct(int qid, void (*f)(), int narg, ...)
{
    va_list ap;
    va_start(ap, narg);
    gather(API_DIRECT, qid, FLAG_DIRECT, f, narg, ap);
    va_end(ap);
}
