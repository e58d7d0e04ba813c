//! An RGB pixel buffer with the few drawing operations of the timeline: filled rectangles,
//! lines, small triangles and text. Coordinates are signed and clipped to the image.

use crate::font;

/// A colour.
pub type Rgb = [u8; 3];

pub struct Canvas {
    pub width: u32,
    pub height: u32,
    /// `width * height` pixels, 3 bytes each, rows top to bottom.
    pub pixels: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with `background`.
    pub fn new(width: u32, height: u32, background: Rgb) -> Canvas {
        let n = width as usize * height as usize;
        let mut pixels = Vec::with_capacity(n * 3);
        for _ in 0..n {
            pixels.extend_from_slice(&background);
        }
        Canvas {
            width,
            height,
            pixels,
        }
    }

    /// The colour at `(x, y)`.
    #[cfg(test)]
    pub fn get(&self, x: u32, y: u32) -> Rgb {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// Fills `x0 <= x < x1`, `y0 <= y < y1`.
    pub fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb) {
        let (w, h) = (self.width as i64, self.height as i64);
        let (x0, x1) = (x0.clamp(0, w), x1.clamp(0, w));
        let (y0, y1) = (y0.clamp(0, h), y1.clamp(0, h));
        if x0 >= x1 {
            return;
        }
        for y in y0..y1 {
            let row = (y * w) as usize * 3;
            for px in self.pixels[row + x0 as usize * 3..row + x1 as usize * 3].chunks_exact_mut(3)
            {
                px.copy_from_slice(&c);
            }
        }
    }

    /// One pixel.
    pub fn dot(&mut self, x: i64, y: i64, c: Rgb) {
        self.fill(x, y, x + 1, y + 1, c);
    }

    /// A triangle with its tip at `(x, tip_y)` and its base `height` pixels away (below when
    /// `height > 0`, above when negative), `2 * |height| - 1` pixels wide at the base.
    pub fn triangle(&mut self, x: i64, tip_y: i64, height: i64, c: Rgb) {
        let step = height.signum();
        for k in 0..height.abs() {
            let y = tip_y + k * step;
            self.fill(x - k, y, x + k + 1, y + 1, c);
        }
    }

    /// Draws `text` with its top left corner at `(x, y)`; returns the width drawn.
    pub fn text(&mut self, x: i64, y: i64, text: &str, c: Rgb) -> i64 {
        let mut cx = x;
        for ch in text.chars() {
            for (row, bits) in font::glyph(ch).iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        self.dot(cx + col, y + row as i64, c);
                    }
                }
            }
            cx += font::SIZE;
        }
        cx - x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_clipped_shapes_and_text() {
        let mut c = Canvas::new(20, 10, [255; 3]);
        c.fill(-5, -5, 3, 2, [1, 2, 3]);
        assert_eq!(c.get(0, 0), [1, 2, 3]);
        assert_eq!(c.get(2, 1), [1, 2, 3]);
        assert_eq!(c.get(3, 1), [255; 3]);
        c.fill(18, 8, 40, 40, [9; 3]);
        assert_eq!(c.get(19, 9), [9; 3]);
        c.triangle(10, 2, 3, [0; 3]);
        assert_eq!(c.get(10, 2), [0; 3]);
        assert_eq!(c.get(8, 4), [0; 3]);
        assert_eq!(c.get(8, 3), [255; 3]);
        assert_eq!(c.text(0, 2, "A", [7; 3]), 8);
        assert!((0..8).any(|x| (2..10).any(|y| c.get(x, y) == [7; 3])));
    }
}
