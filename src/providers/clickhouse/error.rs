//! The ClickHouse Cloud error envelope and its one table of statuses and code prefixes.
//!
//! Body: `{"status": <http status>, "error": "<CODE>: <message>", "requestId": "<uuid>"}`
//! (spec §2.6; observed live bodies in O4). Nothing else in the provider builds an error.

use hyper::header::{HeaderName, HeaderValue, ALLOW, WWW_AUTHENTICATE};
use hyper::StatusCode;
use serde_json::{json, Value};

use crate::http::{ProviderError, Rejection};
use crate::validation::FieldError;

#[derive(Debug, Clone, PartialEq)]
pub enum ChError {
    /// A validation rule failed (400 unless the rule says otherwise).
    Invalid(FieldError),
    /// 400 with a fixed message.
    BadRequest(String),
    /// 401; the message after `UNAUTHORIZED: `.
    Unauthorized(&'static str),
    /// 403; the message after `FORBIDDEN: `.
    Forbidden(String),
    /// 404; the message after `NOT_FOUND: `.
    NotFound(String),
    MethodNotAllowed(&'static str),
    /// 409 state-machine refusals.
    Conflict(String),
    PayloadTooLarge,
    /// 424 (ClickPipes on a service that is not running).
    FailedDependency(String),
    /// 424 of `udfAttach` on a service that is not running: the official body adds
    /// `code`, `serviceState` and `canWake`.
    ServiceNotRunning {
        state: super::model::ServiceState,
    },
    /// 429; seconds until a request is allowed again.
    TooManyRequests {
        reset_secs: u64,
    },
    /// Injected by fault rules: any status, with the provider's body.
    Injected {
        status: u16,
        retry_after: Option<u64>,
    },
}

impl From<FieldError> for ChError {
    fn from(e: FieldError) -> Self {
        ChError::Invalid(e)
    }
}

impl From<Rejection> for ChError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::MalformedBody(_) => ChError::BadRequest("Invalid JSON body".into()),
            Rejection::UnsupportedMediaType => ChError::BadRequest("Content-Type must be application/json".into()),
            Rejection::BodyTooLarge => ChError::PayloadTooLarge,
            Rejection::NotFound => ChError::NotFound("Route not found".into()),
            Rejection::MethodNotAllowed { allow } => ChError::MethodNotAllowed(allow),
            Rejection::Injected { status, retry_after } => ChError::Injected { status, retry_after },
        }
    }
}

impl ChError {
    pub fn not_found(what: &str, id: &str) -> Self {
        ChError::NotFound(format!("{what} {id} not found"))
    }

    /// The one table: status, code prefix, message.
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ChError::Invalid(e) => (StatusCode::BAD_REQUEST, "BAD_REQUEST", e.to_string()),
            ChError::BadRequest(m) => (StatusCode::BAD_REQUEST, "BAD_REQUEST", m.clone()),
            ChError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED", (*m).to_owned()),
            ChError::Forbidden(m) => (StatusCode::FORBIDDEN, "FORBIDDEN", m.clone()),
            ChError::NotFound(m) => (StatusCode::NOT_FOUND, "NOT_FOUND", m.clone()),
            ChError::MethodNotAllowed(allow) => {
                (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", format!("Method not allowed. Allowed: {allow}"))
            }
            ChError::Conflict(m) => (StatusCode::CONFLICT, "CONFLICT", m.clone()),
            ChError::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "Request body is larger than 1 MiB".into())
            }
            ChError::FailedDependency(m) => (StatusCode::FAILED_DEPENDENCY, "FAILED_DEPENDENCY", m.clone()),
            ChError::ServiceNotRunning { state } => (
                StatusCode::FAILED_DEPENDENCY,
                "FAILED_DEPENDENCY",
                format!("The service must be running. Current state: {}", state.as_str()),
            ),
            ChError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_REQUESTS", "Rate limit exceeded".into())
            }
            ChError::Injected { status, .. } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let (code, message) = match status.as_u16() {
                    400 => ("BAD_REQUEST", "Bad request"),
                    401 => ("UNAUTHORIZED", "Key is not found"),
                    403 => ("FORBIDDEN", "Forbidden"),
                    404 => ("NOT_FOUND", "Not found"),
                    409 => ("CONFLICT", "Conflict"),
                    429 => ("TOO_MANY_REQUESTS", "Rate limit exceeded"),
                    500 => ("INTERNAL_ERROR", "Internal error"),
                    502 => ("BAD_GATEWAY", "Bad gateway"),
                    504 => ("GATEWAY_TIMEOUT", "Gateway timeout"),
                    _ => ("SERVICE_UNAVAILABLE", "Service is temporarily unavailable"),
                };
                (status, code, message.into())
            }
        }
    }
}

impl ProviderError for ChError {
    fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn body(&self, request_id: &str) -> Value {
        let (status, code, message) = self.parts();
        // The live 429 carries the bare message (the official client's fixture,
        // clickhousectl `client_test.rs` `api_error_429_rate_limited`): no code prefix.
        let error = match self {
            ChError::TooManyRequests { .. } => message,
            _ => format!("{code}: {message}"),
        };
        let mut body = json!({ "status": status.as_u16(), "error": error, "requestId": request_id });
        if let ChError::ServiceNotRunning { state } = self {
            use super::model::ServiceState as S;
            let (reason, can_wake) = match state {
                S::Idle => ("SERVICE_IDLE", true),
                S::Stopped | S::Stopping => ("SERVICE_STOPPED", false),
                _ => ("SERVICE_NOT_RUNNING", false),
            };
            body["code"] = json!(reason);
            body["serviceState"] = json!(state.as_str());
            body["canWake"] = json!(can_wake);
        }
        body
    }

    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        match self {
            ChError::Unauthorized(_) => {
                vec![(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"ClickHouse Cloud API\""))]
            }
            ChError::MethodNotAllowed(allow) => vec![(ALLOW, HeaderValue::from_static(allow))],
            ChError::TooManyRequests { reset_secs } => {
                vec![(HeaderName::from_static("x-ratelimit-reset"), HeaderValue::from(*reset_secs))]
            }
            ChError::Injected { status, retry_after } => crate::http::retry_after_headers(*status, *retry_after),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Rule;

    #[test]
    fn envelope_has_status_error_and_request_id() {
        let e = ChError::Invalid(FieldError::new("minReplicaMemoryGb", Rule::MultipleOf(4)));
        assert_eq!(
            e.body("r"),
            json!({"status": 400, "error": "BAD_REQUEST: minReplicaMemoryGb must be a multiple of 4", "requestId": "r"})
        );
        assert_eq!(ChError::Unauthorized("Key is not found").status(), StatusCode::UNAUTHORIZED);
        assert_eq!(ChError::Unauthorized("x").headers()[0].0, WWW_AUTHENTICATE);
    }
}
