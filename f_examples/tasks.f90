! Fortran tasks with torc: by-copy inputs, by-result arrays and scalars, and a COMMON-block
! variable broadcast to every node before the tasks run.
!
!   mpif90 $(torc_cflags) tasks.f90 -o tasks $(torc_libs)
!   TORC_WORKERS=2 mpirun -np 2 ./tasks [ntasks]
!
! Each task gets its own copy of the input vector (the caller reuses its buffer right after
! creating the task), writes its results through CALL_BY_RES arguments, and reports the node it
! ran on. Prints "tasks: ok ..." when every result checks; otherwise prints FAIL and stops with
! exit status 1.

! y(i) = scale * x(i)**2, s = sum(y), node = where it ran.
subroutine square(n, x, y, s, node)
  implicit none
  include 'torcf.h'
  integer n, node
  double precision x(n), y(n), s
  double precision scale
  common /params/ scale
  integer i
  s = 0.0d0
  do i = 1, n
    y(i) = scale * x(i) * x(i)
    s = s + y(i)
  end do
  node = torc_node_id()
end subroutine square

program tasks
  implicit none
  include 'torcf.h'
  external square
  integer, parameter :: n = 50, maxtasks = 200
  integer ntasks, t, i, nbad, nremote, ran_on(maxtasks)
  double precision x(n), y(n, maxtasks), s(maxtasks), expect, total, t0
  double precision scale
  common /params/ scale
  character(len=32) arg

  call torc_register_task(square)
  call torc_initf()
  ! Only node 0 gets here: the other nodes serve tasks inside torc_initf.
  t0 = torc_gettime()

  ntasks = 24
  if (command_argument_count() >= 1) then
    call get_command_argument(1, arg)
    read (arg, *) ntasks
  end if
  if (ntasks < 1 .or. ntasks > maxtasks) then
    print '(a,i0,a,i0,a)', 'tasks: FAIL: ntasks = ', ntasks, ' (1..', maxtasks, ')'
    call torc_finalize()
    stop 1
  end if

  ! The other nodes' copy of scale stays 0 unless the broadcast reaches them.
  scale = 3.0d0
  call torc_broadcastf(scale, 1, MPI_DOUBLE_PRECISION)

  y = -1.0d0
  s = -1.0d0
  ran_on = -1
  do t = 1, ntasks
    do i = 1, n
      x(i) = dble(t) + dble(i) / 8.0d0
    end do
    call torc_createf(-1, square, 5, &
                      1, MPI_INTEGER, CALL_BY_COP, &
                      n, MPI_DOUBLE_PRECISION, CALL_BY_COP, &
                      n, MPI_DOUBLE_PRECISION, CALL_BY_RES, &
                      1, MPI_DOUBLE_PRECISION, CALL_BY_RES, &
                      1, MPI_INTEGER, CALL_BY_RES, &
                      n, x, y(1, t), s(t), ran_on(t))
    ! The task has its own copy: spoil ours.
    x = -999.0d0
  end do
  call torc_waitall()

  nbad = 0
  nremote = 0
  do t = 1, ntasks
    total = 0.0d0
    do i = 1, n
      expect = scale * (dble(t) + dble(i) / 8.0d0)**2
      total = total + expect
      if (abs(y(i, t) - expect) > 1.0d-9 * expect) then
        if (nbad < 5) print '(a,i0,a,i0,a,g0,a,g0)', 'tasks: task ', t, ' y(', i, ') = ', &
                            y(i, t), ', expected ', expect
        nbad = nbad + 1
      end if
    end do
    if (abs(s(t) - total) > 1.0d-9 * total) then
      print '(a,i0,a,g0,a,g0)', 'tasks: task ', t, ' sum = ', s(t), ', expected ', total
      nbad = nbad + 1
    end if
    if (ran_on(t) < 0 .or. ran_on(t) >= torc_num_nodes()) then
      print '(a,i0,a,i0)', 'tasks: task ', t, ' reports node ', ran_on(t)
      nbad = nbad + 1
    end if
    if (ran_on(t) > 0) nremote = nremote + 1
  end do

  if (nbad == 0) then
    print '(a,i0,a,i0,a,i0,a,i0,a,f6.3,a)', 'tasks: ok tasks=', ntasks, ' nodes=', &
          torc_num_nodes(), ' workers=', torc_num_workers(), ' remote=', nremote, &
          ' time=', torc_gettime() - t0, 's'
  else
    print '(a,i0,a)', 'tasks: FAIL (', nbad, ' wrong results)'
  end if
  call torc_finalize()
  if (nbad /= 0) stop 1
end program tasks
