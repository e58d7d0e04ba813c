//! Opaque values a task carries besides its C arguments: its input payload and its result.
//!
//! A value made on this node stays the object it is ([`Value::Object`], or a small plain value
//! held inline) and is handed to whoever takes it without a copy or an encoding; it is turned
//! into bytes only when it must leave the node (`comm/wire`), where it arrives as
//! [`Value::Bytes`], received straight into its final buffer.

use std::any::Any;
use std::borrow::Cow;

/// Bytes a small plain value may have to be held inline, without an allocation.
pub(crate) const INLINE: usize = 16;

/// An object of this process that can be encoded to travel to another node.
pub(crate) trait Portable: Send {
    /// The bytes another node decodes it from: borrowed when the object is plain bytes in
    /// memory already (then they are sent from where they are), else encoded now.
    fn encode(&self) -> Cow<'_, [u8]>;
    /// The object itself, for the receiver to downcast.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
    /// A reference to the object, for the receiver to downcast.
    fn as_any(&self) -> &(dyn Any + Send);
}

/// Copies `src` to `dst` (of the same length): for at most 16 bytes with two overlapping word
/// moves instead of a call of `memcpy` (the path of every small result).
#[inline]
pub(crate) fn copy_small(src: &[u8], dst: &mut [u8]) {
    let n = src.len();
    assert_eq!(n, dst.len());
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    // SAFETY: in each arm, every read and write below lies inside the n bytes of `src` /
    // `dst` (the two moves of an arm overlap when n is not twice the word size); the moves
    // are unaligned ones.
    unsafe {
        match n {
            8..=16 => {
                let (a, b) = (
                    s.cast::<u64>().read_unaligned(),
                    s.add(n - 8).cast::<u64>().read_unaligned(),
                );
                d.cast::<u64>().write_unaligned(a);
                d.add(n - 8).cast::<u64>().write_unaligned(b);
            }
            4..=7 => {
                let (a, b) = (
                    s.cast::<u32>().read_unaligned(),
                    s.add(n - 4).cast::<u32>().read_unaligned(),
                );
                d.cast::<u32>().write_unaligned(a);
                d.add(n - 4).cast::<u32>().write_unaligned(b);
            }
            _ => dst.copy_from_slice(src),
        }
    }
}

/// 16 bytes, 16-aligned: room for a small plain value of any alignment up to 16.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub(crate) struct InlineBytes(pub(crate) [u8; INLINE]);

/// A task's input payload or result.
#[derive(Default)]
pub(crate) enum Value {
    /// Nothing.
    #[default]
    Empty,
    /// A plain value of `len` bytes, inline.
    Inline {
        /// Bytes used.
        len: u8,
        /// The bytes.
        bytes: InlineBytes,
    },
    /// An object of this process.
    Object(Box<dyn Portable>),
    /// Bytes: from another node, or a C task's result buffer.
    Bytes(Vec<u8>),
}

impl Value {
    /// A small plain value held inline (`b.len() <= INLINE`).
    pub(crate) fn inline(b: &[u8]) -> Value {
        debug_assert!(b.len() <= INLINE);
        let mut bytes = InlineBytes::default();
        copy_small(b, &mut bytes.0[..b.len()]);
        Value::Inline {
            len: b.len() as u8,
            bytes,
        }
    }

    /// Whether there is nothing.
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }

    /// The bytes to send to another node (none for `Empty`).
    pub(crate) fn wire_bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Value::Empty => None,
            Value::Inline { len, bytes } => Some(Cow::Borrowed(&bytes.0[..*len as usize])),
            Value::Object(o) => Some(o.encode()),
            Value::Bytes(b) => Some(Cow::Borrowed(b)),
        }
    }

    /// Its length in bytes where that is known without encoding it (an object not yet
    /// encoded counts 0).
    pub(crate) fn known_len(&self) -> usize {
        match self {
            Value::Inline { len, .. } => *len as usize,
            Value::Bytes(b) => b.len(),
            Value::Empty | Value::Object(_) => 0,
        }
    }

    /// Before the value is encoded into a message: an object whose encoding is not its own
    /// memory becomes those bytes, so that they can be sent from where they are, kept with
    /// the task until the send completed.
    pub(crate) fn settle_for_wire(&mut self) {
        if let Value::Object(o) = self {
            if let Cow::Owned(b) = o.encode() {
                *self = Value::Bytes(b);
            }
        }
    }

    /// The value as bytes (encoding an object): for C, which reads results as bytes.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        match self {
            Value::Empty => Vec::new(),
            Value::Bytes(b) => b,
            other => other.wire_bytes().map(Cow::into_owned).unwrap_or_default(),
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Empty => write!(f, "Empty"),
            Value::Inline { len, .. } => write!(f, "Inline({len} bytes)"),
            Value::Object(_) => write!(f, "Object"),
            Value::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_copies_copy_every_length() {
        let src: Vec<u8> = (1..=40).collect();
        for n in 0..=40 {
            let mut dst = vec![0u8; n];
            copy_small(&src[..n], &mut dst);
            assert_eq!(dst, &src[..n], "{n} bytes");
        }
    }

    #[test]
    fn values_become_bytes() {
        assert!(Value::Empty.wire_bytes().is_none());
        let v = Value::inline(&7u64.to_ne_bytes());
        assert_eq!(v.wire_bytes().unwrap().as_ref(), &7u64.to_ne_bytes());
        assert_eq!(Value::Bytes(vec![1, 2]).into_bytes(), vec![1, 2]);
        assert_eq!(Value::Empty.into_bytes(), Vec::<u8>::new());
    }
}
