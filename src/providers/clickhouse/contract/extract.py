#!/usr/bin/env python3
"""Writes `contract/clickhouse.json`: the facts of the official ClickHouse Cloud OpenAPI
document that the simulator serves, for the operations in scope.

Source: ClickHouse/clickhousectl, `crates/clickhouse-cloud-api/clickhouse_cloud_openapi.json`
(Apache-2.0; commit d966006c49315e2920ba6baf019b31da5d3d70c7). Kept: paths, methods,
operationIds, parameters, request bodies, responses and the schemas they reach (types,
enums, bounds, patterns, required lists). Dropped: prose (`description`, `summary`,
`title`), examples, vendor extensions, and the Postgres and ClickStack product lines,
which the simulator does not serve. `openapi.rs` adds the simulator's own parts (error
responses, `GET /v1/whoami`) when it serves the document.

Usage: extract.py OFFICIAL.json > clickhouse.json
"""
import json
import sys

DROP = {"description", "summary", "title", "example", "examples", "externalDocs"}


def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in DROP and not k.startswith("x-")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def refs(x, out):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "$ref" and isinstance(v, str):
                out.append(v.rsplit("/", 1)[-1])
            else:
                refs(v, out)
    elif isinstance(x, list):
        for v in x:
            refs(v, out)


def in_scope(path):
    return "/postgres" not in path and "/clickstack" not in path


def main():
    doc = json.load(open(sys.argv[1]))
    paths = {}
    for path, item in doc["paths"].items():
        if not in_scope(path):
            continue
        ops = {m: strip(o) for m, o in item.items() if m in ("get", "put", "post", "patch", "delete")}
        for o in ops.values():
            o.pop("tags", None)
            o.pop("security", None)
        if ops:
            paths[path] = ops
    todo = []
    refs(paths, todo)
    schemas, seen = {}, set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        schemas[name] = strip(doc["components"]["schemas"][name])
        refs(schemas[name], todo)
    out = {"paths": paths, "schemas": dict(sorted(schemas.items()))}
    json.dump(out, sys.stdout, indent=None, separators=(",", ":"), sort_keys=False)
    sys.stdout.write("\n")


main()
