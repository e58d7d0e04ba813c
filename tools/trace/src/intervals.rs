//! Unions of time intervals: how long a set of (possibly nested or overlapping) spans covers,
//! and the gaps between them.

/// The union of `spans` as disjoint `(start, end)` intervals, ascending. Touching intervals
/// merge.
pub fn union(mut spans: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(spans.len().min(1024));
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The total length of disjoint intervals.
pub fn length(intervals: &[(f64, f64)]) -> f64 {
    intervals.iter().fold(0.0, |sum, (a, b)| sum + (b - a))
}

/// The gaps between consecutive disjoint intervals (not before the first or after the last).
pub fn gaps(intervals: &[(f64, f64)]) -> Vec<(f64, f64)> {
    intervals
        .windows(2)
        .map(|w| (w[0].1, w[1].0))
        .filter(|(a, b)| b > a)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_merges_nested_overlapping_and_touching_spans() {
        let u = union(vec![
            (5.0, 6.0),
            (0.0, 10.0),
            (2.0, 3.0),
            (10.0, 12.0),
            (20.0, 25.0),
        ]);
        assert_eq!(u, vec![(0.0, 12.0), (20.0, 25.0)]);
        assert_eq!(length(&u), 17.0);
        assert_eq!(gaps(&u), vec![(12.0, 20.0)]);
        assert!(union(Vec::new()).is_empty());
    }
}
