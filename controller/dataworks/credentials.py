"""Where the client's AccessKey comes from, and which host it talks to.

Sits under ``client.py``: before every attempt the client asks its :class:`CredentialSource` for the
current :class:`Credential` (so refreshed STS/RRSA credentials are picked up when the provider
rotates them) and signs with it; :func:`resolve_endpoint` decides the host once.

Credential sources:

* :class:`StaticCredentials` — an explicit AccessKey id/secret (and STS token).
* :class:`ProviderCredentials` — Alibaba Cloud's default chain from the ``alibabacloud-credentials``
  package (env ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``/``ALIBABA_CLOUD_SECURITY_TOKEN``, RRSA/OIDC
  on ACK, ``~/.alibabacloud/credentials`` and CLI profiles, ECS RAM role), or any provider of that
  package. The provider caches and refreshes by itself; we ask it on every attempt.

Every secret seen is registered with :func:`controller.logs.register_secret`, and ``repr()`` of a
credential shows the AccessKey id only.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from controller.dataworks.errors import ConfigurationError
from controller.logs import register_secret

Scheme = Literal["http", "https"]

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"  # noqa: S105 - a variable name, not a secret
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"  # noqa: S105 - a variable name, not a secret

#: Regions whose DataWorks endpoint is ``dataworks.<region>.aliyuncs.com`` (the SDK's endpoint map).
KNOWN_REGIONS = frozenset(
    {
        "cn-hangzhou",
        "cn-shanghai",
        "cn-beijing",
        "cn-shenzhen",
        "cn-zhangjiakou",
        "cn-wulanchabu",
        "cn-chengdu",
        "cn-hongkong",
        "ap-southeast-1",
        "ap-southeast-3",
        "ap-southeast-5",
        "ap-northeast-1",
        "ap-northeast-2",
        "eu-central-1",
        "eu-west-1",
        "us-east-1",
        "us-west-1",
        "me-east-1",
        "me-central-1",
        "cn-shanghai-finance-1",
        "cn-shenzhen-finance-1",
        "cn-beijing-finance-1",
        "cn-north-2-gov-1",
    }
)


@dataclass(frozen=True)
class Credential:
    """One AccessKey (or STS triple) to sign with. ``repr`` never shows the secret or the token."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    provider: str = "static_ak"

    def __post_init__(self) -> None:
        register_secret(self.access_key_secret)
        register_secret(self.security_token)


class CredentialSource(Protocol):
    """Anything that can hand the client the credential to sign the next attempt with."""

    async def get(self) -> Credential:
        """The credential valid now (refreshed by the source when it expires)."""
        ...


