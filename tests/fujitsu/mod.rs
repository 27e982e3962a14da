//! Fujitsu DBaaS API tests, written from the seed (`001_d8dce1e49d487248.txt`, cited by
//! line) rather than from the provider's code, one file per concern.

// Token auth: password and IaaS token, precedence, 401s, expiry on the simulated clock (1.8, 1.1.5).
mod auth;
// Instance happy paths and response fields: create, show, list, modify, delete, actions, flavors, engines.
mod instances;
// Restore from a DB snapshot, point-in-time recovery, read replicas (1.2.2.4, 1.2.2.5, 1.2.2.12).
mod restores;
// Every validation rule broken once: the native error naming the field, and nothing changed.
mod validation;
// The seed's state × operation table (lines 247–272), every cell over HTTP.
mod state_machine;
// Shared method+path dispatch and bad input (malformed JSON, types, media type, size, method).
mod dispatch;
// Tenant isolation: a second tenant from a scenario, tokens bound to their tenant.
mod tenants;
// The seed's request examples (fixtures/), repaired where the printed JSON is broken.
mod examples;
// The chaos seam: status and resource faults, state dump and restore, journal, OpenAPI.
mod chaos;
// DB snapshots: create, copy, list, get, delete, automated backups, rules (1.3).
mod snapshots;
// DB parameter groups: create, list, get, modify, delete, RESTART_REQUIRED, rules (1.5, 1.1.4).
mod params;
// DB events and event-notification subscriptions: history, filters, categories, rules (1.7).
mod events;
// DB log files: list, filters, portions, descending, readable states, generated content (1.4).
mod logfiles;
// Security groups and their rules: default egress rules, fields, rules, every rule broken (1.11, 1.12).
mod secgroups;
// Apply maintenance and the project info (1.9, 1.10).
mod maintenance;
// Monitoring part one: use on/off, meters, samples, statistics (1.6.2.1-1.6.2.6).
mod monitoring;
// Monitoring part two: alarms, their evaluation on the clock, state, history (1.6.2.7-1.6.2.14).
mod alarms;
// Part 03's validation checklist, every rule broken once by id, nothing changed (1.3-1.12).
mod rules;
