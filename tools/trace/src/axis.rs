//! The time axis: tick positions at round steps (1, 2, 2.5 or 5 times a power of ten seconds)
//! spaced so that their labels (`0.250s`) do not collide.

use crate::font;

/// A tick: its time (microseconds, the trace's clock) and label (seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub t_us: f64,
    pub label: String,
}

/// Ticks over `[start_us, end_us]` for an axis `plot_px` pixels long.
pub fn ticks(start_us: f64, end_us: f64, plot_px: i64) -> Vec<Tick> {
    let (a, b) = (start_us / 1e6, end_us / 1e6);
    let range = if b > a { b - a } else { 1e-6 };
    let mut most = (plot_px / 60).max(2);
    loop {
        let step = nice(range / most as f64);
        let decimals = decimals(step);
        let first = (a / step - 1e-9).ceil() as i64;
        let last = (a.max(b) / step + 1e-9).floor() as i64;
        let ticks: Vec<Tick> = (first..=last)
            .map(|k| {
                let t = k as f64 * step;
                Tick {
                    t_us: t * 1e6,
                    label: format!("{:.*}s", decimals, t),
                }
            })
            .collect();
        let widest = ticks
            .iter()
            .map(|t| font::width(&t.label))
            .max()
            .unwrap_or(0);
        let spacing = plot_px as f64 * step / range;
        if most <= 2 || widest as f64 + 16.0 <= spacing {
            return ticks;
        }
        most -= 1;
    }
}

/// The round step at or above `raw` seconds.
fn nice(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Decimals that show every multiple of `step` exactly, at least 3 (`0.250s`).
fn decimals(step: f64) -> usize {
    let mut d = (-step.log10()).ceil().max(0.0) as usize;
    while d < 12 {
        let scaled = step * 10f64.powi(d as i32);
        if (scaled - scaled.round()).abs() < 1e-6 {
            break;
        }
        d += 1;
    }
    d.max(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_steps_and_labels() {
        let t = ticks(0.0, 1e6, 600);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels.first(), Some(&"0.000s"));
        assert_eq!(labels.last(), Some(&"1.000s"));
        assert_eq!(labels.len(), 6, "{labels:?}");
        assert_eq!(nice(0.22), 0.25);
        assert_eq!(decimals(0.25), 3);
        assert_eq!(decimals(0.000025), 6);
        // 100 us over 1000 px: steps of 10 us, labels with 5 decimals.
        let t = ticks(0.0, 100.0, 1000);
        assert!(t.len() >= 3 && t.len() <= 11, "{t:?}");
        assert!(t.iter().all(|t| t.label.len() == "0.00001s".len()), "{t:?}");
        // Labels never collide.
        for w in t.windows(2) {
            let px = (w[1].t_us - w[0].t_us) / 100.0 * 1000.0;
            assert!(px >= font::width(&w[0].label) as f64 + 16.0);
        }
    }
}
