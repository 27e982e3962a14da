//! Rules of the DB parameter-group family (seed 1.5, lines 7968–8574, and 1.1.4, lines
//! 190–197), one pure function per rule. The handlers in `super::super::paramgroups`
//! run every one before they write.

use serde_json::Value;

use crate::validation::{FieldError, Rule};

use super::super::error::FujitsuError;
use super::super::parameters::{self, Allowed, ApplyType, Param, DEFAULT_FAMILY, FAMILIES};
use super::super::wire::{mirror, ParameterGroupBody, ParameterGroupRequest, ParameterRequest};
use super::common;

/// A validated create (1.5.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    pub family: String,
    pub id: Option<String>,
    pub name: String,
    pub description: Option<String>,
}

/// `applyMethod` (seed 8514–8524).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyMethod {
    PendingReboot,
    Immediate,
}

/// One validated parameter change: `value` `None` returns it to its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub param: &'static Param,
    pub value: Option<String>,
    pub method: ApplyMethod,
}

/// A validated modify (1.5.2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifySpec {
    pub reset_all: bool,
    pub changes: Vec<Change>,
}

/// The seed bounds no list; the catalogue is small, so a longer list is a client bug.
pub const MAX_CHANGES: usize = 100;

fn request(body: &ParameterGroupBody) -> Result<&ParameterGroupRequest, FieldError> {
    common::need("parametergroup", &body.parameter_group, "object")
}

/// `parametergroup.parameterGroupFamily`: one of the four families (seed 8003–8020).
/// The cell says `1..1` but a default is printed (`enterprisepostgres_v15`): absent takes
/// the default.
pub fn family(field: &str, s: Option<&str>) -> Result<String, FieldError> {
    match s {
        None => Ok(DEFAULT_FAMILY.to_owned()),
        Some(f) if FAMILIES.contains(&f) => Ok(f.to_owned()),
        Some(_) => Err(FieldError::new(field, Rule::OneOf(FAMILIES))),
    }
}

/// `POST /parametergroups`: family, id (ID rule, 63), name (NAME rule, 255, required),
/// description (≤ 255, seed 170) — seed 8003–8068.
pub fn create_spec(body: &ParameterGroupBody) -> Result<GroupSpec, FieldError> {
    let r = request(body)?;
    let family = family("parametergroup.parameterGroupFamily", common::string("parametergroup.parameterGroupFamily", &r.parameter_group_family)?)?;
    let id = common::string("parametergroup.id", &r.id)?
        .map(|s| common::instance_id("parametergroup.id", s))
        .transpose()?;
    let name = common::need("parametergroup.name", &r.name, "string")
        .and_then(|s| common::instance_name("parametergroup.name", s))?;
    let description = common::string("parametergroup.description", &r.description)?
        .map(|s| common::max_255("parametergroup.description", s).map(str::to_owned))
        .transpose()?;
    Ok(GroupSpec { family, id, name, description })
}

/// A value of a parameter: its `allowedValues` (inferred from the field's meaning, seed
/// 8330–8336).
pub fn parameter_value(field: &str, p: &Param, v: &str) -> Result<String, FieldError> {
    match p.allowed {
        Allowed::Range(min, max) => {
            let n: i64 = v.trim().parse().map_err(|_| FieldError::new(field, Rule::Type("integer")))?;
            if !(min..=max).contains(&n) {
                return Err(FieldError::new(field, Rule::Range { min, max }));
            }
            Ok(n.to_string())
        }
        Allowed::OneOf(values) => match values.iter().find(|x| x.eq_ignore_ascii_case(v)) {
            Some(x) => Ok((*x).to_owned()),
            None => Err(FieldError::new(field, Rule::OneOf(values))),
        },
        Allowed::Any => Ok(common::max_255(field, v)?.to_owned()),
    }
}

