"""Where the AccessKey comes from, that rotated credentials are used, and which host is called."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from alibabacloud_credentials.provider import EnvironmentVariableCredentialsProvider
from alibabacloud_credentials.provider.refreshable import Credentials as SdkCredentials
from alibabacloud_credentials.utils import auth_util

from controller.dataworks.client import DataWorksClient
from controller.dataworks.credentials import (
    Credential,
    Endpoint,
    ProviderCredentials,
    StaticCredentials,
    resolve_credentials,
    resolve_endpoint,
)
from controller.dataworks.errors import ConfigurationError
from controller.dataworks.ratelimit import RateLimiter
from controller.logs import redact_text


def test_repr_of_a_credential_never_shows_the_secret_or_token() -> None:
    credential = Credential("AKID-1", "the-secret-xyz", "the-token-abc", "static_sts")
    text = repr(credential) + str(credential) + repr(StaticCredentials("AKID-1", "the-secret-xyz", "the-token-abc"))
    assert "AKID-1" in text
    assert "the-secret-xyz" not in text
    assert "the-token-abc" not in text


def test_secrets_are_registered_for_log_redaction() -> None:
    StaticCredentials("AKID-2", "registered-secret-1", "registered-token-1")
    assert redact_text("x registered-secret-1 y registered-token-1") == "x *** y ***"


async def test_explicit_keys_win_over_the_environment() -> None:
    source = resolve_credentials("AKID-3", "secret-3", environ={"ALIBABA_CLOUD_ACCESS_KEY_ID": "other"})
    credential = await source.get()
    assert credential.access_key_id == "AKID-3"
    assert credential.access_key_secret == "secret-3"
    assert credential.provider == "static_ak"


async def test_environment_keys_with_sts_token_are_used() -> None:
    environ = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret-4",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token-4",
    }
    credential = await resolve_credentials(environ=environ).get()
    assert credential.security_token == "env-token-4"
    assert credential.provider == "static_sts"


def test_half_an_access_key_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        resolve_credentials(environ={"ALIBABA_CLOUD_ACCESS_KEY_ID": "only-id"})


def test_no_keys_anywhere_falls_back_to_the_default_chain() -> None:
    assert isinstance(resolve_credentials(environ={}), ProviderCredentials)


async def test_the_sdk_environment_provider_works_through_the_provider_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_util, "environment_access_key_id", "AKID-5")
    monkeypatch.setattr(auth_util, "environment_access_key_secret", "chain-secret-5")
    monkeypatch.setattr(auth_util, "environment_security_token", None)
    credential = await ProviderCredentials(EnvironmentVariableCredentialsProvider()).get()
    assert credential.access_key_id == "AKID-5"
    assert redact_text("chain-secret-5") == "***"


@dataclass
class RotatingProvider:
    """Stands in for an RRSA/STS provider whose credentials the package refreshes on expiry."""

    generation: int = 1

    async def get_credentials_async(self) -> SdkCredentials:
        n = self.generation
        return SdkCredentials(
            access_key_id=f"STS.id-{n}",
            access_key_secret=f"rotating-secret-{n}",
            security_token=f"rotating-token-{n}",
            provider_name="oidc_role_arn",
        )

    def get_provider_name(self) -> str:
        return "oidc_role_arn"


async def test_each_attempt_signs_with_the_credentials_the_provider_holds_now() -> None:
    provider = RotatingProvider()
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["x-acs-accesskey-id"], request.headers["x-acs-security-token"]))
        return httpx.Response(200, json={"RequestId": "r", "Project": {"Id": 1}})

    client = DataWorksClient(
        endpoint=Endpoint("127.0.0.1:1", "http"),
        credentials=ProviderCredentials(provider),
        project_id=1,
        limiter=RateLimiter.unlimited(),
        transport=httpx.MockTransport(handler),
    )
    async with client:
        await client.get_project()
        provider.generation = 2
        await client.get_project()
    assert seen == [("STS.id-1", "rotating-token-1"), ("STS.id-2", "rotating-token-2")]
    assert redact_text("rotating-secret-2 rotating-token-2") == "*** ***"


async def test_a_provider_failure_is_a_configuration_error_without_details_of_the_chain() -> None:
    class Broken:
        async def get_credentials_async(self) -> SdkCredentials:
            raise RuntimeError("unable to load credentials: secret=leaky")

    with pytest.raises(ConfigurationError, match="RRSA") as caught:
        await ProviderCredentials(Broken()).get()
    assert "leaky" not in str(caught.value)


@pytest.mark.parametrize(
    ("region", "endpoint", "expected"),
    [
        ("cn-shanghai", None, Endpoint("dataworks.cn-shanghai.aliyuncs.com", "https")),
        ("ap-southeast-1", None, Endpoint("dataworks.ap-southeast-1.aliyuncs.com", "https")),
        ("cn-shanghai", "dataworks-vpc.cn-shanghai.aliyuncs.com", Endpoint("dataworks-vpc.cn-shanghai.aliyuncs.com")),
        (None, "127.0.0.1:8123", Endpoint("127.0.0.1:8123", "http")),
        (None, "localhost:8123", Endpoint("localhost:8123", "http")),
        (None, "http://10.0.0.5:8080/", Endpoint("10.0.0.5:8080", "http")),
        ("cn-qingdao", "https://dataworks.example.internal", Endpoint("dataworks.example.internal", "https")),
    ],
)
def test_endpoint_resolution(region: str | None, endpoint: str | None, expected: Endpoint) -> None:
    assert resolve_endpoint(region, endpoint) == expected


def test_simulator_endpoint_builds_an_http_base_url() -> None:
    assert resolve_endpoint(endpoint="127.0.0.1:8123").base_url == "http://127.0.0.1:8123/"


def test_unknown_region_without_endpoint_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown DataWorks region 'cn-qingdao'") as caught:
        resolve_endpoint("cn-qingdao")
    assert "dataworks.endpoint" in str(caught.value)


def test_no_region_and_no_endpoint_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match=r"dataworks\.region"):
        resolve_endpoint()
