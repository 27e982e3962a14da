"""Wrong arguments raise exceptions that name the argument; a failed start shows stderr."""

from __future__ import annotations

import math

import pytest

from dbaas_sim import Simulator, SimulatorError


@pytest.mark.parametrize(
    "kwargs, error, mention",
    [
        ({"seed": "7"}, TypeError, "seed"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 2**64}, ValueError, "seed"),
        ({"seed": True}, TypeError, "seed"),
        ({"clock": "fast"}, ValueError, "clock"),
        ({"settings": [("a", 1)]}, TypeError, "settings"),
        ({"settings": {"": 1}}, TypeError, "settings"),
        ({"settings": {"clickhouse.x": object()}}, TypeError, "settings['clickhouse.x']"),
        ({"scenarios": "one.yaml"}, TypeError, "scenarios"),
        ({"scenarios": ["/no/such/file.yaml"]}, FileNotFoundError, "scenarios[0]"),
        ({"scenarios": [3]}, TypeError, "scenarios[0]"),
        ({"speed": 10}, ValueError, "speed"),
        ({"clock": "real", "speed": 0}, ValueError, "speed"),
        ({"clock": "real", "speed": math.inf}, ValueError, "speed"),
        ({"journal_size": -1}, ValueError, "journal_size"),
        ({"startup_timeout": 0}, ValueError, "startup_timeout"),
        ({"env": {"RUST_LOG": 1}}, TypeError, "env"),
        ({"binary": 5}, TypeError, "binary"),
    ],
)
def test_a_wrong_constructor_argument_is_refused_by_name(kwargs, error, mention):
    with pytest.raises(error) as caught:
        Simulator(**kwargs)
    assert mention in str(caught.value)


def test_wrong_method_arguments_are_refused_by_name():
    with Simulator() as sim:
        for call, error, mention in [
            (lambda: sim.advance("60"), TypeError, "seconds"),
            (lambda: sim.advance(-1), ValueError, "seconds"),
            (lambda: sim.advance(math.nan), ValueError, "seconds"),
            (lambda: sim.add_fault("503"), TypeError, "rule"),
            (lambda: sim.add_fault({"action": {"kind": "reset"}, "x": object()}), TypeError, "rule"),
            (lambda: sim.requests(verb="GET"), TypeError, "verb"),
            (lambda: sim.requests(status="404"), TypeError, "status"),
            (lambda: sim.load_scenario(b"faults: []"), TypeError, "yaml_text"),
            (lambda: sim.set("", 1), TypeError, "name"),
            (lambda: sim.set("clickhouse.durations.provision", {1, 2}), TypeError, "value"),
            (lambda: sim.remove_fault(""), TypeError, "rule_id"),
            (lambda: sim.request("GET", "no-slash"), ValueError, "path"),
        ]:
            with pytest.raises(error) as caught:
                call()
            assert mention in str(caught.value), (mention, caught.value)


def test_a_simulator_that_fails_to_start_raises_with_its_stderr():
    with pytest.raises(SimulatorError) as caught:
        Simulator(settings={"clickhouse.durations.provision": "soon"}).start()
    err = caught.value
    assert err.returncode == 2
    assert "clickhouse.durations.provision" in err.stderr
    assert "clickhouse.durations.provision" in str(err), "the message carries stderr"


def test_a_scenario_the_simulator_refuses_raises_with_the_location(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("faults:\n  - acton: {kind: reset}\n")
    with pytest.raises(SimulatorError) as caught:
        Simulator(scenarios=[path]).start()
    assert "broken.yaml:2:" in caught.value.stderr


def test_a_binary_that_is_not_dbaas_sim_is_reported(tmp_path):
    fake = tmp_path / "fake-sim"
    fake.write_text("#!/bin/sh\necho 'something else' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(SimulatorError) as caught:
        Simulator(binary=fake).start()
    assert caught.value.returncode == 3
    assert "something else" in str(caught.value)


def test_the_url_of_a_simulator_that_is_not_running_is_an_error():
    sim = Simulator()
    with pytest.raises(SimulatorError, match="not running"):
        _ = sim.url
