#!/usr/bin/env python3
"""A whole ClickHouse Cloud flow driven by the real `clickhousectl` against a fresh
dbaas-sim on the manual clock, asserting on the CLI's JSON output.

Usage: clickhousectl_flow.py DBAAS_SIM_BINARY CLICKHOUSECTL_BINARY

The simulator starts with `--clock manual`; the flow moves time itself through
`POST /_sim/clock/advance` (no real waits), and points the CLI at the simulator with its
(hidden) `--url` flag and the default credentials (`sim-key` / `sim-secret`).
`udf create` / `udf deploy` upload their archive to the HTTPS `uploadUrl` of
`udfUploadSessionCreate`: a TLS-terminating proxy (`tls_proxy.py`, a throwaway CA made
with the `openssl` CLI) serves it, knob `clickhouse.udfUploadBaseUrl` points the URL at
it, and `SSL_CERT_FILE` makes the CLI trust the CA.
Standard library (and the `openssl` CLI) only; exits non-zero on the first failed step,
naming it.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tls_proxy  # noqa: E402

SIM, CLI = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
STEP_TIMEOUT = 30


def start_sim():
    proc = subprocess.Popen(
        [SIM, "serve", "--addr", "127.0.0.1:0", "--clock", "manual", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    prefix = "dbaas-sim listening on "
    if not line.startswith(prefix):
        proc.kill()
        sys.exit(f"unexpected first line: {line!r}")
    return proc, line[len(prefix):]


# The certificate first: without `openssl` the flow stops before anything runs.
WORK = tempfile.mkdtemp(prefix="clickhousectl-flow-")
CA, CERT, KEY = tls_proxy.make_cert(WORK)
PROC, URL = start_sim()
ENV = dict(os.environ, DO_NOT_TRACK="1", HOME=os.environ.get("CLICKHOUSECTL_HOME", "/tmp/clickhousectl-home"))
for var in ("CLICKHOUSE_CLOUD_API_KEY", "CLICKHOUSE_CLOUD_API_SECRET"):
    ENV.pop(var, None)
os.makedirs(ENV["HOME"], exist_ok=True)
STEPS = 0
PROXY, PROXY_URL = tls_proxy.start(URL, CERT, KEY)
ENV["SSL_CERT_FILE"] = CA  # rustls-platform-verifier on Linux reads it


def fail(msg):
    PROC.kill()
    sys.exit(f"FAILED: {msg}")


def ctl(*args, expect_ok=True):
    """Runs `clickhousectl cloud ... --json` and answers its parsed JSON output."""
    global STEPS
    STEPS += 1
    cmd = [CLI, "cloud", "--url", URL, "--api-key", "sim-key", "--api-secret", "sim-secret", "--json", *args]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP_TIMEOUT, env=ENV, cwd=ENV["HOME"])
    except subprocess.TimeoutExpired:
        fail(f"{' '.join(args)}: no answer within {STEP_TIMEOUT} s")
    if expect_ok and r.returncode != 0:
        fail(f"{' '.join(args)}: exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    if not expect_ok and r.returncode == 0:
        fail(f"{' '.join(args)}: expected a failure, got {r.stdout}")
    out = r.stdout.strip()
    try:
        return json.loads(out) if out else None
    except json.JSONDecodeError:
        fail(f"{' '.join(args)}: not JSON: {out[:400]}")


def sim(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def advance(seconds):
    sim("POST", "/_sim/clock/advance", {"seconds": seconds})


def items(out):
    """A list answer: some commands print the list, some `{"result": [...]}`."""
    return out["result"] if isinstance(out, dict) and "result" in out else out


def check(cond, what, got=None):
    if not cond:
        fail(f"{what}" + (f": {json.dumps(got)[:600]}" if got is not None else ""))


started = time.monotonic()
try:
    # Organization
    orgs = ctl("org", "list")
    check(isinstance(orgs, list) and len(orgs) == 1, "org list has one organization", orgs)
    org_id = orgs[0]["id"]
    check(ctl("org", "get")["name"] == "sim-org", "org get")
    check(ctl("org", "update", "--new-name", "ci org")["name"] == "ci org", "org update renames")
    who = ctl("auth", "whoami")
    check(who.get("organizationId") == org_id, "auth whoami names the organization", who)

    # Service: create (a hyphenated name, as the live API accepts), wait on the clock
    created = ctl("service", "create", "--name", "ci-svc-1", "--provider", "aws", "--region", "eu-west-1")
    svc = created["service"]["id"]
    check(created["service"]["state"] == "provisioning", "a new service is provisioning", created)
    check(len(created["password"]) >= 12, "create answers a password", created)
    advance(60)
    got = ctl("service", "get", svc)
    check(got["state"] == "running", "running after 60 simulated seconds", got)
    check(got["autoscalingMode"] == "vertical" and "currentScaling" in got, "autoscaling fields", got)
    check(any(s["id"] == svc for s in items(ctl("service", "list"))), "service list has it")

    # Update, scale, password
    upd = ctl("service", "update", svc, "--new-name", "ci-svc-renamed", "--add-ip-allow", "10.0.0.0/8=office",
              "--add-tag", "env=ci")
    check(upd["name"] == "ci-svc-renamed", "update renames", upd)
    check(any(e["source"] == "10.0.0.0/8" for e in upd["ipAccessList"]), "update adds the IP entry", upd)
    scaled = ctl("service", "scale", svc, "--min-replica-memory-gb", "16", "--max-replica-memory-gb", "32",
                 "--num-replicas", "2", "--idle-timeout-minutes", "10")
    check(scaled["minReplicaMemoryGb"] == 16 and scaled["maxReplicaMemoryGb"] == 32, "scale memory", scaled)
    check(scaled["numReplicas"] == 2 and scaled["idleTimeoutMinutes"] == 10, "scale replicas and idling", scaled)
    pw = ctl("service", "reset-password", svc)
    check(pw.get("password") and pw["password"] != created["password"], "reset-password answers a new one", pw)

    # API keys without roles; a query endpoint binding one by its UUID
    key = ctl("key", "create", "--name", "ci-query-key")
    key_uuid = key["key"]["id"]
    check(key["key"].get("assignedRoles", []) == [], "a key created without roles has none", key)
    check(key.get("keyId") and key.get("keySecret"), "create answers the credentials once", key)
    check(any(k["id"] == key_uuid for k in items(ctl("key", "list"))), "key list has it")
    check(ctl("key", "get", key_uuid)["name"] == "ci-query-key", "key get")
    qe = ctl("service", "query-endpoint", "create", svc, "--role", "sql_console_read_only",
             "--open-api-key", key_uuid, "--allowed-origins", "https://ci.example.com")
    check(key_uuid in qe["openApiKeys"], "the endpoint binds the key by UUID", qe)
    check(ctl("service", "query-endpoint", "get", svc)["id"] == qe["id"], "query-endpoint get")
    ctl("service", "query-endpoint", "delete", svc)

    # Saved queries (not in the official document; clickhousectl 0.5.0 calls them)
    sq = ctl("saved-query", "create", svc, "--name", "ci-daily", "--sql", "SELECT {n:UInt8}", "--database",
             "default", "--param", "n=1")
    check(sq["name"] == "ci-daily" and sq["parameters"] == {"n": "1"}, "saved-query create", sq)
    ctl("saved-query", "create", svc, "--name", "ci-other", "--sql", "SELECT 2", "--database", "default")
    page = ctl("saved-query", "list", svc, "--limit", "1")
    check([q["id"] for q in page["result"]] == [sq["id"]] and page.get("nextCursor") and page["totalCount"] == 2,
          "saved-query list pages with nextCursor", page)
    rest = ctl("saved-query", "list", svc, "--cursor", page["nextCursor"])
    check([q["name"] for q in rest["result"]] == ["ci-other"] and "nextCursor" not in rest, "saved-query list --cursor",
          rest)
    check(ctl("saved-query", "get", svc, sq["id"]) == sq, "saved-query get")
    check(ctl("saved-query", "get", svc, "--name", "ci-other")["sql"] == "SELECT 2", "saved-query get --name")
    upd_sq = ctl("saved-query", "update", svc, sq["id"], "--new-name", "ci-nightly", "--sql", "SELECT 3",
                 "--database", "db2")
    check(upd_sq == {"id": sq["id"], "name": "ci-nightly", "sql": "SELECT 3", "database": "db2", "parameters": {}},
          "saved-query update replaces the whole query", upd_sq)
    ctl("saved-query", "delete", svc, "--name", "ci-other")
    ctl("saved-query", "delete", svc, sq["id"])
    check(ctl("saved-query", "list", svc)["result"] == [], "saved-query list is empty after the deletes")
    ctl("saved-query", "get", svc, sq["id"], expect_ok=False)

    # Query API endpoints (likewise), bound to the key and the Query Endpoints role
    roles = items(ctl("org", "role", "list"))
    qe_role = next((r["id"] for r in roles if r.get("name") == "Query Endpoints"), None)
    check(qe_role, "org role list has the Query Endpoints system role", roles)
    definition = os.path.join(WORK, "endpoint.json")
    with open(definition, "w") as f:
        json.dump({"name": "ci-endpoint", "sql": "SELECT {n:UInt8}", "database": "default", "parameters": {"n": "1"},
                   "apiKeyIds": [key_uuid], "roles": [qe_role], "allowedOrigins": ["https://ci.example.com"]}, f)
    ep = ctl("query-api-endpoint", "create", svc, "--file", definition)
    check(ep["apiKeyIds"] == [key_uuid] and ep["roles"] == [qe_role] and ep["ownerType"] == "queryApiEndpoint"
          and ep["url"].endswith("/" + ep["id"]), "query-api-endpoint create", ep)
    listed = ctl("query-api-endpoint", "list", svc)
    check([e["id"] for e in listed["items"]] == [ep["id"]] and "sql" not in listed["items"][0],
          "query-api-endpoint list", listed)
    check(ctl("query-api-endpoint", "get", svc, ep["id"]) == ep, "query-api-endpoint get")
    with open(definition, "w") as f:
        json.dump({"name": "ci-endpoint-2", "sql": "SELECT 2", "database": "default", "apiKeyIds": [key_uuid],
                   "roles": [qe_role]}, f)
    ep2 = ctl("query-api-endpoint", "update", svc, "--name", "ci-endpoint", "--file", definition)
    check(ep2["id"] == ep["id"] and ep2["name"] == "ci-endpoint-2" and ep2["parameters"] == {}
          and ep2["allowedOrigins"] == [], "query-api-endpoint update replaces the definition", ep2)
    ctl("query-api-endpoint", "delete", svc, ep["id"])
    check(ctl("query-api-endpoint", "list", svc)["items"] == [], "query-api-endpoint list is empty after delete")

    # Key list, one key a page, every page
    all_keys = ctl("key", "list", "--limit", "1", "--all")
    check(sorted(k["id"] for k in items(all_keys)) == sorted(k["id"] for k in items(ctl("key", "list"))) and
          len(items(all_keys)) == 2, "key list --limit 1 --all follows nextCursor", all_keys)

    # Private endpoints
    pe = ctl("service", "private-endpoint", "create", svc, "--endpoint-id", "vpce-0123456789abcdef0",
             "--description", "ci")
    check(pe["id"] == "vpce-0123456789abcdef0", "private-endpoint create", pe)
    cfg = ctl("service", "private-endpoint", "get-config", svc)
    check(cfg["endpointServiceId"].startswith("com.amazonaws.vpce.eu-west-1."), "private-endpoint get-config", cfg)

    # Service settings, scaling schedule, replica-aware routing, snapshots (on the clock)
    ctl("service", "settings", "set", svc, "--setting", "max_threads=4")
    check(ctl("service", "settings", "get", svc, "max_threads") == {"name": "max_threads", "value": "4"},
          "settings get")
    ctl("service", "settings", "unset", svc, "max_threads")
    check("max_threads" not in json.dumps(ctl("service", "settings", "list", svc)), "settings unset")
    check(any(s["name"] == "max_threads" for s in ctl("service", "settings", "schema", svc)["settings"]),
          "settings schema")
    schedule = os.path.join(WORK, "schedule.json")
    with open(schedule, "w") as f:
        json.dump({"entries": [{"name": "Nights", "weekdays": [3], "startHourUtc": 22, "endHourUtc": 2,
                                "autoscalingMode": "vertical", "numReplicas": 2, "idleScaling": False}]}, f)
    ss = ctl("service", "scaling-schedule", "set", svc, "--file", schedule)
    check([e["name"] for e in ss["entries"]] == ["Nights"] and "baseConfig" in ss, "scaling-schedule set", ss)
    check(ctl("service", "scaling-schedule", "get", svc) == ss, "scaling-schedule get")
    ctl("service", "scaling-schedule", "delete", svc)
    ctl("service", "scaling-schedule", "get", svc, expect_ok=False)
    check(ctl("service", "replica-aware-routing", "get", svc) == {"httpEnabled": False, "nativeEnabled": False},
          "replica-aware-routing get: off by default")
    rar = ctl("service", "replica-aware-routing", "update", svc, "--http-enabled", "true")
    check(rar == {"httpEnabled": True, "nativeEnabled": False}, "replica-aware-routing update", rar)
    check(ctl("service", "replica-aware-routing", "get", svc) == rar, "replica-aware-routing get after update")
    ctl("service", "snapshot", "config", "get", svc, expect_ok=False)
    snap_cfg = ctl("service", "snapshot", "config", "update", svc, "--enabled", "true")
    check(snap_cfg["enabled"] is True, "snapshot config update --enabled", snap_cfg)
    snap_cfg = ctl("service", "snapshot", "config", "update", svc, "--gap", "30", "--time-frame", "120")
    check(snap_cfg == {"enabled": True, "gap": 30, "timeFrame": 120}, "snapshot config update --gap", snap_cfg)
    check(ctl("service", "snapshot", "config", "get", svc) == snap_cfg, "snapshot config get")
    check(ctl("service", "snapshot", "list", svc) == [], "no snapshot before the first gap")

    # ClickPipes (Kafka), their settings and scaling, CDC scaling, reverse private endpoints
    pipe = ctl("clickpipe", "create", "kafka", svc, "--name", "ci-pipe", "--brokers", "b:9092", "--topics", "orders",
               "--format", "JSONEachRow", "--database", "default", "--table", "orders")
    pipe_id = pipe["id"]
    ctx = ctl("clickpipe", "context", "get", svc)
    check(ctx == {"gcpWorkloadIdentity": {"supported": False, "ready": False}}, "clickpipe context get (AWS)", ctx)
    check(pipe["name"] == "ci-pipe" and pipe["state"] == "Provisioning", "clickpipe create kafka", pipe)
    advance(30)
    check(any(p["id"] == pipe_id for p in items(ctl("clickpipe", "list", svc))), "clickpipe list")
    check(ctl("clickpipe", "get", svc, pipe_id)["state"] == "Running", "clickpipe get: running")
    pipe_file = os.path.join(WORK, "pipe.json")
    with open(pipe_file, "w") as f:
        json.dump({"name": "ci-pipe-2"}, f)
    check(ctl("clickpipe", "update", svc, pipe_id, "--file", pipe_file)["name"] == "ci-pipe-2", "clickpipe update")
    check(ctl("clickpipe", "stop", svc, pipe_id)["state"] in ("Stopping", "Stopped"), "clickpipe stop")
    advance(30)
    check(ctl("clickpipe", "start", svc, pipe_id)["state"] in ("Running", "Provisioning"), "clickpipe start")
    advance(30)
    scaled_pipe = ctl("clickpipe", "scale", svc, pipe_id, "--replicas", "2")
    check(scaled_pipe["scaling"]["replicas"] == 2, "clickpipe scale", scaled_pipe)
    pipe_settings = ctl("clickpipe", "settings", "get", svc, pipe_id)
    check(pipe_settings.get("kafka_read_committed") is False, "clickpipe settings get (Kafka)", pipe_settings)
    upd = ctl("clickpipe", "settings", "update", svc, pipe_id, "--kafka-read-committed", "true")
    check(upd.get("kafka_read_committed") is True, "clickpipe settings update --kafka-read-committed", upd)
    upd = ctl("clickpipe", "settings", "update", svc, pipe_id, "--clickhouse-max-threads", "4")
    check(upd.get("kafka_read_committed") is True and upd.get("clickhouse_max_threads") == 4,
          "clickpipe settings update keeps kafka_read_committed", upd)
    # Database and Pub/Sub sources, and schema discovery of object storage and Pub/Sub
    sa_file = os.path.join(WORK, "sa.json")
    with open(sa_file, "w") as f:
        json.dump({"type": "service_account", "project_id": "proj"}, f)
    my = ctl("clickpipe", "create", "mysql", svc, "--name", "ci-mysql", "--host", "db.example.com", "--username", "u",
             "--password", "p", "--table-mapping", "app.orders:orders")
    check(my["source"]["mysql"]["settings"]["replicationMode"] == "cdc" and my["state"] == "Provisioning",
          "clickpipe create mysql", my)
    mg = ctl("clickpipe", "create", "mongodb", svc, "--name", "ci-mongo", "--uri", "mongodb+srv://c.example.net/app",
             "--username", "u", "--password", "p", "--table-mapping", "app.users:users")
    check(mg["source"]["mongodb"]["readPreference"] == "secondaryPreferred", "clickpipe create mongodb", mg)
    ps = ctl("clickpipe", "create", "pubsub", svc, "--name", "ci-pubsub", "--topic", "events", "--project-id", "proj",
             "--format", "JSONEachRow", "--seek-type", "earliest", "--database", "default", "--table", "events",
             "--service-account-file", sa_file)
    check(ps["source"]["pubsub"]["topic"] == "events", "clickpipe create pubsub", ps)
    found = ctl("clickpipe", "schema-discover", "object-storage", svc, "--source-url",
                "https://b.s3.amazonaws.com/*.json", "--format", "JSONEachRow")
    check(found["meta"]["source"] == "objectStorage" and found["fields"], "clickpipe schema-discover object-storage",
          found)
    found = ctl("clickpipe", "schema-discover", "pubsub", svc, "--topic", "events", "--project-id", "proj", "--format",
                "Avro", "--seek-type", "latest", "--service-account-file", sa_file)
    check(found["meta"] == {"source": "pubsub", "format": "Avro", "sampled": "events"},
          "clickpipe schema-discover pubsub", found)
    for p in (my, mg, ps):
        ctl("clickpipe", "delete", svc, p["id"])
    cdc = ctl("clickpipe", "cdc-scaling", "update", svc, "--cpu-millicores", "2000", "--memory-gb", "8")
    check(cdc == {"replicaCpuMillicores": 2000, "replicaMemoryGb": 8}, "clickpipe cdc-scaling update", cdc)
    check(ctl("clickpipe", "cdc-scaling", "get", svc) == cdc, "clickpipe cdc-scaling get")
    rpe = ctl("clickpipe", "reverse-private-endpoint", "create", svc, "--type", "VPC_ENDPOINT_SERVICE",
              "--description", "ci", "--vpc-endpoint-service-name",
              "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0")
    check(rpe["status"] == "Provisioning", "reverse-private-endpoint create", rpe)
    advance(60)
    check(ctl("clickpipe", "reverse-private-endpoint", "get", svc, rpe["id"])["status"] == "Ready",
          "reverse-private-endpoint get: ready on the clock")
    check(any(e["id"] == rpe["id"] for e in items(ctl("clickpipe", "reverse-private-endpoint", "list", svc))),
          "reverse-private-endpoint list")
    ctl("clickpipe", "reverse-private-endpoint", "delete", svc, rpe["id"])
    ctl("clickpipe", "delete", svc, pipe_id)
    advance(30)
    check(all(p["id"] != pipe_id for p in items(ctl("clickpipe", "list", svc))), "clickpipe delete")
    advance(1800)  # the snapshot schedule's first gap
    snaps = ctl("service", "snapshot", "list", svc)
    check(len(snaps) == 1 and snaps[0]["status"] == "done", "a snapshot taken one gap in", snaps)
    check(ctl("service", "snapshot", "get", svc, "--snapshot-id", snaps[0]["id"]) == snaps[0], "snapshot get")

    # Backup bucket
    bucket = os.path.join(WORK, "bucket.json")
    with open(bucket, "w") as f:
        json.dump({"bucketProvider": "AWS", "bucketPath": "s3://ci-bucket/backups",
                   "iamRoleArn": "arn:aws:iam::123456789012:role/ci", "iamRoleExternalId": "ext",
                   "iamRoleSessionName": "ci"}, f)
    bb = ctl("backup", "bucket", "create", svc, "--file", bucket)
    check(bb["bucketPath"] == "s3://ci-bucket/backups", "backup bucket create", bb)
    check(ctl("backup", "bucket", "get", svc)["bucketPath"] == "s3://ci-bucket/backups", "backup bucket get")
    with open(bucket, "w") as f:
        json.dump({"bucketProvider": "AWS", "bucketPath": "s3://ci-bucket/other",
                   "iamRoleArn": "arn:aws:iam::123456789012:role/ci", "iamRoleSessionName": "ci"}, f)
    check(ctl("backup", "bucket", "update", svc, "--file", bucket)["bucketPath"] == "s3://ci-bucket/other",
          "backup bucket update")
    ctl("backup", "bucket", "delete", svc)
    ctl("backup", "bucket", "get", svc, expect_ok=False)

    # Backups and their configuration: a start time with a 48-hour period (live rule)
    bc = ctl("service", "backup-config", "update", svc, "--backup-retention-period-hours", "72")
    check(bc["backupRetentionPeriodInHours"] == 72, "backup-config retention", bc)
    bc = ctl("service", "backup-config", "update", svc, "--backup-start-time", "03:00",
             "--backup-period-hours", "48")
    check(bc["backupPeriodInHours"] == 48 and bc["backupStartTime"] == "03:00", "backup-config start time", bc)
    check(ctl("service", "backup-config", "get", svc) == bc, "backup-config get")
    advance(3 * 3600 + 300)  # 03:00 today, then the 300 s the backup takes
    backups = items(ctl("backup", "list", svc))
    check(len(backups) == 1 and backups[0]["status"] == "done", "one done backup at 03:00", backups)
    check(ctl("backup", "get", svc, backups[0]["id"])["id"] == backups[0]["id"], "backup get")

    # The rest of the official API the CLI reaches
    ctl("service", "settings", "set", svc, "--setting", "max_threads=8")
    settings = ctl("service", "settings", "list", svc)
    check("max_threads" in json.dumps(settings), "settings list shows the set one", settings)
    ctl("service", "upgrade-window", "set", svc, "--weekday", "2", "--start-hour", "6")
    uw = ctl("service", "upgrade-window", "get", svc)
    check(uw["weekday"] == 2 and uw["startHourUtc"] == 6, "upgrade-window get", uw)
    check(any(q["quotaCode"] == "services-per-organization" for q in items(ctl("org", "quota", "list"))), "org quota list")
    groups = ctl("org", "prometheus", "discovery")
    check(any(g["labels"].get("clickhouse_service_id") == svc for g in groups), "org prometheus discovery", groups)
    check(any(r["type"] == "system" for r in items(ctl("org", "role", "list"))), "org role list")

    # UDFs: `udf create` uploads its ZIP to the HTTPS uploadUrl, served by the proxy.
    sim("PATCH", "/_sim/config", {"clickhouse.udfUploadBaseUrl": PROXY_URL})
    udfs_dir = os.path.join(WORK, "udfs")
    os.makedirs(os.path.join(udfs_dir, "parse_ua"))
    with open(os.path.join(udfs_dir, "parse_ua", "udf.json"), "w") as f:
        json.dump({"functionName": "parse_ua", "runtime": "python3.11", "type": "executable",
                   "arguments": [{"name": "ua", "type": "String"}], "returnType": "String"}, f)
    with open(os.path.join(udfs_dir, "parse_ua", "main.py"), "w") as f:
        f.write("import sys\nfor line in sys.stdin:\n    print(line.strip(), flush=True)\n")
    made = ctl("udf", "create", "parse_ua", "--dir", udfs_dir)
    check(made["functionName"] == "parse_ua" and made["status"] == "building" and made["version"] == 1,
          "udf create uploads over HTTPS and starts a build", made)
    advance(30)
    check(any(u["functionName"] == "parse_ua" for u in items(ctl("udf", "list"))), "udf list")
    check(ctl("udf", "get", "parse_ua")["status"] == "ready", "udf get: built on the clock")
    # The service idled meanwhile (10 idle minutes): attaching answers the official 424,
    # which the CLI turns into its `service_idle` error; wake it first.
    check(ctl("service", "get", svc)["state"] == "idle", "idle after its idle timeout")
    ctl("udf", "attach", "parse_ua", svc, expect_ok=False)
    ctl("service", "wake", svc)
    advance(15)
    check(ctl("service", "get", svc)["state"] == "running", "running after wake")
    att = ctl("udf", "attach", "parse_ua", svc)
    check(att["status"] == "provisioning" and att["version"] == 1, "udf attach", att)
    advance(20)
    check(items(ctl("udf", "attachment", "list", "parse_ua"))[0]["status"] == "deployed", "udf attachment list")
    ctl("udf", "detach", "parse_ua", svc)
    advance(20)
    # `udf deploy` waits in real time for the build and the deployment: with both
    # durations 0 they are done when it first looks.
    sim("PATCH", "/_sim/config", {"clickhouse.durations.udfBuild": 0, "clickhouse.durations.udfAttach": 0})
    dep = ctl("udf", "deploy", "parse_ua", "--service", svc, "--dir", udfs_dir, "--timeout", "20")
    check(dep["action"] == "version_created" and dep["udf"]["version"] == 2 and dep["udf"]["status"] == "ready",
          "udf deploy builds version 2", dep)
    check(dep["attachment"]["status"] == "deployed" and dep["attachment"]["version"] == 2,
          "udf deploy attaches version 2", dep)
    ctl("udf", "detach", "parse_ua", svc)
    advance(1)

    # Stop, start, delete on the clock
    check(ctl("service", "stop", svc)["state"] == "stopping", "stop")
    advance(20)
    check(ctl("service", "get", svc)["state"] == "stopped", "stopped after 20 s")
    check(ctl("service", "start", svc)["state"] == "starting", "start")
    advance(30)
    check(ctl("service", "get", svc)["state"] == "running", "running after 30 s")
    ctl("service", "stop", svc)
    advance(20)
    ctl("service", "delete", svc)
    advance(30)
    ctl("service", "get", svc, expect_ok=False)

    # Members and invitations (without roles, as the CLI sends them)
    members = items(ctl("member", "list"))
    check(len(members) == 1 and members[0]["email"] == "admin@sim.local", "member list", members)
    inv = ctl("invitation", "create", "--email", "New.Person@CI.io")
    check(inv["email"] == "new.person@ci.io" and inv.get("assignedRoles", []) == [], "invitation create", inv)
    check(any(i["id"] == inv["id"] for i in items(ctl("invitation", "list"))), "invitation list")
    ctl("invitation", "delete", inv["id"])

    # Member and invitation reads, member roles, key update, activity get
    me = members[0]["userId"]
    check(ctl("member", "get", me)["email"] == "admin@sim.local", "member get")
    check(ctl("member", "get", "--email", "admin@sim.local")["userId"] == me, "member get --email")
    admin_role = members[0]["assignedRoles"][0]["roleId"]
    upd_m = ctl("member", "update", me, "--role-id", admin_role)
    check([r["roleId"] for r in upd_m["assignedRoles"]] == [admin_role], "member update --role-id", upd_m)
    inv2 = ctl("invitation", "create", "--email", "second@ci.io")
    check(ctl("invitation", "get", inv2["id"])["email"] == "second@ci.io", "invitation get")
    check(ctl("invitation", "get", "--email", "second@ci.io")["id"] == inv2["id"], "invitation get --email")
    ctl("invitation", "delete", "--email", "second@ci.io")
    ku = ctl("key", "update", key_uuid, "--new-name", "ci-renamed", "--state", "disabled")
    check(ku["name"] == "ci-renamed" and ku["state"] == "disabled", "key update", ku)
    acts = items(ctl("activity", "list"))
    check(ctl("activity", "get", acts[0]["id"])["id"] == acts[0]["id"], "activity get")

    # Organization: quota get, BYOC create/update/delete, balance, notifications
    q = ctl("org", "quota", "get", "services-per-organization")
    check(q["quotaCode"] == "services-per-organization", "org quota get", q)
    byoc = ctl("org", "byoc", "create", "--region", "eu-west-1", "--account-id", "123456789012",
               "--vpc-cidr-range", "10.10.0.0/16", "--availability-zone-suffix", "a", "--display-name", "ci byoc")
    check(byoc["state"] == "infra-provisioning", "org byoc create", byoc)
    prog = ctl("org", "byoc", "progress", byoc["id"])
    check(prog["status"] == "in_progress" and prog["stages"][0]["status"] == "in_progress", "org byoc progress", prog)
    val = ctl("org", "byoc", "validate", "--region", "eu-west-1", "--account-id", "123456789012",
              "--availability-zone-suffix", "a", "--vpc-cidr-range", "10.20.0.0/16", "--tag", "env=ci")
    check(val["cloudProvider"] == "aws" and val["supported"] and val["allPassed"] and val["checks"],
          "org byoc validate", val)
    profiles = ctl("service", "profile", "list", "--byoc-id", byoc["id"])
    check(any(p["profile"] == "v1-default" and p["cpuCores"] == 2 for p in items(profiles)),
          "service profile list --byoc-id", profiles)
    check(len(items(ctl("service", "profile", "list", "--region", "eu-west-1"))) == 10, "service profile list --region")
    advance(60)
    got_byoc = ctl("org", "byoc", "get", byoc["id"])
    check(got_byoc["state"] == "infra-ready" and got_byoc["accountId"] == "123456789012", "org byoc get", got_byoc)
    pec = ctl("org", "byoc", "private-endpoint-config", byoc["id"])
    check(pec["endpointName"].startswith("com.amazonaws.vpce.eu-west-1."), "org byoc private-endpoint-config", pec)
    check(ctl("org", "byoc", "tags", byoc["id"]) == {"tags": {}}, "org byoc tags")
    check(ctl("org", "byoc", "progress", byoc["id"])["status"] == "ready", "org byoc progress: ready on the clock")
    byoc2 = ctl("org", "byoc", "update", byoc["id"], "--new-name", "ci byoc 2")
    check(byoc2["displayName"] == "ci byoc 2" and byoc2["state"] == "infra-ready", "org byoc update", byoc2)
    ctl("org", "byoc", "delete", byoc["id"])
    bal = ctl("org", "balance")
    check(bal == {"totalRemainingCredits": 0, "balances": []}, "org balance: no credits", bal)
    sim("POST", f"/_sim/clickhouse/organizations/{org_id}/creditBalances", {"type": "trial", "totalAmount": 300,
                                                                           "amountSpent": 12.5})
    bal = ctl("org", "balance")
    check(bal["totalRemainingCredits"] == 287.5 and bal["balances"][0]["type"] == "trial", "org balance", bal)
    types = ctl("org", "notification-types")
    check(any(t["name"] == "service_idle" for t in types), "org notification-types", types)
    check(ctl("org", "notifications")["result"] == [], "org notifications: none raised")
    for t in ("service_idle", "billing_credits_low"):
        sim("POST", f"/_sim/clickhouse/organizations/{org_id}/notifications", {"type": t, "resourceId": org_id})
    page = ctl("org", "notifications", "--limit", "1")
    check(page["result"][0]["type"] == "billing_credits_low" and page.get("nextCursor"), "org notifications --limit",
          page)
    rest = ctl("org", "notifications", "--cursor", page["nextCursor"])
    check([n["type"] for n in rest["result"]] == ["service_idle"] and "nextCursor" not in rest,
          "org notifications --cursor", rest)
    check([n["type"] for n in ctl("org", "notifications", "--severity", "warning")["result"]] ==
          ["billing_credits_low"], "org notifications --severity")

    # Keys: delete; activities; usage
    ctl("key", "delete", key_uuid)
    types = [a["type"] for a in items(ctl("activity", "list"))]
    for t in ("service_create", "service_stop", "service_start", "service_delete", "key_create"):
        check(t in types, f"activity list has {t}", types)
    usage = ctl("org", "usage", "--from-date", "2025-01-01", "--to-date", "2025-01-02")
    check("grandTotalCHC" in json.dumps(usage), "org usage", usage)
finally:
    PROC.kill()
    PROXY.shutdown()
    shutil.rmtree(WORK, ignore_errors=True)

print(f"clickhousectl flow: {STEPS} steps passed in {time.monotonic() - started:.1f} s")
