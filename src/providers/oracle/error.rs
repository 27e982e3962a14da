//! The Oracle error envelopes and their one table of statuses and codes.
//!
//! My Services (`/itas/...`, spec §2.4, schema `MSError` of S5):
//! `{"errorCode": "ITAS-<http>-<REASON>", "errorMessage": "...", "httpMessage": "Bad Request",
//! "httpStatusCode": 400}` — the field names are documented, the code format and the
//! messages are the simulator's (§15 #28); `additionalInfoLink`/`relatedLink` are omitted
//! because they are always null.
//!
//! ECRA (`/ecra/endpoint/...`, §9, O): `{"status": 400, "message": "...", "status-detail":
//! "...", "op": "<name>"}` (ECRA answers "not found" with 400).
//!
//! Nothing else in the provider builds an error body.

use hyper::header::{HeaderName, HeaderValue, ALLOW, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::StatusCode;
use serde_json::{json, Value};

use crate::http::{ProviderError, Rejection};
use crate::validation::FieldError;

#[derive(Debug, Clone, PartialEq)]
pub enum OracleError {
    /// 401 `AUTH` (T01–T04, T06, T07).
    Unauthorized(String),
    /// 401 `EXPIRED` (T05): the message contains "Expired" (S4).
    Expired,
    /// 403 `FORBIDDEN` (T08).
    Forbidden(String),
    /// 404 `NOT_FOUND` (G01–G03, unknown paths).
    NotFound(String),
    /// 405 with `Allow`.
    MethodNotAllowed(&'static str),
    /// 400 `MALFORMED`: the outer body is not the JSON shape required (T11–T16).
    Malformed(String),
    /// 400 `ATTRIBUTE`: an operation attribute or query parameter breaks a rule.
    Attribute(FieldError),
    /// 400 `PAYLOAD`: EXAUNIT_ALLOCATIONS (decoding, grammar, properties, sync backend checks).
    Payload(FieldError),
    /// 409 `CONFLICT`: a state refusal (C05, C10, C11, U04, X03).
    Conflict(String),
    /// 409 `BUSY` (U05, §12).
    Busy { instance: String, operation: String },
    /// 400 `UNSUPPORTED` (G08).
    Unsupported(String),
    /// 415 `UNSUPPORTED` (T10).
    UnsupportedMediaType,
    /// 413 `MALFORMED`: the body is over the core's 1 MiB limit.
    TooLarge,
    /// 429 `RATE` (T09).
    RateLimited { retry_after: u64 },
    /// Injected by a fault rule: any status with the native body.
    Injected { status: u16, retry_after: Option<u64> },
    /// The ECRA envelope (§9): status, message, `op`.
    Ecra { status: u16, message: String, op: &'static str },
}

impl From<Rejection> for OracleError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::MalformedBody(m) => OracleError::Malformed(m),
            Rejection::UnsupportedMediaType => OracleError::UnsupportedMediaType,
            Rejection::BodyTooLarge => OracleError::TooLarge,
            Rejection::NotFound => OracleError::NotFound("Resource not found".into()),
            Rejection::MethodNotAllowed { allow } => OracleError::MethodNotAllowed(allow),
            Rejection::Injected { status, retry_after } => OracleError::Injected { status, retry_after },
        }
    }
}

impl OracleError {
    pub fn not_found(what: &str, id: &str) -> Self {
        OracleError::NotFound(format!("{what} {id} not found"))
    }

    pub fn ecra(op: &'static str, message: impl Into<String>) -> Self {
        OracleError::Ecra { status: 400, message: message.into(), op }
    }

