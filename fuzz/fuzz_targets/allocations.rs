//! Fuzz target: arbitrary bytes through Oracle's EXAUNIT_ALLOCATIONS decoder, grammar and
//! property checks, with a serialise/parse round trip (`dbaas_sim::fuzzing::allocations_one`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dbaas_sim::fuzzing::allocations_one(data);
});
