"""dbaas-sim for Python: start a simulator of the ClickHouse Cloud, Oracle My Services
and Fujitsu DBaaS control-plane APIs per test, and drive its clock, faults and journal.

::

    from dbaas_sim import Simulator

    with Simulator(seed=7) as sim:
        # point the client under test at sim.clickhouse.url with sim.clickhouse.auth
        sim.advance(60)
        assert sim.requests(operation="instanceCreate")

With pytest, the fixtures ``dbaas_sim`` (a fresh simulator per test) and
``dbaas_sim_session`` (one per session, reset before each test) are there as soon as the
package is installed. Only the standard library is used at run time.
"""

from __future__ import annotations

from ._binary import find_binary
from ._errors import ControlError, SimulatorError
from ._identities import ClickHouseIdentity, FujitsuIdentity, OracleIdentity
from ._simulator import Response, Simulator

__all__ = [
    "ClickHouseIdentity",
    "ControlError",
    "FujitsuIdentity",
    "OracleIdentity",
    "Response",
    "Simulator",
    "SimulatorError",
    "find_binary",
]
