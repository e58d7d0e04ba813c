//! Colours of the timeline: one of 12 distinct colours per task function, chosen by a stable
//! hash of its name (the same function has the same colour in every picture), with the
//! functions of the legend moved off colours already taken by a bigger one; and the fixed
//! colours of everything else.

use crate::canvas::Rgb;
use std::collections::HashMap;

/// The function colours (Tableau-like: distinct hues, mid lightness, none grey, red, green or
/// black like the markers).
pub const FUNCTIONS: [Rgb; 12] = [
    [78, 121, 167],  // blue
    [242, 142, 43],  // orange
    [89, 161, 79],   // green
    [225, 87, 89],   // coral
    [118, 183, 178], // teal
    [237, 201, 72],  // yellow
    [176, 122, 161], // mauve
    [255, 157, 167], // pink
    [156, 117, 95],  // brown
    [140, 209, 125], // light green
    [73, 152, 148],  // dark teal
    [160, 203, 232], // light blue
];

pub const BACKGROUND: Rgb = [255, 255, 255];
/// The area of a lane.
pub const LANE: Rgb = [246, 246, 246];
/// `idle` events.
pub const IDLE: Rgb = [212, 212, 212];
/// The `primary task` bar.
pub const PRIMARY: Rgb = [70, 70, 70];
pub const TEXT: Rgb = [25, 25, 25];
pub const AXIS: Rgb = [60, 60, 60];
pub const SEPARATOR: Rgb = [170, 170, 170];
/// Communication lane: messages sent / received, other steal events.
pub const SEND: Rgb = [44, 82, 160];
pub const RECV: Rgb = [120, 170, 215];
pub const STEAL: Rgb = [150, 150, 150];
/// Markers: a remote spawn (`s` flow event on a worker lane), a steal served (victim), a
/// stolen task arriving (thief).
pub const SPAWN: Rgb = [0, 0, 0];
pub const SERVED: Rgb = [215, 0, 0];
pub const STOLEN: Rgb = [0, 140, 0];

/// `c` darkened for nesting depth `depth` (14% a level, at most 3 levels).
pub fn shade(c: Rgb, depth: u32) -> Rgb {
    let f = 1.0 - 0.14 * depth.min(3) as f32;
    c.map(|v| (v as f32 * f).round() as u8)
}

/// FNV-1a, 64 bits: a hash that does not change between runs or builds.
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The palette index of `name` by its hash alone.
pub fn hashed(name: &str) -> usize {
    (stable_hash(name) % FUNCTIONS.len() as u64) as usize
}

/// Colour choice: `ranked` (most time first) take their hashed colour unless one ranked
/// before took it, then the next free one; every other name its hashed colour.
pub struct Colours {
    chosen: HashMap<String, usize>,
}

impl Colours {
    pub fn new(ranked: &[&str]) -> Colours {
        let mut chosen = HashMap::new();
        let mut taken = [false; FUNCTIONS.len()];
        for name in ranked {
            let mut k = hashed(name);
            if taken.iter().all(|&t| t) {
                break;
            }
            while taken[k] {
                k = (k + 1) % FUNCTIONS.len();
            }
            taken[k] = true;
            chosen.insert(name.to_string(), k);
        }
        Colours { chosen }
    }

    pub fn of(&self, name: &str) -> Rgb {
        FUNCTIONS[self
            .chosen
            .get(name)
            .copied()
            .unwrap_or_else(|| hashed(name))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_stable_and_distinct_for_the_ranked() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        let names: Vec<String> = (0..12).map(|k| format!("f{k}")).collect();
        let ranked: Vec<&str> = names.iter().map(String::as_str).collect();
        let c = Colours::new(&ranked);
        let mut seen: Vec<Rgb> = ranked.iter().map(|n| c.of(n)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 12);
        assert_eq!(Colours::new(&[]).of("x"), FUNCTIONS[hashed("x")]);
        assert_eq!(shade([100, 200, 0], 0), [100, 200, 0]);
        assert_eq!(shade([100, 200, 0], 1), [86, 172, 0]);
    }
}
