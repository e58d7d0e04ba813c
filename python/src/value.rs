//! What a Python task's input (its call) and result are to the runtime: the objects
//! themselves on their node, pickled bytes only when they cross to another node.
//!
//! A [`PyValue`] made here holds the object ([`PyValue::Ok`]) or the record of an exception
//! ([`PyValue::Raised`]); the runtime hands it over as it is to a task or future of this
//! node. When it must leave the node the runtime asks for its bytes ([`Codec::encode`]): one
//! tag byte, then the pickle. Bytes from another node stay bytes ([`PyValue::Wire`]) until
//! the Python side opens them, on a thread that holds the GIL anyway: the communication
//! thread never unpickles.

use pyo3::prelude::*;
use std::borrow::Cow;
use torc::api::Codec;

/// The value is an object.
const OK: u8 = 0;
/// The value is an exception record (see `errors.rs`).
const RAISED: u8 = 1;
/// The object could not be pickled: the rest is the reason, as UTF-8.
const UNSENDABLE: u8 = 2;

/// A Python task's call or result, as the runtime carries it.
pub(crate) enum PyValue {
    /// An object of this process.
    Ok(Py<PyAny>),
    /// A task's call (an object of this process: `task::call_object`), with an executor
    /// task's claim, which the worker that takes it looks at before it takes the GIL
    /// (`claim.rs`).
    Call(Py<PyAny>, Option<std::sync::Arc<crate::claim::Claim>>),
    /// The result of a cancelled task that was not run: None.
    Skipped,
    /// An exception record of this process (`errors::record`).
    Raised(Py<PyAny>),
    /// Tag and pickle, from another node.
    Wire(Vec<u8>),
}

/// A [`PyValue`] opened on the Python side.
pub(crate) enum Opened<'py> {
    /// An object.
    Ok(Bound<'py, PyAny>),
    /// An exception record.
    Raised(Bound<'py, PyAny>),
    /// It could not be sent: why.
    Unsendable(String),
}

/// `obj` pickled behind `tag`, or the reason it cannot be, behind UNSENDABLE.
fn pickled(py: Python<'_>, tag: u8, obj: &Bound<'_, PyAny>) -> Vec<u8> {
    pickled_as(py, tag, obj, || None)
}

/// As [`pickled`]; the reason it cannot be starts with `what()`, when that names something
/// (a call's task: `task f`).
fn pickled_as(
    py: Python<'_>,
    tag: u8,
    obj: &Bound<'_, PyAny>,
    what: impl FnOnce() -> Option<String>,
) -> Vec<u8> {
    match crate::serial::dumps(py, obj) {
        Ok(b) => {
            let b = b.as_bytes();
            let mut v = Vec::with_capacity(b.len() + 1);
            v.push(tag);
            v.extend_from_slice(b);
            v
        }
        Err(e) => {
            let line = crate::errors::one_line(py, &e);
            unsendable(match what() {
                Some(w) => format!("{w}: {line}"),
                None => line,
            })
        }
    }
}

/// `task f` for a call `(kind, f, ...)`.
fn call_name(call: &Bound<'_, PyAny>) -> Option<String> {
    let f = call.get_item(1).ok()?;
    Some(format!("task {}", crate::errors::function_name(&f)))
}

fn unsendable(why: String) -> Vec<u8> {
    let mut v = Vec::with_capacity(why.len() + 1);
    v.push(UNSENDABLE);
    v.extend_from_slice(why.as_bytes());
    v
}

impl Codec for PyValue {
    /// Pickles (holding the GIL: taken here when the caller does not hold it, as the
    /// communication thread serving a steal does).
    fn encode(&self) -> Cow<'_, [u8]> {
        if !matches!(self, PyValue::Wire(_) | PyValue::Skipped) {
            crate::threads::prime();
        }
        match self {
            PyValue::Wire(b) => Cow::Borrowed(b),
            PyValue::Ok(o) => Cow::Owned(Python::attach(|py| pickled(py, OK, o.bind(py)))),
            PyValue::Call(o, _) => Cow::Owned(Python::attach(|py| {
                let call = o.bind(py);
                pickled_as(py, OK, call, || call_name(call))
            })),
            // `pickle.dumps(None, 5)` behind the OK tag.
            PyValue::Skipped => Cow::Borrowed(&[OK, 0x80, 5, b'N', b'.']),
            PyValue::Raised(r) => {
                Cow::Owned(Python::attach(|py| {
                    match crate::errors::wire_record(py, r.bind(py)) {
                        Ok(w) => pickled(py, RAISED, &w),
                        Err(e) => unsendable(crate::errors::one_line(py, &e)),
                    }
                }))
            }
        }
    }

    fn decode(bytes: Vec<u8>) -> Result<PyValue, String> {
        if bytes.is_empty() {
            return Err("an empty torcpy value".into());
        }
        Ok(PyValue::Wire(bytes))
    }
}

impl PyValue {
    /// Whether it stands for an exception (or a value that could not be sent).
    pub(crate) fn is_raised(&self) -> bool {
        match self {
            PyValue::Ok(_) | PyValue::Call(..) | PyValue::Skipped => false,
            PyValue::Raised(_) => true,
            PyValue::Wire(b) => b[0] != OK,
        }
    }

    /// The value on the Python side: unpickled if it came from another node.
    pub(crate) fn open<'py>(&self, py: Python<'py>) -> PyResult<Opened<'py>> {
        Ok(match self {
            PyValue::Ok(o) | PyValue::Call(o, _) => Opened::Ok(o.bind(py).clone()),
            PyValue::Skipped => Opened::Ok(py.None().into_bound(py)),
            PyValue::Raised(r) => Opened::Raised(r.bind(py).clone()),
            PyValue::Wire(b) => {
                let (tag, body) = (b[0], &b[1..]);
                if tag == UNSENDABLE {
                    return Ok(Opened::Unsendable(
                        String::from_utf8_lossy(body).into_owned(),
                    ));
                }
                let obj = crate::serial::unpickle(py, body)?;
                if tag == RAISED {
                    Opened::Raised(crate::errors::arrived_record(py, &obj)?)
                } else {
                    Opened::Ok(obj)
                }
            }
        })
    }
}
