C     Nested Fortran 77 tasks in the style of PNDL (parallel numerical
C     differentiation): parent tasks spread over the nodes with
C     torc_createf, each spawning children on its own worker with
C     torc_taskf and waiting for them.
C
C       mpif90 $(torc_cflags) nested.f -o nested $(torc_libs)
C       TORC_WORKERS=2 mpirun -np 2 ./nested
C
C     Prints "nested: ok ..." when every result checks; otherwise
C     prints FAIL and stops with exit status 1.

C     R = X * J + LEVEL, LEVEL being the task's nesting level (2).
      SUBROUTINE CHILD(J, X, R)
      IMPLICIT NONE
      INCLUDE 'torcf.h'
      INTEGER J
      DOUBLE PRECISION X, R
      R = X * DBLE(J) + DBLE(torc_getlevel())
      END

C     RES(J) = CHILD(J, X) for J = 1..K, one child task each.
      SUBROUTINE PARENT(K, X, RES)
      IMPLICIT NONE
      INCLUDE 'torcf.h'
      INTEGER K, J
      DOUBLE PRECISION X, RES(K)
      EXTERNAL CHILD
      DO 10 J = 1, K
         CALL torc_taskf(CHILD, 0, 3,
     &                   1, MPI_INTEGER,          CALL_BY_VAL,
     &                   1, MPI_DOUBLE_PRECISION, CALL_BY_VAL,
     &                   1, MPI_DOUBLE_PRECISION, CALL_BY_RES,
     &                   J, X, RES(J))
   10 CONTINUE
      CALL torc_waitall()
      END

      PROGRAM NESTED
      IMPLICIT NONE
      INCLUDE 'torcf.h'
      INTEGER NP, K
      PARAMETER (NP = 12, K = 10)
      INTEGER P, J, NBAD
      DOUBLE PRECISION X, RES(K, NP), EXPECT
      EXTERNAL PARENT, CHILD

      CALL torc_register_task(PARENT)
      CALL torc_register_task(CHILD)
      CALL torc_initf()

      DO 20 P = 1, NP
         X = DBLE(P) / 4.0D0
         CALL torc_createf(-1, PARENT, 3,
     &                     1, MPI_INTEGER,          CALL_BY_VAL,
     &                     1, MPI_DOUBLE_PRECISION, CALL_BY_VAL,
     &                     K, MPI_DOUBLE_PRECISION, CALL_BY_RES,
     &                     K, X, RES(1, P))
   20 CONTINUE
      CALL torc_waitall()

      NBAD = 0
      DO 40 P = 1, NP
         DO 30 J = 1, K
            EXPECT = DBLE(P) / 4.0D0 * DBLE(J) + 2.0D0
            IF (ABS(RES(J, P) - EXPECT) .GT. 1.0D-12) THEN
               IF (NBAD .LT. 5) PRINT *, 'nested: RES(', J, ',', P,
     &            ') =', RES(J, P), ', expected', EXPECT
               NBAD = NBAD + 1
            END IF
   30    CONTINUE
   40 CONTINUE

      IF (NBAD .EQ. 0) THEN
         PRINT '(A,I0,A,I0,A,I0)', 'nested: ok parents=', NP,
     &         ' children=', NP * K, ' nodes=', torc_num_nodes()
      ELSE
         PRINT '(A,I0,A)', 'nested: FAIL (', NBAD, ' wrong results)'
      END IF
      CALL torc_finalize()
      IF (NBAD .NE. 0) STOP 1
      END
