//! Rules of the security-group families (seed 1.11, lines 12691–13450; 1.12, lines
//! 13451–14049), one pure function per rule. The seed states the field lists, the
//! `direction` and `protocol` values and `stateful`'s default; port ranges and CIDRs
//! follow Neutron's rules (the API's shape is Neutron's), marked "inferred".

use serde_json::Value;

use crate::validation::{FieldError, Rule};

use super::super::wire::{In, SecurityGroupBody, SecurityGroupRequest, SecurityGroupRuleRequest};
use super::common;

/// A validated group create or update (`None`: unchanged / default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    pub name: Option<String>,
    pub description: Option<String>,
    pub stateful: Option<bool>,
}

fn group(body: &SecurityGroupBody) -> Result<&SecurityGroupRequest, FieldError> {
    common::need("security_group", &body.security_group, "object")
}

/// `security_group.name`: required at create (seed 12730); no format is printed, so
/// 1–255 characters (seed 170).
pub fn group_name(field: &str, s: &str) -> Result<String, FieldError> {
    if s.is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    Ok(common::max_255(field, s)?.to_owned())
}

fn fields(r: &SecurityGroupRequest) -> Result<GroupSpec, FieldError> {
    Ok(GroupSpec {
        name: common::string("security_group.name", &r.name)?.map(|s| group_name("security_group.name", s)).transpose()?,
        description: common::string("security_group.description", &r.description)?
            .map(|s| common::max_255("security_group.description", s).map(str::to_owned))
            .transpose()?,
        stateful: common::boolean("security_group.stateful", &r.stateful)?,
    })
}

/// `POST security-groups` (seed 12706–12780): `name` 1..1.
pub fn create_spec(body: &SecurityGroupBody) -> Result<GroupSpec, FieldError> {
    let spec = fields(group(body)?)?;
    if spec.name.is_none() {
        return Err(FieldError::required("security_group.name"));
    }
    Ok(spec)
}

/// `PUT security-groups/{id}` (seed 12939–13010): every field optional, one at least
/// (inferred: an empty change is a client bug).
pub fn update_spec(body: &SecurityGroupBody) -> Result<GroupSpec, FieldError> {
    let spec = fields(group(body)?)?;
    if spec.name.is_none() && spec.description.is_none() && spec.stateful.is_none() {
        return Err(FieldError::says("security_group", "must change name, description or stateful"));
    }
    Ok(spec)
}

/// A rule's protocol (seed 13540–13560): null, a name with its number, or 0–142.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    Any,
    Named(&'static str),
    Number(u8),
}

impl Protocol {
    pub fn wire(&self) -> Value {
        match self {
            Protocol::Any => Value::Null,
            Protocol::Named(n) => Value::String((*n).to_owned()),
            Protocol::Number(n) => Value::String(n.to_string()),
        }
    }

    fn ported(&self) -> Option<&'static str> {
        match self {
            Protocol::Named(n @ ("tcp" | "udp")) => Some(n),
            Protocol::Number(6) => Some("tcp"),
            Protocol::Number(17) => Some("udp"),
            Protocol::Named(n @ ("icmp" | "icmpv6")) => Some(n),
            Protocol::Number(1) => Some("icmp"),
            _ => None,
        }
    }
}

/// "「string」、「integer」または「null」が指定できます": `icmp`/1, `icmpv6`/8 (sic), `tcp`/6,
/// `udp`/17, or any integer 0–142 (seed 13540–13560).
pub fn protocol(field: &str, v: Option<&Value>) -> Result<Protocol, FieldError> {
    const NAMES: &[&str] = &["icmp", "icmpv6", "tcp", "udp"];
    let number = |n: i64| -> Result<Protocol, FieldError> {
        u8::try_from(n).ok().filter(|n| *n <= 142).map(Protocol::Number).ok_or_else(|| FieldError::new(field, Rule::Range { min: 0, max: 142 }))
    };
    match v {
        None | Some(Value::Null) => Ok(Protocol::Any),
        Some(Value::Number(n)) => number(n.as_i64().unwrap_or(-1)),
        Some(Value::String(s)) => match NAMES.iter().find(|x| x.eq_ignore_ascii_case(s)) {
            Some(name) => Ok(Protocol::Named(name)),
            None => s.trim().parse::<i64>().map_err(|_| FieldError::says(field, "must be icmp, icmpv6, tcp, udp, an integer 0-142 or null")).and_then(number),
        },
        Some(_) => Err(FieldError::new(field, Rule::Type("string"))),
    }
}

