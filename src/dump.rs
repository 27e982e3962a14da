//! The state dump's writer: `GET /_sim/state` and the `--state-file`, written as JSON
//! text straight to a byte sink, a row at a time.
//!
//! A dump of the whole world is the largest thing the simulator writes (100k services
//! are about 190 MB of JSON). Built as one `serde_json::Value` tree first it cost ten
//! times that in memory and held every table's rows at once; [`StateOut`] instead writes
//! the JSON text as it goes: the structure (objects, arrays, keys) by hand, and each row
//! serialised on its own. A table is dumped from its sorted keys, each row read under
//! its shard's lock only while it is serialised into a scratch buffer, so no table lock
//! is held while the bytes go out (which may wait for a slow client), and the rows come
//! in key order, as they always did.
//!
//! The text is compact (`GET /_sim/state`) or pretty-printed (the state file, for
//! people who read it): either way the same JSON value.
//!
//! May touch: `crate::store` (reads tables a row at a time).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use crate::store::Table;

/// What is open at each level: an object or an array, and whether it has a member yet.
#[derive(Clone, Copy)]
struct Level {
    array: bool,
    members: usize,
}

/// A JSON writer for state dumps, over any byte sink: one value at the top, objects and
/// arrays opened and closed explicitly, members serialised one at a time.
///
/// Misuse (a value in an object without a key, `end` with nothing open) is a bug of the
/// caller; it writes JSON that does not parse rather than panicking.
pub struct StateOut<'a> {
    out: &'a mut dyn Write,
    pretty: bool,
    open: Vec<Level>,
    /// A key was written and its value is next.
    keyed: bool,
    /// One row's serialisation, reused: rows are serialised here under their shard's
    /// lock, and written to `out` after it is released.
    scratch: Vec<u8>,
}

impl<'a> StateOut<'a> {
    /// A writer of compact JSON (`pretty == false`) or of JSON indented by two spaces.
    pub fn new(out: &'a mut dyn Write, pretty: bool) -> Self {
        StateOut { out, pretty, open: Vec::new(), keyed: false, scratch: Vec::new() }
    }

    fn indent(&mut self, depth: usize) -> io::Result<()> {
        self.out.write_all(b"\n")?;
        for _ in 0..depth {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    /// What comes before a value: nothing after a key, a separator in an array.
    fn before_value(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.keyed) {
            return Ok(());
        }
        match self.open.last() {
            Some(level) if level.array => self.next_member(),
            _ => Ok(()),
        }
    }

    /// A new member of the open array or object: counted, a comma before all but the
    /// first, and a line of its own when pretty.
    fn next_member(&mut self) -> io::Result<()> {
        let depth = self.open.len();
        if let Some(level) = self.open.last_mut() {
            level.members += 1;
            if level.members > 1 {
                self.out.write_all(b",")?;
            }
        }
        if self.pretty {
            self.indent(depth)?;
        }
        Ok(())
    }

    /// The key of the next member of the open object.
    pub fn key(&mut self, key: &str) -> io::Result<()> {
        self.next_member()?;
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.write_all(if self.pretty { b": " } else { b":" })?;
        self.keyed = true;
        Ok(())
    }

    /// Opens an object as the next value.
    pub fn object(&mut self) -> io::Result<()> {
        self.before_value()?;
        self.open.push(Level { array: false, members: 0 });
        self.out.write_all(b"{")
    }

    /// Opens an array as the next value.
    pub fn array(&mut self) -> io::Result<()> {
        self.before_value()?;
        self.open.push(Level { array: true, members: 0 });
        self.out.write_all(b"[")
    }

    /// Closes the innermost open object or array.
    pub fn end(&mut self) -> io::Result<()> {
        let Some(level) = self.open.pop() else { return Ok(()) };
        if self.pretty && level.members > 0 {
            self.indent(self.open.len())?;
        }
        self.out.write_all(if level.array { b"]" } else { b"}" })
    }

    /// Writes `value` as the next value. A value that cannot be serialised (a map with
    /// keys that are not strings) is `null`, as it was in a `Value` tree.
    pub fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        self.render(value, &mut scratch);
        let written = self.write_rendered(&scratch);
        self.scratch = scratch;
        written
    }