/// "isModifiable が True のパラメーターのみ変更可能です" (seed 192).
pub fn modifiable(field: &str, p: &Param) -> Result<(), FieldError> {
    if !p.modifiable {
        return Err(FieldError::says(field, format!("'{}' is not modifiable (isModifiable false, seed 192)", p.name)));
    }
    Ok(())
}

/// "applyType が static の場合は … applyMethod には pending-reboot のみ設定可能で immediate
/// が設定された場合にはエラーとなります" (seed 193).
pub fn method_fits_type(field: &str, p: &Param, m: ApplyMethod) -> Result<(), FieldError> {
    if p.apply_type == ApplyType::Static && m == ApplyMethod::Immediate {
        return Err(FieldError::says(
            field,
            format!("'{}' is static: only pending-reboot is allowed, not immediate (seed 193)", p.name),
        ));
    }
    Ok(())
}

/// `applyMethod`: `pending-reboot` | `immediate`; absent = `pending-reboot` (inferred: the
/// one every parameter accepts).
pub fn apply_method(field: &str, s: Option<&str>) -> Result<ApplyMethod, FieldError> {
    match s {
        None | Some("pending-reboot") => Ok(ApplyMethod::PendingReboot),
        Some("immediate") => Ok(ApplyMethod::Immediate),
        Some(_) => Err(FieldError::new(field, Rule::OneOf(&["pending-reboot", "immediate"]))),
    }
}

fn value_text(field: &str, v: &Option<Value>) -> Result<Option<String>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(if *b { "on" } else { "off" }.to_owned())),
        Some(_) => Err(FieldError::new(field, Rule::Type("string"))),
    }
}

fn change(i: usize, v: &Value) -> Result<Change, FieldError> {
    let base = format!("parametergroup.parameters[{i}]");
    let r: ParameterRequest = mirror(v).ok_or_else(|| FieldError::new(base.clone(), Rule::Type("object")))?;
    let name_field = format!("{base}.name");
    let name = common::need(&name_field, &r.name, "string")?;
    let param = parameters::param(name)
        .ok_or_else(|| FieldError::says(name_field.clone(), format!("'{name}' is not a parameter of the group")))?;
    modifiable(&name_field, param)?;
    let method_field = format!("{base}.applyMethod");
    let method = apply_method(&method_field, common::string(&method_field, &r.apply_method)?)?;
    method_fits_type(&method_field, param, method)?;
    let value_field = format!("{base}.value");
    let value = value_text(&value_field, &r.value)?.map(|v| parameter_value(&value_field, param, &v)).transpose()?;
    Ok(Change { param, value, method })
}

/// `PUT /parametergroups/{id}`: `parameters` "1..1" unless `resetAllparameters` is true
/// (then it may be absent); each change checked (seed 8477–8530).
pub fn modify_spec(body: &ParameterGroupBody) -> Result<ModifySpec, FieldError> {
    let r = request(body)?;
    let reset_all = common::boolean("parametergroup.resetAllparameters", &r.reset_all_parameters)?.unwrap_or(false);
    let list = common::read("parametergroup.parameters", &r.parameters, "array")?;
    let list = match (list, reset_all) {
        (Some(l), _) => l.as_slice(),
        (None, true) => &[],
        (None, false) => return Err(FieldError::required("parametergroup.parameters")),
    };
    if list.len() > MAX_CHANGES {
        return Err(FieldError::says("parametergroup.parameters", format!("must have at most {MAX_CHANGES} elements")));
    }
    let changes = list.iter().enumerate().map(|(i, v)| change(i, v)).collect::<Result<Vec<_>, _>>()?;
    Ok(ModifySpec { reset_all, changes })
}

/// The system default group ("Default: default DB parameter group", seed 548–555) is the
/// service's: it can be neither changed nor deleted (inferred, extract 03 §1.5.2.2/5).
pub fn not_default(id: &str, default: &str, what: &str) -> Result<(), FujitsuError> {
    if id == default {
        return Err(FujitsuError::Unprocessable(format!(
            "InvalidDBParameterGroupState: '{id}' is the default DB parameter group and cannot be {what}"
        )));
    }
    Ok(())
}

