//! CREATE attributes (spec §6.1, checklist rows C01–C24). One function per row.
//!
//! Attribute names are the normalised names of §5.1; errors name them.

use super::super::capacity::{self, RackSize};
use super::super::error::OracleError;
use super::super::model::{Entitlement, EntitlementStatus, Person};
use super::{attribute, exa_unit_name, network, yes_no, Attrs};
use crate::validation::{FieldError, Rule};

pub const NAME: &str = "requestPayload.name";
pub const ENTITLEMENT: &str = "requestPayload.serviceEntitlementId";
pub const SIZE: &str = "requestPayload.size";
pub const SERVICE_TYPE: &str = "requestPayload.serviceType";
pub const EXA_UNIT_NAME: &str = "requestPayload.customAttributes.ExaUnitName";
pub const CREATE_SPARSE: &str = "requestPayload.customAttributes.CreateSparse";
pub const BACKUP_TO_DISK: &str = "requestPayload.customAttributes.BackupToDisk";
pub const IS_BYOL: &str = "requestPayload.customAttributes.isBYOL";
pub const PICK_RACK_SIZE: &str = "requestPayload.customAttributes.PickRackSize";
pub const SELECTED_DC_ID: &str = "requestPayload.customAttributes.SELECTED_DC_ID";
pub const CLIENT_NETWORK: &str = "requestPayload.customAttributes.ClientNetwork";
pub const BACKUP_NETWORK: &str = "requestPayload.customAttributes.BackupNetwork";
pub const EXAUNIT_ALLOCATIONS: &str = "requestPayload.customAttributes.EXAUNIT_ALLOCATIONS";
pub const MULTIVM_ENABLED: &str = "requestPayload.customAttributes.MULTIVM_ENABLED";

fn invalid(e: FieldError) -> OracleError {
    OracleError::Attribute(e)
}

fn required<'a>(attrs: &'a Attrs, field: &str) -> Result<&'a str, OracleError> {
    attrs.get(field).ok_or_else(|| attribute(field, Rule::Required))
}

/// C01: `requestPayload.name` is required.
pub fn c01_name_present(attrs: &Attrs) -> Result<&str, OracleError> {
    required(attrs, NAME)
}

/// C02: at most 25 characters (seed: 「25文字より長くすることはできません」).
pub fn c02_name_length(name: &str) -> Result<(), OracleError> {
    if name.chars().count() > 25 {
        return Err(invalid(FieldError::says(NAME, "must be at most 25 characters")));
    }
    Ok(())
}

/// C03: starts with a letter (seed: 「文字で始める必要があります」).
pub fn c03_name_starts_with_letter(name: &str) -> Result<(), OracleError> {
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err(invalid(FieldError::says(NAME, "must start with a letter")));
    }
    Ok(())
}

/// C04: lowercase letters and digits only, no spaces or special characters (seed). The
/// seed's own `newinstanceName` breaks this; knob `strictInstanceNames=false` lower-cases
/// the name first (§15 #8).
pub fn c04_name_charset(name: &str) -> Result<(), OracleError> {
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Err(invalid(FieldError::says(NAME, "may contain only lowercase letters and digits")));
    }
    Ok(())
}

/// C02–C04 in order, after the knob's optional lower-casing.
pub fn instance_name(raw: &str, strict: bool) -> Result<String, OracleError> {
    let name = if strict { raw.to_owned() } else { raw.to_ascii_lowercase() };
    c02_name_length(&name)?;
    c03_name_starts_with_letter(&name)?;
    c04_name_charset(&name)?;
    Ok(name)
}

/// C05: unique within the identity domain among instances that hold their name (409).
pub fn c05_name_unique(name: &str, taken: bool) -> Result<(), OracleError> {
    if taken {
        return Err(OracleError::Conflict(format!("{NAME} '{name}' is already used in this identity domain")));
    }
    Ok(())
}

/// C06: `requestPayload.serviceEntitlementId` is required.
pub fn c06_entitlement_present(attrs: &Attrs) -> Result<&str, OracleError> {
    required(attrs, ENTITLEMENT)
}

