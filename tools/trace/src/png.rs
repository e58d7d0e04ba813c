//! A minimal PNG encoder: 8-bit RGB, no interlacing, every row with filter type 0 (none),
//! the image data one zlib stream (miniz_oxide). The chunks (`IHDR`, `IDAT`, `IEND`) and
//! their CRC-32 are written here.

/// The 8 bytes every PNG file starts with.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Encodes `rgb` (`width * height` pixels, 3 bytes each, rows top to bottom) as a PNG file.
pub fn encode(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let row = width as usize * 3;
    assert_eq!(rgb.len(), row * height as usize, "pixel buffer size");
    let mut raw = Vec::with_capacity((row + 1) * height as usize);
    for line in rgb.chunks_exact(row.max(1)).take(height as usize) {
        raw.push(0); // filter: none
        raw.extend_from_slice(line);
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 2 (RGB), compression 0, filter method 0, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);

    let mut out = SIGNATURE.to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Appends one chunk: length, type, data, CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&[kind.as_slice(), data]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (ISO 3309, the polynomial 0xEDB88320 reflected) over the concatenation of `parts`.
pub fn crc32(parts: &[&[u8]]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (n, slot) in t.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    let mut crc = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            crc = table[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
        }
    }
    crc ^ 0xFFFF_FFFF
}

/// Decoding what [`encode`] writes (RGB, 8 bits, filter 0), for the tests: checks the
/// signature, every chunk's CRC and the zlib stream.
#[cfg(test)]
pub fn decode(png: &[u8]) -> Result<(u32, u32, Vec<u8>), String> {
    if png.get(..8) != Some(&SIGNATURE[..]) {
        return Err("no PNG signature".into());
    }
    let (mut pos, mut size, mut idat) = (8, None, Vec::new());
    loop {
        let head = png.get(pos..pos + 8).ok_or("truncated chunk header")?;
        let len = u32::from_be_bytes(head[..4].try_into().unwrap()) as usize;
        let kind = &head[4..8];
        let data = png.get(pos + 8..pos + 8 + len).ok_or("truncated chunk")?;
        let crc = png.get(pos + 8 + len..pos + 12 + len).ok_or("no CRC")?;
        if crc32(&[kind, data]).to_be_bytes() != crc {
            return Err(format!("bad CRC in {}", String::from_utf8_lossy(kind)));
        }
        pos += 12 + len;
        match kind {
            b"IHDR" => {
                let w = u32::from_be_bytes(data[..4].try_into().unwrap());
                let h = u32::from_be_bytes(data[4..8].try_into().unwrap());
                if data[8..] != [8, 2, 0, 0, 0] {
                    return Err(format!("unsupported IHDR {:?}", &data[8..]));
                }
                size = Some((w, h));
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
    }
    let (w, h) = size.ok_or("no IHDR")?;
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat)
        .map_err(|e| format!("bad zlib stream: {e:?}"))?;
    let row = w as usize * 3;
    if raw.len() != (row + 1) * h as usize {
        return Err(format!("{} bytes of image data for {w}x{h}", raw.len()));
    }
    let mut rgb = Vec::with_capacity(row * h as usize);
    for line in raw.chunks_exact(row + 1) {
        if line[0] != 0 {
            return Err(format!("filter type {}", line[0]));
        }
        rgb.extend_from_slice(&line[1..]);
    }
    Ok((w, h, rgb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(&[b"1234", b"56789"]), 0xCBF4_3926);
        // The CRC of an IEND chunk, as in every PNG file.
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
    }

    #[test]
    fn encodes_and_decodes_back() {
        let (w, h) = (5u32, 3u32);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 256) as u8).collect();
        let png = encode(w, h, &rgb);
        assert_eq!(decode(&png).unwrap(), (w, h, rgb));
    }
}
