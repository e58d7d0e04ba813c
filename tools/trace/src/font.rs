//! Text glyphs: the public-domain 8x8 bitmap font of the `font8x8` crate (its ASCII part).
//! Each glyph is 8 rows of 8 bits, bit 0 the leftmost pixel; the glyphs carry their own
//! spacing, so text advances 8 pixels a character.

/// Width and height of a glyph, in pixels.
pub const SIZE: i64 = 8;

/// The rows of `c`'s glyph (`?` for characters outside printable ASCII).
pub fn glyph(c: char) -> [u8; 8] {
    let code = if (' '..='~').contains(&c) {
        c as usize
    } else {
        '?' as usize
    };
    font8x8::legacy::BASIC_LEGACY[code]
}

/// How wide `text` is when drawn, in pixels.
pub fn width(text: &str) -> i64 {
    text.chars().count() as i64 * SIZE
}

/// `text` cut to at most `max_px` pixels wide, ending in `~` when cut.
pub fn fit(text: &str, max_px: i64) -> String {
    let max = (max_px / SIZE).max(0) as usize;
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        s.push('~');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_have_ink_and_text_fits() {
        assert!(glyph('A').iter().any(|&r| r != 0));
        assert_eq!(glyph(' '), [0; 8]);
        assert_eq!(glyph('\u{e9}'), glyph('?'));
        assert_eq!(width("n0 w1"), 40);
        assert_eq!(fit("abcdef", 32), "abc~");
        assert_eq!(fit("abcd", 32), "abcd");
    }
}