/// C07: the `cesi-`/`sub-` prefix must not be included (seed: 「接頭辞cesi-やsub-は使用できません」).
pub fn c07_entitlement_prefix(v: &str) -> Result<(), OracleError> {
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("cesi-") || lower.starts_with("sub-") {
        return Err(invalid(FieldError::says(
            ENTITLEMENT,
            "must not include the 'cesi-' or 'sub-' prefix; give the numeric part only",
        )));
    }
    Ok(())
}

/// C08: numeric, and an entitlement of this identity domain.
pub fn c08_entitlement_known(v: &str, found: Option<Entitlement>) -> Result<Entitlement, OracleError> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(FieldError::new(ENTITLEMENT, Rule::Pattern("^[0-9]+$"))));
    }
    found.ok_or_else(|| {
        invalid(FieldError::says(ENTITLEMENT, format!("'{v}' is not a service entitlement of this identity domain")))
    })
}

/// C09: the entitlement is for the Exadata service definition.
pub fn c09_entitlement_exadata(e: &Entitlement, definition_name: &str) -> Result<(), OracleError> {
    if definition_name != "Exadata" {
        return Err(invalid(FieldError::says(
            ENTITLEMENT,
            format!("'{}' is an entitlement for {definition_name}, not Exadata", e.numeric()),
        )));
    }
    Ok(())
}

/// C10: the entitlement is ACTIVE (409).
pub fn c10_entitlement_active(e: &Entitlement) -> Result<(), OracleError> {
    if e.status != EntitlementStatus::Active {
        return Err(OracleError::Conflict(format!(
            "Service entitlement {} is {}, not ACTIVE",
            e.id,
            e.status.as_str()
        )));
    }
    Ok(())
}

/// C11: fewer live instances than the entitlement's `maxInstances` (409).
pub fn c11_entitlement_slots(e: &Entitlement, live: u64) -> Result<(), OracleError> {
    if live >= e.max_instances {
        return Err(OracleError::Conflict(format!(
            "Service entitlement {} already has {live} of {} instance(s)",
            e.id, e.max_instances
        )));
    }
    Ok(())
}

/// C12: `requestPayload.size` is `CUSTOM`.
pub fn c12_size(attrs: &Attrs) -> Result<(), OracleError> {
    let v = required(attrs, SIZE)?;
    if v != "CUSTOM" {
        return Err(attribute(SIZE, Rule::OneOf(&["CUSTOM"])));
    }
    Ok(())
}

/// C13: `requestPayload.serviceType` is `Exadata` (case-insensitive).
pub fn c13_service_type(attrs: &Attrs) -> Result<(), OracleError> {
    let v = required(attrs, SERVICE_TYPE)?;
    if !v.eq_ignore_ascii_case("Exadata") {
        return Err(attribute(SERVICE_TYPE, Rule::OneOf(&["Exadata"])));
    }
    Ok(())
}

fn is_email(v: &str) -> bool {
    let Some((local, host)) = v.split_once('@') else { return false };
    let clean = |s: &str| !s.is_empty() && !s.contains('@') && !s.chars().any(char::is_whitespace);
    clean(local) && clean(host) && host.split_once('.').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
}

/// C14: the eight `admin*`/`invokerAdmin*` attributes (required while knob
/// `requireAdminAttributes` is on, §15 #13): non-empty, ≤255 characters, e-mails well formed.
pub fn c14_admins(attrs: &Attrs, required_on: bool) -> Result<(Person, Person), OracleError> {
    let person = |prefix: &str| -> Result<Person, OracleError> {
        let mut p = Person::default();
        for (suffix, slot) in [
            ("UserName", &mut p.user_name),
            ("Email", &mut p.email),
            ("FirstName", &mut p.first_name),
            ("LastName", &mut p.last_name),
        ] {
            let field = format!("requestPayload.{prefix}{suffix}");
            let v = match attrs.get(&field) {
                Some(v) => v,
                None if required_on => return Err(attribute(field, Rule::Required)),
                None => continue,
            };
            if v.chars().count() > 255 {
                return Err(invalid(FieldError::says(field, "must be at most 255 characters")));
            }
            if suffix == "Email" && !is_email(v) {
                return Err(invalid(FieldError::says(field, "must be an e-mail address")));
            }
            *slot = Some(v.to_owned());
        }
        Ok(p)
    };
    Ok((person("admin")?, person("invokerAdmin")?))
}

