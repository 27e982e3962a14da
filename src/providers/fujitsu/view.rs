//! Wire rendering: instances, flavors, engine versions and tokens written as JSON text
//! straight into the answer's bytes (no `Value` trees on the GET/create path).
//!
//! One instance representation for create, modify, show and the restores (the union of
//! the seed's response tables, extract 01 A30 / 02 A14), fields in the order of the
//! create table's child list (seed 876) with `autoMaintenance` (modify table, 1937) and
//! `autoScaleDisk` (show table, 5666) after it. Repairs of the printed examples:
//! everything sits inside `instance` (A21); `volume.size` is an integer (A11);
//! `readReplicaSrcDBInstance` is an object, `{}` on a non-replica (A13);
//! `pendingModifiedValues` is an object, `{}` when nothing is pending, the password
//! masked `"****"` (A22); `publicIp` and `readreplicaPublicIp` are left out when
//! `publiclyAccessible` is false (seed 943–950, 1382–1391); links have no stray spaces
//! and point at this simulator (A4); `rel` is `self` under instances and `SELF` under
//! `/flavors` as printed (extract 02 A8). Times are `YYYY-MM-DDThh:mm:ss` (UTC, no zone)
//! as every example prints them.

use super::catalog::{Engine, Flavor};
use super::model::*;
use crate::clock::SimInstant;
use crate::json_text::{self, contents, string, strings, Obj};
use crate::providers::Cx;

/// Where links point: `http://{host}/v1.0/{tenantId}/...` (the request's `Host`, so the
/// links reach this simulator; extract 01 A4).
pub struct Links<'a> {
    host: &'a str,
    tenant: &'a str,
}

impl<'a> Links<'a> {
    pub fn new(host: Option<&'a str>, tenant: &'a str) -> Self {
        let host = host.filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'));
        Links { host: host.unwrap_or("localhost"), tenant }
    }

    /// `"http://{host}/v1.0/{tenant}/{kind}/{id}"` as a JSON string.
    fn href(&self, out: &mut Vec<u8>, kind: &str, id: &str) {
        out.extend_from_slice(b"\"http://");
        contents(out, self.host);
        out.extend_from_slice(b"/v1.0/");
        contents(out, self.tenant);
        out.push(b'/');
        out.extend_from_slice(kind.as_bytes());
        out.push(b'/');
        contents(out, id);
        out.push(b'"');
    }
}

