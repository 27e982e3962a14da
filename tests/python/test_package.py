"""The installed package: the binary inside the wheel, typing, stdlib only at run time."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import dbaas_sim


def test_the_binary_is_installed_with_the_package():
    binary = Path(dbaas_sim.find_binary())
    assert binary.parent == Path(sysconfig.get_path("scripts")), binary
    assert os.access(binary, os.X_OK)
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.startswith("dbaas-sim "), out


def test_python_dash_m_runs_the_binary():
    out = subprocess.run([sys.executable, "-m", "dbaas_sim", "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.startswith("dbaas-sim "), out


def test_the_package_is_typed():
    assert (Path(dbaas_sim.__file__).parent / "py.typed").is_file()


def test_importing_the_package_needs_only_the_standard_library():
    code = (
        "import sys; before = set(sys.modules); import dbaas_sim; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(m for m in new if m not in sys.stdlib_module_names and m != 'dbaas_sim'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_every_public_name_has_a_docstring():
    for name in dbaas_sim.__all__:
        obj = getattr(dbaas_sim, name)
        assert obj.__doc__, name
    for name, member in vars(dbaas_sim.Simulator).items():
        if not name.startswith("_") and callable(member):
            assert member.__doc__, f"Simulator.{name}"
