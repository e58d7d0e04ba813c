//! Control messages on the wire: the framing of BIG announcements and BATCH bundles, and the
//! bodies of STEALING, QUERY_REPLY, STATS and BCAST.

use super::bytes::{Reader, Writer};
use std::os::raw::c_int;

/// BIG: announces a message of `len` bytes with tag `t` on the bulk communicator.
pub(crate) fn encode_big(t: c_int, len: usize) -> Vec<u8> {
    let mut w = Writer::with_capacity(16);
    w.u64(t as u64).u64(len as u64);
    w.buf
}

/// Parses a BIG: (tag, length) of the message that follows.
pub(crate) fn decode_big(body: &[u8]) -> Result<(c_int, usize), String> {
    let mut r = Reader::new(body);
    let t = r.u64()?;
    let len = r.u64()?;
    let t = c_int::try_from(t).map_err(|_| format!("BIG announces tag {t}"))?;
    Ok((t, len as usize))
}

/// BATCH: several messages for one node, each `(tag, body)`; `bytes` sizes the buffer.
pub(crate) fn encode_batch<'a>(
    msgs: impl Iterator<Item = (c_int, &'a [u8])>,
    bytes: usize,
) -> Vec<u8> {
    let mut w = Writer::with_capacity(bytes);
    for (t, body) in msgs {
        w.u64((t as u64) << 32 | body.len() as u64);
        w.pad16();
        w.block(body);
    }
    w.buf
}

/// The room a message of `len` bytes takes inside a BATCH.
pub(crate) const fn batch_room(len: usize) -> usize {
    16 + len.next_multiple_of(16)
}

/// Parses a BATCH: its messages `(tag, body)`, in order; an error ends the iteration.
pub(crate) fn decode_batch(body: &[u8]) -> impl Iterator<Item = Result<(c_int, &[u8]), String>> {
    let mut r = Reader::new(body);
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let head = r.u64().ok()?;
        let (t, len) = ((head >> 32) as c_int, (head & 0xffff_ffff) as usize);
        let b = r.block(0).and_then(|_| r.block(len)).map(|(_, b)| (t, b));
        failed = b.is_err();
        Some(b)
    })
}

/// STEALING: switch stealing on or off.
pub(crate) fn encode_stealing(on: bool) -> Vec<u8> {
    (on as u64).to_ne_bytes().to_vec()
}

/// Parses a STEALING.
pub(crate) fn decode_stealing(body: &[u8]) -> Result<bool, String> {
    Ok(Reader::new(body).u64()? != 0)
}

/// QUERY_REPLY: a node's (created, completed) detached tasks.
pub(crate) fn encode_counts(created: u64, completed: u64) -> Vec<u8> {
    let mut w = Writer::with_capacity(16);
    w.u64(created).u64(completed);
    w.buf
}

/// Parses a QUERY_REPLY.
pub(crate) fn decode_counts(body: &[u8]) -> Result<(u64, u64), String> {
    let mut r = Reader::new(body);
    Ok((r.u64()?, r.u64()?))
}

/// STATS: a node's statistics line.
pub(crate) fn encode_stats(line: &str) -> Vec<u8> {
    line.as_bytes().to_vec()
}

/// Parses a STATS (invalid UTF-8 is replaced, not refused: it is only printed).
pub(crate) fn decode_stats(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// Encodes a broadcast: (module key, offset) of the variable and its bytes.
pub(crate) fn encode_bcast(key: u64, offset: u64, data: &[u8]) -> Vec<u8> {
    let mut w = Writer::with_capacity(32 + data.len());
    w.u64(key).u64(offset).u64(data.len() as u64);
    w.pad16();
    w.block(data);
    w.buf
}

/// Decodes a broadcast.
pub(crate) fn decode_bcast(msg: &[u8]) -> Result<(u64, u64, &[u8]), String> {
    let mut r = Reader::new(msg);
    let (key, off, n) = (r.u64()?, r.u64()?, r.u64()? as usize);
    r.block(0)?;
    let (_, data) = r.block(n)?;
    Ok((key, off, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_messages_round_trip() {
        let m = encode_bcast(5, 64, &[1, 2, 3]);
        assert_eq!(decode_bcast(&m).unwrap(), (5, 64, &[1u8, 2, 3][..]));
        assert!(decode_bcast(&m[..10]).is_err());
    }

    #[test]
    fn control_bodies_round_trip() {
        assert_eq!(decode_big(&encode_big(5, 1 << 40)).unwrap(), (5, 1 << 40));
        assert!(decode_big(&encode_big(5, 1)[..8]).is_err());
        assert!(decode_stealing(&encode_stealing(true)).unwrap());
        assert!(!decode_stealing(&encode_stealing(false)).unwrap());
        assert_eq!(decode_counts(&encode_counts(7, 3)).unwrap(), (7, 3));
        assert!(decode_counts(&[0; 8]).is_err());
        assert_eq!(decode_stats(&encode_stats("node 1: x")), "node 1: x");
    }

    #[test]
    fn a_batch_keeps_its_messages_and_their_order() {
        let msgs: [(c_int, &[u8]); 3] = [(2, &[1, 2, 3]), (9, &[]), (1, &[7; 40])];
        let room = msgs.iter().map(|(_, b)| batch_room(b.len())).sum();
        let b = encode_batch(msgs.iter().copied(), room);
        assert_eq!(b.len(), room, "batch_room sizes the batch exactly");
        let got: Vec<_> = decode_batch(&b).collect::<Result<_, _>>().unwrap();
        assert_eq!(got, msgs.to_vec());
        // A cut batch reports the damage once and stops.
        let cut: Vec<_> = decode_batch(&b[..b.len() - 20]).collect();
        assert_eq!(cut.len(), 3);
        assert!(cut[2].is_err() && cut[..2].iter().all(Result::is_ok));
    }
}
