//! The Fujitsu error envelope and its one table of statuses and names.
//!
//! Body (00-decisions, repairing seed lines 274–288, which print the object as an array
//! and 404 as `notFound`): `{"Error": {"status": 404, "name": "itemNotFound", "message":
//! "DBInstanceNotFound"}}`. `name` comes from the seed's error table (lines 232–245);
//! `message` is an RDS-style reason code (the seed's one example is `DBInstanceNotFound`)
//! followed, where there is one, by `: ` and the field and rule.
//!
//! Nothing else in the provider builds an error body; core rejections come in through
//! `From<Rejection>`.

use hyper::header::{HeaderName, HeaderValue, ALLOW};
use hyper::StatusCode;
use serde_json::{json, Value};

use crate::http::{ProviderError, Rejection};
use crate::validation::{FieldError, Rule};

#[derive(Debug, Clone, PartialEq)]
pub enum FujitsuError {
    /// 400: a field breaks a rule (the message names the field and the rule).
    Invalid(FieldError),
    /// 400: the body is not JSON, not an object, or not a JSON media type.
    Malformed(String),
    /// 400: an id already in use (`DBInstanceAlreadyExists`).
    AlreadyExists(String),
    /// 400: an id of another family already in use (`DBSnapshotAlreadyExists: ...`, the
    /// message carries its reason code).
    Duplicate(String),
    /// 401: missing, unknown or expired token, wrong credentials, or a token of another
    /// tenant (the seed's "Insufficient privileges"; nothing of the other tenant shows).
    Unauthorized(&'static str),
    /// 404 with a reason (`DBInstanceNotFound`, `FlavorNotFound: ...`).
    NotFound(String),
    /// 405 `badMethod` with `Allow`.
    MethodNotAllowed(&'static str),
    /// 413 `overLimit`: a quota, or the body is over the core's limit.
    OverLimit(String),
    /// 422: the operation is refused in the instance's state (the message says which).
    InvalidState(String),
    /// 422: another precondition of the operation (source instance, snapshot state).
    Unprocessable(String),
    /// 501: a documented endpoint this simulator does not serve yet.
    NotImplemented(String),
    /// A status injected by a fault rule, with the native body.
    Injected { status: u16, retry_after: Option<u64> },
}

impl From<FieldError> for FujitsuError {
    fn from(e: FieldError) -> Self {
        FujitsuError::Invalid(e)
    }
}

impl From<Rejection> for FujitsuError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::MalformedBody(m) => FujitsuError::Malformed(m),
            // 1.1.5 (seed 211–218): POST/PUT bodies are application/json; anything else
            // is an invalid request (the table has no 415).
            Rejection::UnsupportedMediaType => {
                FujitsuError::Malformed("Content-Type must be application/json for POST/PUT".into())
            }
            Rejection::BodyTooLarge => FujitsuError::OverLimit("RequestEntityTooLarge: the body is over 1 MiB".into()),
            Rejection::NotFound => FujitsuError::NotFound("ResourceNotFound".into()),
            Rejection::MethodNotAllowed { allow } => FujitsuError::MethodNotAllowed(allow),
            Rejection::Injected { status, retry_after } => FujitsuError::Injected { status, retry_after },
        }
    }
}

/// The seed's error name of a status (lines 232–245). Statuses outside the table (an
/// injected 429 or 409) take the name of their class: 429 `overLimit`, other 4xx
/// `badRequest`, 5xx `instanceFault`.
pub fn error_name(status: u16) -> &'static str {
    match status {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        413 | 429 => "overLimit",
        422 => "unprocessableEntity",
        500 => "instanceFault",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        504 => "gatewayTimeout",
        s if s >= 500 => "instanceFault",
        _ => "badRequest",
    }
}

/// The reason code of a field error: `MissingParameter` for a required field, else
/// `InvalidParameterValue` (`InvalidParameterCombination` for exclusive fields).
fn field_reason(e: &FieldError) -> &'static str {
    match e.rule {
        Rule::Required => "MissingParameter",
        Rule::ExcludedBy(_) => "InvalidParameterCombination",
        _ => "InvalidParameterValue",
    }
}

impl FujitsuError {
    pub fn instance_not_found() -> Self {
        FujitsuError::NotFound("DBInstanceNotFound".into())
    }

