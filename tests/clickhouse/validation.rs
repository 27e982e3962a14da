//! Every CH-R rule that the services endpoints apply, broken once (spec §7; tests
//! T-09, T-19, T-23..T-38e, T-41, T-52, T-54, T-55, T-58, T-89).
//!
//! Each case asserts the status, the `{status, error, requestId}` envelope with the exact
//! `BAD_REQUEST: <field> ...` / `FORBIDDEN: ...` text, and that nothing changed: the
//! service count for creates, the whole service (and its password hashes) for patches.

use hyper::Method;

use super::services::{create_body, force_state, get_service, services_path, set_knobs, svc, svc_path};
use crate::support::*;

/// Asserts the error envelope with exactly `error` as text.
#[track_caller]
fn assert_error(r: &Resp, status: u16, error: &str) {
    let prefix = error.split(':').next().unwrap_or(error);
    r.assert_ch_error(status, prefix);
    assert_eq!(r.error(), error, "body: {}", r.text);
}

/// POSTs a create body (T-10's plus `extra`), expects `status`/`error` and no new service.
async fn create_rejected(sim: &Sim, extra: Value, status: u16, error: &str) {
    create_body_rejected(sim, create_body(extra), status, error).await;
}

async fn create_body_rejected(sim: &Sim, body: Value, status: u16, error: &str) {
    let before = sim.service_count().await;
    let r = sim.post(&services_path(), body.clone()).await;
    assert_error(&r, status, error);
    assert_eq!(sim.service_count().await, before, "a rejected create created nothing: {body}");
}

/// PATCHes `ORG/services/{id}[/tail]`, expects `status`/`error` and an unchanged service.
async fn patch_rejected(sim: &Sim, id: &str, tail: &str, body: Value, status: u16, error: &str) {
    let path = if tail.is_empty() { svc(id) } else { svc_path(id, tail) };
    let before = get_service(sim, id).await;
    let hashes = password_hashes(sim, id).await;
    let r = sim.patch(&path, body.clone()).await;
    assert_error(&r, status, error);
    assert_eq!(get_service(sim, id).await, before, "a rejected patch changed nothing: {body}");
    assert_eq!(password_hashes(sim, id).await, hashes, "password unchanged: {body}");
}

async fn password_hashes(sim: &Sim, id: &str) -> Value {
    sim.sim_get(&format!("/_sim/clickhouse/services/{id}/password-hash")).await.body
}

fn many(n: usize, f: impl Fn(usize) -> Value) -> Value {
    Value::Array((0..n).map(f).collect())
}

// ---- CH-R01 / R02 name -----------------------------------------------------------------

#[tokio::test]
async fn create_refuses_a_name_that_is_too_long_empty_or_missing() {
    // T-23
    let sim = Sim::start().await;
    let e = "BAD_REQUEST: name must be 1-50 characters";
    create_rejected(&sim, json!({"name": "a".repeat(51)}), 400, e).await;
    create_rejected(&sim, json!({"name": ""}), 400, e).await;
    create_body_rejected(&sim, json!({"provider": "aws", "region": "us-east-1"}), 400, e).await;
    // 50 characters is fine.
    sim.post(&services_path(), create_body(json!({"name": "a".repeat(50)}))).await.assert_ok();
}

#[tokio::test]
async fn create_refuses_names_outside_the_charset_under_the_seed_reading() {
    // T-24: the seeds' charset (SEED-A 25, SEED-B 230) is knob serviceNameCharset=strict;
    // the default follows the official document and the live API (no charset rule).
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.serviceNameCharset": "strict"})).await;
    let e = "BAD_REQUEST: name may contain only alphanumeric characters and spaces";
    create_rejected(&sim, json!({"name": "my_service!"}), 400, e).await;
    create_rejected(&sim, json!({"name": "my-service"}), 400, e).await;
    create_rejected(&sim, json!({"name": "   "}), 400, e).await;
    create_rejected(&sim, json!({"name": "caf\u{e9}"}), 400, e).await;
    set_knobs(&sim, json!({"clickhouse.serviceNameCharset": "lenient"})).await;
    create_rejected(
        &sim,
        json!({"name": "my service!"}),
        400,
        "BAD_REQUEST: name may contain only alphanumeric characters, spaces, '-', '_' and '.'",
    )
    .await;
}

#[tokio::test]
async fn patch_refuses_a_bad_name() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    patch_rejected(&sim, &id, "", json!({"name": ""}), 400, "BAD_REQUEST: name must be 1-50 characters").await;
    let long = "a".repeat(51);
    patch_rejected(&sim, &id, "", json!({"name": long}), 400, "BAD_REQUEST: name must be 1-50 characters").await;
    set_knobs(&sim, json!({"clickhouse.serviceNameCharset": "strict"})).await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"name": "x/y"}),
        400,
        "BAD_REQUEST: name may contain only alphanumeric characters and spaces",
    )
    .await;
}

// ---- CH-R03..R07 provider, region, tier ------------------------------------------------

#[tokio::test]
async fn create_refuses_an_unknown_or_missing_provider() {
    // T-25
    let sim = Sim::start().await;
    let e = "BAD_REQUEST: provider must be one of aws, gcp, azure";
    create_rejected(&sim, json!({"provider": "oracle"}), 400, e).await;
    create_rejected(&sim, json!({"provider": "AWS"}), 400, e).await;
    create_body_rejected(&sim, json!({"name": "x", "region": "us-east-1"}), 400, e).await;
}

#[tokio::test]
async fn create_refuses_an_unknown_region_or_one_of_another_provider() {
    // T-26
    let sim = Sim::start().await;
    create_rejected(&sim, json!({"region": "mars-1"}), 400, "BAD_REQUEST: Unsupported region 'mars-1'").await;
    create_rejected(
        &sim,
        json!({"region": "eastus"}),
        400,
        "BAD_REQUEST: Region 'eastus' is not available for provider 'aws'",
    )
    .await;
    create_rejected(
        &sim,
        json!({"provider": "gcp", "region": "us-east-1"}),
        400,
        "BAD_REQUEST: Region 'us-east-1' is not available for provider 'gcp'",
    )
    .await;
    // The official list has no me-central-1 (SEED-B has it: knob regionSet=seed) ...
    create_rejected(&sim, json!({"region": "me-central-1"}), 400, "BAD_REQUEST: Unsupported region 'me-central-1'")
        .await;
    // ... and the seed list has no il-central-1.
    set_knobs(&sim, json!({"clickhouse.regionSet": "seed"})).await;
    create_rejected(&sim, json!({"region": "il-central-1"}), 400, "BAD_REQUEST: Unsupported region 'il-central-1'")
        .await;
    create_body_rejected(&sim, json!({"name": "x", "provider": "aws"}), 400, "BAD_REQUEST: region is required").await;
}

