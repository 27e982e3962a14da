#!/usr/bin/env python3
"""schemathesis against the ClickHouse document dbaas-sim serves, on a fresh simulator.

Usage: schemathesis_run.py DBAAS_SIM_BINARY ST_BINARY [MAX_EXAMPLES]

Starts the simulator (manual clock, fixed seed), creates one running service so that the
service operations reach real resources, pins `organizationId` and `serviceId` to them in a
`schemathesis.toml`, and runs every phase with a bounded example count. The checks are
the two the contract promises: no 5xx (`not_a_server_error`) and no answer that breaks its
own documented schema (`response_schema_conformance`). Standard library only.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

SIM, ST = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
MAX_EXAMPLES = sys.argv[3] if len(sys.argv) > 3 else "5"
ORG = "00000000-0000-4000-8000-000000000001"

proc = subprocess.Popen(
    [SIM, "serve", "--addr", "127.0.0.1:0", "--clock", "manual", "--seed", "11"],
    stdout=subprocess.PIPE,
    stderr=subprocess.DEVNULL,
    text=True,
)
try:
    line = proc.stdout.readline().strip()
    url = line.removeprefix("dbaas-sim listening on ")

    def call(method, path, body=None, auth=True):
        req = urllib.request.Request(url + path, data=json.dumps(body).encode() if body is not None else None,
                                     method=method)
        req.add_header("content-type", "application/json")
        if auth:
            req.add_header("authorization", "Basic c2ltLWtleTpzaW0tc2VjcmV0")  # sim-key:sim-secret
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    created = call("POST", f"/v1/organizations/{ORG}/services",
                   {"name": "schemathesis", "provider": "aws", "region": "us-east-1"})
    service = created["result"]["service"]["id"]
    call("POST", "/_sim/clock/advance", {"seconds": 60}, auth=False)
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "schemathesis.toml"), "w") as f:
            f.write(f'[parameters]\n"path.organizationId" = "{ORG}"\n"path.serviceId" = "{service}"\n')
        r = subprocess.run(
            [ST, "run", f"{url}/_sim/openapi/clickhouse.json", "--url", url, "-a", "sim-key:sim-secret",
             "-c", "not_a_server_error,response_schema_conformance", "-n", MAX_EXAMPLES, "--seed", "1",
             "--no-color", "--generation-database", "none", "--max-failures", "20"],
            cwd=work,
        )
    sys.exit(r.returncode)
finally:
    proc.kill()
