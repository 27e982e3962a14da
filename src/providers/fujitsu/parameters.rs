//! The DB parameter catalogue of the parameter-group families (seed 1.5, lines
//! 7968–8574): every parameter's name, default, allowed values, apply type, data type,
//! modifiability and minimum engine version.
//!
//! The seed prints two parameters in full (`shared_buffers`, `shared_preload_libraries`,
//! seed 8415–8446) and a third by name (`work_mem`, changed with `immediate` in the modify
//! example, seed 8555–8567, so `dynamic`); the full list lives in the user guide's
//! "付録A：変更できるDBパラメータの一覧" (seed 197), which is not part of the seed. The rest
//! are PostgreSQL 12 parameters with PostgreSQL's own defaults, ranges and contexts
//! (`postmaster` = `static`, others `dynamic`), so that every rule has a parameter to act on.
//!
//! May touch: nothing (pure data).

/// The families (seed 8003–8020): engine `enterprisepostgres` versions 12–15; default
/// `enterprisepostgres_v15`.
pub const FAMILIES: &[&str] =
    &["enterprisepostgres_v12", "enterprisepostgres_v13", "enterprisepostgres_v14", "enterprisepostgres_v15"];
pub const DEFAULT_FAMILY: &str = "enterprisepostgres_v15";

/// What a value may be (`allowedValues`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// An integer in `min..=max` (`"16-1073741823"`).
    Range(i64, i64),
    /// One of a list (`"none,ddl,mod,all"`).
    OneOf(&'static [&'static str]),
    /// Any string of at most 255 characters (`""`, seed 8432).
    Any,
}

impl Allowed {
    /// The seed's `allowedValues` text.
    pub fn text(self) -> String {
        match self {
            Allowed::Range(a, b) => format!("{a}-{b}"),
            Allowed::OneOf(v) => v.join(","),
            Allowed::Any => String::new(),
        }
    }
}

/// `applyType` (seed 8353–8366, 1.1.4 lines 190–195).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyType {
    /// "変更反映は次回再起動時のみ": only `pending-reboot`.
    Static,
    /// `immediate` applies at once without a restart.
    Dynamic,
}

impl ApplyType {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyType::Static => "static",
            ApplyType::Dynamic => "dynamic",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub default: &'static str,
    pub allowed: Allowed,
    pub apply_type: ApplyType,
    pub data_type: &'static str,
    pub description: &'static str,
    pub modifiable: bool,
    pub minimum_engine_version: &'static str,
}

const fn p(
    name: &'static str,
    default: &'static str,
    allowed: Allowed,
    apply_type: ApplyType,
    data_type: &'static str,
    description: &'static str,
    modifiable: bool,
) -> Param {
    Param { name, default, allowed, apply_type, data_type, description, modifiable, minimum_engine_version: "12.1" }
}

use Allowed::*;
use ApplyType::*;

const ON_OFF: &[&str] = &["on", "off"];

/// Every family has these parameters (the seed gives no per-family difference).
pub const PARAMS: &[Param] = &[
    // Seed 8415–8426, as printed.
    p("shared_buffers", "65536", Range(16, 1_073_741_823), Static, "integer", "(8kB) Sets the number of shared memory buffers used by the server.", true),
    // Seed 8428–8446, as printed (without the example's leading space in the name).
    p("shared_preload_libraries", "", Any, Static, "string", "Lists shared libraries to preload into server.", false),
    // Seed 8555–8567 changes it with `immediate`: dynamic.
    p("work_mem", "4096", Range(64, 2_147_483_647), Dynamic, "integer", "(kB) Sets the maximum memory to be used for query workspaces.", true),
    p("maintenance_work_mem", "65536", Range(1024, 2_147_483_647), Dynamic, "integer", "(kB) Sets the maximum memory to be used for maintenance operations.", true),
    p("effective_cache_size", "524288", Range(1, 2_147_483_647), Dynamic, "integer", "(8kB) Sets the planner's assumption about the total size of the data caches.", true),
    p("max_connections", "100", Range(1, 262_143), Static, "integer", "Sets the maximum number of concurrent connections.", true),
    p("max_worker_processes", "8", Range(0, 262_143), Static, "integer", "Maximum number of concurrent worker processes.", true),
    p("max_wal_size", "1024", Range(2, 2_147_483_647), Dynamic, "integer", "(MB) Sets the WAL size that triggers a checkpoint.", true),
    p("wal_level", "replica", OneOf(&["replica", "logical"]), Static, "string", "Set the level of information written to the WAL.", false),
    p("log_min_duration_statement", "-1", Range(-1, 2_147_483_647), Dynamic, "integer", "(ms) Sets the minimum execution time above which statements will be logged.", true),
    p("log_statement", "none", OneOf(&["none", "ddl", "mod", "all"]), Dynamic, "string", "Sets the type of statements logged.", true),
    p("log_connections", "off", OneOf(ON_OFF), Dynamic, "boolean", "Logs each successful connection.", true),
    p("autovacuum", "on", OneOf(ON_OFF), Dynamic, "boolean", "Starts the autovacuum subprocess.", true),
    p("timezone", "UTC", Any, Dynamic, "string", "Sets the time zone for displaying and interpreting time stamps.", true),
];

pub fn param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_printed_parameters_are_as_printed() {
        let sb = param("shared_buffers").unwrap();
        assert_eq!((sb.default, sb.allowed.text(), sb.apply_type), ("65536", "16-1073741823".to_owned(), Static));
        let spl = param("shared_preload_libraries").unwrap();
        assert!(!spl.modifiable);
        assert_eq!(spl.allowed.text(), "");
        assert_eq!(param("work_mem").unwrap().apply_type, Dynamic);
        assert_eq!(param("log_min_duration_statement").unwrap().allowed.text(), "-1-2147483647");
        for p in PARAMS {
            assert!(crate::providers::fujitsu::validate::paramgroup::parameter_value("v", p, p.default).is_ok(), "{}", p.name);
        }
    }
}