/// Two digits.
fn two(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `2020-03-18T19:09:17` (the examples' form: UTC, no zone).
fn timestamp(out: &mut Vec<u8>, cx: &Cx, t: SimInstant) {
    json_text::date_time(out, cx.clock, t, json_text::DateTimeForm { millis: false, zone: false });
}

/// `"hh:mm"` of a minute of the day.
fn hhmm(out: &mut Vec<u8>, m: u32) {
    two(out, m / 60 % 24);
    out.push(b':');
    two(out, m % 60);
}

/// `"hh24:mi-hh24:mi"`
fn daily(out: &mut Vec<u8>, d: Daily) {
    out.push(b'"');
    hhmm(out, d.start);
    out.push(b'-');
    hhmm(out, d.end);
    out.push(b'"');
}

/// `"ddd:hh24:mi-ddd:hh24:mi"`
fn weekly(out: &mut Vec<u8>, w: Weekly) {
    out.push(b'"');
    for (n, m) in [w.start, w.end].into_iter().enumerate() {
        if n > 0 {
            out.push(b'-');
        }
        out.extend_from_slice(DAYS[(m / DAY) as usize % 7].as_bytes());
        out.push(b':');
        hhmm(out, m % DAY);
    }
    out.push(b'"');
}

/// `[{"href": ..., "rel": ...}]`
fn links(out: &mut Vec<u8>, l: &Links, kind: &str, id: &str, rel: &str) {
    out.extend_from_slice(b"[{\"href\":");
    l.href(out, kind, id);
    out.extend_from_slice(b",\"rel\":");
    string(out, rel);
    out.extend_from_slice(b"}]");
}

/// `{"id": ..., "links": [...]}` of an instance's flavor.
fn flavor_ref(out: &mut Vec<u8>, id: &str, l: &Links) {
    let mut o = Obj::new(out);
    o.str("id", id);
    links(o.key("links"), l, "flavors", id, "self");
    o.end();
}

fn volume(out: &mut Vec<u8>, v: &Volume) {
    let mut o = Obj::new(out);
    o.num("size", v.size.into());
    o.str("type", &v.kind);
    o.end();
}

fn replica_ref(out: &mut Vec<u8>, r: &ReplicaRef) {
    let mut o = Obj::new(out);
    o.str("region", &r.region);
    o.str("tenantId", &r.tenant_id);
    o.str("id", &r.id);
    o.end();
}

fn pending(out: &mut Vec<u8>, p: &Pending, l: &Links) {
    let mut o = Obj::new(out);
    if let Some(f) = &p.flavor {
        flavor_ref(o.key("flavor"), f, l);
    }
    if let Some(v) = &p.volume {
        volume(o.key("volume"), v);
    }
    if let Some(port) = p.port {
        o.num("port", port.into());
    }
    if let Some(id) = &p.id {
        o.str("id", id);
    }
    if p.master_user_password {
        o.str("masterUserPassword", "****");
    }
    if let Some(v) = &p.engine_minor_version {
        o.str("engineMinorVersion", v);
    }
    if let Some(v) = p.security_update {
        o.bool("securityUpdate", v);
    }
    o.end();
}

fn recovery(out: &mut Vec<u8>, r: Option<Recovery>) {
    match r {
        None => out.extend_from_slice(b"null"),
        Some(Recovery::Immediately) => out.extend_from_slice(b"{\"applyImmediately\":true}"),
        Some(Recovery::NotImmediately) => out.extend_from_slice(b"{\"applyImmediately\":false}"),
        Some(Recovery::At(t)) => {
            out.extend_from_slice(b"{\"time\":\"");
            hhmm(out, t.0);
            out.extend_from_slice(b"\"}");
        }
    }
}

fn auto_scale(out: &mut Vec<u8>, a: &AutoScale, public: bool) {
    let mut o = Obj::new(out);
    {
        let mut v = Obj::new(o.key("volume"));
        v.bool("available", a.volume_available);
        v.num("maxSize", a.volume_max_size.into());
        daily(v.key("time"), a.volume_time);
        v.end();
    }
    {
        let mut f = Obj::new(o.key("flavor"));
        f.bool("available", a.flavor_available);
        daily(f.key("time"), a.flavor_time);
        f.end();
    }
    {
        let mut r = Obj::new(o.key("readreplica"));
        r.bool("available", a.replica_available);
        r.num("maxNumber", a.replica_max_number.into());
        strings(r.key("readreplicaIp"), a.replica_ips.iter().map(String::as_str));
        if public {
            strings(r.key("readreplicaPublicIp"), a.replica_public_ips.iter().map(String::as_str));
        }
        r.end();
    }
    o.end();
}

/// The full instance object (without the `{"instance": ...}` wrapper).
pub fn write_instance(out: &mut Vec<u8>, i: &Instance, l: &Links, cx: &Cx) {
    let mut o = Obj::new(out);
    timestamp(o.key("created"), cx, i.created);
    flavor_ref(o.key("flavor"), &i.flavor, l);
    o.str("id", &i.id);
    links(o.key("links"), l, "instances", &i.id, "self");
    o.str("name", &i.name);
    o.str("status", i.status.as_str());
    timestamp(o.key("updated"), cx, i.updated);
    volume(o.key("volume"), &i.volume);
    o.str("privateIp", &i.private_ip);
    if i.publicly_accessible {
        o.opt_str("publicIp", i.public_ip.as_deref());
    }
    o.num("port", i.port.into());
    o.str("characterSet", &i.character_set);
    o.str("collate", &i.collate);
    o.num("backupRetentionPeriod", i.backup_retention.into());
    o.str("engine", &i.engine);
    o.str("engineVersion", &i.engine_version);
    o.str("engineMinorVersion", &i.engine_minor_version);
    o.str("masterUserName", &i.master_user_name);
    o.bool("multi", i.multi);
    o.str("parameterGroupId", &i.parameter_group);
    pending(o.key("pendingModifiedValues"), &i.pending, l);
    daily(o.key("preferredBackupWindow"), i.backup_window);
    weekly(o.key("preferredMaintenanceWindow"), i.maintenance_window);
    recovery(o.key("preferredRecoveryTime"), i.recovery);
    o.bool("publiclyAccessible", i.publicly_accessible);
    // Deprecated: "常に空の list" / "常に null" (seed 1059–1071).
    o.raw("readReplicaDBInstanceIdentifiers", b"[]");
    o.null("readReplicaSrcDBInstanceIdentifier");
    match i.replica_status {
        Some(ReplicaStatus::Replicating) => o.str("replicaStatus", "Replicating"),
        Some(ReplicaStatus::Error) => o.str("replicaStatus", "Error"),
        None => o.null("replicaStatus"),
    }
    o.str("subnetId", &i.subnet_id);
    {
        let out = o.key("securityGroupIds");
        out.push(b'[');
        for (n, g) in i.security_groups.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"securityGroupId\":");
            string(out, g);
            out.push(b'}');
        }
        out.push(b']');
    }
    o.opt_str("description", i.description.as_deref());
    o.bool("downloadLogExtension", i.download_log_extension);
    {
        let out = o.key("readReplicaDBInstances");
        out.push(b'[');
        for (n, r) in i.replicas.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            replica_ref(out, r);
        }
        out.push(b']');
    }
    match &i.replica_of {
        Some(r) => replica_ref(o.key("readReplicaSrcDBInstance"), r),
        None => o.raw("readReplicaSrcDBInstance", b"{}"),
    }
    auto_scale(o.key("autoScale"), &i.auto_scale, i.publicly_accessible);
    o.bool("autoMaintenance", i.auto_maintenance);
    o.bool("autoScaleDisk", i.auto_scale.volume_available);
    o.end();
}