/// C15: `ExaUnitName` is required and a valid cluster name (§15 #25).
pub fn c15_exa_unit_name(attrs: &Attrs) -> Result<String, OracleError> {
    exa_unit_name(EXA_UNIT_NAME, required(attrs, EXA_UNIT_NAME)?).map_err(invalid)
}

/// C16: `CreateSparse`, `BackupToDisk` and `isBYOL` are required.
pub fn c16_flag_present<'a>(attrs: &'a Attrs, field: &str) -> Result<&'a str, OracleError> {
    required(attrs, field)
}

/// C17: those flags are `Y` or `N` (case-insensitive, stored uppercase).
pub fn c17_flag_value(field: &str, v: &str) -> Result<bool, OracleError> {
    yes_no(field, v).map_err(invalid)
}

/// C18: `PickRackSize` is required.
pub fn c18_rack_size_present(attrs: &Attrs) -> Result<&str, OracleError> {
    required(attrs, PICK_RACK_SIZE)
}

/// C19: `PickRackSize` is a known label (§8.1) that the entitlement's purchase allows.
pub fn c19_rack_size_allowed(label: &str, e: &Entitlement) -> Result<RackSize, OracleError> {
    let refuse = || {
        invalid(FieldError::message(
            PICK_RACK_SIZE,
            format!("PickRackSize '{label}' is not available for this entitlement"),
        ))
    };
    let rack = capacity::normalise_rack_label(label).ok_or_else(refuse)?;
    if !e.allowed_rack_sizes.iter().any(|a| capacity::normalise_rack_label(a) == Some(rack)) {
        return Err(refuse());
    }
    Ok(rack)
}

/// C20: `SELECTED_DC_ID` is required.
pub fn c20_data_center_present(attrs: &Attrs) -> Result<&str, OracleError> {
    required(attrs, SELECTED_DC_ID)
}

/// C21: `SELECTED_DC_ID` is one of the entitlement's eligible data centers (exact match).
pub fn c21_data_center_eligible(dc: &str, e: &Entitlement) -> Result<(), OracleError> {
    if !e.eligible_data_centers.iter().any(|d| d == dc) {
        return Err(invalid(FieldError::says(
            SELECTED_DC_ID,
            format!("'{dc}' is not an eligible data center of {} ({})", e.id, e.eligible_data_centers.join(", ")),
        )));
    }
    Ok(())
}

/// C22: `ClientNetwork` and `BackupNetwork` come together, each non-empty (§15 #12).
pub fn c22_networks(attrs: &Attrs) -> Result<(Option<String>, Option<String>), OracleError> {
    let one = |field: &str| -> Result<Option<String>, OracleError> {
        if !attrs.has(field) {
            return Ok(None);
        }
        network(field, attrs.get(field).unwrap_or("")).map(Some).map_err(invalid)
    };
    let (client, backup) = (one(CLIENT_NETWORK)?, one(BACKUP_NETWORK)?);
    match (&client, &backup) {
        (Some(_), None) => Err(invalid(FieldError::says(BACKUP_NETWORK, format!("is required with {CLIENT_NETWORK}")))),
        (None, Some(_)) => Err(invalid(FieldError::says(CLIENT_NETWORK, format!("is required with {BACKUP_NETWORK}")))),
        _ => Ok((client, backup)),
    }
}

/// C24: `MULTIVM_ENABLED` is `true` or `false` (case-insensitive) when given.
pub fn c24_multivm_value(attrs: &Attrs) -> Result<Option<bool>, OracleError> {
    if !attrs.has(MULTIVM_ENABLED) {
        return Ok(None);
    }
    match attrs.get(MULTIVM_ENABLED).map(str::to_ascii_lowercase).as_deref() {
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        _ => Err(attribute(MULTIVM_ENABLED, Rule::OneOf(&["true", "false"]))),
    }
}

