"""``Simulator``: one ``dbaas-sim serve`` process on ``127.0.0.1:0``, and its control API."""

from __future__ import annotations

import atexit
import collections
import json as _json
import math
import os
import queue
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
import weakref
from email.message import Message
from typing import Any, Deque, Dict, Iterable, List, Mapping, Optional, Union

from ._binary import find_binary
from ._errors import ControlError, SimulatorError
from ._identities import ClickHouseIdentity, FujitsuIdentity, OracleIdentity

PathLike = Union[str, "os.PathLike[str]"]

LISTENING = "dbaas-sim listening on "
CLOCKS = ("manual", "real")
REQUEST_FILTERS = ("provider", "method", "path", "status", "operation")
# The stderr kept for error messages (the tail, when it is longer).
STDERR_KEEP = 64 * 1024

# Every simulator still running, stopped at interpreter exit.
_running: "weakref.WeakSet[Simulator]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for sim in list(_running):
        sim.stop()


def _terminate(proc: "subprocess.Popen[bytes]") -> None:
    """Stops a process: SIGTERM, then SIGKILL if it does not exit within 10 s."""
    if proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    except OSError:
        pass


class Response:
    """An answer of :meth:`Simulator.request`: ``status``, ``headers``, ``text``, :meth:`json`."""

    def __init__(self, status: int, headers: Message, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (``None`` when it is empty)."""
        return _json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"Response(status={self.status}, body={self.text[:80]!r})"


def _check_json(name: str, value: Any) -> None:
    try:
        _json.dumps(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be JSON-serialisable (str, number, bool, None, list, dict): {e}") from None


class Simulator:
    """A dbaas-sim process of your own, on a free port of ``127.0.0.1``.

    Use it as a context manager (the process stops on exit, and at interpreter exit in
    any case)::

        with Simulator(seed=7) as sim:
            sim.clickhouse.url, sim.clickhouse.auth   # point the client under test here
            sim.advance(60)                           # provisioning -> running
            assert sim.requests(operation="instanceCreate")

    Args:
        seed: seed of every generated id, password and random draw (0 to 2**64-1): the
            same seed and the same requests give the same answers.
        clock: ``"manual"`` (time moves only on :meth:`advance`) or ``"real"``.
        settings: knobs to set at start, ``{"clickhouse.durations.provision": 5}``
            (``GET /_sim/config`` lists them).
        scenarios: YAML scenario files whose setup is loaded at start, in order.
        speed: simulated seconds per real second, with ``clock="real"``.
        journal_size: how many requests the journal keeps.
        binary: the ``dbaas-sim`` binary (default: the one installed with this package,
            or ``DBAAS_SIM_BINARY``).
        startup_timeout: seconds to wait for the listening line.
        admin_token: require ``Authorization: Bearer <admin_token>`` on the control API
            (``/_sim/``), as ``dbaas-sim serve --admin-token`` does; this object sends it
            on every control call (and on :meth:`request` to a ``/_sim/`` path). It is
            passed to the process in its environment, never on its command line.
        env: extra environment variables for the process (``RUST_LOG``, ...). The
            ``DBAAS_SIM_*`` variables of this process are not passed on, so that every
            simulator is configured by its arguments alone.
    """

    def __init__(
        self,
        seed: int = 0,
        clock: str = "manual",
        settings: Optional[Mapping[str, Any]] = None,
        scenarios: Optional[Iterable[PathLike]] = None,
        *,
        speed: Optional[float] = None,
        journal_size: Optional[int] = None,
        binary: Optional[PathLike] = None,
        startup_timeout: float = 30.0,
        env: Optional[Mapping[str, str]] = None,
        admin_token: Optional[str] = None,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        if not 0 <= seed < 2**64:
            raise ValueError(f"seed must be between 0 and 2**64-1, got {seed}")
        if clock not in CLOCKS:
            raise ValueError(f"clock must be 'manual' or 'real', got {clock!r}")
        self._settings: Dict[str, Any] = {}
        if settings is not None:
            if not isinstance(settings, Mapping):
                raise TypeError(f"settings must be a mapping of knob name to value, got {type(settings).__name__}")
            for name, value in settings.items():
                if not isinstance(name, str) or not name:
                    raise TypeError(f"settings keys must be knob names (non-empty str), got {name!r}")
                _check_json(f"settings[{name!r}]", value)
                self._settings[name] = value
        self._scenarios: List[str] = []
        if scenarios is not None:
            if isinstance(scenarios, (str, bytes, os.PathLike)):
                raise TypeError("scenarios must be a list of file paths, not a single path")
            for i, path in enumerate(scenarios):
                if not isinstance(path, (str, os.PathLike)):
                    raise TypeError(f"scenarios[{i}] must be a file path, got {type(path).__name__}")
                if not os.path.isfile(path):
                    raise FileNotFoundError(f"scenarios[{i}]: no such file: {os.fspath(path)!r}")
                self._scenarios.append(os.fspath(path))
        if speed is not None:
            if isinstance(speed, bool) or not isinstance(speed, (int, float)):
                raise TypeError(f"speed must be a number, got {type(speed).__name__}")
            if not (math.isfinite(speed) and speed > 0):
                raise ValueError(f"speed must be a positive number, got {speed}")
            if clock != "real":
                raise ValueError("speed needs clock='real' (the manual clock moves only on advance())")
        if journal_size is not None:
            if isinstance(journal_size, bool) or not isinstance(journal_size, int):
                raise TypeError(f"journal_size must be an int, got {type(journal_size).__name__}")
            if journal_size < 0:
                raise ValueError(f"journal_size must be 0 or more, got {journal_size}")
        if isinstance(startup_timeout, bool) or not isinstance(startup_timeout, (int, float)) or startup_timeout <= 0:
            raise ValueError(f"startup_timeout must be a positive number of seconds, got {startup_timeout!r}")
        if env is not None and not (
            isinstance(env, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())
        ):
            raise TypeError("env must be a mapping of str to str")
        if admin_token is not None and not (
            isinstance(admin_token, str) and admin_token and not any(c.isspace() or ord(c) < 32 for c in admin_token)
        ):
            raise ValueError("admin_token must be a non-empty str without spaces or control characters")
        if binary is not None and not isinstance(binary, (str, os.PathLike)):
            raise TypeError(f"binary must be a file path, got {type(binary).__name__}")
        self.seed = seed
        self.clock = clock
        self._speed = speed
        self._journal_size = journal_size
        self._binary = os.fspath(binary) if binary is not None else None
        self._startup_timeout = float(startup_timeout)
        self._env = dict(env or {})
        self._admin_token = admin_token
        self._proc: Optional["subprocess.Popen[bytes]"] = None
        self._url: Optional[str] = None
        self._stderr: Deque[bytes] = collections.deque()
        self._stderr_size = 0
        self._stderr_lock = threading.Lock()
        self._threads: List[threading.Thread] = []
        self._finalizer: Optional[weakref.finalize] = None
        # No proxy for 127.0.0.1, whatever http_proxy says.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # ------------------------------------------------------------------ process

    def command(self) -> List[str]:
        """The command line :meth:`start` runs."""
        cmd = [self._binary or find_binary(), "serve", "--addr", "127.0.0.1:0", "--seed", str(self.seed)]
        cmd += ["--clock", self.clock]
        if self._speed is not None:
            cmd += ["--speed", repr(float(self._speed))]
        if self._journal_size is not None:
            cmd += ["--journal-size", str(self._journal_size)]
        for name, value in self._settings.items():
            cmd += ["--set", f"{name}={_json.dumps(value)}"]
        for path in self._scenarios:
            cmd += ["--scenario", path]
        return cmd

    def start(self) -> "Simulator":
        """Starts the process and waits for its listening line.

        Raises:
            SimulatorError: it exited or did not announce itself within
                ``startup_timeout``; the message carries its stderr.
        """
        if self._proc is not None:
            return self
        cmd = self.command()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DBAAS_SIM_")}
        env.update(self._env)
        if self._admin_token is not None:
            env["DBAAS_SIM_ADMIN_TOKEN"] = self._admin_token
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
            )
        except OSError as e:
            raise SimulatorError(f"cannot run {cmd[0]}: {e}") from None
        self._proc = proc
        self._stderr.clear()
        self._stderr_size = 0
        lines: "queue.Queue[Optional[bytes]]" = queue.Queue()
        self._threads = [
            threading.Thread(target=self._read_stdout, args=(proc, lines), daemon=True),
            threading.Thread(target=self._read_stderr, args=(proc,), daemon=True),
        ]
        for t in self._threads:
            t.start()
        self._finalizer = weakref.finalize(self, _terminate, proc)
        _running.add(self)
        try:
            first = lines.get(timeout=self._startup_timeout)
        except queue.Empty:
            self.stop()
            raise SimulatorError(
                f"dbaas-sim did not print its listening line within {self._startup_timeout:g} s", stderr=self.stderr
            ) from None
        text = (first or b"").decode("utf-8", errors="replace").strip()
        if not text.startswith(LISTENING):
            code = self._wait_exit(5)
            self.stop()
            raise SimulatorError(
                f"dbaas-sim failed to start (exit code {code})" if code is not None else f"unexpected first line {text!r}",
                stderr=self.stderr,
                returncode=code,
            )
        self._url = text[len(LISTENING) :]
        return self

    def _wait_exit(self, timeout: float) -> Optional[int]:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        # Let the reader collect what the process wrote before it exited.
        for t in self._threads:
            t.join(timeout=5)
        return code

    @staticmethod
    def _read_stdout(proc: "subprocess.Popen[bytes]", lines: "queue.Queue[Optional[bytes]]") -> None:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        lines.put(first or None)
        # stdout carries nothing else by contract; drain it so that the pipe never fills.
        for _ in proc.stdout:
            pass

    def _read_stderr(self, proc: "subprocess.Popen[bytes]") -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with self._stderr_lock:
                self._stderr.append(line)
                self._stderr_size += len(line)
                while self._stderr_size > STDERR_KEEP and len(self._stderr) > 1:
                    self._stderr_size -= len(self._stderr.popleft())

    @property
    def stderr(self) -> str:
        """What the process wrote on stderr so far (its last 64 KiB): logs, errors."""
        with self._stderr_lock:
            return b"".join(self._stderr).decode("utf-8", errors="replace")

    @property
    def running(self) -> bool:
        """Whether the process runs."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc is not None else None

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL after 10 s). Stopping twice is fine."""
        proc, self._proc = self._proc, None
        self._url = None
        _running.discard(self)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if proc is None:
            return
        _terminate(proc)
        for t in self._threads:
            t.join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Simulator(url={self._url!r}, seed={self.seed}, clock={self.clock!r})"

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the simulator's base URL.

        Raises:
            SimulatorError: it is not running (use ``with Simulator() as sim``).
        """
        if self._url is None:
            raise SimulatorError("the simulator is not running: use `with Simulator() as sim:` or call start()")
        return self._url

    @property
    def clickhouse(self) -> ClickHouseIdentity:
        """ClickHouse Cloud's default identity (``url``, ``organization_id``, ``key_id``, ``key_secret``, ``auth``)."""
        return ClickHouseIdentity(self.url)

    @property
    def oracle(self) -> OracleIdentity:
        """Oracle My Services' default identity (``url``, ``domain``, ``username``, ``password``, ``auth``, ``headers``)."""
        return OracleIdentity(self.url)

    @property
    def fujitsu(self) -> FujitsuIdentity:
        """Fujitsu DBaaS's default identity (``url``, ``tenant_id``, ``username``, ``domain``, ``password``, ``token()``)."""
        return FujitsuIdentity(self)

    # ------------------------------------------------------------------ HTTP

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        auth: Optional[tuple] = None,
        timeout: float = 30.0,
    ) -> Response:
        """Sends one request to the simulator (any path, any provider) and answers it,
        whatever its status. For tests that need no HTTP library.

        Args:
            method: ``GET``, ``POST``, ...
            path: the path and query, starting with ``/``.
            json: a body sent as JSON (``Content-Type: application/json``).
            data: a raw body (with your own ``Content-Type`` in ``headers``).
            headers: more request headers.
            auth: ``(user, password)`` for HTTP Basic, e.g. ``sim.clickhouse.auth``.
        """
        if not isinstance(method, str) or not method:
            raise TypeError(f"method must be an HTTP method such as 'GET', got {method!r}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        if json is not None and data is not None:
            raise TypeError("give json or data, not both")
        hdrs = dict(headers or {})
        body = data
        if json is not None:
            _check_json("json", json)
            body = _json.dumps(json).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if auth is not None:
            if not (isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(a, str) for a in auth)):
                raise TypeError("auth must be a (user, password) tuple of str")
            import base64

            hdrs["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        if (
            self._admin_token is not None
            and path.startswith("/_sim/")
            and not any(k.lower() == "authorization" for k in hdrs)
        ):
            hdrs["Authorization"] = f"Bearer {self._admin_token}"
        req = urllib.request.Request(self.url + path, data=body, method=method.upper(), headers=hdrs)
        try:
            with self._opener.open(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            with e:
                return Response(e.code, e.headers, e.read())
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise SimulatorError(f"{method} {path}: the simulator does not answer ({reason})", stderr=self.stderr) from None

    def _control(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json") -> Any:
        """A control-API call; a refusal raises :class:`ControlError` with the server's message."""
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = body.encode() if isinstance(body, str) else _json.dumps(body).encode()
            headers["Content-Type"] = content_type
        answer = self.request(method, path, data=data, headers=headers)
        try:
            parsed = answer.json()
        except ValueError:
            parsed = None
        if answer.status >= 400:
            message = parsed.get("error") if isinstance(parsed, dict) and "error" in parsed else answer.text
            raise ControlError(answer.status, str(message), method, path, parsed)
        return parsed

    # ------------------------------------------------------------------ control API

    def health(self) -> Dict[str, Any]:
        """``GET /_sim/health``: status, providers, clock mode, seed."""
        return dict(self._control("GET", "/_sim/health"))

    @property
    def providers(self) -> List[str]:
        """The providers this simulator serves (``clickhouse``, ``oracle``, ...)."""
        return list(self.health()["providers"])

    def advance(self, seconds: float) -> List[Dict[str, Any]]:
        """Moves the simulated clock forward and answers the transitions it applied
        (``[{"provider", "kind", "id", "from", "to", "at"}, ...]``), all visible when it returns.

        Args:
            seconds: how far, 0 or more (fractions allowed; at most ten years per call).
        """
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"seconds must be a finite number of 0 or more, got {seconds}")
        answer = self._control("POST", "/_sim/clock/advance", {"seconds": seconds})
        return list(answer["transitions"])

    def reset(self) -> None:
        """Back to the default identities, no resources, the clock at its start, the
        knobs given at start, no fault rules and an empty journal."""
        self._control("POST", "/_sim/reset")

    def add_fault(self, rule: Mapping[str, Any]) -> str:
        """Adds a fault rule and answers its id.

        Args:
            rule: a dict of the fault-rule shape: ``{"match": {...}, "action": {"kind":
                "status", "status": 503}, "schedule": {...}}`` (``id`` optional).
        """
        if not isinstance(rule, Mapping):
            raise TypeError(f"rule must be a dict of the fault-rule shape (match, action, schedule), got {type(rule).__name__}")
        _check_json("rule", dict(rule))
        return str(self._control("POST", "/_sim/faults", dict(rule))["id"])

    def faults(self) -> List[Dict[str, Any]]:
        """The fault rules, each with its ``matched`` and ``fired`` counts."""
        return list(self._control("GET", "/_sim/faults")["faults"])

    def remove_fault(self, rule_id: str) -> None:
        """Removes one fault rule (:class:`ControlError` 404 if there is none of that id)."""
        if not isinstance(rule_id, str) or not rule_id:
            raise TypeError(f"rule_id must be a fault rule id (str), got {rule_id!r}")
        self._control("DELETE", f"/_sim/faults/{urllib.parse.quote(rule_id, safe='')}")

    def clear_faults(self) -> None:
        """Removes every fault rule."""
        self._control("DELETE", "/_sim/faults")

    def requests(self, **filters: Any) -> List[Dict[str, Any]]:
        """The request journal, oldest first.

        Args:
            **filters: any of ``provider``, ``method``, ``path`` (a prefix or a glob: ``*``
                one segment, ``**`` any), ``status`` and ``operation``.
        """
        query = {}
        for name, value in filters.items():
            if name not in REQUEST_FILTERS:
                raise TypeError(f"requests() got an unknown filter {name!r}; known: {', '.join(REQUEST_FILTERS)}")
            if name == "status":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError(f"status must be an int (an HTTP status), got {value!r}")
            elif not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
            query[name] = str(value)
        path = "/_sim/requests" + ("?" + urllib.parse.urlencode(query) if query else "")
        return list(self._control("GET", path)["requests"])

    def clear_requests(self) -> None:
        """Empties the request journal."""
        self._control("DELETE", "/_sim/requests")

    def state(self) -> Dict[str, Any]:
        """``GET /_sim/state``: clock, knobs, every resource by provider and kind, pending
        transitions, timeline, fault rules."""
        return dict(self._control("GET", "/_sim/state"))

    def load_scenario(self, yaml_text: str) -> Dict[str, Any]:
        """Loads a YAML scenario's setup (settings, identities, resources, faults,
        timeline) into the running simulator, all or nothing; its steps are not run.

        Args:
            yaml_text: the scenario, as YAML text (not a file name: read the file first).
        """
        if not isinstance(yaml_text, str):
            raise TypeError(f"yaml_text must be the scenario's YAML text (str), got {type(yaml_text).__name__}")
        return dict(self._control("POST", "/_sim/scenarios", yaml_text, content_type="application/yaml"))

    def set(self, name: str, value: Any) -> None:
        """Sets one knob (``PATCH /_sim/config``); an unknown name or a bad value raises
        :class:`ControlError` naming it.

        Args:
            name: the knob's dotted name, e.g. ``clickhouse.durations.provision``.
            value: its new value (JSON: a number, a string, a bool, ...).
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a knob name (non-empty str), got {name!r}")
        _check_json("value", value)
        self._control("PATCH", "/_sim/config", {name: value})

    def config(self) -> Dict[str, Any]:
        """Every knob's current value, by name."""
        return {k["name"]: k["value"] for k in self._control("GET", "/_sim/config")["knobs"]}