/// `{"instance": {...}}`
pub fn instance(i: &Instance, l: &Links, cx: &Cx) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    out.extend_from_slice(b"{\"instance\":");
    write_instance(&mut out, i, l, cx);
    out.push(b'}');
    out
}

/// A list element (seed 5085–5120): flavor, id, links, name, status, volume.
pub fn write_summary(out: &mut Vec<u8>, i: &Instance, l: &Links) {
    let mut o = Obj::new(out);
    flavor_ref(o.key("flavor"), &i.flavor, l);
    o.str("id", &i.id);
    links(o.key("links"), l, "instances", &i.id, "self");
    o.str("name", &i.name);
    o.str("status", i.status.as_str());
    volume(o.key("volume"), &i.volume);
    o.end();
}

/// `{"flavors": [{id, links, name}]}` (seed 6965–6990).
pub fn flavors(items: &[&Flavor], l: &Links) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 160 * items.len());
    out.extend_from_slice(b"{\"flavors\":[");
    for (n, f) in items.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let mut o = Obj::new(&mut out);
        o.str("id", f.id);
        o.str("name", f.name);
        links(o.key("links"), l, "flavors", f.id, "SELF");
        o.end();
    }
    out.extend_from_slice(b"]}");
    out
}

/// `{"flavor": {id, links, name, ram, vcpus, disk, swap}}` (seed 7091–7108).
pub fn flavor(f: &Flavor, l: &Links) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"flavor\":");
    let mut o = Obj::new(&mut out);
    o.str("id", f.id);
    links(o.key("links"), l, "flavors", f.id, "SELF");
    o.str("name", f.name);
    o.str("ram", f.ram);
    o.str("vcpus", f.vcpus);
    o.str("disk", f.disk);
    o.opt_str("swap", f.swap);
    o.end();
    out.push(b'}');
    out
}

fn character_set(out: &mut Vec<u8>, (name, description): (&str, &str)) {
    let mut o = Obj::new(out);
    o.str("characterSetDescription", description);
    o.str("characterSetName", name);
    o.end();
}

