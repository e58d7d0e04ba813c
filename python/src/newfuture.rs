//! Making an executor's future (`torcpy._executor.TorcFuture`, a Python class) from Rust at
//! the cost of an allocation: the class is not called (its `__new__` and `__init__` add
//! nothing: `object.__new__`, `object.__init__`), and its task goes straight into its
//! `_task` slot instead of through attribute lookup. Calling the class and setting the
//! attribute cost a tenth of a submit, measured.

use pyo3::prelude::*;
use pyo3::types::PyType;

/// How to make futures of one class: the class and where its `_task` slot is.
pub(crate) struct FutureClass {
    cls: Py<PyType>,
    /// The byte offset of the `_task` slot in an instance, when the class has one as
    /// expected (else futures are made by calling the class).
    slot: Option<isize>,
}

impl FutureClass {
    /// `cls`, a class with `__slots__` including `_task` (checked: otherwise the slow way).
    pub(crate) fn new(py: Python<'_>, cls: Py<PyType>) -> FutureClass {
        let slot = task_slot(py, cls.bind(py));
        FutureClass { cls, slot }
    }

    /// A new instance whose `_task` is `task`.
    pub(crate) fn make(&self, py: Python<'_>, task: Py<PyAny>) -> PyResult<Py<PyAny>> {
        let Some(offset) = self.slot else {
            let obj = self.cls.bind(py).call0()?;
            obj.setattr(pyo3::intern!(py, "_task"), task)?;
            return Ok(obj.unbind());
        };
        let tp = self.cls.as_ptr().cast::<pyo3::ffi::PyTypeObject>();
        // SAFETY: `tp` is a live type object (held by `self.cls`); its `tp_alloc` (checked
        // present in `task_slot`) returns a new zero-filled instance or NULL with an error set.
        let obj = unsafe {
            let alloc = (*tp).tp_alloc.expect("checked in task_slot");
            alloc(tp, 0)
        };
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: `obj` is a new instance of the class, owned here, whose object slot at
        // `offset` (checked in `task_slot`: a slot of this class, inside the instance) is
        // NULL after allocation; it takes the reference `task` gives up.
        unsafe {
            let field = obj
                .cast::<u8>()
                .offset(offset)
                .cast::<*mut pyo3::ffi::PyObject>();
            *field = task.into_ptr();
            Ok(Bound::from_owned_ptr(py, obj).unbind())
        }
    }
}

/// The offset of `cls`'s `_task` slot: a member descriptor in the class's own dictionary, of
/// object type, within the instance's basic size; None otherwise (or on any doubt).
fn task_slot(py: Python<'_>, cls: &Bound<'_, PyType>) -> Option<isize> {
    let descr = cls.getattr("__dict__").ok()?.get_item("_task").ok()?;
    let member_type = py
        .import("types")
        .ok()?
        .getattr("MemberDescriptorType")
        .ok()?;
    if !descr.get_type().is(&member_type) {
        return None;
    }
    let tp = cls.as_ptr().cast::<pyo3::ffi::PyTypeObject>();
    // SAFETY: `descr` is a live member descriptor (its type checked above), whose
    // `d_member` points at the class's member definition; `tp` is a live type object.
    unsafe {
        let d = descr.as_ptr().cast::<pyo3::ffi::PyMemberDescrObject>();
        let def = (*d).d_member.cast::<pyo3::ffi::PyMemberDef>();
        if def.is_null() || (*def).type_code != pyo3::ffi::Py_T_OBJECT_EX {
            return None;
        }
        let offset = (*def).offset;
        let size = (*tp).tp_basicsize;
        let fits = offset >= std::mem::size_of::<pyo3::ffi::PyObject>() as isize
            && offset + std::mem::size_of::<*mut pyo3::ffi::PyObject>() as isize <= size;
        ((*tp).tp_alloc.is_some() && (*tp).tp_itemsize == 0 && fits).then_some(offset)
    }
}