    /// The one table: HTTP status, `errorCode` reason, message.
    fn parts(&self) -> (StatusCode, &'static str, String) {
        use OracleError::*;
        match self {
            Unauthorized(m) => (StatusCode::UNAUTHORIZED, "AUTH", m.clone()),
            Expired => (StatusCode::UNAUTHORIZED, "EXPIRED", "Token Expired: the access token has expired".into()),
            Forbidden(m) => (StatusCode::FORBIDDEN, "FORBIDDEN", m.clone()),
            NotFound(m) => (StatusCode::NOT_FOUND, "NOT_FOUND", m.clone()),
            MethodNotAllowed(allow) => {
                (StatusCode::METHOD_NOT_ALLOWED, "UNSUPPORTED", format!("Method not allowed; allowed: {allow}"))
            }
            Malformed(m) => (StatusCode::BAD_REQUEST, "MALFORMED", m.clone()),
            Attribute(e) => (StatusCode::BAD_REQUEST, "ATTRIBUTE", e.to_string()),
            Payload(e) => (StatusCode::BAD_REQUEST, "PAYLOAD", e.to_string()),
            Conflict(m) => (StatusCode::CONFLICT, "CONFLICT", m.clone()),
            Busy { instance, operation } => {
                (StatusCode::CONFLICT, "BUSY", format!("Instance {instance} has an operation in progress: {operation}"))
            }
            Unsupported(m) => (StatusCode::BAD_REQUEST, "UNSUPPORTED", m.clone()),
            UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED", "Content-Type must be application/json".into())
            }
            TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "MALFORMED", "Request body is larger than 1 MiB".into()),
            RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE", "Too many requests".into()),
            Injected { status, .. } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let reason = match status.as_u16() {
                    400 => "MALFORMED",
                    401 => "AUTH",
                    403 => "FORBIDDEN",
                    404 => "NOT_FOUND",
                    409 => "CONFLICT",
                    429 => "RATE",
                    _ => "INTERNAL",
                };
                (status, reason, status.canonical_reason().unwrap_or("Error").to_owned())
            }
            Ecra { status, message, .. } => {
                (StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST), "ECRA", message.clone())
            }
        }
    }
}

impl ProviderError for OracleError {
    fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn body(&self, _request_id: &str) -> Value {
        let (status, reason, message) = self.parts();
        if let OracleError::Ecra { op, .. } = self {
            return json!({
                "status": status.as_u16(),
                "message": message,
                "status-detail": message,
                "op": op,
            });
        }
        json!({
            "errorCode": format!("ITAS-{}-{reason}", status.as_u16()),
            "errorMessage": message,
            "httpMessage": status.canonical_reason().unwrap_or("Error"),
            "httpStatusCode": status.as_u16(),
        })
    }

    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        match self {
            OracleError::Unauthorized(_) | OracleError::Expired => {
                vec![(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"itas\""))]
            }
            OracleError::MethodNotAllowed(allow) => vec![(ALLOW, HeaderValue::from_static(allow))],
            OracleError::RateLimited { retry_after } => vec![(RETRY_AFTER, HeaderValue::from(*retry_after))],
            OracleError::Injected { status, retry_after } => crate::http::retry_after_headers(*status, *retry_after),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Rule;

    #[test]
    fn ms_error_names_code_message_and_status() {
        let e = OracleError::Attribute(FieldError::new("requestPayload.name", Rule::Required));
        assert_eq!(
            e.body(""),
            json!({
                "errorCode": "ITAS-400-ATTRIBUTE",
                "errorMessage": "requestPayload.name is required",
                "httpMessage": "Bad Request",
                "httpStatusCode": 400
            })
        );
        assert_eq!(OracleError::Expired.body("")["errorCode"], "ITAS-401-EXPIRED");
        assert!(OracleError::Expired.body("")["errorMessage"].as_str().unwrap().contains("Expired"));
        assert_eq!(OracleError::Expired.headers()[0].0, WWW_AUTHENTICATE);
    }

    #[test]
    fn ecra_errors_use_the_ecra_envelope() {
        let e = OracleError::ecra("clustershapes_get", "racksize and model are required");
        assert_eq!(
            e.body(""),
            json!({"status": 400, "message": "racksize and model are required",
                   "status-detail": "racksize and model are required", "op": "clustershapes_get"})
        );
    }
}
