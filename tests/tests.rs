//! The one integration-test binary: black-box tests over real HTTP, each test on its own
//! simulator on 127.0.0.1:0 with the manual clock.

mod support;

// Core: control API, clock, journal, metrics, config, library, CLI.
mod core;
// The dbaas-sim binary: serve's flags, first stdout line, signals, exit codes.
mod cli;
// ClickHouse Cloud: services, state machine, validation, auth, backups, organization.
mod clickhouse;
// Fault rules: every action and schedule kind over real HTTP, precedence, resource faults.
mod faults;
// YAML scenarios: examples, the runner, schema errors, determinism.
mod scenarios;
// Oracle My Services (Exadata Cloud@Customer): seed flow, auth, discovery, validation rows, payloads, ECRA.
mod oracle;
// The provider seam: every registered provider answers the core's questions alike.
mod seam;
// Fujitsu DBaaS: token auth, instances, restores, validation, the state table, dispatch, tenants, chaos.
mod fujitsu;
// Every served route of every provider: credentials and tenant isolation.
mod routes;
// The dashboard's server side: /_sim/ui assets and the /_sim/events stream.
mod ui;
// Hardening: the control API's network rules, secrets as digests, connection bounds, wire fixes.
mod hardening;
// Durable and bounded: the state dump's format, safe restores, long advances, capped histories.
mod durability;
// The README: every shell block runs as written, the endpoint tables, the library example.
mod readme;