#[tokio::test]
async fn create_refuses_an_unknown_tier_and_development_on_azure() {
    // CH-R06, T-27 (CH-R07)
    let sim = Sim::start().await;
    create_rejected(&sim, json!({"tier": "gold"}), 400, "BAD_REQUEST: Invalid tier").await;
    create_rejected(
        &sim,
        json!({"provider": "azure", "region": "eastus", "tier": "development"}),
        400,
        "BAD_REQUEST: Azure services don't support Development tier",
    )
    .await;
}

// ---- CH-R08..R15 memory -----------------------------------------------------------------

#[tokio::test]
async fn create_refuses_replica_memory_off_the_grid_of_4_or_out_of_range() {
    // T-28, T-30 (paid 360)
    let sim = Sim::start().await;
    let min = "BAD_REQUEST: minReplicaMemoryGb must be a multiple of 4 between 8 and 356";
    let max = "BAD_REQUEST: maxReplicaMemoryGb must be a multiple of 4 between 8 and 356";
    create_rejected(&sim, json!({"minReplicaMemoryGb": 10}), 400, min).await;
    create_rejected(&sim, json!({"minReplicaMemoryGb": 4}), 400, min).await;
    create_rejected(&sim, json!({"minReplicaMemoryGb": 16.5}), 400, min).await;
    create_rejected(&sim, json!({"minReplicaMemoryGb": -8}), 400, min).await;
    create_rejected(&sim, json!({"minReplicaMemoryGb": 0}), 400, min).await;
    create_rejected(&sim, json!({"maxReplicaMemoryGb": 360}), 400, max).await;
    create_rejected(&sim, json!({"maxReplicaMemoryGb": 1e300}), 400, max).await;
    // Knob paidReplicaMax=236 (SEED-A / O1 cap).
    set_knobs(&sim, json!({"clickhouse.paidReplicaMax": 236})).await;
    create_rejected(
        &sim,
        json!({"maxReplicaMemoryGb": 240}),
        400,
        "BAD_REQUEST: maxReplicaMemoryGb must be a multiple of 4 between 8 and 236",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_min_replica_memory_above_max() {
    // T-29; defaults are applied before the comparison (§7 notes).
    let sim = Sim::start().await;
    let e = "BAD_REQUEST: minReplicaMemoryGb must be less than or equal to maxReplicaMemoryGb";
    create_rejected(&sim, json!({"minReplicaMemoryGb": 64, "maxReplicaMemoryGb": 32}), 400, e).await;
    create_rejected(&sim, json!({"minReplicaMemoryGb": 128}), 400, e).await;
}

#[tokio::test]
async fn create_in_an_unpaid_org_caps_replica_memory_at_120() {
    // T-30 (CH-R10)
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"paid": false})).await;
    create_rejected(
        &sim,
        json!({"maxReplicaMemoryGb": 124}),
        400,
        "BAD_REQUEST: maxReplicaMemoryGb must be <= 120 for non paid services",
    )
    .await;
    create_rejected(
        &sim,
        json!({"minReplicaMemoryGb": 124, "maxReplicaMemoryGb": 124}),
        400,
        "BAD_REQUEST: minReplicaMemoryGb must be <= 120 for non paid services",
    )
    .await;
    sim.post(&services_path(), create_body(json!({"maxReplicaMemoryGb": 120}))).await.assert_ok();
}

#[tokio::test]
async fn create_with_byoc_needs_byoc_sizes_and_an_infra_ready_config() {
    // T-31
    let sim = Sim::start().await;
    let sizes = "BAD_REQUEST: minReplicaMemoryGb and maxReplicaMemoryGb are required with byocId and must be one of 48, 116, 172, 232";
    create_rejected(&sim, json!({"byocId": "b1"}), 400, sizes).await;
    create_rejected(&sim, json!({"byocId": "b1", "minReplicaMemoryGb": 48}), 400, sizes).await;
    create_rejected(&sim, json!({"byocId": "b1", "minReplicaMemoryGb": 16, "maxReplicaMemoryGb": 120}), 400, sizes)
        .await;
    let not_found = "BAD_REQUEST: BYOC configuration 'b1' not found";
    let valid = json!({"byocId": "b1", "minReplicaMemoryGb": 48, "maxReplicaMemoryGb": 232});
    create_rejected(&sim, valid.clone(), 400, not_found).await;
    // A config that is not ready, or in another region, does not count.
    let config = |state: &str, region: &str| {
        json!({"byocConfig": [{"id": "b1", "state": state, "accountName": "a", "regionId": region,
                               "cloudProvider": "aws", "displayName": "d"}]})
    };
    sim.org_attrs(ORG_ID, config("infra-provisioning", "us-east-1")).await;
    create_rejected(&sim, valid.clone(), 400, not_found).await;
    sim.org_attrs(ORG_ID, config("infra-ready", "eu-west-1")).await;
    create_rejected(&sim, valid.clone(), 400, not_found).await;
    // Min above max among BYOC sizes.
    sim.org_attrs(ORG_ID, config("infra-ready", "us-east-1")).await;
    create_rejected(
        &sim,
        json!({"byocId": "b1", "minReplicaMemoryGb": 232, "maxReplicaMemoryGb": 48}),
        400,
        "BAD_REQUEST: minReplicaMemoryGb must be less than or equal to maxReplicaMemoryGb",
    )
    .await;
    // Knob byocSizes=seed000 switches the list.
    set_knobs(&sim, json!({"clickhouse.byocSizes": "seed000"})).await;
    create_rejected(
        &sim,
        valid,
        400,
        "BAD_REQUEST: minReplicaMemoryGb and maxReplicaMemoryGb are required with byocId and must be one of 28, 60, 124, 188, 252, 380",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_total_memory_off_the_grid_of_12_or_out_of_range() {
    // T-32
    let sim = Sim::start().await;
    let min = "BAD_REQUEST: minTotalMemoryGb must be a multiple of 12 between 24 and 1068";
    let max = "BAD_REQUEST: maxTotalMemoryGb must be a multiple of 12 between 24 and 1068";
    create_rejected(&sim, json!({"minTotalMemoryGb": 30}), 400, min).await;
    create_rejected(&sim, json!({"minTotalMemoryGb": 12}), 400, min).await;
    create_rejected(&sim, json!({"minTotalMemoryGb": 48.5}), 400, min).await;
    create_rejected(&sim, json!({"maxTotalMemoryGb": 1080}), 400, max).await;
    create_rejected(
        &sim,
        json!({"minTotalMemoryGb": 96, "maxTotalMemoryGb": 48}),
        400,
        "BAD_REQUEST: minTotalMemoryGb must be less than or equal to maxTotalMemoryGb",
    )
    .await;
    set_knobs(&sim, json!({"clickhouse.paidTotalMax": 708})).await;
    create_rejected(
        &sim,
        json!({"maxTotalMemoryGb": 720}),
        400,
        "BAD_REQUEST: maxTotalMemoryGb must be a multiple of 12 between 24 and 708",
    )
    .await;
}

#[tokio::test]
async fn create_reports_replica_memory_before_total_memory() {
    // §7 order: CH-R08 before CH-R12.
    let sim = Sim::start().await;
    create_rejected(
        &sim,
        json!({"minReplicaMemoryGb": 10, "minTotalMemoryGb": 30}),
        400,
        "BAD_REQUEST: minReplicaMemoryGb must be a multiple of 4 between 8 and 356",
    )
    .await;
}

#[tokio::test]
async fn total_memory_cap_follows_a_lower_replica_cap() {
    // Knob paidReplicaMax=236 (SEED-A): three workers of 236 make SEED-A's 708.
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.paidReplicaMax": 236})).await;
    let e = "BAD_REQUEST: maxTotalMemoryGb must be a multiple of 12 between 24 and 708";
    create_rejected(&sim, json!({"maxTotalMemoryGb": 720}), 400, e).await;
    let id = sim.create_service(json!({"maxTotalMemoryGb": 708})).await;
    assert_eq!(get_service(&sim, &id).await["maxReplicaMemoryGb"], 236);
    patch_rejected(&sim, &id, "scaling", json!({"maxTotalMemoryGb": 1068}), 400, e).await;
}

#[tokio::test]
async fn create_in_an_unpaid_org_caps_total_memory_at_360() {
    // T-32, unpaid 372 (CH-R14)
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"paid": false})).await;
    create_rejected(
        &sim,
        json!({"maxTotalMemoryGb": 372}),
        400,
        "BAD_REQUEST: maxTotalMemoryGb must be <= 360 for non paid services",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_total_memory_on_a_development_service() {
    // T-33 (CH-R15)
    let sim = Sim::start().await;
    let e = "BAD_REQUEST: Memory settings are available only for production services";
    create_rejected(&sim, json!({"tier": "development", "minTotalMemoryGb": 48}), 400, e).await;
    create_rejected(&sim, json!({"tier": "development", "maxTotalMemoryGb": 48}), 400, e).await;
}

// ---- CH-R16..R19 replicas, idle --------------------------------------------------------

#[tokio::test]
async fn create_refuses_replica_counts_out_of_range() {
    // T-34
    let sim = Sim::start().await;
    let e = "BAD_REQUEST: numReplicas must be between 1 and 20";
    create_rejected(&sim, json!({"numReplicas": 0}), 400, e).await;
    create_rejected(&sim, json!({"numReplicas": 21}), 400, e).await;
    create_rejected(&sim, json!({"numReplicas": 2.5}), 400, e).await;
    create_rejected(
        &sim,
        json!({"numReplicas": 1}),
        400,
        "BAD_REQUEST: numReplicas must be between 2 and 20 for the first service in a warehouse",
    )
    .await;
}

#[tokio::test]
async fn create_in_a_basic_org_needs_exactly_one_replica() {
    // CH-R17, BASIC (A-06)
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"tier": "BASIC"})).await;
    create_rejected(&sim, json!({"numReplicas": 3}), 400, "BAD_REQUEST: numReplicas must be 1 for BASIC organizations")
        .await;
}

