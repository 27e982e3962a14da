//! Field rules shared by the instance operations: ids and names, sizes, ports, engine
//! fields, passwords, databases and users, autoScale limits, and typed reads of the
//! request mirrors. One pure function per rule, named after its field; each cites the
//! seed lines that state it.
//!
//! "英数字" (alphanumerics) is read as ASCII letters and digits; lengths count characters
//! (extract 01 G1, row 1).

use serde_json::Value;

use crate::validation::{FieldError, Rule};

use super::super::catalog;
use super::super::wire::{In, NameItem, Opt};

/// A present field of the right JSON type, `None` when absent or `null`.
pub fn read<'a, T>(field: &str, v: &'a Opt<T>, ty: &'static str) -> Result<Option<&'a T>, FieldError> {
    match v {
        None => Ok(None),
        Some(In::Ok(t)) => Ok(Some(t)),
        Some(In::Wrong) => Err(FieldError::new(field, Rule::Type(ty))),
    }
}

/// A required field (`1..1` in the seed's tables).
pub fn need<'a, T>(field: &str, v: &'a Opt<T>, ty: &'static str) -> Result<&'a T, FieldError> {
    read(field, v, ty)?.ok_or_else(|| FieldError::required(field))
}

pub fn string<'a>(field: &str, v: &'a Opt<String>) -> Result<Option<&'a str>, FieldError> {
    Ok(read(field, v, "string")?.map(String::as_str))
}

pub fn boolean(field: &str, v: &Opt<bool>) -> Result<Option<bool>, FieldError> {
    Ok(read(field, v, "boolean")?.copied())
}

pub fn integer(field: &str, v: &Opt<i64>) -> Result<Option<i64>, FieldError> {
    Ok(read(field, v, "integer")?.copied())
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// "注釈の無い限り、String 型の入力パラメーターの上限値は 255 とします" (seed 170).
pub fn max_255<'a>(field: &str, s: &'a str) -> Result<&'a str, FieldError> {
    if chars(s) > 255 {
        return Err(FieldError::says(field, "must be at most 255 characters"));
    }
    Ok(s)
}

/// The id/name character rules (seed 373–381, 389–397): alphanumerics or hyphens only,
/// a letter first, no hyphen last, no two hyphens in a row.
fn id_like(field: &str, s: &str, max: usize) -> Result<(), FieldError> {
    const PATTERN: &str = "^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$";
    if s.is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(FieldError::says(field, "may contain only letters, digits and hyphens"));
    }
    if !s.as_bytes()[0].is_ascii_alphabetic() {
        return Err(FieldError::says(field, "must start with a letter"));
    }
    if s.ends_with('-') || s.contains("--") {
        return Err(FieldError::new(field, Rule::Pattern(PATTERN)));
    }
    if s.len() > max {
        return Err(FieldError::says(field, format!("must be at most {max} characters")));
    }
    Ok(())
}

/// `instance.id`: id rules, at most 63 characters (seed 369–383; the replica's 6014–6026).
pub fn instance_id(field: &str, s: &str) -> Result<String, FieldError> {
    id_like(field, s, 63)?;
    Ok(s.to_owned())
}

/// `instance.name`: the same rules, at most 255 characters (seed 385–398).
pub fn instance_name(field: &str, s: &str) -> Result<String, FieldError> {
    id_like(field, s, 255)?;
    Ok(s.to_owned())
}

/// `instance.description`: "最大 1024 文字" (seed 400–407).
pub fn description(field: &str, s: &str) -> Result<String, FieldError> {
    if chars(s) > 1024 {
        return Err(FieldError::says(field, "must be at most 1024 characters"));
    }
    Ok(s.to_owned())
}

/// `instance.volume.size`: "10 to 10000 (GB)" (seed 351–358, 1607–1614, 2661–2668).
pub fn volume_size(field: &str, n: i64) -> Result<u32, FieldError> {
    if !(10..=10000).contains(&n) {
        return Err(FieldError::new(field, Rule::Range { min: 10, max: 10000 }));
    }
    Ok(n as u32)
}

/// `instance.volume.type`: the one disk type `M2` (seed 360–367).
pub fn volume_type(field: &str, s: &str) -> Result<String, FieldError> {
    if s != "M2" {
        return Err(FieldError::new(field, Rule::OneOf(&["M2"])));
    }
    Ok(s.to_owned())
}

