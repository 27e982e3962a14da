//! The fixed catalogues: flavors (1.2.2.14/1.2.2.15) and DB engine versions (1.2.2.13),
//! from the seed's examples, and their three GET handlers.
//!
//! Flavors: the seed shows `11` economy in full (seed 7091–7108), `12` standard by name
//! only (6965–6990) and `1` by id only (every instance example's `flavorRef`). The
//! attributes of `1` and `12` are the simulator's placeholders (extract 02 A30); the
//! types are as the example prints them (`ram` a string although the table says Integer,
//! `swap` null; A29).
//! Engines: the one `enterprisepostgres` 12 (minor 0) of seed 6852–6880.
//!
//! May touch: the request's query, `view`.

use hyper::StatusCode;

use super::error::FujitsuError;
use super::validate::query;
use super::view::{self, Links};
use super::Out;
use crate::http::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flavor {
    pub id: &'static str,
    pub name: &'static str,
    pub ram: &'static str,
    pub vcpus: &'static str,
    pub disk: &'static str,
    pub swap: Option<&'static str>,
}

/// In id order (the list's order, so that `marker` works).
pub const FLAVORS: &[Flavor] = &[
    // Placeholder attributes (the seed names this flavor only by its id).
    Flavor { id: "1", name: "basic", ram: "4096", vcpus: "2", disk: "0", swap: None },
    // Seed 7091–7108, as printed.
    Flavor { id: "11", name: "economy", ram: "1700", vcpus: "1", disk: "0", swap: None },
    // Name from seed 6965–6990; placeholder attributes.
    Flavor { id: "12", name: "standard", ram: "3400", vcpus: "2", disk: "0", swap: None },
];

pub fn flavor(id: &str) -> Option<&'static Flavor> {
    FLAVORS.iter().find(|f| f.id == id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine {
    pub engine: &'static str,
    pub version: &'static str,
    pub minor_version: &'static str,
    pub description: &'static str,
    pub version_description: &'static str,
    pub parameter_group_family: &'static str,
    pub default_character_set: (&'static str, &'static str),
    pub supported_character_sets: &'static [(&'static str, &'static str)],
    pub collates: &'static [&'static str],
    /// The engine's default version ("Default value: Latest version", seed 581–588).
    pub is_default: bool,
}

pub const ENGINES: &[Engine] = &[Engine {
    engine: "enterprisepostgres",
    version: "12",
    minor_version: "0",
    description: "Enterprise Postgres DBaaS",
    version_description: "Version 12",
    parameter_group_family: "enterprisepostgres_v12",
    default_character_set: ("UTF8", "UTF8 Unicode 8-bit"),
    // The seed prints `null` without listSupportedCharacterSets and nothing else
    // (extract 02 A28): the default one.
    supported_character_sets: &[("UTF8", "UTF8 Unicode 8-bit")],
    collates: &["C"],
    is_default: true,
}];

/// The default (latest) version of an engine.
pub fn latest(engine: &str) -> Option<&'static Engine> {
    ENGINES.iter().filter(|e| e.engine == engine).find(|e| e.is_default)
}

pub fn engine(engine: &str, version: &str) -> Option<&'static Engine> {
    ENGINES.iter().find(|e| e.engine == engine && e.version == version)
}

/// `GET /v1.0/{tenantId}/flavors` (1.2.2.14): `limit` 20–100 (default 20) and `marker`
/// (the last id of the previous page).
pub fn list_flavors(req: &Request, links: &Links, clamp: bool) -> Result<Out, FujitsuError> {
    let page = query::page(req, clamp)?;
    let start = match &page.marker {
        None => 0,
        Some(m) => FLAVORS.iter().position(|f| f.id == m).map(|i| i + 1).ok_or_else(|| query::unknown_marker(m))?,
    };
    let items: Vec<&Flavor> = FLAVORS.iter().skip(start).take(page.limit).collect();
    Ok(Out::json(StatusCode::OK, view::flavors(&items, links)))
}

/// `GET /v1.0/{tenantId}/flavors/{flavorId}` (1.2.2.15); an unknown id is 404 although
/// the seed lists none (extract 02 A35).
pub fn show_flavor(id: &str, links: &Links) -> Result<Out, FujitsuError> {
    let f =
        flavor(id).ok_or_else(|| FujitsuError::NotFound(format!("FlavorNotFound: flavor '{id}' does not exist")))?;
    Ok(Out::json(StatusCode::OK, view::flavor(f, links)))
}

/// `GET /v1.0/{tenantId}/engineversion` (1.2.2.13): filters `engine`, `engineVersion`,
/// `defaultOnly`; `listSupportedCharacterSets`; `limit`/`marker` (the answer's `marker`
/// names the next page's start, present only when there is one).
pub fn list_engine_versions(req: &Request, clamp: bool) -> Result<Out, FujitsuError> {
    let q = query::engine_versions(req, clamp)?;
    let matching: Vec<(usize, &Engine)> = ENGINES
        .iter()
        .enumerate()
        .filter(|(_, e)| q.engine.as_deref().is_none_or(|x| x == e.engine))
        .filter(|(_, e)| q.engine_version.as_deref().is_none_or(|x| x == e.version))
        .filter(|(_, e)| !q.default_only || e.is_default)
        .collect();
    let start = match &q.page.marker {
        None => 0,
        Some(m) => m.parse::<usize>().ok().filter(|n| *n <= matching.len()).ok_or_else(|| query::unknown_marker(m))?,
    };
    let items: Vec<&Engine> = matching.iter().skip(start).take(q.page.limit).map(|(_, e)| *e).collect();
    let next = (start + items.len() < matching.len()).then(|| (start + items.len()).to_string());
    Ok(Out::json(StatusCode::OK, view::engine_versions(&items, q.list_character_sets, next.as_deref())))
}