#[tokio::test]
async fn create_refuses_an_idle_timeout_under_five_minutes() {
    // T-35
    let sim = Sim::start().await;
    let e = "BAD_REQUEST: idleTimeoutMinutes must be >= 5";
    create_rejected(&sim, json!({"idleTimeoutMinutes": 4}), 400, e).await;
    create_rejected(&sim, json!({"idleTimeoutMinutes": 5.5}), 400, e).await;
    create_rejected(&sim, json!({"idleTimeoutMinutes": -10}), 400, e).await;
}

// ---- CH-R20..R25 access lists, private endpoints, endpoints ---------------------------

#[tokio::test]
async fn create_refuses_bad_ip_access_entries() {
    // T-36
    let sim = Sim::start().await;
    let bad = |s: &str| format!("BAD_REQUEST: ipAccessList[0].source '{s}' is not a valid IP address or CIDR");
    for s in ["300.1.1.1", "10.0.0.0/33", "example.com", "10.0.0.1-10.0.0.5", "10.0.0.0/", "::1/129", ""] {
        create_rejected(&sim, json!({"ipAccessList": [{"source": s}]}), 400, &bad(s)).await;
    }
    create_rejected(
        &sim,
        json!({"ipAccessList": [{"source": "1.1.1.1"}, {"description": "x"}]}),
        400,
        "BAD_REQUEST: ipAccessList[1].source is required",
    )
    .await;
    create_rejected(&sim, json!({"ipAccessList": ["1.2.3.4"]}), 400, "BAD_REQUEST: ipAccessList[0] must be an object")
        .await;
    create_rejected(&sim, json!({"ipAccessList": "1.2.3.4"}), 400, "BAD_REQUEST: ipAccessList must be an array").await;
    create_rejected(
        &sim,
        json!({"ipAccessList": [{"source": "1.2.3.4", "description": "d".repeat(256)}]}),
        400,
        "BAD_REQUEST: ipAccessList[0].description must be at most 255 characters",
    )
    .await;
    // Knob allowIpv6=false.
    set_knobs(&sim, json!({"clickhouse.allowIpv6": false})).await;
    create_rejected(&sim, json!({"ipAccessList": [{"source": "2001:db8::1"}]}), 400, &bad("2001:db8::1")).await;
}