/// `instance.port`: "1024 to 32767" (seed 427–436, 1637–1644); default 26500.
pub fn port(field: &str, n: i64) -> Result<u16, FieldError> {
    if !(1024..=32767).contains(&n) {
        return Err(FieldError::new(field, Rule::Range { min: 1024, max: 32767 }));
    }
    Ok(n as u16)
}

/// `instance.backupRetentionPeriod`: "0 to 10" days, 0 = no automated backup (seed
/// 557–568, 1707–1716); default 1.
pub fn backup_retention(field: &str, n: i64) -> Result<u8, FieldError> {
    if !(0..=10).contains(&n) {
        return Err(FieldError::new(field, Rule::Range { min: 0, max: 10 }));
    }
    Ok(n as u8)
}

/// `instance.engine`: the one engine `enterprisepostgres` (seed 570–579). No trimming:
/// the create example's `" enterprisepostgres"` is refused (extract 01 A20).
pub fn engine(field: &str, s: &str) -> Result<String, FieldError> {
    if !catalog::ENGINES.iter().any(|e| e.engine == s) {
        return Err(FieldError::new(field, Rule::OneOf(&["enterprisepostgres"])));
    }
    Ok(s.to_owned())
}

/// `instance.engineVersion`: a version of the engine catalogue of 1.2.2.13 (seed
/// 581–588; inferred, extract 01 row 47).
pub fn engine_version(field: &str, engine: &str, s: &str) -> Result<String, FieldError> {
    if !catalog::ENGINES.iter().any(|e| e.engine == engine && e.version == s) {
        return Err(FieldError::says(field, format!("must be a version of {engine} listed by GET engineversion")));
    }
    Ok(s.to_owned())
}

/// `instance.masterUserName` at create: 1–63 characters of lower-case letters, digits
/// and `_`, a lower-case letter or `_` first (seed 590–603).
pub fn master_user_name(field: &str, s: &str) -> Result<String, FieldError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 63 {
        return Err(FieldError::says(field, "must be 1 to 63 characters"));
    }
    if !b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_') || b[0].is_ascii_digit() {
        return Err(FieldError::new(field, Rule::Pattern("^[a-z_][a-z0-9_]*$")));
    }
    Ok(s.to_owned())
}

/// `instance.masterUserName` of the restores: alphanumerics or `_`, a letter or `_`
/// first, at most 63 (seed 2865–2875, 3984–3994; upper case allowed there).
pub fn restore_master_user_name(field: &str, s: &str) -> Result<String, FieldError> {
    sql_identifier(field, s)?;
    Ok(s.to_owned())
}

/// "英数字または'(シングルクォート)以外の記号が使用可能", "最大 1024 文字" (seed 605–614,
/// 1727–1737, 2877–2887): printable ASCII without space and `'`, 1–1024 characters
/// (extract 01 A23).
pub fn master_user_password(field: &str, s: &str) -> Result<String, FieldError> {
    if s.is_empty() || s.len() > 1024 {
        return Err(FieldError::says(field, "must be 1 to 1024 characters"));
    }
    if !s.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\'') {
        return Err(FieldError::says(field, "may contain only letters, digits and symbols other than ' (no spaces)"));
    }
    Ok(s.to_owned())
}

/// `users[].password`: "最大 1024 文字" (seed 699–706); required, so not empty.
pub fn user_password(field: &str, s: &str) -> Result<String, FieldError> {
    if s.is_empty() || chars(s) > 1024 {
        return Err(FieldError::says(field, "must be 1 to 1024 characters"));
    }
    Ok(s.to_owned())
}

/// Alphanumerics or `_`, a letter or `_` first, at most 63.
fn sql_identifier(field: &str, s: &str) -> Result<(), FieldError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 63 {
        return Err(FieldError::says(field, "must be 1 to 63 characters"));
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') || b[0].is_ascii_digit() {
        return Err(FieldError::new(field, Rule::Pattern("^[A-Za-z_][A-Za-z0-9_]*$")));
    }
    Ok(())
}

/// `databases[].name`, `users[].name`, `users[].databases[].name`: alphanumerics or `_`,
/// a letter or `_` first, at most 63; "大文字を指定した場合も小文字で作成されます" — upper
/// case is folded, not refused (seed 658–674, 685–697, 708–717).
pub fn db_identifier(field: &str, s: &str) -> Result<String, FieldError> {
    sql_identifier(field, s)?;
    Ok(s.to_ascii_lowercase())
}

