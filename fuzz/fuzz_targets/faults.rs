//! Fuzz target: arbitrary bytes as the body of `POST /_sim/faults` (the fault-rule
//! parser and validator), then requests the rules may match (`dbaas_sim::fuzzing::faults_one`).
//!
//! One simulator per process, reset every `RESET_EVERY` inputs so memory stays bounded.

#![no_main]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use dbaas_sim::Handle;
use libfuzzer_sys::fuzz_target;

const RESET_EVERY: usize = 200;

static HANDLE: OnceLock<Handle> = OnceLock::new();
static RUNS: AtomicUsize = AtomicUsize::new(0);

fuzz_target!(|data: &[u8]| {
    let handle = HANDLE.get_or_init(dbaas_sim::fuzzing::simulator);
    if RUNS.fetch_add(1, Ordering::Relaxed) % RESET_EVERY == RESET_EVERY - 1 {
        handle.reset();
    }
    dbaas_sim::fuzzing::faults_one(handle, data);
});
