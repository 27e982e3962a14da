"""``python -m dbaas_sim ARGS...`` runs the installed ``dbaas-sim`` binary with ARGS."""

from __future__ import annotations

import subprocess
import sys

from ._binary import find_binary


def main() -> int:
    try:
        return subprocess.call([find_binary(), *sys.argv[1:]])
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