/// `characterSet` (00-decisions): the spellings `utf8`, `UTF8`, `utf-8`, `UTF-8` (any
/// case) answer `UTF8`; other strings of at most 255 characters are kept.
pub fn character_set(field: &str, s: &str) -> Result<String, FieldError> {
    max_255(field, s)?;
    if s.eq_ignore_ascii_case("utf8") || s.eq_ignore_ascii_case("utf-8") {
        return Ok("UTF8".into());
    }
    Ok(s.to_owned())
}

/// `collate`: no list of values, at most 255 (seed 625–632); default `C`.
pub fn collate(field: &str, s: &str) -> Result<String, FieldError> {
    Ok(max_255(field, s)?.to_owned())
}

/// `autoScale.volume.maxSize`: "ディスクサイズに設定した値以上～10000 の 10 の倍数" (seed
/// 748–757, 1809–1818): a multiple of 10 from the disk size to 10000.
pub fn autoscale_max_size(field: &str, n: i64, volume_size: u32) -> Result<u32, FieldError> {
    if n % 10 != 0 {
        return Err(FieldError::new(field, Rule::MultipleOf(10)));
    }
    if n < i64::from(volume_size) || n > 10000 {
        return Err(FieldError::new(field, Rule::Range { min: volume_size.into(), max: 10000 }));
    }
    Ok(n as u32)
}

/// `autoScale.readreplica.maxNumber`: a number of replicas (seed 841–848, default 5). No
/// range is printed; at least 1 (extract 01 row 73) and, because the response lists one
/// reserved IP per replica, at most 100 (the simulator's bound).
pub fn autoscale_max_number(field: &str, n: i64) -> Result<u32, FieldError> {
    if !(1..=100).contains(&n) {
        return Err(FieldError::new(field, Rule::Range { min: 1, max: 100 }));
    }
    Ok(n as u32)
}

