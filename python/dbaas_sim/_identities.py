"""The default identities every simulator has, with no configuration.

Each carries the simulator's base URL (``url``: the API paths of that provider go
under it), its credentials, ``auth`` (a ``(user, password)`` tuple for HTTP Basic, as
``requests`` and ``httpx`` take it) and ``headers`` (every header a request needs,
``Authorization`` included, for clients that take only headers).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Dict, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from ._simulator import Simulator


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class ClickHouseIdentity:
    """ClickHouse Cloud's default organization and API key (HTTP Basic ``key_id:key_secret``)."""

    organization_id = "00000000-0000-4000-8000-000000000001"
    key_id = "sim-key"
    key_secret = "sim-secret"

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def auth(self) -> Tuple[str, str]:
        """``(key_id, key_secret)``, for HTTP Basic."""
        return (self.key_id, self.key_secret)

    @property
    def headers(self) -> Dict[str, str]:
        """``Authorization: Basic ...`` for the default key."""
        return {"Authorization": _basic(self.key_id, self.key_secret)}

    @property
    def organization_url(self) -> str:
        """``{url}/v1/organizations/{organization_id}``: services, keys, members, ... go under it."""
        return f"{self.url}/v1/organizations/{self.organization_id}"

    def __repr__(self) -> str:
        return f"ClickHouseIdentity(url={self.url!r}, organization_id={self.organization_id!r}, key_id={self.key_id!r})"


class OracleIdentity:
    """Oracle My Services' default identity domain and user (HTTP Basic plus ``X-ID-TENANT-NAME``)."""

    domain = "mydomain"
    username = "john.smith@example.com"
    password = "Welcome1!"
    entitlement_id = "cesi-500073421"

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def auth(self) -> Tuple[str, str]:
        """``(username, password)``, for HTTP Basic."""
        return (self.username, self.password)

    @property
    def headers(self) -> Dict[str, str]:
        """``X-ID-TENANT-NAME`` and ``Authorization: Basic ...``."""
        return {"X-ID-TENANT-NAME": self.domain, "Authorization": _basic(self.username, self.password)}

    @property
    def myservices_url(self) -> str:
        """``{url}/itas/{domain}/myservices/api/v1``: entitlements, instances, operations, ..."""
        return f"{self.url}/itas/{self.domain}/myservices/api/v1"

    def __repr__(self) -> str:
        return f"OracleIdentity(url={self.url!r}, domain={self.domain!r}, username={self.username!r})"


class FujitsuIdentity:
    """Fujitsu DBaaS's default tenant and user; requests carry a token from :meth:`token`."""

    tenant_id = "0123456789abcdef0123456789abcdef"
    username = "simuser"
    domain = "simdomain"
    password = "simpassword"
    iaas_token = "sim-iaas-token"

    def __init__(self, sim: "Simulator") -> None:
        self._sim = sim

    @property
    def url(self) -> str:
        """The simulator's base URL."""
        return self._sim.url

    @property
    def tenant_url(self) -> str:
        """``{url}/v1.0/{tenant_id}``: instances, snapshots, ... go under it."""
        return f"{self.url}/v1.0/{self.tenant_id}"

    def token(self, *, iaas: bool = False) -> str:
        """A new token (``POST /v1.0/{tenant_id}/auth/token``), for the ``X-Auth-Token`` header.

        Args:
            iaas: authenticate with the IaaS token (``auth.token.id``) instead of the
                user, domain and password.

        Raises:
            ControlError: the simulator refused the credentials or serves no Fujitsu API.
        """
        if iaas:
            body = {"auth": {"token": {"id": self.iaas_token}}}
        else:
            user = {"name": self.username, "domain": {"name": self.domain}, "password": self.password}
            body = {"auth": {"password": {"user": user}}}
        answer = self._sim.request("POST", f"/v1.0/{self.tenant_id}/auth/token", json=body)
        if answer.status != 200:
            from ._errors import ControlError

            raise ControlError(answer.status, answer.text, "POST", f"/v1.0/{self.tenant_id}/auth/token", answer.text)
        token = answer.headers.get("X-Auth-Token")
        if not token:
            parsed = answer.json()
            token = (parsed.get("token") or {}).get("tokenId") if isinstance(parsed, dict) else None
        if not token:
            raise RuntimeError("POST auth/token answered 200 without a token")
        return str(token)

    def headers(self, *, iaas: bool = False) -> Dict[str, str]:
        """``{"X-Auth-Token": <a new token>}`` (fetches one: see :meth:`token`)."""
        return {"X-Auth-Token": self.token(iaas=iaas)}

    def __repr__(self) -> str:
        return f"FujitsuIdentity(tenant_id={self.tenant_id!r}, username={self.username!r}, domain={self.domain!r})"
