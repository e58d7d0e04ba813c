!     torcf.h: torc's Fortran interface (TORC Lite's names and values).
!
!     INCLUDE 'torcf.h' in every program unit that calls torc, after
!     IMPLICIT NONE. It includes mpif.h (MPI_INTEGER,
!     MPI_DOUBLE_PRECISION, ...), as TORC Lite's torcf.h does: do not
!     include mpif.h again. The file is valid fixed-form and free-form
!     Fortran.
!
!     Every argument is passed by reference. A task is a subroutine; it
!     receives each task argument by reference:
!
!       CALL torc_register_task(work)      (before torc_initf)
!       CALL torc_initf()         (node 0 returns; the others serve)
!       CALL torc_createf(qid, work, narg,
!                         count1, type1, way1, ..., arg1, ...)
!       CALL torc_taskf(work, invisible, narg,
!                       count1, type1, way1, ..., arg1, ...)
!       CALL torc_waitall()
!       CALL torc_finalize()
!
!     qid -1 spreads tasks over all workers; torc_taskf queues on the
!     calling worker. type: a Fortran MPI datatype (MPI_INTEGER, ...).
!     way: CALL_BY_COP (= CALL_BY_VAL), CALL_BY_REF, CALL_BY_RES,
!     CALL_BY_PTR or CALL_BY_VAD.

      INCLUDE 'mpif.h'

      INTEGER TORC_LITE
      PARAMETER (TORC_LITE = 1)
      INTEGER TORC_MAX_ARGS
      PARAMETER (TORC_MAX_ARGS = 32)

      INTEGER MODE_MW
      INTEGER MODE_MS
      INTEGER MODE_SPMD
      PARAMETER (MODE_MW = 0)
      PARAMETER (MODE_MS = 0)
      PARAMETER (MODE_SPMD = 1)

      INTEGER CALL_BY_COP
      INTEGER CALL_BY_REF
      INTEGER CALL_BY_RES
      INTEGER CALL_BY_PTR
      INTEGER CALL_BY_VAL
      INTEGER CALL_BY_COP2
      INTEGER CALL_BY_VAD
      PARAMETER (CALL_BY_COP = 1)
      PARAMETER (CALL_BY_REF = 2)
      PARAMETER (CALL_BY_RES = 3)
      PARAMETER (CALL_BY_PTR = 4)
      PARAMETER (CALL_BY_VAL = 1)
      PARAMETER (CALL_BY_COP2 = 5)
      PARAMETER (CALL_BY_VAD = 6)

!     INTEGER and DOUBLE PRECISION functions.
      INTEGER torc_worker_id
      INTEGER torc_num_workers
      INTEGER torc_i_worker_id
      INTEGER torc_i_num_workers
      INTEGER torc_node_id
      INTEGER torc_num_nodes
      INTEGER torc_getlevel
      INTEGER torc_sched_nextcpu
      DOUBLE PRECISION torc_gettime
      EXTERNAL torc_worker_id
      EXTERNAL torc_num_workers
      EXTERNAL torc_i_worker_id
      EXTERNAL torc_i_num_workers
      EXTERNAL torc_node_id
      EXTERNAL torc_num_nodes
      EXTERNAL torc_getlevel
      EXTERNAL torc_sched_nextcpu
      EXTERNAL torc_gettime

!     Subroutines.
      EXTERNAL torc_initf
      EXTERNAL torc_finalize
      EXTERNAL torc_register_task
      EXTERNAL torc_createf
      EXTERNAL torc_taskf
      EXTERNAL torc_taskinit
      EXTERNAL torc_waitall
      EXTERNAL torc_waitall2
      EXTERNAL torc_waitall3
      EXTERNAL torc_broadcastf
      EXTERNAL torc_enable_stealing
      EXTERNAL torc_disable_stealing
      EXTERNAL torc_i_enable_stealing
      EXTERNAL torc_i_disable_stealing
      EXTERNAL torc_sleep
