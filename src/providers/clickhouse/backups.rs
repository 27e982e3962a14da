//! (placeholder, being written)

use super::model::{Event, Service};
use super::routes::Op;
use super::{Call, ChError, ClickHouse, Res};
use crate::providers::{Cx, Transition};

pub fn handle(_ch: &ClickHouse, _call: &Call, op: &Op) -> Res {
    Err(ChError::NotFound(format!("{} is not served yet", op.name())))
}

pub fn on_running(_ch: &ClickHouse, _s: &Service, _cx: &Cx) {}

pub fn apply(_ch: &ClickHouse, _event: Event, _cx: &Cx) -> Vec<Transition> {
    Vec::new()
}