#[tokio::test]
async fn create_refuses_more_than_100_ip_access_entries() {
    // CH-R22; duplicates collapse before counting.
    let sim = Sim::start().await;
    let list = many(101, |i| json!({"source": format!("10.0.{}.{}", i / 256, i % 256)}));
    create_rejected(
        &sim,
        json!({"ipAccessList": list}),
        400,
        "BAD_REQUEST: ipAccessList must not contain more than 100 entries",
    )
    .await;
    let dupes = many(150, |i| json!({"source": format!("10.0.0.{}", i % 100)}));
    let s = sim.post(&services_path(), create_body(json!({"ipAccessList": dupes}))).await;
    assert_eq!(s.assert_ok()["service"]["ipAccessList"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn create_refuses_unknown_or_empty_private_endpoint_ids() {
    // CH-R24
    let sim = Sim::start().await;
    create_rejected(
        &sim,
        json!({"privateEndpointIds": ["nope"]}),
        400,
        "BAD_REQUEST: Private endpoint 'nope' is not available for this service",
    )
    .await;
    create_rejected(
        &sim,
        json!({"privateEndpointIds": [""]}),
        400,
        "BAD_REQUEST: privateEndpointIds[0] must not be empty",
    )
    .await;
    create_rejected(
        &sim,
        json!({"privateEndpointIds": [5]}),
        400,
        "BAD_REQUEST: privateEndpointIds[0] must be a string",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_endpoints_other_than_mysql() {
    // T-38d (CH-R25)
    let sim = Sim::start().await;
    create_rejected(
        &sim,
        json!({"endpoints": [{"protocol": "https", "enabled": false}]}),
        400,
        "BAD_REQUEST: endpoints[0].protocol must be 'mysql'",
    )
    .await;
    create_rejected(
        &sim,
        json!({"endpoints": [{"protocol": "mysql"}]}),
        400,
        "BAD_REQUEST: endpoints[0].enabled is required",
    )
    .await;
    create_rejected(
        &sim,
        json!({"endpoints": [{"protocol": "mysql", "enabled": "yes"}]}),
        400,
        "BAD_REQUEST: endpoints[0].enabled must be a boolean",
    )
    .await;
}

// ---- CH-R26..R31 warehouse, backup, encryption, preview -------------------------------

#[tokio::test]
async fn create_refuses_readonly_without_a_warehouse_and_an_unknown_warehouse() {
    // T-37
    let sim = Sim::start().await;
    create_rejected(
        &sim,
        json!({"isReadonly": true}),
        400,
        "BAD_REQUEST: isReadonly can only be set when dataWarehouseId is provided",
    )
    .await;
    create_rejected(
        &sim,
        json!({"dataWarehouseId": "11111111-1111-4111-8111-111111111111"}),
        400,
        "BAD_REQUEST: Data warehouse '11111111-1111-4111-8111-111111111111' not found",
    )
    .await;
    // A warehouse elsewhere: the new service must share its provider and region.
    let primary = get_service(&sim, &sim.create_service(json!({})).await).await;
    let wh = primary["dataWarehouseId"].as_str().unwrap().to_owned();
    create_rejected(
        &sim,
        json!({"dataWarehouseId": wh, "region": "us-west-2"}),
        400,
        &format!("BAD_REQUEST: Data warehouse '{wh}' is in another provider or region"),
    )
    .await;
}

#[tokio::test]
async fn create_refuses_an_unknown_backup() {
    // T-38a (CH-R28). CH-R29 needs a done backup, which only the backup schedule makes;
    // its rule is proven on the pure function below until backups land.
    let sim = Sim::start().await;
    let id = "22222222-2222-4222-8222-222222222222";
    create_rejected(&sim, json!({"backupId": id}), 400, &format!("BAD_REQUEST: Backup '{id}' not found")).await;
    create_rejected(&sim, json!({"backupId": "nope"}), 400, "BAD_REQUEST: Backup 'nope' not found").await;
}

#[test]
fn backup_restores_need_the_same_provider_region_and_tier() {
    // CH-R29 on the rule function the handler calls (no done backup can exist yet).
    use dbaas_sim::providers::clickhouse::validate::backup_matches;
    let e = "backupId: Region and tier must match the original service of the backup";
    let msg = |r: Result<(), dbaas_sim::validation::FieldError>| r.map_err(|e| format!("{}: {e}", e.field));
    assert_eq!(msg(backup_matches(("aws", "us-east-1", None), ("aws", "us-east-1", None))), Ok(()));
    assert_eq!(msg(backup_matches(("aws", "us-west-2", None), ("aws", "us-east-1", None))), Err(e.into()));
    assert_eq!(msg(backup_matches(("gcp", "us-east-1", None), ("aws", "us-east-1", None))), Err(e.into()));
    assert_eq!(
        msg(backup_matches(("aws", "us-east-1", Some("development")), ("aws", "us-east-1", Some("production")))),
        Err(e.into())
    );
    assert_eq!(
        msg(backup_matches(("aws", "us-east-1", Some("production")), ("aws", "us-east-1", None))),
        Err(e.into())
    );
}

#[tokio::test]
async fn create_refuses_an_encryption_role_without_a_key_and_a_key_on_azure() {
    // CH-R30
    let sim = Sim::start().await;
    create_rejected(
        &sim,
        json!({"encryptionAssumedRoleIdentifier": "role"}),
        400,
        "BAD_REQUEST: encryptionAssumedRoleIdentifier requires encryptionKey",
    )
    .await;
    create_rejected(
        &sim,
        json!({"provider": "azure", "region": "eastus", "encryptionKey": "k"}),
        400,
        "BAD_REQUEST: encryptionKey is only available for aws and gcp services",
    )
    .await;
}

#[tokio::test]
async fn create_in_a_private_preview_org_needs_the_terms_for_the_first_service_only() {
    // CH-R31
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"privatePreview": true})).await;
    let e = "BAD_REQUEST: Private preview terms and conditions must be accepted";
    create_rejected(&sim, json!({}), 400, e).await;
    create_rejected(&sim, json!({"privatePreviewTermsChecked": false}), 400, e).await;
    sim.create_service(json!({"privatePreviewTermsChecked": true})).await;
    sim.create_service(json!({"name": "second"})).await;
}

// ---- CH-R32..R37 release channel, TDE, profile, compliance, tags, core dumps ---------

#[tokio::test]
async fn create_refuses_bad_release_channels_compliance_types_and_profiles() {
    // T-38b
    let sim = Sim::start().await;
    create_rejected(
        &sim,
        json!({"releaseChannel": "beta"}),
        400,
        "BAD_REQUEST: releaseChannel must be one of slow, default, fast",
    )
    .await;
    create_rejected(
        &sim,
        json!({"tier": "development", "releaseChannel": "fast"}),
        400,
        "BAD_REQUEST: releaseChannel 'fast' is only available for production services",
    )
    .await;
    create_rejected(
        &sim,
        json!({"complianceType": "sox"}),
        400,
        "BAD_REQUEST: complianceType must be one of hipaa, pci",
    )
    .await;
    create_rejected(&sim, json!({"profile": "v2"}), 400, "BAD_REQUEST: Invalid profile").await;
    create_rejected(
        &sim,
        json!({"profile": "v1-highcpu-s"}),
        403,
        "FORBIDDEN: Custom profiles are only available for ENTERPRISE organizations",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_transparent_data_encryption_outside_enterprise() {
    // T-38c (CH-R33)
    let sim = Sim::start().await;
    create_rejected(
        &sim,
        json!({"hasTransparentDataEncryption": true}),
        403,
        "FORBIDDEN: Transparent Data Encryption is only available for ENTERPRISE organizations",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_bad_tags() {
    // CH-R36
    let sim = Sim::start().await;
    create_rejected(&sim, json!({"tags": [{"key": "bad key"}]}), 400, "BAD_REQUEST: Invalid tag key 'bad key'").await;
    create_rejected(&sim, json!({"tags": [{"value": "x"}]}), 400, "BAD_REQUEST: tags[0].key is required").await;
    create_rejected(&sim, json!({"tags": [{"key": "k", "value": "a b"}]}), 400, "BAD_REQUEST: Invalid tag value 'a b'")
        .await;
    create_rejected(
        &sim,
        json!({"tags": many(51, |i| json!({"key": format!("k{i}")}))}),
        400,
        "BAD_REQUEST: tags must not contain more than 50 tags",
    )
    .await;
}

#[tokio::test]
async fn create_refuses_core_dumps_when_the_org_disabled_them() {
    // CH-R37
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"enableCoreDumps": false})).await;
    create_rejected(
        &sim,
        json!({"enableCoreDumps": true}),
        400,
        "BAD_REQUEST: Core dumps are disabled for this organization",
    )
    .await;
    // Absent: the service inherits the organization's setting.
    let s = sim.post(&services_path(), create_body(json!({}))).await;
    assert_eq!(s.assert_ok()["service"]["enableCoreDumps"], false);
}

// ---- CH-R48 types and bodies, CH-R50 quota, strict unknown fields ---------------------

#[tokio::test]
async fn create_refuses_wrong_json_types_naming_the_field() {
    // T-38e (CH-R48)
    let sim = Sim::start().await;
    create_rejected(&sim, json!({"name": 5}), 400, "BAD_REQUEST: name must be a string").await;
    create_rejected(&sim, json!({"numReplicas": "3"}), 400, "BAD_REQUEST: numReplicas must be a number").await;
    create_rejected(&sim, json!({"idleScaling": "yes"}), 400, "BAD_REQUEST: idleScaling must be a boolean").await;
    create_rejected(&sim, json!({"minReplicaMemoryGb": "16"}), 400, "BAD_REQUEST: minReplicaMemoryGb must be a number")
        .await;
    create_rejected(&sim, json!({"tags": {}}), 400, "BAD_REQUEST: tags must be an array").await;
    create_rejected(&sim, json!({"endpoints": {}}), 400, "BAD_REQUEST: endpoints must be an array").await;
    create_rejected(&sim, json!({"tier": 1}), 400, "BAD_REQUEST: tier must be a string").await;
    create_rejected(&sim, json!({"isReadonly": 1}), 400, "BAD_REQUEST: isReadonly must be a boolean").await;
}

#[tokio::test]
async fn create_refuses_malformed_or_non_object_bodies() {
    // T-38e, §2.4
    let sim = Sim::start().await;
    for body in [&b"[]"[..], b"{", b"\"text\"", b"42", b"{\"name\": }"] {
        let r = sim.send_raw(Method::POST, &services_path(), Some(KEY), Some(body.to_vec()), &[]).await;
        assert_error(&r, 400, "BAD_REQUEST: Invalid JSON body");
    }
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn create_reports_the_first_broken_rule_in_spec_order() {
    // §2.6: validation stops at the first failing rule in the order of §7. Start with a
    // body that breaks every rule, then repair one field at a time.
    let sim = Sim::start().await;
    sim.org_attrs(ORG_ID, json!({"enableCoreDumps": false})).await;
    set_knobs(&sim, json!({"clickhouse.maxServicesPerOrg": 0})).await;
    let rules: [(&str, Value, Value, &str); 20] = [
        ("name", json!(""), json!("ok"), "BAD_REQUEST: name must be 1-50 characters"),
        ("provider", json!("oracle"), json!("aws"), "BAD_REQUEST: provider must be one of aws, gcp, azure"),
        ("region", json!("mars-1"), json!("us-east-1"), "BAD_REQUEST: Unsupported region 'mars-1'"),
        ("tier", json!("gold"), Value::Null, "BAD_REQUEST: Invalid tier"),
        (
            "minReplicaMemoryGb",
            json!(10),
            Value::Null,
            "BAD_REQUEST: minReplicaMemoryGb must be a multiple of 4 between 8 and 356",
        ),
        (
            "minTotalMemoryGb",
            json!(30),
            Value::Null,
            "BAD_REQUEST: minTotalMemoryGb must be a multiple of 12 between 24 and 1068",
        ),
        ("numReplicas", json!(0), Value::Null, "BAD_REQUEST: numReplicas must be between 1 and 20"),
        ("idleTimeoutMinutes", json!(4), Value::Null, "BAD_REQUEST: idleTimeoutMinutes must be >= 5"),
        ("ipAccessList", json!([{"description": "x"}]), Value::Null, "BAD_REQUEST: ipAccessList[0].source is required"),
        (
            "privateEndpointIds",
            json!(["nope"]),
            Value::Null,
            "BAD_REQUEST: Private endpoint 'nope' is not available for this service",
        ),
        (
            "endpoints",
            json!([{"protocol": "https", "enabled": true}]),
            Value::Null,
            "BAD_REQUEST: endpoints[0].protocol must be 'mysql'",
        ),
        (
            "isReadonly",
            json!(true),
            Value::Null,
            "BAD_REQUEST: isReadonly can only be set when dataWarehouseId is provided",
        ),
        ("backupId", json!("nope"), Value::Null, "BAD_REQUEST: Backup 'nope' not found"),
        (
            "encryptionAssumedRoleIdentifier",
            json!("r"),
            Value::Null,
            "BAD_REQUEST: encryptionAssumedRoleIdentifier requires encryptionKey",
        ),
        (
            "releaseChannel",
            json!("beta"),
            Value::Null,
            "BAD_REQUEST: releaseChannel must be one of slow, default, fast",
        ),
        (
            "hasTransparentDataEncryption",
            json!(true),
            Value::Null,
            "FORBIDDEN: Transparent Data Encryption is only available for ENTERPRISE organizations",
        ),
        ("profile", json!("v2"), Value::Null, "BAD_REQUEST: Invalid profile"),
        ("complianceType", json!("sox"), Value::Null, "BAD_REQUEST: complianceType must be one of hipaa, pci"),
        ("tags", json!([{"key": "a b"}]), Value::Null, "BAD_REQUEST: Invalid tag key 'a b'"),
        ("enableCoreDumps", json!(true), Value::Null, "BAD_REQUEST: Core dumps are disabled for this organization"),
    ];
    let mut body = Value::Object(rules.iter().map(|(k, bad, _, _)| (k.to_string(), bad.clone())).collect());
    for (field, _, good, error) in &rules {
        let status = if error.starts_with("FORBIDDEN") { 403 } else { 400 };
        create_body_rejected(&sim, body.clone(), status, error).await;
        body[*field] = good.clone(); // null = absent (§2.4)
    }
    create_body_rejected(&sim, body.clone(), 403, "FORBIDDEN: Service limit reached for this organization").await;
    set_knobs(&sim, json!({"clickhouse.maxServicesPerOrg": 100})).await;
    sim.post(&services_path(), body).await.assert_ok();
}

#[tokio::test]
async fn create_refuses_a_body_that_is_not_json() {
    // §2.4: text/plain → 400.
    let sim = Sim::start().await;
    let body = serde_json::to_vec(&create_body(json!({}))).unwrap();
    let r = sim
        .send_raw(Method::POST, &services_path(), Some(KEY), Some(body.clone()), &[("content-type", "text/plain")])
        .await;
    assert_error(&r, 400, "BAD_REQUEST: Content-Type must be application/json");
    assert_eq!(sim.service_count().await, 0);
    // With a charset (as O3 sends) it is accepted.
    let r = sim
        .send_raw(
            Method::POST,
            &services_path(),
            Some(KEY),
            Some(body),
            &[("content-type", "application/json; charset=utf-8")],
        )
        .await;
    r.assert_ok();
}

#[tokio::test]
async fn create_refuses_a_body_over_one_mebibyte_with_413() {
    // T-89
    let sim = Sim::start().await;
    let body = create_body(json!({"padding": "x".repeat(2 << 20)}));
    let r = sim.post(&services_path(), body).await;
    assert_error(&r, 413, "PAYLOAD_TOO_LARGE: Request body is larger than 1 MiB");
    assert_eq!(sim.service_count().await, 0);
}

#[tokio::test]
async fn create_refuses_unknown_fields_when_strict() {
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.strictUnknownFields": true})).await;
    create_rejected(&sim, json!({"foo": 1}), 400, "BAD_REQUEST: Unknown field 'foo'").await;
    let id = sim.create_service(json!({})).await;
    patch_rejected(&sim, &id, "", json!({"bar": 1}), 400, "BAD_REQUEST: Unknown field 'bar'").await;
    patch_rejected(
        &sim,
        &id,
        "scaling",
        json!({"minReplicaMemoryGb": 16}),
        400,
        "BAD_REQUEST: Unknown field 'minReplicaMemoryGb'",
    )
    .await;
}

#[tokio::test]
async fn create_beyond_the_service_quota_is_forbidden() {
    // CH-R50
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.maxServicesPerOrg": 2})).await;
    sim.create_service(json!({})).await;
    sim.create_service(json!({})).await;
    create_rejected(&sim, json!({}), 403, "FORBIDDEN: Service limit reached for this organization").await;
}

// ---- CH-R49 path ids, unknown services -------------------------------------------------

#[tokio::test]
async fn a_malformed_service_id_is_a_bad_request() {
    // T-09
    let sim = Sim::start().await;
    let r = sim.get(&format!("{ORG}/services/not-a-uuid")).await;
    assert_error(&r, 400, "BAD_REQUEST: Invalid serviceId");
    for (method, tail) in [
        (Method::PATCH, ""),
        (Method::DELETE, ""),
        (Method::PATCH, "/state"),
        (Method::PATCH, "/scaling"),
        (Method::PATCH, "/replicaScaling"),
        (Method::PATCH, "/password"),
        (Method::GET, "/privateEndpointConfig"),
        (Method::POST, "/privateEndpoint"),
    ] {
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let r = sim.ch(method.clone(), &format!("{ORG}/services/not-a-uuid{tail}"), body).await;
        assert_error(&r, 400, "BAD_REQUEST: Invalid serviceId");
    }
}

#[tokio::test]
async fn an_unknown_service_is_not_found_on_every_endpoint() {
    let sim = Sim::start().await;
    let id = "33333333-3333-4333-8333-333333333333";
    let e = format!("NOT_FOUND: Service {id} not found");
    for (method, tail, body) in [
        (Method::GET, "", None),
        (Method::PATCH, "", Some(json!({"name": "x"}))),
        (Method::DELETE, "", None),
        (Method::PATCH, "/state", Some(json!({"command": "start"}))),
        (Method::PATCH, "/scaling", Some(json!({"idleScaling": false}))),
        (Method::PATCH, "/replicaScaling", Some(json!({"idleScaling": false}))),
        (Method::PATCH, "/password", Some(json!({}))),
        (Method::GET, "/privateEndpointConfig", None),
        (Method::POST, "/privateEndpoint", Some(json!({"id": "vpce-1"}))),
    ] {
        let r = sim.ch(method, &format!("{ORG}/services/{id}{tail}"), body).await;
        assert_error(&r, 404, &e);
    }
}

#[tokio::test]
async fn list_refuses_a_filter_that_is_not_a_tag_filter() {
    // E1: `filter=tag:<Key>[=<Value>]` only.
    let sim = Sim::start().await;
    for q in ["filter=env", "filter=tag:", "filter=tag:=prod", "filter=name:x", "filter=tag:env&filter=x"] {
        let r = sim.get(&format!("{}?{q}", services_path())).await;
        assert_error(&r, 400, "BAD_REQUEST: Invalid filter");
    }
    // Other query parameters are ignored (§2.4).
    sim.get(&format!("{}?page=2", services_path())).await.assert_ok();
}

// ---- E4 patch rules ------------------------------------------------------------------

#[tokio::test]
async fn patch_ip_access_list_must_be_an_add_remove_object() {
    // T-19 (CH-R23)
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let shape = "BAD_REQUEST: ipAccessList must be an object with add/remove";
    patch_rejected(&sim, &id, "", json!({"ipAccessList": [{"source": "1.2.3.4"}]}), 400, shape).await;
    patch_rejected(&sim, &id, "", json!({"ipAccessList": "1.2.3.4"}), 400, shape).await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"ipAccessList": {"add": "x"}}),
        400,
        "BAD_REQUEST: ipAccessList.add must be an array",
    )
    .await;
}

#[tokio::test]
async fn patch_ip_access_list_entries_are_validated_and_nothing_is_applied_on_failure() {
    // CH-R20/R21 on patch; a valid name next to a bad entry is not applied either.
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"name": "renamed", "ipAccessList": {"add": [{"source": "1.1.1.1"}, {"source": "300.1.1.1"}]}}),
        400,
        "BAD_REQUEST: ipAccessList.add[1].source '300.1.1.1' is not a valid IP address or CIDR",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"ipAccessList": {"remove": [{"description": "x"}]}}),
        400,
        "BAD_REQUEST: ipAccessList.remove[0].source is required",
    )
    .await;
}

