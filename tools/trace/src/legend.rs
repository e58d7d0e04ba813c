//! The legend under the time axis: swatches with their text, laid out left to right and
//! wrapped at the image's width.

use crate::canvas::{Canvas, Rgb};
use crate::font;

/// Height of one legend row, pixels.
pub const ROW: i64 = 13;

/// How an entry's sample is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    /// A filled box (a colour of the lanes).
    Box(Rgb),
    /// A thin bar (the primary task).
    Bar(Rgb),
    /// A triangle pointing down / up (markers).
    Down(Rgb),
    Up(Rgb),
    /// No sample: a heading (starts a line).
    None,
    /// No sample, in line with the others.
    Text,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub swatch: Swatch,
    pub text: String,
}

/// Positions `(x, row)` of `entries` in lines `[x0, x1)`; a heading (`Swatch::None`) starts a
/// new line unless it is the first entry.
pub fn layout(entries: &[Entry], x0: i64, x1: i64) -> Vec<(i64, i64)> {
    let (mut x, mut row) = (x0, 0);
    let mut out = Vec::with_capacity(entries.len());
    for (k, e) in entries.iter().enumerate() {
        let w = entry_width(e);
        let heading = matches!(e.swatch, Swatch::None);
        if k > 0 && (heading || x + w > x1) && x > x0 {
            x = x0;
            row += 1;
        }
        out.push((x, row));
        x += w + 14;
    }
    out
}

/// Rows used by a layout.
pub fn rows(positions: &[(i64, i64)]) -> i64 {
    positions.last().map_or(0, |&(_, r)| r + 1)
}

fn entry_width(e: &Entry) -> i64 {
    let sample = if matches!(e.swatch, Swatch::None) {
        0
    } else {
        14
    };
    sample + font::width(&e.text)
}

/// Draws `entries` at `positions` (from [`layout`]) with row 0 at `y`.
pub fn draw(c: &mut Canvas, entries: &[Entry], positions: &[(i64, i64)], y: i64, text: Rgb) {
    for (e, &(x, row)) in entries.iter().zip(positions) {
        let top = y + row * ROW;
        let tx = match e.swatch {
            Swatch::None | Swatch::Text => x,
            Swatch::Box(col) => {
                c.fill(x, top, x + 10, top + 8, col);
                x + 14
            }
            Swatch::Bar(col) => {
                c.fill(x, top + 5, x + 10, top + 8, col);
                x + 14
            }
            Swatch::Down(col) => {
                c.triangle(x + 5, top + 7, -6, col);
                x + 14
            }
            Swatch::Up(col) => {
                c.triangle(x + 5, top + 1, 6, col);
                x + 14
            }
        };
        c.text(tx, top, &e.text, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_lines_and_starts_headings_on_new_lines() {
        let e = |s: Swatch, t: &str| Entry {
            swatch: s,
            text: t.to_string(),
        };
        let entries = [
            e(Swatch::None, "fn:"),
            e(Swatch::Box([1; 3]), "aaaa"),
            e(Swatch::Box([2; 3]), "bbbb"),
            e(Swatch::None, "marks:"),
            e(Swatch::Up([3; 3]), "c"),
        ];
        // "fn:" 24 px, then 14 + 32 px entries: the second one no longer fits in 100 px.
        let pos = layout(&entries, 0, 100);
        assert_eq!(pos, vec![(0, 0), (38, 0), (0, 1), (0, 2), (62, 2)]);
        assert_eq!(rows(&pos), 3);
    }
}
