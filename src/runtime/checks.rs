//! Start-up checks across the nodes (collectives, before the communication thread starts):
//! every node runs the same executable and registered the same task functions in the same
//! order, since functions and broadcast variables travel as their place in the executable or
//! their registration index.

use crate::error::fatal;
use crate::mpi::{self, World};
use crate::symbol;
use std::time::Duration;

/// Refuses to run when the nodes run different programs (task functions and broadcast
/// variables are identified by their place in the executable).
pub(super) fn check_same_executable(world: &World) {
    let all = mpi::allgather_u64(world, symbol::executable_fingerprint());
    if let Some(other) = all.iter().position(|&f| f != all[0]) {
        if world.rank == other || world.rank == 0 {
            fatal(
                "torc_init",
                format_args!(
                    "node {other} runs a different executable than node 0 (this is node {}, \
                     running {}); all nodes must run the same program",
                    world.rank,
                    symbol::executable_path()
                ),
            );
        }
        // The reporting nodes stop the job; wait for that.
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// Refuses to run when the nodes registered different task functions, or the same ones in
/// another order (registered functions travel as their index: the wrong one would run).
/// Compares every node's list of (module, offset) with node 0's; node 0 names the first
/// difference.
pub(super) fn check_same_registrations(world: &World, registered: &[usize]) {
    let ids: Vec<(u64, u64)> = registered
        .iter()
        .map(|&f| symbol::to_portable(f).unwrap_or((u64::MAX, f as u64)))
        .collect();
    let mut digest = Vec::with_capacity(16 * ids.len() + 8);
    digest.extend_from_slice(&(ids.len() as u64).to_ne_bytes());
    for (k, o) in &ids {
        digest.extend_from_slice(&k.to_ne_bytes());
        digest.extend_from_slice(&o.to_ne_bytes());
    }
    let all = mpi::allgather_u64(world, symbol::fnv1a(&digest));
    if all.iter().all(|&d| d == all[0]) {
        return;
    }
    // Rare: exchange the lists themselves, one entry per round, to name the first difference.
    let counts = mpi::allgather_u64(world, ids.len() as u64);
    let longest = counts.iter().copied().max().unwrap_or(0) as usize;
    let mut lists: Vec<Vec<(u64, u64)>> = vec![Vec::new(); world.size];
    for i in 0..longest {
        let (k, o) = ids.get(i).copied().unwrap_or((0, 0));
        let keys = mpi::allgather_u64(world, k);
        let offs = mpi::allgather_u64(world, o);
        for n in 0..world.size {
            if (i as u64) < counts[n] {
                lists[n].push((keys[n], offs[n]));
            }
        }
    }
    if world.rank == 0 {
        let describe = |id: Option<&(u64, u64)>| match id {
            None => "nothing".to_string(),
            Some(&(k, o)) => match symbol::from_portable(k, o) {
                Some(addr) => symbol::describe_code(addr),
                None => format!("offset {o:#x} of module {k:#x}"),
            },
        };
        let first = (1..world.size)
            .flat_map(|n| (0..longest).map(move |i| (i, n)))
            .find(|&(i, n)| lists[n].get(i) != lists[0].get(i));
        if let Some((i, n)) = first {
            fatal(
                "torc_init",
                format_args!(
                    "node {n} registered task function #{i} as {}, node 0 as {} ({} and {} \
                     registered); every node must call torc_register_task for the same \
                     functions in the same order",
                    describe(lists[n].get(i)),
                    describe(lists[0].get(i)),
                    counts[n],
                    counts[0]
                ),
            );
        }
    }
    // Node 0 stops the job; wait for that.
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}
