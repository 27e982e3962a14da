"""Where the ``dbaas-sim`` binary is: the one installed with this package, as ruff and
uv find theirs, or the one ``DBAAS_SIM_BINARY`` names."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

from ._errors import SimulatorError

_EXE = "dbaas-sim" + (".exe" if sys.platform == "win32" else "")


def _user_scheme() -> str:
    preferred = getattr(sysconfig, "get_preferred_scheme", None)  # Python 3.10+
    if preferred is not None:
        return str(preferred("user"))
    return "nt_user" if os.name == "nt" else "posix_user"


def _candidates() -> list[Path]:
    dirs: list[str] = []
    scripts = sysconfig.get_path("scripts")
    if scripts:
        dirs.append(scripts)
    # `pip install --user`.
    try:
        dirs.append(sysconfig.get_path("scripts", scheme=_user_scheme()))
    except KeyError:
        pass
    # `pip install --target DIR`: the scripts sit in DIR/bin beside the package.
    dirs.append(str(Path(__file__).resolve().parent.parent / "bin"))
    return [Path(d) / _EXE for d in dirs if d]


def find_binary() -> str:
    """The path of the ``dbaas-sim`` binary.

    ``DBAAS_SIM_BINARY`` wins when set (a development build, say); then the binary this
    package installed; then ``dbaas-sim`` on ``PATH``.

    Raises:
        SimulatorError: no binary was found, or ``DBAAS_SIM_BINARY`` names no file.
    """
    override = os.environ.get("DBAAS_SIM_BINARY")
    if override:
        if not os.path.isfile(override):
            raise SimulatorError(f"DBAAS_SIM_BINARY={override!r} is not a file")
        return override
    for candidate in _candidates():
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(_EXE)
    if found:
        return found
    raise SimulatorError(
        "the dbaas-sim binary was not found beside this package nor on PATH; "
        "install it with `pip install ./python` or set DBAAS_SIM_BINARY"
    )
