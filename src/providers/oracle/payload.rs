//! `EXAUNIT_ALLOCATIONS`: base64 decoding (§7.1), the tolerant JavaScript-like grammar of
//! §7.3 (tokenizer + recursive-descent parser), and a serializer that writes what the
//! parser reads back.
//!
//! The seed documents the payload as *JavaScript-object-like, not JSON*: unquoted keys and
//! values, `//` comments, tabs, trailing commas, and in the minimal reshape example a
//! newline between every token (§7.2). Real ECRA clients send strict JSON. Both parse.
//!
//! Fuzz-safe by construction: the input is bounded by the caller (`max_bytes`), nesting is
//! bounded by [`MAX_DEPTH`] (so no stack overflow on `[[[[...`), every read goes through
//! `str::get`/`chars`, and nothing here can panic on any byte sequence.
//!
//! Pure: no state, no I/O. Meaning (which properties an `Operation` needs) lives in
//! `validate::allocations`; this module only knows the syntax.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// Deepest nesting of objects and arrays the parser accepts (the documented payload has 3).
pub const MAX_DEPTH: usize = 32;

/// A parsed value. Every scalar is a string (§7.3: `value:4` is `"4"`); JSON `null` and an
/// empty bare value are [`PValue::Absent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PValue {
    /// Members in document order (duplicates kept: the caller decides).
    Object(Vec<(String, PValue)>),
    Array(Vec<PValue>),
    Str(String),
    Absent,
}

/// A syntax error at a position of the decoded text (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

/// Why the base64 text did not yield a payload (P01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Base64,
    Utf8,
    TooLarge { max: usize },
    Empty,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Base64 => f.write_str("is not valid base64"),
            DecodeError::Utf8 => f.write_str("does not decode to UTF-8 text"),
            DecodeError::TooLarge { max } => write!(f, "decodes to more than {max} bytes"),
            DecodeError::Empty => f.write_str("is empty"),
        }
    }
}

const INDIFFERENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, INDIFFERENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, INDIFFERENT);

/// §7.1: standard or URL-safe alphabet, padding optional, ASCII whitespace ignored, UTF-8,
/// a leading BOM stripped, at most `max_bytes` decoded.
pub fn decode(b64: &str, max_bytes: usize) -> Result<String, DecodeError> {
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(DecodeError::Empty);
    }
    // Refuse before decoding anything bigger than the limit could come from.
    if compact.len() / 4 * 3 > max_bytes.saturating_add(3) {
        return Err(DecodeError::TooLarge { max: max_bytes });
    }
    let engine = if compact.contains(['-', '_']) { &URL_SAFE } else { &STANDARD };
    let bytes = engine.decode(compact.as_bytes()).map_err(|_| DecodeError::Base64)?;
    if bytes.len() > max_bytes {
        return Err(DecodeError::TooLarge { max: max_bytes });
    }
    let text = String::from_utf8(bytes).map_err(|_| DecodeError::Utf8)?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text))
}

