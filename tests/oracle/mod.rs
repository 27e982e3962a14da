//! Oracle My Services API tests, one file per family.

// The seed's end-to-end flow (entitlement → create → reshape → delete cluster → delete).
mod flow;
// Auth: Basic + X-ID-TENANT-NAME, bearer tokens, roles, rate limit (T01–T09).
mod auth;
// Read resources: definitions, entitlements, instances, catalogue, paging (G01–G08).
mod discovery;
// The POST envelope and the CREATE / UPDATE / DELETE attribute rows (T10–T17, C*, U*, X*).
mod validation;
// EXAUNIT_ALLOCATIONS: grammar edge cases and the P*, A01–A05, R01–R06, D01 rows.
mod allocations;
// Backend checks that fail the operation (A06–A15, R07–R11, D02–D03, X02).
mod backend;
// Operation / item / instance / cluster state machines, faults, knobs.
mod state_machine;
// Concurrency: BUSY, no lost updates.
mod concurrency;
// ECRA helper endpoints (E01, E02).
mod ecra;
// Property tests: serialized allocations come back as the same clusters.
mod properties;
// The chaos seam: /_sim/faults rules, failure states, state restore, scenario sections, OpenAPI.
mod chaos;
