//! Rules of apply maintenance (seed 1.9.2.1, lines 12520–12622), one pure function per
//! rule.

use serde_json::Value;

use crate::validation::{FieldError, Rule};

use super::super::error::FujitsuError;
use super::super::model::{Instance, InstanceStatus};

/// What the request asks (seed 12560–12600): both nodes (no body), the secondary only
/// (`standby`), or the other node after a switchover (`failover`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Both,
    Standby,
    Failover,
}

fn flag(body: &Value, name: &'static str) -> Result<bool, FieldError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(FieldError::new(name, Rule::Type("boolean"))),
    }
}

/// `standby` and `failover`, each `0..1`, default false; both true is contradictory
/// (inferred: one maintains the secondary, the other the former primary).
pub fn scope(body: &Value) -> Result<Scope, FieldError> {
    match (flag(body, "standby")?, flag(body, "failover")?) {
        (true, true) => Err(FieldError::new("failover", Rule::ExcludedBy("standby"))),
        (true, false) => Ok(Scope::Standby),
        (false, true) => Ok(Scope::Failover),
        (false, false) => Ok(Scope::Both),
    }
}

/// `standby` and `failover` name the nodes of a redundant instance ("冗長構成の DB 仮想
/// サーバの場合", seed 12533): a single instance takes neither (400, inferred).
pub fn scope_needs_multi(s: Scope, multi: bool) -> Result<(), FieldError> {
    match (s, multi) {
        (Scope::Standby, false) => Err(FieldError::says("standby", "needs a redundant instance (multi=true)")),
        (Scope::Failover, false) => Err(FieldError::says("failover", "needs a redundant instance (multi=true)")),
        _ => Ok(()),
    }
}

/// Beyond the state table's `Maintenance` column: a rolling update needs the instance
/// running and idle (inferred; 422).
pub fn running(i: &Instance) -> Result<(), FujitsuError> {
    if !matches!(i.status, InstanceStatus::Active | InstanceStatus::RestartRequired) || i.transit.is_some() {
        return Err(FujitsuError::InvalidState(format!(
            "maintenance needs a running instance (ACTIVE or RESTART_REQUIRED); instance {} is {}",
            i.id,
            i.status.as_str()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_scope_is_one_of_three() {
        assert_eq!(scope(&json!({})), Ok(Scope::Both));
        assert_eq!(scope(&json!({"standby": true})), Ok(Scope::Standby));
        assert_eq!(scope(&json!({"failover": true})), Ok(Scope::Failover));
        assert_eq!(scope(&json!({"standby": true, "failover": true})).unwrap_err().field, "failover");
        assert_eq!(scope(&json!({"standby": "yes"})).unwrap_err().field, "standby");
        assert!(scope_needs_multi(Scope::Standby, false).is_err());
        assert!(scope_needs_multi(Scope::Both, false).is_ok());
    }
}
