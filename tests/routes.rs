//! Every served route of every provider, enumerated from the provider's own OpenAPI
//! document: each refuses a request without credentials and one with wrong credentials
//! (the provider's 401, in its own envelope), and a request with good credentials on
//! another tenant's path gets no data of that tenant.
//!
//! A provider joins by adding its row to [`identities`]: how its requests authenticate,
//! which path parameter names the tenant, and how a second tenant is made.

use hyper::Method;

use crate::support::{json, Sim, Value};

/// What the test needs to know of one provider's identities.
struct Identity {
    provider: &'static str,
    /// The path parameter that names the tenant (`None`: the tenant is in a header).
    tenant_param: &'static str,
    tenant: &'static str,
    other_tenant: &'static str,
    /// Something only the other tenant's answers contain.
    other_marker: &'static str,
    good: Vec<(&'static str, String)>,
    wrong: Vec<(&'static str, String)>,
    /// Headers that name the tenant (they follow the path's tenant).
    tenant_header: Option<&'static str>,
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

fn identities() -> Vec<Identity> {
    vec![
        Identity {
            provider: "clickhouse",
            tenant_param: "organizationId",
            tenant: "00000000-0000-4000-8000-000000000001",
            other_tenant: "22222222-2222-4222-8222-222222222222",
            other_marker: "other-tenant-org",
            good: vec![("authorization", basic("sim-key", "sim-secret"))],
            wrong: vec![("authorization", basic("sim-key", "not-the-secret"))],
            tenant_header: None,
        },
        Identity {
            provider: "oracle",
            tenant_param: "identityDomainId",
            tenant: "mydomain",
            other_tenant: "otherdomain",
            other_marker: "other-tenant-user",
            good: vec![("authorization", basic("john.smith@example.com", "Welcome1!"))],
            wrong: vec![("authorization", basic("john.smith@example.com", "not-the-password"))],
            tenant_header: Some("x-id-tenant-name"),
        },
        Identity {
            provider: "fujitsu",
            tenant_param: "tenantId",
            tenant: "0123456789abcdef0123456789abcdef",
            other_tenant: "fedcba9876543210fedcba9876543210",
            other_marker: "other-tenant-db",
            // The default identity's never-expiring service token (`auth: fujitsu`).
            good: vec![("x-auth-token", "sim-fujitsu-token".to_owned())],
            wrong: vec![("x-auth-token", "gAAAAAB-not-a-token".to_owned())],
            tenant_header: None,
        },
    ]
}

/// Makes the second tenant of a provider, with data that names `other_marker`.
async fn add_other_tenant(sim: &Sim, id: &Identity) {
    let r = match id.provider {
        "clickhouse" => {
            sim.sim_post(
                "/_sim/clickhouse/organizations",
                json!({"id": id.other_tenant, "name": id.other_marker, "keyId": "other-key", "keySecret": "other-secret"}),
            )
            .await
        }
        "oracle" => {
            sim.sim_post(
                "/_sim/oracle/domains",
                json!({"name": id.other_tenant, "username": format!("{}@example.com", id.other_marker), "password": "pw"}),
            )
            .await
        }
        "fujitsu" => {
            let yaml = format!(
                "identities:\n  fujitsu:\n    tenants:\n      - {{id: {t}}}\n    users:\n      - {{name: {m}, password: pw, tenants: [{t}]}}\nresources:\n  fujitsu:\n    instances:\n      - {{tenant: {t}, id: {m}, name: {m}}}\n",
                t = id.other_tenant,
                m = id.other_marker
            );
            sim.send_raw(Method::POST, "/_sim/scenarios", None, Some(yaml.into_bytes()), &[]).await
        }
        other => panic!("no way to add a tenant of {other}: add it here"),
    };
    assert_eq!(r.status, 200, "{}: {}", id.provider, r.text);
}

/// Every (method, path template) the provider's document serves, except the operations
/// it documents as taking no credentials (`"security": []`, e.g. a token request).
async fn routes(sim: &Sim, provider: &str) -> Vec<(Method, String)> {
    let doc = sim.sim_get(&format!("/_sim/openapi/{provider}.json")).await.body;
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in ["get", "post", "put", "patch", "delete"] {
            let open = item.get(m).is_some_and(|op| op.get("security").is_some_and(|s| s == &json!([])));
            if item.get(m).is_some() && !open {
                out.push((Method::from_bytes(m.to_uppercase().as_bytes()).expect("method"), path.clone()));
            }
        }
    }
    assert!(out.len() >= 10, "{provider} serves routes: {out:?}");
    out
}

/// The path with the tenant parameter set to `tenant` and every other parameter to an id
/// that looks valid (a UUID) but names nothing.
fn fill(template: &str, tenant_param: &str, tenant: &str) -> String {
    template
        .split('/')
        .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if name == tenant_param => tenant.to_owned(),
            Some(_) => "00000000-0000-4000-8000-0000000000ff".to_owned(),
            None => seg.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn send(sim: &Sim, method: &Method, path: &str, headers: &[(&str, String)]) -> crate::support::Resp {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let body = (*method != Method::GET && *method != Method::DELETE).then(|| json!({}));
    sim.send(method.clone(), path, None, body, &headers).await
}

fn top_level_keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn every_route_of_every_provider_refuses_missing_and_wrong_credentials() {
    let sim = Sim::start().await;
    let listed: Vec<String> = sim.sim_get("/_sim/health").await.body["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let ids = identities();
    for p in &listed {
        assert!(ids.iter().any(|i| i.provider == p), "add a row for {p} to identities()");
    }
    for id in ids.iter().filter(|i| listed.iter().any(|p| p == i.provider)) {
        let tenant_hdr: Vec<(&str, String)> = id.tenant_header.map(|h| (h, id.tenant.to_owned())).into_iter().collect();
        let mut envelope = None;
        for (method, template) in routes(&sim, id.provider).await {
            let path = fill(&template, id.tenant_param, id.tenant);
            let none = send(&sim, &method, &path, &tenant_hdr).await;
            assert_eq!(none.status, 401, "{} {method} {path} without credentials: {}", id.provider, none.text);
            let wrong: Vec<(&str, String)> = id.wrong.iter().cloned().chain(tenant_hdr.iter().cloned()).collect();
            let bad = send(&sim, &method, &path, &wrong).await;
            assert_eq!(bad.status, 401, "{} {method} {path} with wrong credentials: {}", id.provider, bad.text);
            // Every 401 of a provider has the same envelope.
            let keys = top_level_keys(&bad.body);
            assert!(!keys.is_empty(), "{} {method} {path}: a JSON error body: {}", id.provider, bad.text);
            assert_eq!(top_level_keys(&none.body), keys, "{} {method} {path}", id.provider);
            assert_eq!(*envelope.get_or_insert_with(|| keys.clone()), keys, "{} {method} {path}", id.provider);
        }
    }
}

#[tokio::test]
async fn no_route_of_any_provider_answers_another_tenants_data() {
    let sim = Sim::start().await;
    let listed: Vec<String> = sim.sim_get("/_sim/health").await.body["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    for id in identities().iter().filter(|i| listed.iter().any(|p| p == i.provider)) {
        add_other_tenant(&sim, id).await;
        for (method, template) in routes(&sim, id.provider).await {
            if !template.contains(&format!("{{{}}}", id.tenant_param)) {
                continue; // not a tenant's path (ECRA helpers name it in a header: below)
            }
            let path = fill(&template, id.tenant_param, id.other_tenant);
            let headers: Vec<(&str, String)> =
                id.good.iter().cloned().chain(id.tenant_header.map(|h| (h, id.other_tenant.to_owned()))).collect();
            let r = send(&sim, &method, &path, &headers).await;
            assert!(
                matches!(r.status, 401 | 403 | 404),
                "{} {method} {path} with the default tenant's credentials: {} {}",
                id.provider,
                r.status,
                r.text
            );
            assert!(!r.text.contains(id.other_marker), "{} {method} {path} leaked: {}", id.provider, r.text);
        }
        // Header-named tenants: the default credentials naming the other tenant.
        if let Some(h) = id.tenant_header {
            for (method, template) in routes(&sim, id.provider).await {
                if template.contains(&format!("{{{}}}", id.tenant_param)) {
                    continue;
                }
                let path = fill(&template, id.tenant_param, id.other_tenant);
                let headers: Vec<(&str, String)> =
                    id.good.iter().cloned().chain([(h, id.other_tenant.to_owned())]).collect();
                let r = send(&sim, &method, &path, &headers).await;
                assert!(
                    matches!(r.status, 401 | 403 | 404),
                    "{} {method} {path} naming the other tenant: {} {}",
                    id.provider,
                    r.status,
                    r.text
                );
                assert!(!r.text.contains(id.other_marker), "{} {method} {path} leaked: {}", id.provider, r.text);
            }
        }
    }
}