/// A group still applied to instances cannot be deleted (inferred, extract 03 §1.5.2.2).
pub fn not_in_use(id: &str, applied: &[String]) -> Result<(), FujitsuError> {
    if !applied.is_empty() {
        return Err(FujitsuError::Unprocessable(format!(
            "InvalidDBParameterGroupState: '{id}' is applied to instances {}",
            applied.join(", ")
        )));
    }
    Ok(())
}

/// A group id is free in the tenant (400, like the other ids).
pub fn group_id_unused(id: &str, taken: bool) -> Result<(), FujitsuError> {
    if taken {
        return Err(FujitsuError::Duplicate(format!(
            "DBParameterGroupAlreadyExists: parametergroup.id '{id}' is already a DB parameter group of the tenant"
        )));
    }
    Ok(())
}

/// Knob `fujitsu.quota.parameterGroups` (413 is listed, seed 8083–8097; no number given).
pub fn group_quota(count: usize, max: u64) -> Result<(), FujitsuError> {
    if count as u64 >= max {
        return Err(FujitsuError::OverLimit(format!(
            "DBParameterGroupQuotaExceeded: the tenant already has {count} of {max} DB parameter groups"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> ParameterGroupBody {
        mirror(&v).unwrap()
    }

    #[test]
    fn a_static_parameter_refuses_an_immediate_apply() {
        let b = body(json!({"parametergroup": {"parameters": [{"name": "shared_buffers", "value": "1024", "applyMethod": "immediate"}]}}));
        assert_eq!(modify_spec(&b).unwrap_err().field, "parametergroup.parameters[0].applyMethod");
        let b = body(json!({"parametergroup": {"parameters": [{"name": "work_mem", "value": 8192, "applyMethod": "immediate"}]}}));
        let spec = modify_spec(&b).unwrap();
        assert_eq!((spec.changes[0].value.as_deref(), spec.changes[0].method), (Some("8192"), ApplyMethod::Immediate));
    }

    #[test]
    fn values_follow_the_allowed_values() {
        let sb = parameters::param("shared_buffers").unwrap();
        assert!(parameter_value("v", sb, "15").is_err());
        assert!(parameter_value("v", sb, "lots").is_err());
        assert_eq!(parameter_value("v", sb, "16").unwrap(), "16");
        let ls = parameters::param("log_statement").unwrap();
        assert_eq!(parameter_value("v", ls, "DDL").unwrap(), "ddl");
        assert!(parameter_value("v", ls, "some").is_err());
        let field = |v| modify_spec(&body(v)).unwrap_err().field;
        assert_eq!(field(json!({"parametergroup": {}})), "parametergroup.parameters");
        assert_eq!(field(json!({"parametergroup": {"parameters": [{"name": "nope"}]}})), "parametergroup.parameters[0].name");
        assert_eq!(field(json!({"parametergroup": {"parameters": [{"name": "shared_preload_libraries", "value": "x"}]}})), "parametergroup.parameters[0].name");
        assert!(modify_spec(&body(json!({"parametergroup": {"resetAllparameters": true}}))).is_ok());
    }

    #[test]
    fn a_create_takes_the_default_family_and_checks_the_name() {
        let s = create_spec(&body(json!({"parametergroup": {"name": "dbparam1"}}))).unwrap();
        assert_eq!(s.family, DEFAULT_FAMILY);
        let field = |v| create_spec(&body(v)).unwrap_err().field;
        assert_eq!(field(json!({"parametergroup": {"name": "p", "parameterGroupFamily": "enterprisepostgres_12"}})), "parametergroup.parameterGroupFamily");
        assert_eq!(field(json!({"parametergroup": {}})), "parametergroup.name");
        assert_eq!(field(json!({"parametergroup": {"name": "p", "id": "p_1"}})), "parametergroup.id");
    }
}
