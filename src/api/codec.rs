//! What a task may take as an owned input ([`Moved`](super::Moved)) or return through a
//! [`Future`](super::Future): values that become bytes only when they leave their node.
//!
//! On the node that made it, a value is handed over as it is: small plain values (at most 16
//! bytes) inline, anything else as the object itself, never encoded. It is encoded only when
//! the task or its result crosses to another node: a [`Data`] value or a vector of them as
//! its own bytes (sent from where they are, no encoding step), a `String` as its UTF-8 bytes,
//! and, with the cargo feature `serde`, any serde type wrapped in `Serde`, in
//! bincode's compact format.

use super::data::Data;
use crate::task::value::{Portable, Value, INLINE};
use std::any::Any;
use std::borrow::Cow;

/// A value that can travel between nodes as bytes (see the module documentation).
///
/// Implemented by torc for every [`Data`] type, `Vec<T: Data>` (so `Vec<u8>` byte vectors),
/// `String`, `()` and, with the `serde` feature, `Serde<T>`.
pub trait Codec: Sized + Send + 'static {
    /// The bytes another node decodes the value from.
    fn encode(&self) -> Cow<'_, [u8]>;
    /// The value encoded as `bytes`.
    fn decode(bytes: Vec<u8>) -> Result<Self, String>;
    /// The value encoded as `bytes`, borrowed (small values held inline).
    #[doc(hidden)]
    fn decode_slice(bytes: &[u8]) -> Result<Self, String> {
        Self::decode(bytes.to_vec())
    }
    /// Whether the value is plain bytes of at most 16 bytes that may be held inline (the
    /// `Data` impls; the runtime then reads it back by copying those bytes).
    #[doc(hidden)]
    const INLINE: bool = false;
    /// Whether it carries nothing at all (`()`): a task returning it stores no result.
    #[doc(hidden)]
    const NOTHING: bool = false;
}

fn short(what: &str, want: usize, got: usize) -> String {
    format!("{what} of {want} bytes expected, {got} received")
}

impl<T: Data> Codec for T {
    fn encode(&self) -> Cow<'_, [u8]> {
        // SAFETY: a Data value is plain bytes: reading its size in bytes is valid.
        Cow::Borrowed(unsafe {
            std::slice::from_raw_parts(self as *const T as *const u8, std::mem::size_of::<T>())
        })
    }
    fn decode(bytes: Vec<u8>) -> Result<T, String> {
        T::decode_slice(&bytes)
    }
    fn decode_slice(bytes: &[u8]) -> Result<T, String> {
        if bytes.len() != std::mem::size_of::<T>() {
            return Err(short(
                std::any::type_name::<T>(),
                std::mem::size_of::<T>(),
                bytes.len(),
            ));
        }
        // SAFETY: exactly size_of::<T>() bytes, written from a T by another process of this
        // program; Data is valid for them; the read copes with any alignment.
        Ok(unsafe { std::ptr::read_unaligned(bytes.as_ptr() as *const T) })
    }
    const INLINE: bool = std::mem::size_of::<T>() <= INLINE && std::mem::align_of::<T>() <= 16;
}

impl<T: Data> Codec for Vec<T> {
    fn encode(&self) -> Cow<'_, [u8]> {
        // SAFETY: the elements are plain bytes, `size_of_val` of them, initialised.
        Cow::Borrowed(unsafe {
            std::slice::from_raw_parts(self.as_ptr() as *const u8, std::mem::size_of_val(&self[..]))
        })
    }
    fn decode(bytes: Vec<u8>) -> Result<Vec<T>, String> {
        let size = std::mem::size_of::<T>();
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<u8>() {
            // A byte vector is taken as it came: no copy.
            let mut b = std::mem::ManuallyDrop::new(bytes);
            // SAFETY: T is u8, so this is the same Vec<u8> (pointer, length, capacity).
            return Ok(unsafe {
                Vec::from_raw_parts(b.as_mut_ptr() as *mut T, b.len(), b.capacity())
            });
        }
        if size == 0 || !bytes.len().is_multiple_of(size) {
            return Err(format!(
                "{} bytes are not a whole number of {}",
                bytes.len(),
                std::any::type_name::<T>()
            ));
        }
        let n = bytes.len() / size;
        let mut v: Vec<T> = Vec::with_capacity(n);
        // SAFETY: room for n elements; the bytes are n values of T written by another process
        // of this program (Data is valid for them); the copy ignores alignment.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr() as *mut u8, bytes.len());
            v.set_len(n);
        }
        Ok(v)
    }
}

impl Codec for String {
    fn encode(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
    fn decode(bytes: Vec<u8>) -> Result<String, String> {
        String::from_utf8(bytes).map_err(|e| format!("a String that is not UTF-8: {e}"))
    }
}

impl Codec for () {
    fn encode(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&[])
    }
    fn decode(_: Vec<u8>) -> Result<(), String> {
        Ok(())
    }
    const NOTHING: bool = true;
}

/// Any serde type as a task's input ([`Moved`](super::Moved)) or result (with the cargo
/// feature `serde`): handed over as it is on its node; encoded with postcard (compact:
/// variable-length integers, no field names) only when it leaves the node.
#[cfg(feature = "serde")]
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct Serde<T>(pub T);

