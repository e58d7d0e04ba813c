//! How Python objects are serialized to cross nodes: `pickle` (protocol 5), cloudpickle for
//! what pickle cannot send by reference, or the serializer the program chose
//! (`torcpy.set_serializer`, `TORCPY_SERIALIZER`). `value.rs` (task calls and results) and
//! `errors.rs` (exception records) use it.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn pickle_fn<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("pickle")?.getattr(name)?.unbind())
    })
    .map(|f| f.bind(py))
}

/// A serializer the program chose (`torcpy.set_serializer`): its `dumps` and `loads`, used
/// instead of pickle's (and of cloudpickle's) on every node that chose it.
static CUSTOM: std::sync::Mutex<Option<(Py<PyAny>, Py<PyAny>)>> = std::sync::Mutex::new(None);
/// Whether [`CUSTOM`] holds one (read without the lock on every pickling).
static HAS_CUSTOM: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// `cloudpickle.dumps`, or None when cloudpickle is not installed (looked up once).
static CLOUD_DUMPS: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();

/// The program's serializer, if it chose one.
fn custom(py: Python<'_>) -> Option<(Py<PyAny>, Py<PyAny>)> {
    if !HAS_CUSTOM.load(std::sync::atomic::Ordering::Acquire) {
        return None;
    }
    let c = CUSTOM.lock().ok()?;
    c.as_ref().map(|(d, l)| (d.clone_ref(py), l.clone_ref(py)))
}

/// `torcpy.set_serializer(dumps, loads)`: `dumps(obj)` gives bytes that `loads(data)` turns
/// back into the object; every node must choose the same. `None, None`: back to the default
/// (pickle, and cloudpickle for what pickle cannot serialize by reference).
#[pyfunction]
#[pyo3(signature = (dumps, loads))]
pub(crate) fn set_serializer(dumps: Option<Py<PyAny>>, loads: Option<Py<PyAny>>) -> PyResult<()> {
    let pair = match (dumps, loads) {
        (Some(d), Some(l)) => Some((d, l)),
        (None, None) => None,
        _ => {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "torcpy.set_serializer: dumps and loads go together (both callables, or both \
                 None for the default)",
            ))
        }
    };
    Python::attach(|py| -> PyResult<()> {
        if let Some((d, l)) = &pair {
            for (name, f) in [("dumps", d), ("loads", l)] {
                if !f.bind(py).is_callable() {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                        "torcpy.set_serializer: {name} = {} is not callable",
                        f.bind(py).repr()?
                    )));
                }
            }
        }
        Ok(())
    })?;
    let set = pair.is_some();
    if let Ok(mut c) = CUSTOM.lock() {
        *c = pair;
    }
    HAS_CUSTOM.store(set, std::sync::atomic::Ordering::Release);
    Ok(())
}

/// `obj` serialized to travel: with the program's serializer if it chose one; else
/// `pickle.dumps(obj, protocol=5)` (the function looked up once), which serializes functions
/// and classes by reference, and, when that fails (a lambda, a closure, a local class, an
/// object holding one), `cloudpickle.dumps`, which serializes them by value. What neither can
/// serialize raises pickle's error.
pub(crate) fn dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    if let Some((d, _)) = custom(py) {
        let b = d.bind(py).call1((obj,))?;
        return Ok(match b.cast_into::<PyBytes>() {
            Ok(b) => b,
            Err(e) => PyBytes::new(py, &e.into_inner().extract::<Vec<u8>>()?),
        });
    }
    let first = match pickle_fn(py, &DUMPS, "dumps")?.call1((obj, 5)) {
        Ok(b) => return Ok(b.cast_into::<PyBytes>()?),
        Err(e) => e,
    };
    let cloud = CLOUD_DUMPS.get_or_init(py, || {
        py.import("cloudpickle")
            .and_then(|m| m.getattr("dumps"))
            .ok()
            .map(Bound::unbind)
    });
    let Some(cloud) = cloud else {
        return Err(first);
    };
    match cloud.bind(py).call1((obj, 5)) {
        Ok(b) => Ok(b.cast_into::<PyBytes>()?),
        Err(_) => Err(first),
    }
}

/// `pickle.loads` of `body` (or the program's serializer's `loads`), read where it is (a read-only memoryview over it, alive only
/// during the call: the objects it builds copy what they keep).
pub(crate) fn unpickle<'py>(py: Python<'py>, body: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    if let Some((_, l)) = custom(py) {
        // A serializer of the program's: it gets bytes of its own (no view into ours).
        return l.bind(py).call1((PyBytes::new(py, body),));
    }
    let loads = pickle_fn(py, &LOADS, "loads")?;
    // SAFETY: the memoryview points into `body`, read-only, and `body` outlives it: it is
    // released before this function returns (pickle.loads keeps no reference to its input).
    let view = unsafe {
        let p = pyo3::ffi::PyMemoryView_FromMemory(
            body.as_ptr() as *mut std::os::raw::c_char,
            body.len() as pyo3::ffi::Py_ssize_t,
            pyo3::ffi::PyBUF_READ,
        );
        Bound::from_owned_ptr_or_err(py, p)?
    };
    let r = loads.call1((&view,));
    // Release the view's buffer now, whatever `loads` did with it.
    let _ = view.call_method0("release");
    r
}