#[tokio::test]
async fn patch_ip_access_list_refuses_to_grow_past_the_limit() {
    // CH-R22 on patch, with knob maxIpAccessEntries.
    let sim = Sim::start().await;
    set_knobs(&sim, json!({"clickhouse.maxIpAccessEntries": 2})).await;
    let id = sim.create_service(json!({"ipAccessList": [{"source": "1.1.1.1"}, {"source": "2.2.2.2"}]})).await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"ipAccessList": {"add": [{"source": "3.3.3.3"}]}}),
        400,
        "BAD_REQUEST: ipAccessList must not contain more than 2 entries",
    )
    .await;
    // Removing one first makes room (remove runs before add).
    let r = sim
        .patch(&svc(&id), json!({"ipAccessList": {"remove": [{"source": "1.1.1.1"}], "add": [{"source": "3.3.3.3"}]}}))
        .await;
    assert_eq!(r.assert_ok()["ipAccessList"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn patch_private_endpoint_ids_must_be_known_for_the_region() {
    // CH-R24 on patch
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let west = sim.create_service(json!({"name": "west", "region": "us-west-2"})).await;
    sim.post(&svc_path(&west, "privateEndpoint"), json!({"id": "vpce-west"})).await.assert_ok();
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"privateEndpointIds": {"add": ["vpce-west"]}}),
        400,
        "BAD_REQUEST: Private endpoint 'vpce-west' is not available for this service",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"privateEndpointIds": ["vpce-west"]}),
        400,
        "BAD_REQUEST: privateEndpointIds must be an object with add/remove",
    )
    .await;
}

