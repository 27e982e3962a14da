"""The exceptions of the package."""

from __future__ import annotations

from typing import Any, Optional


class SimulatorError(RuntimeError):
    """The simulator could not start, or stopped answering.

    Attributes:
        stderr: what the process wrote on stderr (its own explanation, when it had one).
        returncode: its exit code, when it exited.
    """

    def __init__(self, message: str, *, stderr: str = "", returncode: Optional[int] = None) -> None:
        text = message
        if stderr.strip():
            text = f"{message}\n--- dbaas-sim stderr ---\n{stderr.rstrip()}"
        super().__init__(text)
        self.stderr = stderr
        self.returncode = returncode


class ControlError(RuntimeError):
    """The control API (``/_sim/...``) refused a request.

    Attributes:
        status: the HTTP status (400 for bad input, 404 for an unknown id, ...).
        message: the simulator's explanation (``{"error": "..."}``), which names the
            field or value it refused.
        method, path: the request.
        body: the whole answer, parsed when it is JSON.
    """

    def __init__(self, status: int, message: str, method: str, path: str, body: Any = None) -> None:
        super().__init__(f"{method} {path}: {status} {message}")
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.body = body
