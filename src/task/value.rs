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
        bytes.0[..b.len()].copy_from_slice(b);
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
    fn values_become_bytes() {
        assert!(Value::Empty.wire_bytes().is_none());
        let v = Value::inline(&7u64.to_ne_bytes());
        assert_eq!(v.wire_bytes().unwrap().as_ref(), &7u64.to_ne_bytes());
        assert_eq!(Value::Bytes(vec![1, 2]).into_bytes(), vec![1, 2]);
        assert_eq!(Value::Empty.into_bytes(), Vec::<u8>::new());
    }
}