/// `{"dbEngineVersions": [...], "marker"?: ...}` (seed 6852–6880, under the documented
/// key; extract 02 A28).
pub fn engine_versions(items: &[&Engine], with_character_sets: bool, marker: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"{\"dbEngineVersions\":[");
    for (n, e) in items.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let mut o = Obj::new(&mut out);
        o.str("dbEngineDescription", e.description);
        o.str("dbEngineVersionDescription", e.version_description);
        o.str("dbParameterGroupFamily", e.parameter_group_family);
        o.str("engine", e.engine);
        o.str("engineVersion", e.version);
        o.str("engineMinorVersion", e.minor_version);
        character_set(o.key("defaultCharacterSet"), e.default_character_set);
        if with_character_sets {
            let out = o.key("supportedCharacterSets");
            out.push(b'[');
            for (k, cs) in e.supported_character_sets.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                character_set(out, *cs);
            }
            out.push(b']');
        } else {
            o.null("supportedCharacterSets");
        }
        strings(o.key("collates"), e.collates.iter().copied());
        o.end();
    }
    out.push(b']');
    if let Some(m) = marker {
        out.extend_from_slice(b",\"marker\":");
        string(&mut out, m);
    }
    out.push(b'}');
    out
}

/// `{"token": {"expires": ..., "tokenId": ...}}` (seed 12488–12519; `expires` as
/// ISO-8601 UTC, repairing the example's `2021-08-01T01:10:58:45Z`).
pub fn token(expires_iso: &str, token_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + token_id.len());
    out.extend_from_slice(b"{\"token\":");
    let mut o = Obj::new(&mut out);
    o.str("expires", expires_iso);
    o.str("tokenId", token_id);
    o.end();
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn catalogue_bodies_are_json() {
        let l = Links::new(Some("127.0.0.1:8080"), "t");
        let f = &super::super::catalog::FLAVORS[1];
        let v: Value = serde_json::from_slice(&flavor(f, &l)).unwrap();
        assert_eq!(
            v,
            json!({"flavor": {"id": "11", "links": [{"href": "http://127.0.0.1:8080/v1.0/t/flavors/11", "rel": "SELF"}],
                   "name": "economy", "ram": "1700", "vcpus": "1", "disk": "0", "swap": null}})
        );
        let e: Vec<&Engine> = super::super::catalog::ENGINES.iter().collect();
        let v: Value = serde_json::from_slice(&engine_versions(&e, false, Some("1"))).unwrap();
        assert_eq!(v["dbEngineVersions"][0]["collates"], json!(["C"]));
        assert_eq!(v["marker"], "1");
        let v: Value = serde_json::from_slice(&token("2025-01-01T01:00:00Z", "gAAAAAB")).unwrap();
        assert_eq!(v, json!({"token": {"expires": "2025-01-01T01:00:00Z", "tokenId": "gAAAAAB"}}));
        let mut out = Vec::new();
        Links::new(Some("bad\"host"), "t").href(&mut out, "flavors", "1");
        assert_eq!(out, b"\"http://localhost/v1.0/t/flavors/1\"");
        let mut out = Vec::new();
        weekly(&mut out, Weekly { start: 6 * DAY + 23 * 60 + 30, end: 30 });
        daily(&mut out, Daily { start: 17 * 60, end: 17 * 60 + 30 });
        assert_eq!(out, b"\"Sun:23:30-Mon:00:30\"\"17:00-17:30\"");
    }

    #[test]
    fn an_instance_renders_as_json_with_every_field() {
        
        
        
        let core = crate::provider::TestCore::new();
        let cx = core.cx(SimInstant(61_000));
        let mut i = super::super::chaos::tests::sample_instance();
        i.updated = SimInstant(61_000);
        i.recovery = Some(Recovery::At(TimeOfDay(60)));
        let l = Links::new(Some("sim:1"), "t");
        let v: Value = serde_json::from_slice(&instance(&i, &l, &cx)).unwrap();
        let v = &v["instance"];
        assert_eq!(v["updated"], cx.iso(SimInstant(61_000)).trim_end_matches('Z'));
        assert_eq!(v["links"], json!([{"href": "http://sim:1/v1.0/t/instances/db1", "rel": "self"}]));
        assert_eq!(v["preferredBackupWindow"], "12:00-12:30");
        assert_eq!(v["preferredMaintenanceWindow"], "Sun:13:00-Sun:13:30");
        assert_eq!(v["preferredRecoveryTime"], json!({"time": "01:00"}));
        assert_eq!(v["pendingModifiedValues"], json!({}));
        assert!(v.get("publicIp").is_none());
        assert_eq!(
            v.as_object().unwrap().len(),
            36,
            "the 35 of seed 876 + autoMaintenance, autoScaleDisk; no publicIp"
        );
        let mut out = Vec::new();
        write_summary(&mut out, &i, &l);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 6);
    }
}