/// Standard base64 of a payload text (what clients send).
pub fn encode(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// §7.3 `payload = ws object ws EOF`.
pub fn parse(text: &str) -> Result<PValue, ParseError> {
    Parser::new(text, false).document()
}

/// The outer request body read leniently (knob `lenientOuterJson`, §15 #10): the same
/// grammar, plus a missing comma between two members or elements is forgiven. Scalars
/// come back as strings (attribute values are strings anyway, §6).
pub fn parse_lenient_json(text: &str) -> Result<serde_json::Value, ParseError> {
    Parser::new(text, true).document().map(|v| to_json(&v))
}

fn to_json(v: &PValue) -> serde_json::Value {
    use serde_json::Value;
    match v {
        PValue::Object(members) => {
            Value::Object(members.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<serde_json::Map<_, _>>())
        }
        PValue::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        PValue::Str(s) => Value::String(s.clone()),
        PValue::Absent => Value::Null,
    }
}

struct Parser<'a> {
    src: &'a str,
    /// Byte offset; always on a char boundary (advanced by whole chars only).
    pos: usize,
    depth: usize,
    recover_commas: bool,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-' | '.')
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, recover_commas: bool) -> Self {
        Parser { src, pos: 0, depth: 0, recover_commas }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let before = self.src.get(..pos).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ParseError { line, column, message: message.into() }
    }

    fn describe(c: Option<char>) -> String {
        match c {
            None => "end of payload".into(),
            Some(c) if c.is_control() => format!("character U+{:04X}", c as u32),
            Some(c) => format!("'{c}'"),
        }
    }

    /// `ws = *( SP / HTAB / CR / LF / line-comment / block-comment )`
    fn ws(&mut self) -> Result<(), ParseError> {
        loop {
            let rest = self.rest();
            if rest.starts_with("//") {
                let len = rest.find('\n').unwrap_or(rest.len());
                self.pos += len;
            } else if rest.starts_with("/*") {
                let start = self.pos;
                match rest.get(2..).and_then(|r| r.find("*/")) {
                    Some(end) => self.pos += end + 4,
                    None => return Err(self.error_at(start, "unterminated /* comment")),
                }
            } else if matches!(self.peek(), Some(' ' | '\t' | '\r' | '\n')) {
                self.bump();
            } else {
                return Ok(());
            }
        }
    }

    fn document(&mut self) -> Result<PValue, ParseError> {
        self.ws()?;
        if self.peek() != Some('{') {
            return Err(self.error(format!("expected '{{' to open the payload, found {}", Self::describe(self.peek()))));
        }
        let v = self.object()?;
        self.ws()?;
        if self.peek().is_some() {
            return Err(self.error(format!("unexpected {} after the payload", Self::describe(self.peek()))));
        }
        Ok(v)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<PValue, ParseError> {
        match self.peek() {
            Some('{') => self.object(),
            Some('[') => self.array(),
            Some(q @ ('"' | '\'')) => self.qstring(q).map(PValue::Str),
            // An empty bare value means "absent" (§7.3).
            Some(',' | '}' | ']') => Ok(PValue::Absent),
            None => Err(self.error("expected a value, found end of payload")),
            Some(_) => Ok(self.bare()),
        }
    }

    /// `object = "{" ws [ member *( ws "," ws member ) [ ws "," ] ] ws "}"`
    fn object(&mut self) -> Result<PValue, ParseError> {
        self.enter()?;
        self.bump(); // '{'
        let mut members = Vec::new();
        self.ws()?;
        if self.peek() == Some('}') {
            self.bump();
            self.depth -= 1;
            return Ok(PValue::Object(members));
        }
        loop {
            let key = self.key()?;
            self.ws()?;
            if self.peek() != Some(':') {
                return Err(
                    self.error(format!("expected ':' after key '{key}', found {}", Self::describe(self.peek())))
                );
            }
            self.bump();
            self.ws()?;
            let value = self.value()?;
            members.push((key, value));
            self.ws()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                    self.ws()?;
                    if self.peek() == Some('}') {
                        self.bump();
                        break;
                    }
                }
                Some('}') => {
                    self.bump();
                    break;
                }
                Some(c) if self.recover_commas && (c == '"' || c == '\'' || is_ident(c)) => {}
                other => {
                    return Err(
                        self.error(format!("expected ',' or '}}' in an object, found {}", Self::describe(other)))
                    )
                }
            }
        }
        self.depth -= 1;
        Ok(PValue::Object(members))
    }

    /// `array = "[" ws [ value *( ws "," ws value ) [ ws "," ] ] ws "]"`
    fn array(&mut self) -> Result<PValue, ParseError> {
        self.enter()?;
        self.bump(); // '['
        let mut items = Vec::new();
        self.ws()?;
        if self.peek() == Some(']') {
            self.bump();
            self.depth -= 1;
            return Ok(PValue::Array(items));
        }
        loop {
            let before = self.pos;
            let value = self.value()?;
            if self.pos == before && value == PValue::Absent {
                // `[,` or `[1,,2]`: an element is missing, not empty.
                return Err(self.error(format!("expected a value in an array, found {}", Self::describe(self.peek()))));
            }
            items.push(value);
            self.ws()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                    self.ws()?;
                    if self.peek() == Some(']') {
                        self.bump();
                        break;
                    }
                }
                Some(']') => {
                    self.bump();
                    break;
                }
                Some('{' | '[' | '"' | '\'') if self.recover_commas => {}
                other => {
                    return Err(self.error(format!("expected ',' or ']' in an array, found {}", Self::describe(other))))
                }
            }
        }
        self.depth -= 1;
        Ok(PValue::Array(items))
    }

    /// `key = qstring | ident`
    fn key(&mut self) -> Result<String, ParseError> {
        match self.peek() {
            Some(q @ ('"' | '\'')) => self.qstring(q),
            Some(c) if is_ident(c) => {
                let start = self.pos;
                while self.peek().is_some_and(is_ident) {
                    self.bump();
                }
                Ok(self.src.get(start..self.pos).unwrap_or("").to_owned())
            }
            other => Err(self.error(format!("expected a key, found {}", Self::describe(other)))),
        }
    }

    /// `bare = 1*bare-char`, trailing SP/HTAB trimmed; `null` is absent.
    fn bare(&mut self) -> PValue {
        let start = self.pos;
        let mut prev: Option<char> = None;
        while let Some(c) = self.peek() {
            if matches!(c, ',' | '}' | ']' | '\r' | '\n') {
                break;
            }
            let rest = self.rest();
            if (rest.starts_with("//") || rest.starts_with("/*"))
                && (prev.is_none() || matches!(prev, Some(' ' | '\t')))
            {
                break;
            }
            prev = Some(c);
            self.bump();
        }
        let text = self.src.get(start..self.pos).unwrap_or("").trim_end_matches([' ', '\t']);
        if text.is_empty() || text == "null" {
            PValue::Absent
        } else {
            PValue::Str(text.to_owned())
        }
    }

    /// A `"..."` or `'...'` string with JSON escapes (and `\'`).
    fn qstring(&mut self, quote: char) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error_at(start, "unterminated string")),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => {
                    let at = self.pos;
                    match self.bump() {
                        Some('"') => out.push('"'),
                        Some('\'') => out.push('\''),
                        Some('\\') => out.push('\\'),
                        Some('/') => out.push('/'),
                        Some('b') => out.push('\u{8}'),
                        Some('f') => out.push('\u{c}'),
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some('t') => out.push('\t'),
                        Some('u') => out.push(self.unicode_escape(at)?),
                        other => {
                            return Err(self.error_at(at, format!("invalid escape {}", Self::describe(other))));
                        }
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn hex4(&mut self, at: usize) -> Result<u32, ParseError> {
        let digits = self.rest().get(..4).filter(|d| d.chars().all(|c| c.is_ascii_hexdigit()));
        let Some(d) = digits else { return Err(self.error_at(at, "\\u must be followed by four hex digits")) };
        let n = u32::from_str_radix(d, 16).map_err(|_| self.error_at(at, "\\u must be followed by four hex digits"))?;
        self.pos += 4;
        Ok(n)
    }

    fn unicode_escape(&mut self, at: usize) -> Result<char, ParseError> {
        let hi = self.hex4(at)?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if !self.rest().starts_with("\\u") {
                return Err(self.error_at(at, "unpaired surrogate in \\u escape"));
            }
            self.pos += 2;
            let lo = self.hex4(at)?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.error_at(at, "unpaired surrogate in \\u escape"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.error_at(at, "unpaired surrogate in \\u escape"))
    }
}

/// How the serializer writes a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The seed's documented form: `{name:Operation, value:AddCluster}`, bare where safe.
    Documented,
    /// Strict JSON with quoted keys and values.
    Json,
}

