"""The pytest plugin (entry point ``pytest11``): fixtures ``dbaas_sim`` and ``dbaas_sim_session``.

``dbaas_sim`` starts a fresh simulator for each test that asks for it; options come from
the ``dbaas_sim`` marker::

    @pytest.mark.dbaas_sim(seed=7, settings={"clickhouse.durations.provision": 5})
    def test_provisioning(dbaas_sim):
        ...

``dbaas_sim_session`` shares one simulator (default options) across the session and
resets it before each test that uses it: cheaper, still isolated.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from ._simulator import Simulator


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "dbaas_sim(**options): Simulator options (seed, clock, settings, scenarios, ...) "
        "for the dbaas_sim fixture",
    )


@pytest.fixture
def dbaas_sim(request: Any) -> Iterator[Simulator]:
    """A simulator of this test's own, stopped after it."""
    marker = request.node.get_closest_marker("dbaas_sim")
    options = {}
    if marker is not None:
        if marker.args:
            raise TypeError("@pytest.mark.dbaas_sim takes keyword arguments only (the Simulator options)")
        options = dict(marker.kwargs)
    with Simulator(**options) as sim:
        yield sim


@pytest.fixture(scope="session")
def _dbaas_sim_session_process() -> Iterator[Simulator]:
    with Simulator() as sim:
        yield sim


@pytest.fixture
def dbaas_sim_session(_dbaas_sim_session_process: Simulator) -> Simulator:
    """The session's simulator, reset before this test."""
    _dbaas_sim_session_process.reset()
    return _dbaas_sim_session_process