/// `port_range_min` / `port_range_max` (inferred, Neutron): with tcp/udp 1–65535 and
/// min ≤ max; with icmp the type and code, 0–255; with no protocol, none.
pub fn port_range(p: &Protocol, min: Option<i64>, max: Option<i64>) -> Result<(Option<u16>, Option<u16>), FieldError> {
    if min.is_none() && max.is_none() {
        return Ok((None, None));
    }
    let (lo, hi) = match p.ported() {
        Some("tcp" | "udp") => (1, 65_535),
        Some(_) => (0, 255),
        None => return Err(FieldError::says("security_group_rule.port_range_min", "needs a protocol tcp, udp or icmp")),
    };
    let check = |field: &str, v: Option<i64>| -> Result<Option<u16>, FieldError> {
        match v {
            None => Ok(None),
            Some(n) if (lo..=hi).contains(&n) => Ok(Some(n as u16)),
            Some(_) => Err(FieldError::new(field, Rule::Range { min: lo, max: hi })),
        }
    };
    let a = check("security_group_rule.port_range_min", min)?;
    let b = check("security_group_rule.port_range_max", max)?;
    if let (Some(a), Some(b), Some("tcp" | "udp")) = (a, b, p.ported()) {
        if a > b {
            return Err(FieldError::says("security_group_rule.port_range_max", "must not be below port_range_min"));
        }
    }
    Ok((a, b))
}

/// `remote_ip_prefix`: an IPv4 CIDR ("「0.0.0.0/0」… 全通信を許可", seed 13600); host
/// bits are cleared, as Neutron does.
pub fn remote_ip_prefix(field: &str, s: &str) -> Result<String, FieldError> {
    let bad = || FieldError::says(field, "must be an IPv4 CIDR such as 192.168.0.0/24");
    let (addr, bits) = s.split_once('/').ok_or_else(bad)?;
    let addr: std::net::Ipv4Addr = addr.parse().map_err(|_| bad())?;
    let bits: u32 = bits.parse().ok().filter(|b| *b <= 32).ok_or_else(bad)?;
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    Ok(format!("{}/{bits}", std::net::Ipv4Addr::from(u32::from(addr) & mask)))
}

/// A validated rule create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub security_group_id: String,
    pub direction: String,
    pub protocol: Protocol,
    pub ethertype: String,
    pub port_range_min: Option<u16>,
    pub port_range_max: Option<u16>,
    pub remote_ip_prefix: Option<String>,
    pub description: String,
}

fn int(field: &str, v: &Option<Value>) -> Result<Option<i64>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| FieldError::new(field, Rule::Type("integer"))),
        Some(_) => Err(FieldError::new(field, Rule::Type("integer"))),
    }
}

/// `POST security-group-rules` (seed 13465–13620).
pub fn rule_spec(r: Option<&SecurityGroupRuleRequest>) -> Result<RuleSpec, FieldError> {
    let r = r.ok_or_else(|| FieldError::required("security_group_rule"))?;
    let security_group_id = common::need("security_group_rule.security_group_id", &r.security_group_id, "string")?.clone();
    let direction = common::need("security_group_rule.direction", &r.direction, "string")?;
    if !matches!(direction.as_str(), "ingress" | "egress") {
        return Err(FieldError::new("security_group_rule.direction", Rule::OneOf(&["ingress", "egress"])));
    }
    let ethertype = match common::string("security_group_rule.ethertype", &r.ethertype)? {
        None | Some("IPv4") => "IPv4".to_owned(),
        // "IPv4 を指定可能です" (seed 13570).
        Some(_) => return Err(FieldError::new("security_group_rule.ethertype", Rule::OneOf(&["IPv4"]))),
    };
    let protocol = protocol("security_group_rule.protocol", r.protocol.as_ref())?;
    let (port_range_min, port_range_max) = port_range(
        &protocol,
        int("security_group_rule.port_range_min", &r.port_range_min)?,
        int("security_group_rule.port_range_max", &r.port_range_max)?,
    )?;
    let remote_ip_prefix = match &r.remote_ip_prefix {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(remote_ip_prefix("security_group_rule.remote_ip_prefix", s)?),
        Some(_) => return Err(FieldError::new("security_group_rule.remote_ip_prefix", Rule::Type("string"))),
    };
    let description = match &r.description {
        None => String::new(),
        Some(In::Ok(s)) => common::max_255("security_group_rule.description", s)?.to_owned(),
        Some(In::Wrong) => return Err(FieldError::new("security_group_rule.description", Rule::Type("string"))),
    };
    Ok(RuleSpec {
        security_group_id,
        direction: direction.clone(),
        protocol,
        ethertype,
        port_range_min,
        port_range_max,
        remote_ip_prefix,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protocols_ports_and_prefixes_follow_the_rules() {
        assert_eq!(protocol("p", Some(&json!("TCP"))), Ok(Protocol::Named("tcp")));
        assert_eq!(protocol("p", Some(&json!(17))), Ok(Protocol::Number(17)));
        assert!(protocol("p", Some(&json!(143))).is_err());
        assert!(protocol("p", Some(&json!("sctp"))).is_err());
        let tcp = Protocol::Named("tcp");
        assert_eq!(port_range(&tcp, Some(26500), Some(26500)), Ok((Some(26500), Some(26500))));
        assert!(port_range(&tcp, Some(0), None).is_err());
        assert!(port_range(&tcp, Some(10), Some(9)).is_err());
        assert!(port_range(&Protocol::Any, Some(1), None).is_err());
        assert_eq!(remote_ip_prefix("r", "192.168.0.7/24").unwrap(), "192.168.0.0/24");
        assert!(remote_ip_prefix("r", "192.168.0.0").is_err());
    }
}