/// Whether `s` reads back unchanged as a bare value.
fn bare_safe(s: &str) -> bool {
    !s.is_empty()
        && s != "null"
        && !s.starts_with(['{', '[', '"', '\'', ' ', '\t'])
        && !s.ends_with([' ', '\t'])
        && !s.contains([',', '}', ']', '\r', '\n'])
        && !s.starts_with("//")
        && !s.starts_with("/*")
        && !s.contains(" //")
        && !s.contains("\t//")
        && !s.contains(" /*")
        && !s.contains("\t/*")
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Writes `{ExaunitProperties: [{name: .., value: ..}, ...]}`; `None` values as `null`.
pub fn serialize(properties: &[(String, Option<String>)], style: Style) -> String {
    let scalar = |v: &Option<String>| match (v, style) {
        (None, _) => "null".to_owned(),
        (Some(s), Style::Documented) if bare_safe(s) => s.clone(),
        (Some(s), _) => quoted(s),
    };
    let entries: Vec<String> = properties
        .iter()
        .map(|(name, value)| match style {
            Style::Documented => format!("    {{name:{}, value:{}}}", scalar(&Some(name.clone())), scalar(value)),
            Style::Json => format!("    {{\"name\": {}, \"value\": {}}}", quoted(name), scalar(value)),
        })
        .collect();
    let key = match style {
        Style::Documented => "ExaunitProperties",
        Style::Json => "\"ExaunitProperties\"",
    };
    format!("{{\n  {key}: [\n{}\n  ]\n}}\n", entries.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(x: &str) -> PValue {
        PValue::Str(x.into())
    }

    fn entry(name: &str, value: PValue) -> PValue {
        PValue::Object(vec![("name".into(), s(name)), ("value".into(), value)])
    }

    fn props(v: &PValue) -> Vec<PValue> {
        match v {
            PValue::Object(m) => match &m[0].1 {
                PValue::Array(items) => items.clone(),
                other => panic!("not an array: {other:?}"),
            },
            other => panic!("not an object: {other:?}"),
        }
    }

    /// The seed's create/add payload, verbatim (with `//` comments and bare values).
    const SEED_ADD: &str = "{\n  ExaunitProperties: [\n    {name:requestId, value:27ac0ee3-0c72-4493-b02b-40038f07d2a0}, \n    {name:Operation, value:AddCluster},\n    {name:TotalNumOfCoresForCluster, value:4},\n    {name:TotalMemoryInGb, value:30},\n    {name:StorageInTb, value:3},\n    {name:OracleHomeDiskSizeInGb, value:60},\n    {name:ClientNetwork, value:/root/root/1/ipnetwork1},  // Only if Higgs is also required\n    {name:BackupNetwork, value:/root/root/1/ipnetwork2},  // Only if Higgs is also required\n    {name:ExaUnitName, value:systemname},\n    {name:CreateSparse, value:N},\n    {name:BackupToDisk, value:N}\n  ] \n}";

    /// The seed's full reshape payload, verbatim (tab indentation).
    const SEED_RESHAPE: &str = "{\n  ExaunitProperties: [\n    {name:requestId, value:27ac0ee3-0c72-4493-b02b-40038f07d2a0}, \n\t{name:ExaunitID, value:1},\t\t// From ecra/endpoint/exaservice/{serviceInstance}/resourceinfo\n    {name:Operation, value:ReshapeCluster},\n    {name:TotalNumOfCoresForCluster, value:10},\n    {name:TotalMemoryInGb, value:10},\n    {name:StorageInTb, value:4},\n    {name:OhomePartitionInGB, value:100},\n    {name:ClientNetwork, value:/root/root/1/ipnetwork1},  // Only if Higgs is also required\n    {name:BackupNetwork, value:/root/root/1/ipnetwork2}   // Only if Higgs is also required\n  ] \n}";

    /// The seed's delete payload, verbatim (`// Optional`).
    const SEED_DELETE: &str = "{\n  ExaunitProperties: [\n    {name:requestId, value:27ac0ee3-0c72-4493-b02b-40038f07d202},  // Optional\n\t{name:ExaunitID, value:2},\n    {name:Operation, value:DeleteCluster}\n  ] \n}";

    /// The seed's minimal reshape payload, verbatim (a newline between every token).
    const SEED_MINIMAL: &str = "\n\n{ExaunitProperties\n\n:\n\n[{name:Operation,value\n\n:\n\nReshapeCluster},\n\n{\n\nname:ExaunitID,value:5\n\n},{\n\nname:TotalNumOfCoresForCluster\n\n,\n\nvalue:6}]\n\n}";

    #[test]
    fn seed_add_payload_parses_with_comments_and_bare_values() {
        let v = parse(SEED_ADD).unwrap();
        let p = props(&v);
        assert_eq!(p.len(), 11);
        assert_eq!(p[0], entry("requestId", s("27ac0ee3-0c72-4493-b02b-40038f07d2a0")));
        assert_eq!(p[2], entry("TotalNumOfCoresForCluster", s("4")));
        assert_eq!(p[6], entry("ClientNetwork", s("/root/root/1/ipnetwork1")));
        assert_eq!(p[10], entry("BackupToDisk", s("N")));
    }

    #[test]
    fn seed_reshape_delete_and_minimal_payloads_parse() {
        let p = props(&parse(SEED_RESHAPE).unwrap());
        assert_eq!(p[1], entry("ExaunitID", s("1")));
        assert_eq!(p[8], entry("BackupNetwork", s("/root/root/1/ipnetwork2")));
        let p = props(&parse(SEED_DELETE).unwrap());
        assert_eq!(
            p,
            vec![
                entry("requestId", s("27ac0ee3-0c72-4493-b02b-40038f07d202")),
                entry("ExaunitID", s("2")),
                entry("Operation", s("DeleteCluster"))
            ]
        );
        let p = props(&parse(SEED_MINIMAL).unwrap());
        assert_eq!(
            p,
            vec![
                entry("Operation", s("ReshapeCluster")),
                entry("ExaunitID", s("5")),
                entry("TotalNumOfCoresForCluster", s("6"))
            ]
        );
    }

    #[test]
    fn strict_json_equivalents_parse_to_the_same_values() {
        for text in [SEED_ADD, SEED_RESHAPE, SEED_DELETE, SEED_MINIMAL] {
            let v = parse(text).unwrap();
            let list: Vec<(String, Option<String>)> = props(&v)
                .iter()
                .map(|e| match e {
                    PValue::Object(m) => match (&m[0].1, &m[1].1) {
                        (PValue::Str(n), PValue::Str(v)) => (n.clone(), Some(v.clone())),
                        other => panic!("{other:?}"),
                    },
                    other => panic!("{other:?}"),
                })
                .collect();
            let json = serialize(&list, Style::Json);
            assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "strict JSON: {json}");
            assert_eq!(props(&parse(&json).unwrap()), props(&v));
        }
    }

    #[test]
    fn json_numbers_booleans_and_null_become_strings_or_absent() {
        let v = parse(r#"{"ExaunitProperties":[{"name":"TotalMemoryInGb","value":30},{"name":"x","value":true},{"name":"y","value":null},{"name":"z","value":}]}"#).unwrap();
        let p = props(&v);
        assert_eq!(p[0], entry("TotalMemoryInGb", s("30")));
        assert_eq!(p[1], entry("x", s("true")));
        assert_eq!(p[2], entry("y", PValue::Absent));
        assert_eq!(p[3], entry("z", PValue::Absent));
    }

    #[test]
    fn colons_and_urls_stay_inside_bare_values() {
        let v = parse("{a: [{name:u, value:http://h/x:8080}, {name:b, value: x y  // c\n}]}").unwrap();
        let p = props(&v);
        assert_eq!(p[0], entry("u", s("http://h/x:8080")));
        assert_eq!(p[1], entry("b", s("x y")));
    }

    #[test]
    fn trailing_commas_block_comments_and_single_quotes_are_accepted() {
        let v = parse("/* head */ {'ExaunitProperties': [ {name:'Operation', value:\"Delete\\u0043luster\",}, ], }")
            .unwrap();
        assert_eq!(props(&v), vec![entry("Operation", s("DeleteCluster"))]);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = parse("{\n  ExaunitProperties: [\n    {name Operation}\n  ]\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 11));
        assert!(e.message.contains("expected ':'"), "{e}");
        assert_eq!(
            parse("").unwrap_err().to_string(),
            "line 1, column 1: expected '{' to open the payload, found end of payload"
        );
        assert!(parse("{a:[1,,2]}").unwrap_err().message.contains("expected a value"));
        assert!(parse("{a:'x}").unwrap_err().message.contains("unterminated string"));
        assert!(parse("{a:1} x").unwrap_err().message.contains("after the payload"));
        assert!(parse("{a:1 /* x").unwrap_err().message.contains("unterminated /*"));
        assert!(parse("{a:\"\\q\"}").unwrap_err().message.contains("invalid escape"));
        assert!(parse("{a:\"\\ud800\"}").unwrap_err().message.contains("surrogate"));
        assert!(parse("{a:{b:1} c:2}").unwrap_err().message.contains("expected ','"));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{{a:{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep).unwrap_err().message.contains("nesting"));
        let ok = format!("{{a:{}{}}}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn lenient_outer_json_recovers_a_missing_comma() {
        let v = parse_lenient_json("{\"a\": [{\"n\": \"x\"}\n {\"n\": \"y\"}], \"b\": \"1\"\n \"c\": 2}").unwrap();
        assert_eq!(v, serde_json::json!({"a": [{"n": "x"}, {"n": "y"}], "b": "1", "c": "2"}));
        assert!(parse("{\"b\": \"1\"\n \"c\": 2}").is_err());
    }

    #[test]
    fn base64_is_tolerant_but_bounded() {
        let text = "{a:1}";
        let std = encode(text);
        assert_eq!(decode(&std, 100).unwrap(), text);
        assert_eq!(decode(std.trim_end_matches('='), 100).unwrap(), text);
        let wrapped: String = std.chars().flat_map(|c| [c, '\n']).collect();
        assert_eq!(decode(&wrapped, 100).unwrap(), text);
        let url = base64::engine::general_purpose::URL_SAFE.encode("???");
        assert!(url.contains('_'));
        assert_eq!(decode(&url, 100).unwrap(), "???");
        assert_eq!(decode(&encode("\u{feff}{a:1}"), 100).unwrap(), "{a:1}");
        assert_eq!(decode("!!!!", 100), Err(DecodeError::Base64));
        assert_eq!(decode("  ", 100), Err(DecodeError::Empty));
        assert_eq!(
            decode(&base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe]), 100),
            Err(DecodeError::Utf8)
        );
        assert_eq!(decode(&encode(&"x".repeat(101)), 100), Err(DecodeError::TooLarge { max: 100 }));
        assert_eq!(decode(&encode(&"x".repeat(100)), 100).unwrap().len(), 100);
    }

    proptest! {
        #[test]
        fn parser_never_panics_on_any_text(text in "\\PC{0,200}") {
            let _ = parse(&text);
            let _ = parse_lenient_json(&text);
        }

        #[test]
        fn parser_never_panics_on_grammar_shaped_noise(text in "[{}\\[\\],:'\"/*\\\\ \\t\\nabc0-9u]{0,300}") {
            let _ = parse(&text);
            let _ = parse_lenient_json(&text);
        }

        #[test]
        fn decoder_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            if let Ok(text) = decode(&b64, 1024) {
                let _ = parse(&text);
            }
            let raw = String::from_utf8_lossy(&bytes);
            let _ = decode(&raw, 1024);
        }

        #[test]
        fn serialized_properties_parse_back_unchanged(
            list in proptest::collection::vec(("[A-Za-z][A-Za-z0-9_]{0,20}", proptest::option::of("\\PC{0,30}")), 0..12),
            json in any::<bool>(),
        ) {
            let expect: Vec<(String, Option<String>)> = list;
            let style = if json { Style::Json } else { Style::Documented };
            let text = serialize(&expect, style);
            let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            let got: Vec<(String, Option<String>)> = props(&parsed).iter().map(|e| match e {
                PValue::Object(m) => (
                    match &m[0].1 { PValue::Str(n) => n.clone(), _ => String::new() },
                    match &m[1].1 { PValue::Str(v) => Some(v.clone()), _ => None },
                ),
                _ => (String::new(), None),
            }).collect();
            prop_assert_eq!(got, expect);
        }
    }
}