#[tokio::test]
async fn patch_refuses_bad_endpoints_release_channels_tags_and_core_dumps() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"endpoints": [{"protocol": "nativesecure", "enabled": false}]}),
        400,
        "BAD_REQUEST: endpoints[0].protocol must be 'mysql'",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"releaseChannel": "beta"}),
        400,
        "BAD_REQUEST: releaseChannel must be one of slow, default, fast",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"tags": {"add": [{"key": "a b"}]}}),
        400,
        "BAD_REQUEST: Invalid tag key 'a b'",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"tags": {"add": many(51, |i| json!({"key": format!("k{i}")}))}}),
        400,
        "BAD_REQUEST: tags must not contain more than 50 tags",
    )
    .await;
    patch_rejected(&sim, &id, "", json!({"name": 7}), 400, "BAD_REQUEST: name must be a string").await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"transparentDataEncryptionKeyId": "k"}),
        400,
        "BAD_REQUEST: Transparent Data Encryption is not enabled for this service",
    )
    .await;
    sim.org_attrs(ORG_ID, json!({"enableCoreDumps": false})).await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"enableCoreDumps": true}),
        400,
        "BAD_REQUEST: Core dumps are disabled for this organization",
    )
    .await;
}

#[tokio::test]
async fn patch_reports_the_first_broken_rule_in_spec_order() {
    // §2.6: the first failing rule in the order of §7 (R01 < R21 < R24 < R25 < R32 < R36).
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let mut body = json!({
        "name": "", "ipAccessList": {"add": [{"source": "x"}]}, "privateEndpointIds": {"add": ["nope"]},
        "endpoints": [{"protocol": "https", "enabled": true}], "releaseChannel": "beta", "tags": {"add": [{"key": "a b"}]}
    });
    let order = [
        ("name", "BAD_REQUEST: name must be 1-50 characters"),
        ("ipAccessList", "BAD_REQUEST: ipAccessList.add[0].source 'x' is not a valid IP address or CIDR"),
        ("privateEndpointIds", "BAD_REQUEST: Private endpoint 'nope' is not available for this service"),
        ("endpoints", "BAD_REQUEST: endpoints[0].protocol must be 'mysql'"),
        ("releaseChannel", "BAD_REQUEST: releaseChannel must be one of slow, default, fast"),
        ("tags", "BAD_REQUEST: Invalid tag key 'a b'"),
    ];
    for (field, error) in order {
        patch_rejected(&sim, &id, "", body.clone(), 400, error).await;
        body.as_object_mut().expect("object").remove(field);
    }
}