class StaticCredentials:
    """An explicit AccessKey id/secret, with an STS token when given."""

    def __init__(self, access_key_id: str, access_key_secret: str, security_token: str | None = None) -> None:
        if not access_key_id or not access_key_secret:
            raise ConfigurationError(
                "an explicit AccessKey needs both the id and the secret",
                hint="set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            )
        provider = "static_sts" if security_token else "static_ak"
        self._credential = Credential(access_key_id, access_key_secret, security_token or None, provider)

    async def get(self) -> Credential:
        """Always the same credential."""
        return self._credential

    def __repr__(self) -> str:
        return f"StaticCredentials(access_key_id={self._credential.access_key_id!r})"


class ProviderCredentials:
    """Credentials from an ``alibabacloud-credentials`` provider; by default the default chain.

    The provider decides when to refresh (STS/OIDC/ECS-role credentials carry an expiry and the
    package's refreshable providers renew them ahead of it); asking it per attempt is cheap because
    it caches.
    """

    def __init__(self, provider: Any | None = None) -> None:
        if provider is None:
            from alibabacloud_credentials.provider import DefaultCredentialsProvider

            provider = DefaultCredentialsProvider()
        self._provider = provider
        self._last: Credential | None = None

    async def get(self) -> Credential:
        """Ask the provider, and keep the result only as the last-seen credential."""
        try:
            raw = await self._provider.get_credentials_async()
        except Exception as exc:
            raise ConfigurationError(
                f"no Alibaba Cloud credentials found ({type(exc).__name__})",
                hint=(
                    "set ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET "
                    "(+ ALIBABA_CLOUD_SECURITY_TOKEN), configure RRSA on ACK, or a credentials profile"
                ),
            ) from None
        key_id, secret, token = raw.get_access_key_id(), raw.get_access_key_secret(), raw.get_security_token()
        last = self._last
        if last is None or (last.access_key_id, last.access_key_secret, last.security_token) != (key_id, secret, token):
            provider = str(raw.get_provider_name() or "default")
            self._last = Credential(key_id, secret, token or None, provider)
        assert self._last is not None
        return self._last

    def __repr__(self) -> str:
        return f"ProviderCredentials(provider={type(self._provider).__name__})"


def resolve_credentials(
    access_key_id: str | None = None,
    access_key_secret: str | None = None,
    security_token: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> CredentialSource:
    """Explicit AccessKey when given; else ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``
    (+ ``ALIBABA_CLOUD_SECURITY_TOKEN``) from the environment; else Alibaba Cloud's default chain.

    The environment is read here, at call time, because ``alibabacloud-credentials`` reads it once
    when first imported; the chain still covers RRSA/OIDC, profiles and the ECS RAM role.
    """
    if access_key_id or access_key_secret:
        return StaticCredentials(access_key_id or "", access_key_secret or "", security_token)
    env = os.environ if environ is None else environ
    env_id, env_secret = env.get(ENV_ACCESS_KEY_ID), env.get(ENV_ACCESS_KEY_SECRET)
    if env_id or env_secret:
        if not (env_id and env_secret):
            raise ConfigurationError(
                f"only one of {ENV_ACCESS_KEY_ID} / {ENV_ACCESS_KEY_SECRET} is set",
                hint="set both, or neither to use RRSA/profiles",
            )
        return StaticCredentials(env_id, env_secret, env.get(ENV_SECURITY_TOKEN) or None)
    return ProviderCredentials()


@dataclass(frozen=True)
class Endpoint:
    """The host the client talks to (also the signed ``host`` header) and the URL scheme."""

    host: str
    protocol: Scheme = "https"

    @property
    def base_url(self) -> str:
        """``<protocol>://<host>/``."""
        return f"{self.protocol}://{self.host}/"


def _is_loopback(host: str) -> bool:
    name = urlsplit("//" + host).hostname or host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def resolve_endpoint(
    region: str | None = None,
    endpoint: str | None = None,
    protocol: Scheme | None = None,
) -> Endpoint:
    """The endpoint: explicit wins (VPC hosts, the simulator), else ``dataworks.<region>.aliyuncs.com``.

    An explicit endpoint may be a host (``dataworks-vpc.cn-shanghai.aliyuncs.com``,
    ``127.0.0.1:8080``) or a URL (``http://127.0.0.1:8080``). Without a scheme or ``protocol``,
    loopback hosts use http (the simulator) and everything else https.
    """
    if endpoint:
        endpoint = endpoint.strip()
        if "://" in endpoint:
            parts = urlsplit(endpoint)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigurationError(
                    f"dataworks.endpoint {endpoint!r} is not an http(s) URL or a host",
                    hint="write a host such as dataworks-vpc.cn-shanghai.aliyuncs.com or http://127.0.0.1:PORT",
                )
            scheme: Scheme = "http" if parts.scheme == "http" else "https"
            return Endpoint(parts.netloc, protocol or scheme)
        host = endpoint.rstrip("/")
        return Endpoint(host, protocol or ("http" if _is_loopback(host) else "https"))
    if not region:
        raise ConfigurationError(
            "no DataWorks region or endpoint configured",
            hint="set dataworks.region (e.g. cn-shanghai) or dataworks.endpoint in dataworks-gitops.yaml",
        )
    if region not in KNOWN_REGIONS:
        raise ConfigurationError(
            f"unknown DataWorks region {region!r}",
            hint=f"set dataworks.endpoint explicitly (e.g. dataworks.{region}.aliyuncs.com) or use one of: "
            + ", ".join(sorted(KNOWN_REGIONS)),
        )
    return Endpoint(f"dataworks.{region}.aliyuncs.com", protocol or "https")
