//! The body of `POST /v1.0/{tenantId}/auth/token` (1.8.2.1, seed 12327–12519): token
//! authentication (`auth.token.id`, the FJcloud-O IaaS token), which wins when both are
//! given (seed 12332), or password authentication of a user by `id`, or by `name` with
//! `domain.name` (the contract number, seed 12376–12399).

use crate::validation::FieldError;

use super::super::wire::TokenBody;
use super::common::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    IaasToken(String),
    UserId { id: String, password: String },
    UserName { name: String, domain: String, password: String },
}

fn non_empty<'a>(field: &str, s: &'a str) -> Result<&'a str, FieldError> {
    if s.is_empty() {
        return Err(FieldError::says(field, "must not be empty"));
    }
    max_255(field, s)
}

pub fn credentials(body: &TokenBody) -> Result<Credentials, FieldError> {
    let auth = need("auth", &body.auth, "object")?;
    if let Some(token) = read("auth.token", &auth.token, "object")? {
        let id = need("auth.token.id", &token.id, "string")?;
        // A token is opaque; the seed's example wraps over lines, so no length rule.
        if id.is_empty() {
            return Err(FieldError::says("auth.token.id", "must not be empty"));
        }
        return Ok(Credentials::IaasToken(id.clone()));
    }
    let Some(password) = read("auth.password", &auth.password, "object")? else {
        return Err(FieldError::says("auth", "must contain token or password"));
    };
    let user = need("auth.password.user", &password.user, "object")?;
    let secret = need("auth.password.user.password", &user.password, "string")?.clone();
    if let Some(id) = string("auth.password.user.id", &user.id)? {
        return Ok(Credentials::UserId { id: non_empty("auth.password.user.id", id)?.to_owned(), password: secret });
    }
    let Some(name) = string("auth.password.user.name", &user.name)? else {
        return Err(FieldError::says("auth.password.user.name", "is required when auth.password.user.id is omitted"));
    };
    let domain = read("auth.password.user.domain", &user.domain, "object")?
        .ok_or_else(|| FieldError::says("auth.password.user.domain", "is required with auth.password.user.name"))?;
    let domain = need("auth.password.user.domain.name", &domain.name, "string")?;
    Ok(Credentials::UserName {
        name: non_empty("auth.password.user.name", name)?.to_owned(),
        domain: non_empty("auth.password.user.domain.name", domain)?.to_owned(),
        password: secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fujitsu::wire::mirror;
    use serde_json::{json, Value};

    fn c(v: Value) -> Result<Credentials, FieldError> {
        credentials(&mirror(&v).unwrap())
    }

    #[test]
    fn the_token_wins_over_a_password() {
        let both = json!({"auth": {"token": {"id": "t"}, "password": {"user": {"id": "u", "password": "p"}}}});
        assert_eq!(c(both), Ok(Credentials::IaasToken("t".into())));
        assert_eq!(c(json!({"auth": {"token": {}}})).unwrap_err().field, "auth.token.id");
        assert_eq!(c(json!({"auth": {"token": {"id": ""}}})).unwrap_err().field, "auth.token.id");
    }

    #[test]
    fn a_user_by_name_needs_its_domain() {
        let by_name = json!({"auth": {"password": {"user": {"domain": {"name": "d"}, "name": "n", "password": "p"}}}});
        assert_eq!(
            c(by_name),
            Ok(Credentials::UserName { name: "n".into(), domain: "d".into(), password: "p".into() })
        );
        let by_id = json!({"auth": {"password": {"user": {"id": "9e60", "password": "p"}}}});
        assert_eq!(c(by_id), Ok(Credentials::UserId { id: "9e60".into(), password: "p".into() }));
        assert_eq!(
            c(json!({"auth": {"password": {"user": {"name": "n", "password": "p"}}}})).unwrap_err().field,
            "auth.password.user.domain"
        );
        assert_eq!(
            c(json!({"auth": {"password": {"user": {"domain": {"name": "d"}, "name": "n"}}}})).unwrap_err().field,
            "auth.password.user.password"
        );
        assert_eq!(
            c(json!({"auth": {"password": {"user": {"password": "p"}}}})).unwrap_err().field,
            "auth.password.user.name"
        );
        assert_eq!(c(json!({"auth": {}})).unwrap_err().field, "auth");
        assert_eq!(c(json!({})).unwrap_err().field, "auth");
        assert_eq!(c(json!({"auth": "x"})).unwrap_err().to_string(), "auth must be an object");
    }
}