#[tokio::test]
async fn patch_refuses_fast_release_channel_on_a_development_service() {
    // CH-R32 on patch
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"tier": "development"})).await;
    patch_rejected(
        &sim,
        &id,
        "",
        json!({"releaseChannel": "slow"}),
        400,
        "BAD_REQUEST: releaseChannel 'slow' is only available for production services",
    )
    .await;
}

#[tokio::test]
async fn patch_refuses_malformed_bodies() {
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let before = get_service(&sim, &id).await;
    for body in [&b"[1]"[..], b"{"] {
        let r = sim.send_raw(Method::PATCH, &svc(&id), Some(KEY), Some(body.to_vec()), &[]).await;
        assert_error(&r, 400, "BAD_REQUEST: Invalid JSON body");
    }
    let r = sim
        .send_raw(Method::PATCH, &svc(&id), Some(KEY), Some(b"name=x".to_vec()), &[("content-type", "text/plain")])
        .await;
    assert_error(&r, 400, "BAD_REQUEST: Content-Type must be application/json");
    assert_eq!(get_service(&sim, &id).await, before);
}

// ---- E11 / S5 scaling rules ------------------------------------------------------------

#[tokio::test]
async fn scaling_refuses_total_memory_off_the_grid_of_12() {
    // T-52 (CH-R12..R14)
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    patch_rejected(
        &sim,
        &id,
        "scaling",
        json!({"minTotalMemoryGb": 50}),
        400,
        "BAD_REQUEST: minTotalMemoryGb must be a multiple of 12 between 24 and 1068",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "scaling",
        json!({"maxTotalMemoryGb": 1080}),
        400,
        "BAD_REQUEST: maxTotalMemoryGb must be a multiple of 12 between 24 and 1068",
    )
    .await;
    // Against the stored max (360): a min of 480 is above it.
    patch_rejected(
        &sim,
        &id,
        "scaling",
        json!({"minTotalMemoryGb": 480}),
        400,
        "BAD_REQUEST: minTotalMemoryGb must be less than or equal to maxTotalMemoryGb",
    )
    .await;
    // A valid idle setting next to a bad memory value is not applied.
    patch_rejected(
        &sim,
        &id,
        "scaling",
        json!({"idleTimeoutMinutes": 30, "minTotalMemoryGb": 25}),
        400,
        "BAD_REQUEST: minTotalMemoryGb must be a multiple of 12 between 24 and 1068",
    )
    .await;
    sim.org_attrs(ORG_ID, json!({"paid": false})).await;
    patch_rejected(
        &sim,
        &id,
        "scaling",
        json!({"maxTotalMemoryGb": 372}),
        400,
        "BAD_REQUEST: maxTotalMemoryGb must be <= 360 for non paid services",
    )
    .await;
}

#[tokio::test]
async fn replica_scaling_refuses_bad_replica_memory() {
    // CH-R08..R10 on S5
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    patch_rejected(
        &sim,
        &id,
        "replicaScaling",
        json!({"minReplicaMemoryGb": 10}),
        400,
        "BAD_REQUEST: minReplicaMemoryGb must be a multiple of 4 between 8 and 356",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "replicaScaling",
        json!({"minReplicaMemoryGb": 64, "maxReplicaMemoryGb": 32}),
        400,
        "BAD_REQUEST: minReplicaMemoryGb must be less than or equal to maxReplicaMemoryGb",
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "replicaScaling",
        json!({"minReplicaMemoryGb": 128}),
        400,
        "BAD_REQUEST: minReplicaMemoryGb must be less than or equal to maxReplicaMemoryGb",
    )
    .await;
    sim.org_attrs(ORG_ID, json!({"paid": false})).await;
    patch_rejected(
        &sim,
        &id,
        "replicaScaling",
        json!({"maxReplicaMemoryGb": 124}),
        400,
        "BAD_REQUEST: maxReplicaMemoryGb must be <= 120 for non paid services",
    )
    .await;
}

