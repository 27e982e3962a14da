//! Fuzz target: arbitrary bytes → a few requests through the simulator's request path
//! (`dbaas_sim::fuzzing::run_one` decodes and checks; see its docs for the input format).
//!
//! One simulator per process, reset every `RESET_EVERY` inputs so memory stays bounded
//! while state still carries across inputs (a create in one input, a delete in another).

#![no_main]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use dbaas_sim::Handle;
use libfuzzer_sys::fuzz_target;

const RESET_EVERY: usize = 500;

static HANDLE: OnceLock<Handle> = OnceLock::new();
static RUNS: AtomicUsize = AtomicUsize::new(0);

fuzz_target!(|data: &[u8]| {
    let handle = HANDLE.get_or_init(dbaas_sim::fuzzing::simulator);
    if RUNS.fetch_add(1, Ordering::Relaxed) % RESET_EVERY == RESET_EVERY - 1 {
        handle.reset();
    }
    dbaas_sim::fuzzing::run_one(handle, data);
});
