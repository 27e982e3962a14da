"""Simulator: start, the control API, the default identities, stop."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dbaas_sim import ControlError, Simulator

ORG = "00000000-0000-4000-8000-000000000001"


def create_service(sim: Simulator, name: str = "db") -> str:
    ch = sim.clickhouse
    answer = sim.request(
        "POST",
        f"/v1/organizations/{ch.organization_id}/services",
        json={"name": name, "provider": "aws", "region": "us-east-1"},
        auth=ch.auth,
    )
    assert answer.status == 200, answer.text
    return answer.json()["result"]["service"]["id"]


def service_state(sim: Simulator, service_id: str) -> str:
    answer = sim.request("GET", f"/v1/organizations/{ORG}/services/{service_id}", auth=sim.clickhouse.auth)
    return answer.json()["result"]["state"]


def test_a_simulator_listens_on_an_ephemeral_loopback_port_and_stops_on_exit():
    with Simulator() as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        assert int(sim.url.rsplit(":", 1)[1]) > 0
        pid = sim.pid
        assert sim.running
        assert sim.health()["status"] == "ok"
    assert not sim.running
    # The process is gone, not just detached.
    assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


def test_seed_and_clock_reach_the_process():
    with Simulator(seed=42, clock="real", speed=60) as sim:
        health = sim.health()
        assert (health["seed"], health["clock"]) == (42, "scaled")


def test_settings_are_knobs_set_at_start_and_set_changes_one_later():
    with Simulator(settings={"clickhouse.durations.provision": 5, "clickhouse.rateLimit": "on"}) as sim:
        assert sim.config()["clickhouse.durations.provision"] == 5
        assert sim.config()["clickhouse.rateLimit"] == "on"
        service_id = create_service(sim)
        sim.advance(5)
        assert service_state(sim, service_id) == "running"
        sim.set("clickhouse.durations.provision", 30)
        assert sim.config()["clickhouse.durations.provision"] == 30


def test_advance_answers_the_transitions_it_applied():
    with Simulator() as sim:
        service_id = create_service(sim)
        assert service_state(sim, service_id) == "provisioning"
        transitions = sim.advance(60)
        assert [(t["id"], t["from"], t["to"]) for t in transitions] == [(service_id, "provisioning", "running")]
        assert service_state(sim, service_id) == "running"
        assert sim.advance(0.5) == []


def test_fault_rules_are_added_listed_fired_and_cleared():
    with Simulator() as sim:
        rule_id = sim.add_fault(
            {"match": {"operation": "instanceGetList"}, "action": {"kind": "status", "status": 503}, "schedule": {"times": 1}}
        )
        assert [f["id"] for f in sim.faults()] == [rule_id]
        listed = sim.request("GET", f"/v1/organizations/{ORG}/services", auth=sim.clickhouse.auth)
        assert listed.status == 503
        assert listed.json()["status"] == 503, "ClickHouse's own envelope"
        assert sim.faults()[0]["fired"] == 1
        sim.remove_fault(rule_id)
        assert sim.faults() == []
        sim.add_fault({"id": "again", "action": {"kind": "status", "status": 500}})
        sim.clear_faults()
        assert sim.faults() == []


def test_requests_filters_the_journal():
    with Simulator() as sim:
        create_service(sim)
        sim.request("GET", "/nowhere")
        creates = sim.requests(operation="instanceCreate")
        assert [(r["method"], r["status"]) for r in creates] == [("POST", 200)]
        assert [r["path"] for r in sim.requests(status=404)] == ["/nowhere"]
        assert sim.requests(provider="clickhouse", method="GET") == []
        sim.clear_requests()
        assert sim.requests(provider="clickhouse") == []


def test_state_shows_resources_by_provider_and_kind():
    with Simulator() as sim:
        service_id = create_service(sim, "seen")
        services = sim.state()["providers"]["clickhouse"]["services"]
        assert [(s["id"], s["name"]) for s in services] == [(service_id, "seen")]


def test_load_scenario_takes_yaml_text_and_reset_forgets_it():
    with Simulator() as sim:
        loaded = sim.load_scenario(
            "resources:\n  clickhouse:\n    services:\n      - {name: seeded, provider: aws, region: us-east-1}\n"
            "faults:\n  - {id: slow, match: {operation: instanceGet}, action: {kind: latency, ms: 1}}\n"
        )
        assert loaded["faults"] == 1
        assert [s["name"] for s in sim.state()["providers"]["clickhouse"]["services"]] == ["seeded"]
        sim.reset()
        assert sim.state()["providers"]["clickhouse"]["services"] == []
        assert sim.faults() == []


def test_scenario_files_are_loaded_at_start(tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text("resources:\n  clickhouse:\n    services:\n      - {name: from file, provider: aws, region: us-east-1}\n")
    with Simulator(scenarios=[path]) as sim:
        assert [s["name"] for s in sim.state()["providers"]["clickhouse"]["services"]] == ["from file"]


def test_default_identities_are_attributes():
    with Simulator() as sim:
        ch = sim.clickhouse
        assert (ch.url, ch.organization_id, ch.key_id, ch.key_secret) == (sim.url, ORG, "sim-key", "sim-secret")
        assert ch.auth == ("sim-key", "sim-secret")
        assert sim.request("GET", f"/v1/organizations/{ORG}", headers=ch.headers).status == 200
        ora = sim.oracle
        assert (ora.url, ora.domain, ora.username, ora.password) == (sim.url, "mydomain", "john.smith@example.com", "Welcome1!")
        assert ora.auth == (ora.username, ora.password)
        assert ora.headers["X-ID-TENANT-NAME"] == "mydomain"
        entitlements = sim.request("GET", "/itas/mydomain/myservices/api/v1/serviceEntitlements", headers=ora.headers)
        assert entitlements.status == 200, entitlements.text
        assert "cesi-500073421" in entitlements.text
        wrong = sim.request("GET", "/itas/mydomain/myservices/api/v1/serviceEntitlements", auth=("nobody", "x"), headers={"X-ID-TENANT-NAME": "mydomain"})
        assert wrong.status == 401


def test_a_refused_control_request_raises_with_the_servers_message():
    with Simulator() as sim:
        with pytest.raises(ControlError) as caught:
            sim.set("clickhouse.nope", 1)
        assert caught.value.status == 400
        assert "clickhouse.nope" in caught.value.message
        with pytest.raises(ControlError, match="match.provider"):
            sim.add_fault({"match": {"provider": "nowhere"}, "action": {"kind": "reset"}})
        with pytest.raises(ControlError) as caught:
            sim.remove_fault("no-such-rule")
        assert caught.value.status == 404
        with pytest.raises(ControlError, match="request body:1:"):
            sim.load_scenario("steps: [")


def test_simulators_at_interpreter_exit_are_stopped(tmp_path):
    # A script that starts a simulator and exits without stopping it.
    script = tmp_path / "leaves_one_running.py"
    script.write_text("from dbaas_sim import Simulator\nsim = Simulator().start()\nprint(sim.pid, flush=True)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    pid = out.stdout.strip()
    assert subprocess.run(["kill", "-0", pid], capture_output=True).returncode != 0, "stopped at exit"


def test_an_admin_token_guards_the_control_api_and_the_simulator_sends_it():
    with Simulator(admin_token="py-admin-token") as sim:
        assert sim.health()["status"] == "ok"
        create_service(sim)
        assert sim.advance(60), "the control calls carry the token"
        assert sim.request("GET", "/_sim/health").status == 200
        assert sim.request("GET", "/_sim/health", headers={"Authorization": "Bearer wrong"}).status == 401
        assert "py-admin-token" not in " ".join(sim.command()), "never on the command line"


def test_an_admin_token_with_a_space_is_refused_before_anything_starts():
    with pytest.raises(ValueError, match="admin_token"):
        Simulator(admin_token="two words")
