//! The pieces every message is made of (see the table of `mod.rs`): words and padded blocks
//! written ([`Writer`]) and read ([`Reader`]), an encoded message with the large blocks that
//! follow it ([`Encoded`]), and how a large block is cut into DATA messages ([`pieces`]).

/// Builds a message.
#[derive(Default)]
pub(crate) struct Writer {
    /// The bytes so far.
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    /// An empty message with room for `cap` bytes.
    pub(crate) fn with_capacity(cap: usize) -> Writer {
        Writer {
            buf: Vec::with_capacity(cap),
        }
    }
    /// Appends a u64 (native byte order: all nodes share one architecture).
    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_ne_bytes());
        self
    }
    /// Appends raw bytes, then zeroes up to the next multiple of 16.
    pub(crate) fn block(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self.pad16();
        self
    }
    /// Zero-pads to a multiple of 16 bytes.
    pub(crate) fn pad16(&mut self) {
        let n = self.buf.len().next_multiple_of(16);
        self.buf.resize(n, 0);
    }
}

/// Reads a message.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads `buf` from the start.
    pub(crate) fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }
    /// The next u64.
    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        let b = self
            .buf
            .get(self.pos..self.pos + 8)
            .ok_or("message too short")?;
        self.pos += 8;
        Ok(u64::from_ne_bytes(b.try_into().expect("8 bytes")))
    }
    /// The next `n` bytes and the offset where they start; skips the padding after them.
    pub(crate) fn block(&mut self, n: usize) -> Result<(usize, &'a [u8]), String> {
        let start = self.pos;
        let b = self.buf.get(start..start + n).ok_or("message too short")?;
        self.pos = (start + n).next_multiple_of(16);
        Ok((start, b))
    }
}

pub(crate) use crate::task::args::OUT_OF_LINE;

/// A large block travels in DATA messages of at most this many bytes (MPI counts are `int`).
pub(super) const DATA_PIECE: usize = 1 << 30;

/// The (offset, length) pieces in which a block of `len` bytes travels, in order; sender and
/// receiver cut it the same way.
pub(crate) fn pieces(len: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..len.div_ceil(DATA_PIECE).max(1)).map(move |i| {
        let off = i * DATA_PIECE;
        (off, (len - off).min(DATA_PIECE))
    })
}

/// In an argument record's call-way word: the data follows in a DATA message.
pub(super) const OOL_WAY: u64 = 0x100;
/// In a write-back entry's size word: the data follows in a DATA message.
pub(super) const OOL_BYTES: u64 = 1 << 63;

/// An encoded message: its body, and the (address, length) of large blocks to send after it
/// as DATA messages, in order.
#[derive(Default)]
pub(crate) struct Encoded {
    /// The message itself.
    pub(crate) body: Vec<u8>,
    /// Large data blocks, sent from where they are.
    pub(crate) blocks: Vec<(usize, usize)>,
}
