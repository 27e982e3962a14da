//! (placeholder, being written)

use super::routes::Op;
use super::{Call, ChError, ClickHouse, Res};

pub fn handle(_ch: &ClickHouse, _call: &Call, op: &Op) -> Res {
    Err(ChError::NotFound(format!("{} is not served yet", op.name())))
}