/// C23: `EXAUNIT_ALLOCATIONS` only with `MULTIVM_ENABLED=true`, and `true` only with it.
pub fn c23_multivm_pairing(multi: Option<bool>, has_allocations: bool) -> Result<(), OracleError> {
    match (multi, has_allocations) {
        (Some(true), false) => {
            Err(invalid(FieldError::says(EXAUNIT_ALLOCATIONS, format!("is required when {MULTIVM_ENABLED} is true"))))
        }
        (Some(false) | None, true) => {
            Err(invalid(FieldError::says(MULTIVM_ENABLED, format!("must be true when {EXAUNIT_ALLOCATIONS} is given"))))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimInstant;
    use crate::providers::oracle::capacity::Model;

    fn ent() -> Entitlement {
        Entitlement {
            id: "cesi-500073421".into(),
            service_definition_id: "502579309".into(),
            purchase_entitlement_id: "511203590".into(),
            status: EntitlementStatus::Active,
            eligible_data_centers: vec!["US001".into()],
            allowed_rack_sizes: vec!["Quarter Rack".into(), "Half Rack".into()],
            model: Model::X7_2,
            additional_cores: 0,
            burst_cores: 0,
            max_instances: 1,
            created_on: SimInstant::ZERO,
            created_by: "a".into(),
            modified_on: SimInstant::ZERO,
            modified_by: "a".into(),
        }
    }

    #[test]
    fn name_rules_follow_the_seed() {
        assert_eq!(instance_name("prodexa01", true).unwrap(), "prodexa01");
        assert!(instance_name("newinstanceName", true).is_err());
        assert_eq!(instance_name("newinstanceName", false).unwrap(), "newinstancename");
        assert!(instance_name("a234567890123456789012345", true).is_ok());
        assert!(instance_name("a2345678901234567890123456", true).is_err());
        assert!(instance_name("1abc", true).is_err());
        assert!(instance_name("ab c", true).is_err());
        assert!(instance_name("ab-c", true).is_err());
    }

    #[test]
    fn entitlement_rules() {
        assert!(c07_entitlement_prefix("cesi-500073421").is_err());
        assert!(c07_entitlement_prefix("SUB-1").is_err());
        assert!(c07_entitlement_prefix("500073421").is_ok());
        assert!(c08_entitlement_known("5x", Some(ent())).is_err());
        assert!(c08_entitlement_known("1", None).is_err());
        let mut e = ent();
        assert!(c10_entitlement_active(&e).is_ok());
        e.status = EntitlementStatus::Suspended;
        assert!(matches!(c10_entitlement_active(&e), Err(OracleError::Conflict(_))));
        assert!(matches!(c11_entitlement_slots(&ent(), 1), Err(OracleError::Conflict(_))));
        assert!(c09_entitlement_exadata(&ent(), "Storage").is_err());
    }

    #[test]
    fn rack_and_data_center_come_from_the_entitlement() {
        assert_eq!(c19_rack_size_allowed("Quarter Rack", &ent()).unwrap(), RackSize::Quarter);
        assert!(c19_rack_size_allowed("Full Rack", &ent()).is_err());
        assert!(c19_rack_size_allowed("Huge Rack", &ent()).is_err());
        assert!(c21_data_center_eligible("US001", &ent()).is_ok());
        assert!(c21_data_center_eligible("us001", &ent()).is_err());
    }

    #[test]
    fn multivm_pairing() {
        assert!(c23_multivm_pairing(Some(true), true).is_ok());
        assert!(c23_multivm_pairing(None, false).is_ok());
        assert!(c23_multivm_pairing(Some(false), false).is_ok());
        assert!(c23_multivm_pairing(Some(true), false).is_err());
        assert!(c23_multivm_pairing(None, true).is_err());
        assert!(is_email("john.smith@example.com"));
        assert!(!is_email("john.smith@example"));
        assert!(!is_email("a b@example.com"));
    }
}
