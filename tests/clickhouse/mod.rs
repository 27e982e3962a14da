//! ClickHouse Cloud API tests, one file per family.

mod services;