#[tokio::test]
async fn scaling_refuses_bad_replica_counts_and_idle_timeouts() {
    // CH-R16, CH-R18 on E11/S5
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    for tail in ["scaling", "replicaScaling"] {
        patch_rejected(
            &sim,
            &id,
            tail,
            json!({"numReplicas": 21}),
            400,
            "BAD_REQUEST: numReplicas must be between 1 and 20",
        )
        .await;
        patch_rejected(
            &sim,
            &id,
            tail,
            json!({"idleTimeoutMinutes": 4}),
            400,
            "BAD_REQUEST: idleTimeoutMinutes must be >= 5",
        )
        .await;
        patch_rejected(
            &sim,
            &id,
            tail,
            json!({"idleScaling": "no"}),
            400,
            "BAD_REQUEST: idleScaling must be a boolean",
        )
        .await;
    }
    sim.org_attrs(ORG_ID, json!({"tier": "BASIC"})).await;
    patch_rejected(
        &sim,
        &id,
        "scaling",
        json!({"numReplicas": 2}),
        400,
        "BAD_REQUEST: numReplicas must be 1 for BASIC organizations",
    )
    .await;
}

#[tokio::test]
async fn scaling_replicas_needs_support_when_the_org_cannot_adjust_them() {
    // T-54 (CH-R19)
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    sim.org_attrs(ORG_ID, json!({"numReplicasAdjustable": false})).await;
    let e = "FORBIDDEN: Please contact support to enable adjustment of numReplicas";
    patch_rejected(&sim, &id, "scaling", json!({"numReplicas": 4}), 403, e).await;
    patch_rejected(&sim, &id, "replicaScaling", json!({"numReplicas": 4, "idleScaling": false}), 403, e).await;
    // Other settings are still adjustable.
    sim.patch(&svc_path(&id, "scaling"), json!({"idleScaling": false})).await.assert_ok();
}

#[tokio::test]
async fn scaling_memory_of_a_development_service_is_refused() {
    // T-55 (CH-R15)
    let sim = Sim::start().await;
    let id = sim.create_service(json!({"tier": "development"})).await;
    let e = "BAD_REQUEST: Memory settings are available only for production services";
    patch_rejected(&sim, &id, "replicaScaling", json!({"maxReplicaMemoryGb": 16}), 400, e).await;
    patch_rejected(&sim, &id, "scaling", json!({"minTotalMemoryGb": 48}), 400, e).await;
    // Idle settings stay adjustable.
    sim.patch(&svc_path(&id, "replicaScaling"), json!({"idleTimeoutMinutes": 60})).await.assert_ok();
}

// ---- E12 password rules ----------------------------------------------------------------

#[tokio::test]
async fn password_refuses_a_hash_that_is_not_base64_sha256() {
    // T-58 (CH-R43)
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let e = "BAD_REQUEST: newPasswordHash must be a base64-encoded SHA-256 hash";
    patch_rejected(&sim, &id, "password", json!({"newPasswordHash": "abc"}), 400, e).await;
    // Valid base64 of 16 bytes; 32 bytes without padding; hex instead of base64.
    patch_rejected(&sim, &id, "password", json!({"newPasswordHash": "AAAAAAAAAAAAAAAAAAAAAA=="}), 400, e).await;
    patch_rejected(&sim, &id, "password", json!({"newPasswordHash": "A".repeat(43)}), 400, e).await;
    patch_rejected(&sim, &id, "password", json!({"newPasswordHash": "ab".repeat(32)}), 400, e).await;
    patch_rejected(
        &sim,
        &id,
        "password",
        json!({"newPasswordHash": 5}),
        400,
        "BAD_REQUEST: newPasswordHash must be a string",
    )
    .await;
}

#[tokio::test]
async fn password_refuses_a_double_sha1_that_is_not_40_hex_characters() {
    // CH-R44
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let good = format!("{}=", "A".repeat(43));
    let e = "BAD_REQUEST: newDoubleSha1Hash must be a hex-encoded double SHA-1 hash";
    patch_rejected(&sim, &id, "password", json!({"newPasswordHash": good, "newDoubleSha1Hash": "xyz"}), 400, e).await;
    patch_rejected(
        &sim,
        &id,
        "password",
        json!({"newPasswordHash": good, "newDoubleSha1Hash": "g".repeat(40)}),
        400,
        e,
    )
    .await;
    patch_rejected(
        &sim,
        &id,
        "password",
        json!({"newPasswordHash": good, "newDoubleSha1Hash": "a".repeat(41)}),
        400,
        e,
    )
    .await;
}

// ---- E10 command, S6 private endpoint --------------------------------------------------

#[tokio::test]
async fn state_command_must_be_start_stop_or_awake() {
    // T-41 (CH-R38)
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    let e = "BAD_REQUEST: command must be one of 'start', 'stop', 'awake'";
    patch_rejected(&sim, &id, "state", json!({"command": "restart"}), 400, e).await;
    patch_rejected(&sim, &id, "state", json!({}), 400, e).await;
    patch_rejected(&sim, &id, "state", json!({"command": "START"}), 400, e).await;
    patch_rejected(&sim, &id, "state", json!({"command": 1}), 400, "BAD_REQUEST: command must be a string").await;
    // Knob awakeCommand=false: the seed's two commands only.
    set_knobs(&sim, json!({"clickhouse.awakeCommand": false})).await;
    patch_rejected(
        &sim,
        &id,
        "state",
        json!({"command": "awake"}),
        400,
        "BAD_REQUEST: command must be one of 'start', 'stop'",
    )
    .await;
}

#[tokio::test]
async fn private_endpoint_needs_an_id_and_refuses_duplicates() {
    // S6
    let sim = Sim::start().await;
    let id = sim.create_service(json!({})).await;
    let path = svc_path(&id, "privateEndpoint");
    assert_error(&sim.post(&path, json!({"description": "d"})).await, 400, "BAD_REQUEST: id is required");
    assert_error(&sim.post(&path, json!({"id": " "})).await, 400, "BAD_REQUEST: id must not be empty");
    assert_error(&sim.post(&path, json!({"id": 3})).await, 400, "BAD_REQUEST: id must be a string");
    assert_error(
        &sim.post(&path, json!({"id": "vpce-1", "description": 3})).await,
        400,
        "BAD_REQUEST: description must be a string",
    );
    assert_eq!(get_service(&sim, &id).await["availablePrivateEndpointIds"], json!([]));
    sim.post(&path, json!({"id": "vpce-1"})).await.assert_ok();
    assert_error(
        &sim.post(&path, json!({"id": "vpce-1"})).await,
        409,
        "CONFLICT: Private endpoint 'vpce-1' already exists",
    );
    assert_eq!(get_service(&sim, &id).await["availablePrivateEndpointIds"], json!(["vpce-1"]));
}

#[tokio::test]
async fn validation_runs_before_the_state_check() {
    // §5 order: body validation (§7) → state check (§6.4).
    let sim = Sim::start().await;
    let id = sim.running_service().await;
    force_state(&sim, &id, "terminating").await;
    patch_rejected(&sim, &id, "", json!({"name": ""}), 400, "BAD_REQUEST: name must be 1-50 characters").await;
    patch_rejected(&sim, &id, "", json!({"name": "ok"}), 409, "CONFLICT: Cannot update service in state 'terminating'")
        .await;
}
