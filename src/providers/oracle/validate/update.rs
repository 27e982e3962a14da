//! UPDATE and DELETE attributes and the instance preconditions checked at POST time
//! (spec §6.2–6.3, rows U01–U08, X01, X03). One function per row.

use super::super::error::OracleError;
use super::super::model::{Instance, InstanceOp};
use super::create::{ENTITLEMENT, MULTIVM_ENABLED, SERVICE_TYPE, SIZE};
use super::{attribute, Attrs};
use crate::validation::{FieldError, Rule};

pub const INSTANCE_ID: &str = "instanceId";

/// U01: `instanceId` (no `requestPayload.` prefix) is required.
pub fn u01_instance_id_present(attrs: &Attrs) -> Result<&str, OracleError> {
    attrs.get(INSTANCE_ID).ok_or_else(|| attribute(INSTANCE_ID, Rule::Required))
}

/// U02 (format): the numeric instance id; `csi-N` too while knob `acceptCsiPrefix` is on
/// (§15 #7: the seed says the value comes from serviceInstances, which returns `csi-…`,
/// but its examples use a bare number).
pub fn u02_instance_id(v: &str, accept_csi: bool) -> Result<u64, OracleError> {
    let digits = match v.strip_prefix("csi-") {
        Some(rest) if accept_csi => rest,
        _ => v,
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let pattern = if accept_csi { "^(csi-)?[0-9]+$" } else { "^[0-9]+$" };
        return Err(attribute(INSTANCE_ID, Rule::Pattern(pattern)));
    }
    digits.parse().map_err(|_| attribute(INSTANCE_ID, Rule::Pattern("^[0-9]+$")))
}

/// U02 (lookup): the instance exists in this identity domain.
pub fn u02_instance_known(v: &str, found: Option<Instance>) -> Result<Instance, OracleError> {
    found.ok_or_else(|| {
        OracleError::Attribute(FieldError::says(
            INSTANCE_ID,
            format!("'{v}' is not a service instance of this identity domain"),
        ))
    })
}

/// U03: `requestPayload.serviceEntitlementId` is the instance's entitlement (numeric part).
pub fn u03_entitlement_matches(v: &str, inst: &Instance) -> Result<(), OracleError> {
    let own = inst.entitlement_id.strip_prefix("cesi-").unwrap_or(&inst.entitlement_id);
    if v != own {
        return Err(OracleError::Attribute(FieldError::says(
            ENTITLEMENT,
            format!("'{v}' is not the entitlement of instance {} ({own})", inst.numeric_id),
        )));
    }
    Ok(())
}

/// U04: UPDATE needs an ACTIVE instance; DELETE an ACTIVE or FAILED_ACTIVATION one (409).
pub fn u04_instance_status(inst: &Instance, op: InstanceOp) -> Result<(), OracleError> {
    if !inst.status.can(op) {
        let verb = match op {
            InstanceOp::Update => "updated",
            InstanceOp::Delete => "deleted",
        };
        return Err(OracleError::Conflict(format!(
            "Instance {} is {} and cannot be {verb}",
            inst.numeric_id,
            inst.status.as_str()
        )));
    }
    Ok(())
}

/// U05: no other mutating operation is in flight on the instance (409 `BUSY`, §12).
pub fn u05_not_busy(inst: &Instance) -> Result<(), OracleError> {
    match &inst.in_flight {
        Some(op) => Err(OracleError::Busy { instance: inst.numeric_id.to_string(), operation: op.clone() }),
        None => Ok(()),
    }
}

/// U06: UPDATE carries EXAUNIT_ALLOCATIONS (the seed selects the Operation inside it).
pub fn u06_allocations_present<'a>(attrs: &'a Attrs, field: &str) -> Result<&'a str, OracleError> {
    attrs.get(field).ok_or_else(|| attribute(field, Rule::Required))
}

/// U07: UPDATE carries `MULTIVM_ENABLED=true` (present in every seed example).
pub fn u07_multivm_true(attrs: &Attrs) -> Result<(), OracleError> {
    match attrs.get(MULTIVM_ENABLED) {
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(()),
        None => Err(attribute(MULTIVM_ENABLED, Rule::Required)),
        Some(_) => Err(attribute(MULTIVM_ENABLED, Rule::OneOf(&["true"]))),
    }
}

/// U08: `serviceType` is `Exadata` (UPDATE and DELETE) and `size` is `CUSTOM` (UPDATE).
pub fn u08_service_type_and_size(attrs: &Attrs, with_size: bool) -> Result<(), OracleError> {
    match attrs.get(SERVICE_TYPE) {
        None => return Err(attribute(SERVICE_TYPE, Rule::Required)),
        Some(v) if !v.eq_ignore_ascii_case("Exadata") => {
            return Err(attribute(SERVICE_TYPE, Rule::OneOf(&["Exadata"])))
        }
        Some(_) => {}
    }
    if with_size {
        match attrs.get(SIZE) {
            None => return Err(attribute(SIZE, Rule::Required)),
            Some(v) if v != "CUSTOM" => return Err(attribute(SIZE, Rule::OneOf(&["CUSTOM"]))),
            Some(_) => {}
        }
    }
    Ok(())
}

/// X01: DELETE names `instanceId` and `requestPayload.serviceEntitlementId`.
pub fn x01_delete_required(attrs: &Attrs) -> Result<(&str, &str), OracleError> {
    let instance = u01_instance_id_present(attrs)?;
    let entitlement = attrs.get(ENTITLEMENT).ok_or_else(|| attribute(ENTITLEMENT, Rule::Required))?;
    Ok((instance, entitlement))
}

/// X03: DELETE of an instance already terminating or terminated (409).
pub fn x03_not_terminating(inst: &Instance) -> Result<(), OracleError> {
    if inst.status.is_terminating() {
        return Err(OracleError::Conflict(format!("Instance {} is already {}", inst.numeric_id, inst.status.as_str())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_accept_the_numeric_and_csi_forms() {
        assert_eq!(u02_instance_id("500076173", true).unwrap(), 500076173);
        assert_eq!(u02_instance_id("csi-500076173", true).unwrap(), 500076173);
        assert!(u02_instance_id("csi-500076173", false).is_err());
        assert!(u02_instance_id("abc", true).is_err());
        assert!(u02_instance_id("99999999999999999999", true).is_err());
    }
}
