"""The pytest plugin: the fixtures a test gets by naming them, with no conftest.py."""

from __future__ import annotations

import pytest

ORG = "00000000-0000-4000-8000-000000000001"


def test_a_service_created_over_the_api_is_running_after_the_clock_advances(dbaas_sim):
    # What a user of the package writes: create, advance the simulated clock, see it run.
    ch = dbaas_sim.clickhouse
    created = dbaas_sim.request(
        "POST",
        f"/v1/organizations/{ch.organization_id}/services",
        json={"name": "from pytest", "provider": "aws", "region": "us-east-1"},
        auth=ch.auth,
    )
    assert created.status == 200, created.text
    service = created.json()["result"]["service"]
    assert service["state"] == "provisioning"
    dbaas_sim.advance(60)
    got = dbaas_sim.request("GET", f"/v1/organizations/{ch.organization_id}/services/{service['id']}", auth=ch.auth)
    assert got.json()["result"]["state"] == "running"


@pytest.mark.dbaas_sim(seed=9, settings={"clickhouse.durations.provision": 5})
def test_the_marker_passes_options_to_the_fixtures_simulator(dbaas_sim):
    assert dbaas_sim.health()["seed"] == 9
    assert dbaas_sim.config()["clickhouse.durations.provision"] == 5


def test_every_test_gets_a_fresh_simulator_of_its_own(pytester):
    pytester.makepyfile(
        """
        urls = []

        def test_one(dbaas_sim):
            urls.append(dbaas_sim.url)
            dbaas_sim.add_fault({"action": {"kind": "reset"}, "match": {"path": "/x"}})

        def test_two(dbaas_sim):
            urls.append(dbaas_sim.url)
            assert dbaas_sim.faults() == []
            assert urls[0] != urls[1]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_session_simulator_is_shared_and_reset_before_each_test(pytester):
    pytester.makepyfile(
        """
        ORG = "00000000-0000-4000-8000-000000000001"
        seen = []

        def create(sim):
            body = {"name": "x", "provider": "aws", "region": "us-east-1"}
            assert sim.request("POST", f"/v1/organizations/{ORG}/services", json=body, auth=sim.clickhouse.auth).status == 200

        def test_one(dbaas_sim_session):
            seen.append(dbaas_sim_session.url)
            create(dbaas_sim_session)
            dbaas_sim_session.advance(30)
            dbaas_sim_session.add_fault({"action": {"kind": "reset"}, "match": {"path": "/x"}})

        def test_two(dbaas_sim_session):
            seen.append(dbaas_sim_session.url)
            assert seen[0] == seen[1], "one simulator for the session"
            state = dbaas_sim_session.state()
            assert state["providers"]["clickhouse"]["services"] == []
            assert state["clock"]["elapsedMs"] == 0
            assert dbaas_sim_session.faults() == []
            assert dbaas_sim_session.requests(provider="clickhouse") == []
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_marker_refuses_positional_arguments(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.dbaas_sim(7)
        def test_positional(dbaas_sim):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*keyword arguments only*"])
