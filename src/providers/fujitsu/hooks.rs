//! `/_sim/fujitsu/...` control hooks.
//!
//! - `GET state-table`: the seed's state × operation table as the simulator enforces it
//!   (`model::table`), `{"rows": [{"status": "ACTIVE", "operation": "modify", "allowed":
//!   true}, ...], "states": [...], "operations": [...]}`, so black-box tests can walk every
//!   cell without copying the table.
//! - `GET operations`: every operation name the journal can record for Fujitsu.
//!
//! May touch: `model`, `openapi` (read only).

use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use super::model::{table, InstanceStatus, OpKind};
use super::openapi;
use crate::http::{Reply, Request};

pub fn handle(req: &Request, segs: &[&str]) -> Option<Reply> {
    let body: Value = match (segs, &req.method) {
        (["state-table"], &Method::GET) => {
            let rows: Vec<Value> = table()
                .into_iter()
                .map(|(s, op, allowed)| json!({"status": s.as_str(), "operation": op.as_str(), "allowed": allowed}))
                .collect();
            json!({
                "states": InstanceStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                "operations": OpKind::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
                "rows": rows,
            })
        }
        (["operations"], &Method::GET) => json!({"operations": openapi::operation_names()}),
        _ => return None,
    };
    Some(Reply::json(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_table_is_served_cell_by_cell() {
        let req = Request::new(Method::GET, "/_sim/fujitsu/state-table", "");
        let reply = handle(&req, &["state-table"]).expect("a hook");
        let v = reply.body_json().expect("JSON");
        assert_eq!(v["rows"].as_array().map(Vec::len), Some(15 * 16));
        let cell = |s: &str, op: &str| {
            v["rows"].as_array().unwrap().iter().find(|r| r["status"] == s && r["operation"] == op).unwrap()["allowed"]
                .clone()
        };
        assert_eq!(cell("SHUTDOWN", "modifyImmediately"), json!(false));
        assert_eq!(cell("FAILED", "resizeDisk"), json!(true));
        assert!(handle(&Request::new(Method::POST, "/x", ""), &["state-table"]).is_none());
        let ops = handle(&req, &["operations"]).unwrap().body_json().unwrap();
        assert!(ops["operations"].as_array().unwrap().iter().any(|o| o == "cancelInstanceOperation"));
    }
}
