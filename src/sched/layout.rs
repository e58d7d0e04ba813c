//! How workers are spread over the nodes of the job: global worker ids are rank-major.

/// How workers are spread over the nodes: global ids are rank-major.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// This process's rank.
    pub(crate) node: usize,
    /// Workers per node.
    pub(crate) workers: Vec<usize>,
    /// Global id of each node's worker 0 (prefix sums of `workers`).
    pub(crate) first: Vec<usize>,
    /// Workers on all nodes.
    pub(crate) total: usize,
}

impl Layout {
    /// From the worker count of every node.
    pub(crate) fn new(node: usize, workers: Vec<usize>) -> Layout {
        let mut first = Vec::with_capacity(workers.len());
        let mut total = 0;
        for &w in &workers {
            first.push(total);
            total += w;
        }
        Layout {
            node,
            workers,
            first,
            total,
        }
    }

    /// The node and local index of global worker `g` (< total).
    pub(crate) fn locate(&self, g: usize) -> (usize, usize) {
        let node = self.first.partition_point(|&f| f <= g) - 1;
        (node, g - self.first[node])
    }

    /// The global id of this node's worker `local`.
    pub(crate) fn global(&self, local: usize) -> usize {
        self.first[self.node] + local
    }

    /// Number of nodes.
    pub(crate) fn nodes(&self) -> usize {
        self.workers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_maps_global_ids_rank_major() {
        let l = Layout::new(1, vec![2, 1, 3]);
        assert_eq!(l.total, 6);
        assert_eq!(l.first, vec![0, 2, 3]);
        let got: Vec<_> = (0..6).map(|g| l.locate(g)).collect();
        assert_eq!(got, vec![(0, 0), (0, 1), (1, 0), (2, 0), (2, 1), (2, 2)]);
        assert_eq!(l.global(0), 2);
    }
}
