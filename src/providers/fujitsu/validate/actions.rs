//! The operations that share a method and path, told apart by the body (seed 1.2.1,
//! lines 292–313): three on `POST /instances` (create 1.2.2.1, restore from a snapshot
//! 1.2.2.4 with `action.restoresnapshot`, read replica 1.2.2.12 with `action.readreplica`)
//! and four on `POST /instances/{id}/action` (`start` 1.2.2.6, `stop` 1.2.2.7, `reboot`
//! 1.2.2.8, `cancel` 1.2.2.11). The flag keys' values are ignored (the examples send
//! `""`); an `action` with no known key, an unknown key or two keys is 400 (extract 02
//! §1.1, §1.3).

use serde_json::{Map, Value};

use crate::validation::{FieldError, Rule};

use super::super::wire::ActionBody;
use super::common::*;

/// Which operation a `POST /instances` body asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostInstances {
    Create,
    RestoreSnapshot,
    ReadReplica,
}

/// `action` absent: create; `action.restoresnapshot`: restore; `action.readreplica`:
/// replica; anything else: 400 naming `action`.
pub fn post_instances(action: Option<&Map<String, Value>>) -> Result<PostInstances, FieldError> {
    let Some(action) = action else { return Ok(PostInstances::Create) };
    let (restore, replica) = (action.contains_key("restoresnapshot"), action.contains_key("readreplica"));
    if let Some(k) = action.keys().find(|k| *k != "restoresnapshot" && *k != "readreplica") {
        return Err(FieldError::says(
            format!("action.{k}"),
            "is not an action of POST /instances (restoresnapshot, readreplica)",
        ));
    }
    match (restore, replica) {
        (true, true) => Err(FieldError::new("action.readreplica", Rule::ExcludedBy("action.restoresnapshot"))),
        (true, false) => Ok(PostInstances::RestoreSnapshot),
        (false, true) => Ok(PostInstances::ReadReplica),
        (false, false) => {
            Err(FieldError::says("action", "must contain restoresnapshot or readreplica (or be omitted)"))
        }
    }
}

/// An action of `POST /instances/{id}/action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `applyPatch` (seed 4817–4824).
    Start {
        apply_patch: bool,
    },
    Stop,
    /// `failover` (seed 4990–4997) takes effect only on a redundant instance.
    Reboot {
        failover: bool,
        apply_patch: bool,
    },
    Cancel,
}

const KEYS: [&str; 4] = ["start", "stop", "reboot", "cancel"];

/// The action key of a body, without validating the rest (the journal's operation name).
pub fn action_key(action: &Map<String, Value>) -> Option<&'static str> {
    let mut found = KEYS.into_iter().filter(|k| action.contains_key(*k));
    let first = found.next();
    first.filter(|_| found.next().is_none())
}

/// A flag read inside `action` first (the reboot example), else at the top level (the
/// tables' Parent Element `None`; extract 02 A4).
fn flag(action: &Map<String, Value>, top: &super::super::wire::Opt<bool>, name: &str) -> Result<bool, FieldError> {
    match action.get(name) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Null) | None => Ok(boolean(name, top)?.unwrap_or(false)),
        Some(_) => Err(FieldError::new(format!("action.{name}"), Rule::Type("boolean"))),
    }
}

/// `{"action": {"<key>": ""}}` with exactly one of start, stop, reboot, cancel.
pub fn instance_action(body: &ActionBody) -> Result<Action, FieldError> {
    let action = need("action", &body.action, "object")?;
    let extra = action.keys().find(|k| !KEYS.contains(&k.as_str()) && *k != "failover" && *k != "applyPatch");
    if let Some(k) = extra {
        return Err(FieldError::says(format!("action.{k}"), "is not an action (start, stop, reboot, cancel)"));
    }
    let key = action_key(action).ok_or_else(|| {
        let n = KEYS.iter().filter(|k| action.contains_key(**k)).count();
        if n == 0 {
            FieldError::says("action", "must contain one of start, stop, reboot, cancel")
        } else {
            FieldError::says("action", "must contain only one of start, stop, reboot, cancel")
        }
    })?;
    Ok(match key {
        "start" => Action::Start { apply_patch: flag(action, &body.apply_patch, "applyPatch")? },
        "stop" => Action::Stop,
        "reboot" => Action::Reboot {
            failover: flag(action, &body.failover, "failover")?,
            apply_patch: flag(action, &body.apply_patch, "applyPatch")?,
        },
        _ => Action::Cancel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::mirror;
    use serde_json::json;

    fn act(v: Value) -> Result<Action, FieldError> {
        instance_action(&mirror(&v).unwrap())
    }

    #[test]
    fn post_instances_dispatches_on_the_action_key() {
        let m = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(post_instances(None), Ok(PostInstances::Create));
        assert_eq!(post_instances(Some(&m(json!({"restoresnapshot": ""})))), Ok(PostInstances::RestoreSnapshot));
        assert_eq!(post_instances(Some(&m(json!({"readreplica": null})))), Ok(PostInstances::ReadReplica));
        assert_eq!(post_instances(Some(&m(json!({})))).unwrap_err().field, "action");
        assert_eq!(
            post_instances(Some(&m(json!({"restoresnapshot": "", "readreplica": ""})))).unwrap_err().field,
            "action.readreplica"
        );
        assert_eq!(post_instances(Some(&m(json!({"start": ""})))).unwrap_err().field, "action.start");
    }

    #[test]
    fn instance_actions_take_one_key_and_flags_in_either_place() {
        assert_eq!(act(json!({"action": {"start": ""}})), Ok(Action::Start { apply_patch: false }));
        assert_eq!(act(json!({"action": {"start": ""}, "applyPatch": true})), Ok(Action::Start { apply_patch: true }));
        assert_eq!(act(json!({"action": {"stop": ""}})), Ok(Action::Stop));
        assert_eq!(
            act(json!({"action": {"reboot": "", "failover": true}, "failover": false})),
            Ok(Action::Reboot { failover: true, apply_patch: false }),
            "action.* wins"
        );
        assert_eq!(act(json!({"action": {"cancel": ""}})), Ok(Action::Cancel));
        assert_eq!(act(json!({})).unwrap_err().field, "action");
        assert_eq!(act(json!({"action": {}})).unwrap_err().field, "action");
        assert_eq!(act(json!({"action": {"start": "", "stop": ""}})).unwrap_err().field, "action");
        assert_eq!(act(json!({"action": {"resize": ""}})).unwrap_err().field, "action.resize");
        assert_eq!(act(json!({"action": {"reboot": "", "failover": "no"}})).unwrap_err().field, "action.failover");
        assert_eq!(act(json!({"action": {"reboot": ""}, "applyPatch": 1})).unwrap_err().field, "applyPatch");
        assert_eq!(act(json!({"action": "start"})).unwrap_err().field, "action");
    }
}