    /// `key`, then `value`.
    pub fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        self.value(value)
    }

    /// `key`, then every row of `table` as an array in key order (tenant, then id).
    pub fn table<V: Clone + Serialize>(&mut self, key: &str, table: &Table<V>) -> io::Result<()> {
        self.rows(key, table, |_, v, out, pretty| render(v, out, pretty))
    }

    /// [`StateOut::table`] with each row's tenant under `field` (rows that are JSON
    /// objects and have a tenant; a field the row already has is kept). Such a row goes
    /// through a `Value` of its own, one row at a time.
    pub fn table_with_tenant<V: Clone + Serialize>(
        &mut self,
        key: &str,
        table: &Table<V>,
        field: &str,
    ) -> io::Result<()> {
        self.key(key)?;
        self.array()?;
        for (tenant, id) in table.sorted_keys() {
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            let pretty = self.pretty;
            let found = table
                .read(&tenant, &id, |stored| {
                    let mut row = serde_json::to_value(&**stored).unwrap_or(Value::Null);
                    if let Some(obj) = row.as_object_mut() {
                        if !tenant.is_empty() {
                            obj.entry(field).or_insert_with(|| Value::String(tenant.clone()));
                        }
                    }
                    render(&row, &mut scratch, pretty);
                })
                .is_some();
            let written = if found { self.write_rendered(&scratch) } else { Ok(()) };
            self.scratch = scratch;
            written?;
        }
        self.end()
    }

    /// `key`, then an array of `table`'s rows in key order, each rendered by `row` (from
    /// its `(tenant, id)` and value, pretty or not) under its shard's lock, and written
    /// after it is released. A row removed since the keys were read is left out.
    pub fn rows<V: Clone>(
        &mut self,
        key: &str,
        table: &Table<V>,
        row: impl Fn(&(String, String), &V, &mut Vec<u8>, bool),
    ) -> io::Result<()> {
        self.key(key)?;
        self.array()?;
        for key in table.sorted_keys() {
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            let pretty = self.pretty;
            let found = table.read(&key.0, &key.1, |stored| row(&key, stored, &mut scratch, pretty)).is_some();
            let written = if found { self.write_rendered(&scratch) } else { Ok(()) };
            self.scratch = scratch;
            written?;
        }
        self.end()
    }

    /// `key`, then `items` as an array, one rendered item at a time (what a table of its
    /// own keeps, listed in its key order by the caller).
    pub fn items<T: Serialize>(&mut self, key: &str, items: impl IntoIterator<Item = T>) -> io::Result<()> {
        self.key(key)?;
        self.array()?;
        for item in items {
            self.value(&item)?;
        }
        self.end()
    }

    /// Flushes the sink (the end of a dump).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn render<T: Serialize + ?Sized>(&self, value: &T, out: &mut Vec<u8>) {
        out.clear();
        render(value, out, self.pretty);
    }

    /// Writes one rendered value in place: pretty text is indented to the depth it
    /// lands at (a line break in JSON text is never inside a string, which escapes it).
    fn write_rendered(&mut self, rendered: &[u8]) -> io::Result<()> {
        self.before_value()?;
        if !self.pretty {
            return self.out.write_all(rendered);
        }
        let mut lines = rendered.split(|&b| b == b'\n');
        if let Some(first) = lines.next() {
            self.out.write_all(first)?;
        }
        let depth = self.open.len();
        for line in lines {
            self.indent(depth)?;
            self.out.write_all(line)?;
        }
        Ok(())
    }
}

