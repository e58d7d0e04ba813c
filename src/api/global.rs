//! Values shared with every node: a `static` [`Global`] set on one node and [`broadcast`] to
//! the same static on all the others.

use super::args::In;
use super::data::Data;
use super::error::Error;
use super::place::Place;
use super::run::running_node;
use super::scope::scope;
use crate::symbol;
use parking_lot::Mutex;

/// A global value of plain data, for a `static`: read and set on any node, copied to all
/// nodes by [`broadcast`].
pub struct Global<T: Data> {
    value: Mutex<T>,
}

impl<T: Data> Global<T> {
    /// A global with an initial value (usable in a `static`).
    pub const fn new(v: T) -> Global<T> {
        Global {
            value: Mutex::new(v),
        }
    }

    /// The value on this node.
    pub fn get(&self) -> T {
        *self.value.lock()
    }

    /// Sets the value on this node.
    pub fn set(&self, v: T) {
        *self.value.lock() = v;
    }
}

fn apply<T: Data>(loc: &[u64; 2], v: &T) {
    let addr = symbol::from_portable(loc[0], loc[1]).expect("the same program runs on every node");
    // SAFETY: all nodes run the same executable (checked at start), so the portable location
    // of a `static Global<T>` names the same static here.
    let g = unsafe { &*(addr as *const Global<T>) };
    g.set(*v);
}

/// Copies `global`'s value on this node to the same static on every other node; done on
/// return. Must be called from a task; it also waits for the caller's other children.
pub fn broadcast<T: Data>(global: &'static Global<T>) -> Result<(), Error> {
    let node = running_node().ok_or(Error::NotRunning)?;
    let addr = global as *const Global<T> as usize;
    let (key, off) = symbol::to_portable(addr).ok_or(Error::Config(format!(
        "broadcast: {addr:#x} is not a static of a loaded module"
    )))?;
    let loc = [key, off];
    let v = global.get();
    let me = node.layout.node;
    let firsts: Vec<usize> = (0..node.layout.nodes())
        .filter(|&n| n != me)
        .map(|n| node.layout.first[n])
        .collect();
    scope(|s| {
        for w in firsts {
            s.spawn_direct(Place::Worker(w), apply::<T>, (In(&loc), In(&v)));
        }
    })
}
