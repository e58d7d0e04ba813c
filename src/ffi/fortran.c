/* The variadic entry points of the Fortran interface (see fortran.rs for the others).
 *
 * Fortran passes every argument by reference, so each argument description is three addresses
 * (count, Fortran datatype handle, call-way) and each argument is its address. These functions
 * read them into the same torc_arg_t array as varargs.c, turning the Fortran datatype handles
 * (MPI_Fint) into C handles with MPI_Type_f2c, and hand it to the runtime. As in varargs.c,
 * the exported names (torc_createf_, torc_taskf_, and the older torc_create_, torc_task_) are
 * Rust trampolines that jump here: a cdylib exports only symbols defined in Rust. */
#include <stdarg.h>
#include <stddef.h>
#include <mpi.h>

#include "torc_arg.h"

/* Implemented in Rust (src/ffi/fortran.rs). `api` names the entry point for error messages;
 * `qid_from_caller` asks for the calling worker's own queue (torc_taskf_). */
void torc_fortran_create(int api, int qid, int qid_from_caller, int flags, void (*f)(), int narg,
                         const torc_arg_t *args);

enum { API_CREATEF = 0, API_TASKF = 1 };
enum { FLAG_INVISIBLE = 1 };

/* The C handle of Fortran datatype handle `*fdt`; MPI_DATATYPE_NULL outside MPI's lifetime (the
 * runtime then reports the call as made before torc_init / after torc_finalize) or for a NULL
 * reference. */
MPI_Datatype torc_fortran_type(const MPI_Fint *fdt)
{
    int initialized = 0, finalized = 0;
    if (fdt == NULL)
        return MPI_DATATYPE_NULL;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized)
        return MPI_DATATYPE_NULL;
    return MPI_Type_f2c(*fdt);
}

/* *p, or `dflt` for a NULL reference (the runtime then names the offending value). */
static int deref(const int *p, int dflt)
{
    return p != NULL ? *p : dflt;
}

static void gather(int api, int qid, int qid_from_caller, int flags, void (*f)(), const int *pnarg,
                   va_list ap)
{
    torc_arg_t args[TORC_SHIM_MAX_ARGS];
    int narg = deref(pnarg, -1);
    int i;
    if (narg < 0 || narg > TORC_SHIM_MAX_ARGS) {
        /* Out of range: let the runtime report it without reading the arguments. */
        torc_fortran_create(api, qid, qid_from_caller, flags, f, narg, NULL);
        return;
    }
    for (i = 0; i < narg; i++) {
        const int *count = va_arg(ap, const int *);
        const MPI_Fint *fdt = va_arg(ap, const MPI_Fint *);
        const int *callway = va_arg(ap, const int *);
        args[i].count = deref(count, -1);
        args[i].datatype = torc_fortran_type(fdt);
        args[i].callway = deref(callway, -1);
    }
    for (i = 0; i < narg; i++)
        args[i].addr = va_arg(ap, void *);
    torc_fortran_create(api, qid, qid_from_caller, flags, f, narg, args);
}

/* CALL torc_createf(qid, f, narg, count1, type1, way1, ..., arg1, ...) */
void torc_fc_createf(const int *qid, void (*f)(), const int *narg, ...)
{
    va_list ap;
    va_start(ap, narg);
    gather(API_CREATEF, deref(qid, -2), 0, 0, f, narg, ap);
    va_end(ap);
}

/* CALL torc_taskf(f, invisible, narg, count1, type1, way1, ..., arg1, ...): as TORC Lite, the
 * task goes to the calling worker's queue; a non-zero second argument leaves it out of the
 * statistics. */
void torc_fc_taskf(void (*f)(), const int *invisible, const int *narg, ...)
{
    va_list ap;
    va_start(ap, narg);
    gather(API_TASKF, -1, 1, deref(invisible, 0) ? FLAG_INVISIBLE : 0, f, narg, ap);
    va_end(ap);
}
