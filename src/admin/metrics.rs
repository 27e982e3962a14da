//! `GET /_sim/metrics`: Prometheus text of requests, resources and transitions.

use std::fmt::Write;

use crate::sim::Core;

/// Escapes a label value (backslash, double quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub fn render(core: &Core) -> String {
    let mut out = String::new();
    let mut requests = core.requests.snapshot();
    requests.sort();
    out.push_str("# HELP dbaas_sim_requests_total Requests answered, by provider, operation and status.\n");
    out.push_str("# TYPE dbaas_sim_requests_total counter\n");
    for ((provider, operation, status), n) in requests {
        let _ = writeln!(
            out,
            "dbaas_sim_requests_total{{provider=\"{}\",operation=\"{}\",status=\"{status}\"}} {n}",
            label(provider),
            label(operation)
        );
    }
    let mut resources = core.world.resource_counts();
    resources.sort_by(|a, b| (a.provider, a.kind, &a.state).cmp(&(b.provider, b.kind, &b.state)));
    out.push_str("# HELP dbaas_sim_resources Resources, by provider, kind and state.\n");
    out.push_str("# TYPE dbaas_sim_resources gauge\n");
    for r in resources {
        let _ = writeln!(
            out,
            "dbaas_sim_resources{{provider=\"{}\",kind=\"{}\",state=\"{}\"}} {}",
            r.provider,
            r.kind,
            label(&r.state),
            r.count
        );
    }
    out.push_str("# HELP dbaas_sim_transitions_applied_total Scheduled transitions applied.\n");
    out.push_str("# TYPE dbaas_sim_transitions_applied_total counter\n");
    let _ = writeln!(out, "dbaas_sim_transitions_applied_total {}", core.lifecycle.applied());
    out.push_str("# HELP dbaas_sim_events_run_total Scheduled events run when due (each a transition or none).\n");
    out.push_str("# TYPE dbaas_sim_events_run_total counter\n");
    let _ = writeln!(out, "dbaas_sim_events_run_total {}", core.lifecycle.ran());
    out.push_str("# HELP dbaas_sim_transitions_pending Scheduled transitions not yet due.\n");
    out.push_str("# TYPE dbaas_sim_transitions_pending gauge\n");
    let _ = writeln!(out, "dbaas_sim_transitions_pending {}", core.lifecycle.len());
    out.push_str("# HELP dbaas_sim_journal_entries Entries in the request journal.\n");
    out.push_str("# TYPE dbaas_sim_journal_entries gauge\n");
    let _ = writeln!(out, "dbaas_sim_journal_entries {}", core.journal.len());
    out.push_str("# HELP dbaas_sim_journal_bytes Entry text held by the request journal (capped).\n");
    out.push_str("# TYPE dbaas_sim_journal_bytes gauge\n");
    let _ = writeln!(out, "dbaas_sim_journal_bytes {}", core.journal.bytes());
    out
}
