//! ClickHouse Cloud API tests, one file per family.

// Auth (A1–A6), roles, envelopes, organization isolation.
mod auth;
// Services: create/read/update/delete, scaling, password, private endpoints.
mod services;
// Every CH-R rule broken once: native error body, nothing changed.
mod validation;
// Every operation in every state where it is forbidden; transitions on the clock.
mod state_machine;
// Property tests of the memory and replica rules.
mod properties;
// Backups, backup configuration, the backup schedule.
mod backups;
// Prometheus endpoints (service and organization).
mod prometheus;
// Service query endpoints.
mod query_endpoint;
// Organization get/update, private endpoint config.
mod organization;
// API keys.
mod keys;
// Members and invitations.
mod members;
// Activities (audit log).
mod activities;
// Usage cost.
mod usage;
// ClickPipes and reverse private endpoints.
mod clickpipes;
// Horizontal autoscaling and scaling schedules.
mod autoscaling;
// The served contract: official operationIds, schemas, official 404s, whoami.
mod contract;
// Upgrade windows, ClickHouse settings, backup buckets.
mod service_config;
// Roles and the role ids of keys, members and invitations.
mod roles;
// BYOC infrastructure and quotas.
mod org_extras;
// ClickPipe settings, CDC scaling, schema discovery, reverse-private-endpoint PATCH.
mod clickpipes_config;
// User-defined functions, versions, attachments.
mod udfs;
// Custom roles' policies enforced: view/manage, instance scopes, DENY over ALLOW.
mod roles_enforced;
// Saved queries (clickhousectl 0.5.0 `cloud saved-query`).
mod saved_queries;
// Query API endpoints (clickhousectl 0.5.0 `cloud query-api-endpoint`).
mod query_api_endpoints;
// Credit balances (clickhousectl's `org balance`).
mod billing;
// Notifications and notification types (clickhousectl's `org notifications`, `org notification-types`).
mod notifications;
// Replica-aware routing and service snapshots (clickhousectl's `service replica-aware-routing`, `service snapshot`).
mod snapshots;
// Service profiles (clickhousectl's `service profile list`).
mod service_profiles;
// Prometheus service discovery (clickhousectl's `org prometheus discovery`).
mod prometheus_discovery;
// The ClickPipes context (clickhousectl's `clickpipe context get`).
mod clickpipes_context;
// BYOC infrastructure reads (clickhousectl's `org byoc get`, `private-endpoint-config`, `tags`).
mod byoc_checks;
mod byoc_reads;