    /// The one table: HTTP status and message.
    fn parts(&self) -> (StatusCode, String) {
        use FujitsuError::*;
        match self {
            Invalid(e) => (StatusCode::BAD_REQUEST, format!("{}: {e}", field_reason(e))),
            Malformed(m) => (StatusCode::BAD_REQUEST, format!("MalformedRequest: {m}")),
            AlreadyExists(m) => (StatusCode::BAD_REQUEST, format!("DBInstanceAlreadyExists: {m}")),
            Duplicate(m) => (StatusCode::BAD_REQUEST, m.clone()),
            Unauthorized(m) => (StatusCode::UNAUTHORIZED, format!("Unauthorized: {m}")),
            NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
            MethodNotAllowed(allow) => {
                (StatusCode::METHOD_NOT_ALLOWED, format!("MethodNotAllowed: allowed methods are {allow}"))
            }
            OverLimit(m) => (StatusCode::PAYLOAD_TOO_LARGE, m.clone()),
            InvalidState(m) => (StatusCode::UNPROCESSABLE_ENTITY, format!("InvalidDBInstanceState: {m}")),
            Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
            NotImplemented(m) => (StatusCode::NOT_IMPLEMENTED, format!("NotImplemented: {m}")),
            Injected { status, .. } => {
                let s = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let text = match s.as_u16() {
                    503 => "ServiceUnavailable: injected by a fault rule; retry in a few minutes (seed 172)".to_owned(),
                    _ => format!("{}: injected by a fault rule", s.canonical_reason().unwrap_or("Error")),
                };
                (s, text)
            }
        }
    }
}

impl ProviderError for FujitsuError {
    fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn body(&self, _request_id: &str) -> Value {
        let (status, message) = self.parts();
        json!({"Error": {"status": status.as_u16(), "name": error_name(status.as_u16()), "message": message}})
    }

    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        match self {
            FujitsuError::MethodNotAllowed(allow) => vec![(ALLOW, HeaderValue::from_static(allow))],
            FujitsuError::Injected { status, retry_after } => {
                let secs = retry_after.or((*status == 503 || *status == 429).then_some(1));
                secs.map(|s| vec![(hyper::header::RETRY_AFTER, HeaderValue::from(s))]).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_error_status_name_message() {
        let e = FujitsuError::Invalid(FieldError::new("instance.port", Rule::Range { min: 1024, max: 32767 }));
        assert_eq!(
            e.body(""),
            json!({"Error": {"status": 400, "name": "badRequest",
                   "message": "InvalidParameterValue: instance.port must be between 1024 and 32767"}})
        );
        assert_eq!(FujitsuError::instance_not_found().body("")["Error"]["message"], "DBInstanceNotFound");
        assert_eq!(FujitsuError::instance_not_found().body("")["Error"]["name"], "itemNotFound");
        let e = FujitsuError::MethodNotAllowed("GET, POST");
        assert_eq!(e.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(e.body("")["Error"]["name"], "badMethod");
        assert_eq!(e.headers()[0].0, ALLOW);
    }

    #[test]
    fn every_status_of_the_seed_table_has_its_name() {
        for (status, name) in [
            (400, "badRequest"),
            (401, "unauthorized"),
            (403, "forbidden"),
            (404, "itemNotFound"),
            (405, "badMethod"),
            (413, "overLimit"),
            (422, "unprocessableEntity"),
            (500, "instanceFault"),
            (501, "notImplemented"),
            (503, "serviceUnavailable"),
            (504, "gatewayTimeout"),
        ] {
            let e = FujitsuError::Injected { status, retry_after: None };
            assert_eq!(e.body("")["Error"], json!({"status": status, "name": name, "message": e.parts().1}));
        }
        let e = FujitsuError::Injected { status: 503, retry_after: None };
        assert_eq!(e.headers()[0].1, HeaderValue::from(1u64));
    }

    #[test]
    fn core_rejections_come_back_in_the_fujitsu_envelope() {
        assert_eq!(FujitsuError::from(Rejection::UnsupportedMediaType).status(), StatusCode::BAD_REQUEST);
        assert_eq!(FujitsuError::from(Rejection::BodyTooLarge).body("")["Error"]["name"], "overLimit");
        assert_eq!(FujitsuError::from(Rejection::NotFound).status(), StatusCode::NOT_FOUND);
    }
}