/// `securityGroupIds`: "String list" in the tables, `[{"securityGroupId": ...}]` in every
/// example (extract 01 A9): either form, each id at most 255 (G1), duplicates dropped.
/// An empty list is answered by the caller like an omitted one (the default group).
pub fn security_group_ids(field: &str, items: &[Value]) -> Result<Vec<String>, FieldError> {
    let mut ids: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let name = format!("{field}[{i}]");
        let id = match item {
            Value::String(s) => s.as_str(),
            Value::Object(o) => match o.get("securityGroupId") {
                Some(Value::String(s)) => s.as_str(),
                Some(_) => return Err(FieldError::new(format!("{name}.securityGroupId"), Rule::Type("string"))),
                None => return Err(FieldError::required(format!("{name}.securityGroupId"))),
            },
            _ => return Err(FieldError::says(name, "must be a string or {\"securityGroupId\": string}")),
        };
        max_255(&name, id)?;
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// A list of database names as `{"name": ...}` objects or strings (extract 01 A8).
pub fn name_list(field: &str, items: &[Value]) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let parsed: NameItem = serde_json::from_value(item.clone()).unwrap_or(NameItem::Plain(Value::Null));
        let name = match parsed {
            NameItem::Object(o) => need(&format!("{at}.name"), &o.name, "string")?.clone(),
            NameItem::Plain(Value::String(s)) => s,
            NameItem::Plain(_) => return Err(FieldError::says(at, "must be {\"name\": string} or a string")),
        };
        let name = db_identifier(&format!("{at}.name"), &name)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instance_ids_follow_the_seeds_five_rules() {
        for ok in ["db1", "a", "json-rack-instance", "A-1-b"] {
            assert!(instance_id("instance.id", ok).is_ok(), "{ok}");
        }
        for bad in ["1db", "-db", "db-", "db--1", "db_1", "db 1", "", "dé"] {
            assert!(instance_id("instance.id", bad).is_err(), "{bad}");
        }
        assert!(instance_id("instance.id", &"a".repeat(63)).is_ok());
        assert!(instance_id("instance.id", &"a".repeat(64)).is_err());
        assert!(instance_name("instance.name", &"a".repeat(255)).is_ok());
        assert!(instance_name("instance.name", &"a".repeat(256)).is_err());
        assert_eq!(instance_id("instance.id", "1db").unwrap_err().to_string(), "instance.id must start with a letter");
    }

    #[test]
    fn descriptions_may_be_1024_characters() {
        assert!(description("d", &"é".repeat(1024)).is_ok());
        assert!(description("d", &"x".repeat(1025)).is_err());
    }

    #[test]
    fn numeric_ranges_are_the_seeds() {
        assert!(volume_size("v", 10).is_ok() && volume_size("v", 10000).is_ok());
        assert!(volume_size("v", 9).is_err() && volume_size("v", 10001).is_err());
        assert!(port("p", 1024).is_ok() && port("p", 32767).is_ok());
        assert!(port("p", 1023).is_err() && port("p", 32768).is_err() && port("p", -1).is_err());
        assert!(backup_retention("b", 0).is_ok() && backup_retention("b", 10).is_ok());
        assert!(backup_retention("b", 11).is_err());
        assert!(volume_type("t", "M2").is_ok() && volume_type("t", "m2").is_err());
    }

    #[test]
    fn engine_fields_come_from_the_catalogue() {
        assert!(engine("e", "enterprisepostgres").is_ok());
        assert!(engine("e", " enterprisepostgres").is_err(), "A20: no trimming");
        assert!(engine_version("v", "enterprisepostgres", "12").is_ok());
        assert!(engine_version("v", "enterprisepostgres", "11").is_err());
    }

    #[test]
    fn master_user_names_are_lower_case_at_create_and_any_case_at_restore() {
        assert!(master_user_name("m", "postgres").is_ok() && master_user_name("m", "_a1").is_ok());
        for bad in ["Admin", "1a", "", "a-b"] {
            assert!(master_user_name("m", bad).is_err(), "{bad}");
        }
        assert!(master_user_name("m", &"a".repeat(64)).is_err());
        assert!(restore_master_user_name("m", "Admin").is_ok());
        assert!(restore_master_user_name("m", "1a").is_err());
    }

    #[test]
    fn passwords_refuse_the_single_quote_and_spaces() {
        assert!(master_user_password("p", "Sim-passw0rd!#").is_ok());
        for bad in ["it's", "with space", "", "pässword"] {
            assert!(master_user_password("p", bad).is_err(), "{bad}");
        }
        assert!(master_user_password("p", &"x".repeat(1024)).is_ok());
        assert!(master_user_password("p", &"x".repeat(1025)).is_err());
        assert!(user_password("p", "any thing").is_ok() && user_password("p", "").is_err());
    }

    #[test]
    fn database_names_fold_to_lower_case() {
        assert_eq!(db_identifier("n", "SampleDB").unwrap(), "sampledb");
        assert!(db_identifier("n", "9db").is_err() && db_identifier("n", "a-b").is_err());
        assert_eq!(name_list("d", &[json!({"name": "A"}), json!("b"), json!({"name": "a"})]).unwrap(), ["a", "b"]);
        assert_eq!(name_list("d", &[json!({"x": 1})]).unwrap_err().field, "d[0].name");
        assert!(name_list("d", &[json!(1)]).is_err());
    }

    #[test]
    fn character_sets_normalise_utf8_spellings() {
        for s in ["utf8", "UTF8", "utf-8", "UTF-8", "Utf-8"] {
            assert_eq!(character_set("c", s).unwrap(), "UTF8");
        }
        assert_eq!(character_set("c", "EUC_JP").unwrap(), "EUC_JP");
        assert!(character_set("c", &"x".repeat(256)).is_err());
        assert!(collate("c", &"x".repeat(256)).is_err());
    }

    #[test]
    fn autoscale_limits() {
        assert_eq!(autoscale_max_size("m", 500, 20).unwrap(), 500);
        assert!(autoscale_max_size("m", 505, 20).is_err());
        assert!(autoscale_max_size("m", 10, 20).is_err());
        assert!(autoscale_max_size("m", 10010, 20).is_err());
        assert!(autoscale_max_number("n", 0).is_err() && autoscale_max_number("n", 5).is_ok());
    }

    #[test]
    fn security_groups_come_as_strings_or_objects() {
        let ids = security_group_ids("s", &[json!({"securityGroupId": "secid1"}), json!("secid2")]).unwrap();
        assert_eq!(ids, ["secid1", "secid2"]);
        assert_eq!(security_group_ids("s", &[json!({"id": 1})]).unwrap_err().field, "s[0].securityGroupId");
        assert!(security_group_ids("s", &[json!(3)]).is_err());
        assert!(security_group_ids("s", &[]).unwrap().is_empty());
        assert!(security_group_ids("s", &[json!("x".repeat(256))]).is_err());
    }

    #[test]
    fn reads_name_the_field_on_a_wrong_type() {
        let v: Opt<i64> = Some(In::Wrong);
        assert_eq!(integer("instance.port", &v).unwrap_err().to_string(), "instance.port must be an integer");
        let v: Opt<String> = None;
        assert_eq!(need("instance.flavorRef", &v, "string").unwrap_err().to_string(), "instance.flavorRef is required");
    }
}