#[cfg(feature = "serde")]
impl<T> Codec for Serde<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + 'static,
{
    fn encode(&self) -> Cow<'_, [u8]> {
        match postcard::to_allocvec(&self.0) {
            Ok(b) => Cow::Owned(b),
            Err(e) => panic!(
                "torc::api::Serde: a {} cannot be encoded: {e}",
                std::any::type_name::<T>()
            ),
        }
    }
    fn decode(bytes: Vec<u8>) -> Result<Self, String> {
        postcard::from_bytes(&bytes)
            .map(Serde)
            .map_err(|e| format!("not a {}: {e}", std::any::type_name::<T>()))
    }
}

/// A value of this node as the runtime holds it.
struct Local<T: Codec>(T);

impl<T: Codec> Portable for Local<T> {
    fn encode(&self) -> Cow<'_, [u8]> {
        self.0.encode()
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new(self.0)
    }
    fn as_any(&self) -> &(dyn Any + Send) {
        &self.0
    }
}

/// `v` as the runtime holds it on this node (inline, or the object itself).
pub(crate) fn to_value<T: Codec>(v: T) -> Value {
    if T::NOTHING {
        return Value::Empty;
    }
    if T::INLINE {
        return Value::inline(&v.encode());
    }
    Value::Object(Box::new(Local(v)))
}

/// `v` as bytes, for a task that runs away from its home node: encoded now.
pub(crate) fn to_bytes<T: Codec>(v: T) -> Value {
    if T::NOTHING {
        return Value::Empty;
    }
    if T::INLINE {
        return Value::inline(&v.encode());
    }
    Value::Bytes(v.encode().into_owned())
}

/// Takes a `T` back out of a value made by [`to_value`] here or sent as bytes by another node.
pub(crate) fn from_value<T: Codec>(v: Value) -> Result<T, String> {
    match v {
        Value::Empty => T::decode(Vec::new()),
        Value::Inline { len, bytes } => T::decode_slice(&bytes.0[..len as usize]),
        Value::Object(o) => o
            .into_any()
            .downcast::<T>()
            .map(|b| *b)
            .map_err(|_| format!("the value is not a {}", std::any::type_name::<T>())),
        Value::Bytes(b) => T::decode(b),
    }
}

/// A reference to the `T` inside a value made by [`to_value`] (or by [`decode_value`]).
pub(crate) fn view<T: Codec>(v: &Value) -> Option<&T> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<T>(),
        Value::Inline { len, bytes } if T::INLINE && *len as usize == std::mem::size_of::<T>() => {
            // SAFETY: INLINE holds only for Data types of at most 16 bytes and alignment at
            // most 16; the inline bytes are 16-aligned and hold such a value's bytes.
            Some(unsafe { &*(bytes.0.as_ptr() as *const T) })
        }
        Value::Empty if T::NOTHING => {
            // SAFETY: `()` is zero-sized: any aligned non-null pointer is a valid reference.
            Some(unsafe { &*std::ptr::NonNull::<T>::dangling().as_ptr() })
        }
        _ => None,
    }
}

/// Decodes bytes from another node into the value [`view`] reads (the future's `Decode`).
pub(crate) fn decode_value<T: Codec>(b: Vec<u8>) -> Result<Value, String> {
    T::decode(b).map(to_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_locally_and_as_bytes() {
        let v = to_value(41u64);
        assert!(matches!(v, Value::Inline { len: 8, .. }));
        assert_eq!(view::<u64>(&v), Some(&41));
        assert_eq!(from_value::<u64>(v).unwrap(), 41);
        let v = to_value(vec![1.5f64, 2.5]);
        assert!(matches!(v, Value::Object(_)));
        assert_eq!(view::<Vec<f64>>(&v).unwrap(), &vec![1.5, 2.5]);
        let b = to_bytes(vec![1.5f64, 2.5]);
        assert_eq!(from_value::<Vec<f64>>(b).unwrap(), vec![1.5, 2.5]);
        let s = decode_value::<String>(b"hi".to_vec()).unwrap();
        assert_eq!(view::<String>(&s).unwrap(), "hi");
        assert!(String::decode(vec![0xff]).is_err());
        assert!(u32::decode(vec![1, 2]).is_err());
        assert!(Vec::<u32>::decode(vec![1, 2, 3]).is_err());
        let bytes = vec![9u8; 100];
        let p = bytes.as_ptr();
        let back = Vec::<u8>::decode(bytes).unwrap();
        assert_eq!(back.as_ptr(), p, "a byte vector is not copied");
        assert!(to_value(()).is_empty());
        assert_eq!(view::<()>(&Value::Empty), Some(&()));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_values_round_trip_compactly() {
        use std::collections::BTreeMap;
        let m: BTreeMap<String, Vec<u32>> =
            [("a".to_string(), vec![1, 300]), ("b".to_string(), vec![])].into();
        let v = Serde(m.clone());
        let b = v.encode().into_owned();
        assert!(b.len() < 16, "varints, no field names: {} bytes", b.len());
        assert_eq!(Serde::<BTreeMap<String, Vec<u32>>>::decode(b).unwrap(), v);
        assert!(Serde::<String>::decode(vec![0xff, 0xff]).is_err());
        let local = to_value(Serde(m.clone()));
        assert_eq!(
            view::<Serde<BTreeMap<String, Vec<u32>>>>(&local).unwrap().0,
            m
        );
        assert_eq!(
            from_value::<Serde<BTreeMap<String, Vec<u32>>>>(to_bytes(Serde(m.clone())))
                .unwrap()
                .0,
            m
        );
    }
}
