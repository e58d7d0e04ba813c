/* torc_arg_t as the C shims see it (the same layout as torc.h's, generated from the Rust
 * sources): shared by varargs.c and fortran.c. */
#ifndef TORC_ARG_H
#define TORC_ARG_H
#include <mpi.h>

/* The most arguments a shim reads (torc.h's TORC_MAX_ARGS). */
#define TORC_SHIM_MAX_ARGS 32

typedef struct {
    int count;
    MPI_Datatype datatype;
    int callway;
    void *addr;
} torc_arg_t;

#endif