/// Serialises `value` into `out` (cleared by the caller), `null` when it cannot be.
pub fn render<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>, pretty: bool) {
    let start = out.len();
    let done =
        if pretty { serde_json::to_writer_pretty(&mut *out, value) } else { serde_json::to_writer(&mut *out, value) };
    if done.is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

/// A byte sink that only counts (the length `HEAD /_sim/state` announces).
#[derive(Default)]
pub struct Counted(pub u64);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn written(pretty: bool, f: impl FnOnce(&mut StateOut) -> io::Result<()>) -> Vec<u8> {
        let mut bytes = Vec::new();
        f(&mut StateOut::new(&mut bytes, pretty)).expect("writes");
        bytes
    }

    #[test]
    fn writes_the_json_a_value_tree_would() {
        let table: Table<Value> = Table::default();
        table.insert("t2", "b", json!({"n": 2, "tags": ["x", "y\nz"], "empty": {}}));
        table.insert("t1", "z", json!({"n": 1}));
        table.insert("t2", "a", json!([]));
        let want = json!({
            "format": "f",
            "nested": {"rows": [{"n": 1}, [], {"n": 2, "tags": ["x", "y\nz"], "empty": {}}], "none": []},
            "list": [1, {"a": null}],
            "empty": {},
        });
        for pretty in [false, true] {
            let bytes = written(pretty, |out| {
                // In the order of the keys, as a `Value`'s map writes them.
                out.object()?;
                out.key("empty")?;
                out.object()?;
                out.end()?;
                out.field("format", "f")?;
                out.key("list")?;
                out.array()?;
                out.value(&1)?;
                out.value(&json!({"a": null}))?;
                out.end()?;
                out.key("nested")?;
                out.object()?;
                out.table("none", &Table::<Value>::default())?;
                out.table("rows", &table)?;
                out.end()?;
                out.end()
            });
            let text = String::from_utf8(bytes).expect("utf-8");
            assert_eq!(serde_json::from_str::<Value>(&text).expect("parses"), want, "{text}");
            if pretty {
                assert_eq!(text, serde_json::to_string_pretty(&want).expect("renders"), "indented as serde_json does");
            } else {
                assert!(!text.contains('\n'), "{text}");
            }
        }
    }

    #[test]
    fn items_are_written_as_a_table_of_the_same_rows_is() {
        let table: Table<Value> = Table::default();
        table.insert("t1", "a", json!({"n": 1, "tags": ["x"]}));
        table.insert("t1", "b", json!([]));
        let none = Table::<Value>::default();
        for pretty in [false, true] {
            for rows in [vec![], vec![json!({"n": 1, "tags": ["x"]}), json!([])]] {
                let empty = rows.is_empty();
                let items = written(pretty, |out| {
                    out.object()?;
                    out.items("rows", rows)?;
                    out.end()
                });
                let tabled = written(pretty, |out| {
                    out.object()?;
                    out.table("rows", if empty { &none } else { &table })?;
                    out.end()
                });
                assert_eq!(String::from_utf8(items), String::from_utf8(tabled), "pretty {pretty}, empty {empty}");
            }
        }
    }

    #[test]
    fn rows_carry_their_tenant_when_asked() {
        let table: Table<Value> = Table::default();
        table.insert("d1", "a", json!({"id": "a"}));
        table.insert("d1", "b", json!({"id": "b", "domain": "own"}));
        table.insert("", "c", json!({"id": "c"}));
        let bytes = written(false, |out| {
            out.object()?;
            out.table_with_tenant("rows", &table, "domain")?;
            out.end()
        });
        let got: Value = serde_json::from_slice(&bytes).expect("parses");
        assert_eq!(got, json!({"rows": [{"id": "c"}, {"id": "a", "domain": "d1"}, {"id": "b", "domain": "own"}]}),);
    }

    #[test]
    fn a_failing_sink_stops_the_writer() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut sink = Closed;
        let mut out = StateOut::new(&mut sink, false);
        assert_eq!(out.object().map_err(|e| e.kind()), Err(io::ErrorKind::BrokenPipe));
    }
}
