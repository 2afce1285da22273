"""The simulator checks ACS3-HMAC-SHA256 as the V3 specification says, and refuses like the POP
gateway: requests are signed here by an independent hashlib/hmac signer (``rawclient.py``)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from controller.simulator.auth import canonical_request, string_to_sign
from controller.simulator.testing import SimulatorProcess
from tests.integration.simulator.rawclient import RawClient, acs_date

# dataworks-api.md §4 (produced by the SDK's own signer).
VECTOR_BODY = (
    b"Description=synced+from+git&Id=1234567890&Name=demo_wf&Owner=123456789012345&Trigger=%7B%22Cron%22%3A%2200"
    b"+00+02+%2A+%2A+%3F%22%2C%22Type%22%3A%22Scheduler%22%7D"
)
VECTOR_HEADERS = [
    ("content-type", "application/x-www-form-urlencoded"),
    ("host", "dataworks.cn-shanghai.aliyuncs.com"),
    ("x-acs-action", "UpdateWorkflow"),
    ("x-acs-content-sha256", "9e56237120e429d58e0d5200e135987f40a26952a5d49821a34688842c3c2416"),
    ("x-acs-date", "2026-01-01T00:00:00Z"),
    ("x-acs-signature-nonce", "nonce-1"),
    ("x-acs-version", "2024-05-18"),
]


def _error(response: object) -> tuple[int, str]:
    status = response.status_code  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["RequestId"]
    assert body["HostId"]
    assert body["Message"]
    return status, body["Code"]


def test_the_verifier_reproduces_the_published_sdk_vectors() -> None:
    payload = hashlib.sha256(VECTOR_BODY).hexdigest()
    assert payload == VECTOR_HEADERS[3][1]
    signed = [name for name, _ in VECTOR_HEADERS]
    to_sign = string_to_sign(canonical_request("POST", "", VECTOR_HEADERS, signed, payload))
    assert to_sign == "ACS3-HMAC-SHA256\n427fea27510af6d75b1de6d63bc43ea58d2afaf31c14b09c7721f88e01467571"
    signature = hmac.new(b"testsecret", to_sign.encode(), hashlib.sha256).hexdigest()
    assert signature == "2c55009a9452bc6a63ab998a155f8cffac992c84af019da27f4902eb2b29c818"
    empty = hashlib.sha256(b"").hexdigest()
    replaced = {"x-acs-content-sha256": empty, "x-acs-action": "GetWorkflow"}
    get_headers = [(n, replaced.get(n, v)) for n, v in VECTOR_HEADERS if n != "content-type"]
    signed_get = [n for n, _ in get_headers]
    get_sign = string_to_sign(canonical_request("GET", "Id=1234567890&EnvType=Prod", get_headers, signed_get, empty))
    assert get_sign == "ACS3-HMAC-SHA256\n3dfc4cf14ad510818fe46bb914ccbb986fca6fdccac69c915623922a52f25bb0"


def test_a_minimal_correctly_signed_request_is_accepted(raw: RawClient, simulator: SimulatorProcess) -> None:
    body = raw.ok("GetProject", method="GET", query={"Id": simulator.project_id})
    assert body["Project"]["Id"] == simulator.project_id


def test_a_query_with_spaces_and_reserved_characters_is_canonicalised_per_rfc3986(raw: RawClient) -> None:
    response = raw.call("ListWorkflowDefinitions", method="GET", query={"ProjectId": 10001, "Name": "a b*c/~d"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("offset", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_a_date_more_than_15_minutes_off_is_refused(raw: RawClient, offset: timedelta) -> None:
    response = raw.call("GetProject", method="GET", query={"Id": 10001}, date=acs_date(offset))
    assert _error(response) == (400, "InvalidTimeStamp.Expired")


def test_a_malformed_date_is_refused(raw: RawClient) -> None:
    response = raw.call("GetProject", method="GET", query={"Id": 10001}, date="2026-01-01 00:00:00")
    assert _error(response) == (400, "InvalidTimeStamp.Format")


def test_a_reused_nonce_is_refused(raw: RawClient) -> None:
    first = raw.call("GetProject", method="GET", query={"Id": 10001}, nonce="once-only-nonce")
    assert first.status_code == 200
    second = raw.call("GetProject", method="GET", query={"Id": 10001}, nonce="once-only-nonce")
    assert _error(second) == (400, "SignatureNonceUsed")


def test_an_unknown_access_key_is_refused(raw: RawClient) -> None:
    response = raw.call("GetProject", method="GET", query={"Id": 10001}, key_id="LTAInobody", secret="x")
    assert _error(response) == (404, "InvalidAccessKeyId.NotFound")


def test_a_wrong_secret_is_refused_with_the_server_string_to_sign(raw: RawClient) -> None:
    response = raw.call("GetProject", method="GET", query={"Id": 10001}, secret="wrong")
    assert _error(response) == (400, "SignatureDoesNotMatch")
    assert "ACS3-HMAC-SHA256\n" in response.json()["Message"]


def test_a_body_that_does_not_match_its_hash_is_refused(raw: RawClient, simulator: SimulatorProcess) -> None:
    headers_body = b"ProjectId=10001"
    response = raw.call(
        "ListWorkflows",
        body=headers_body,
        content_type="application/x-www-form-urlencoded",
        unsigned={"x-acs-content-sha256": hashlib.sha256(b"ProjectId=1").hexdigest()},
    )
    assert _error(response) == (400, "SignatureDoesNotMatch")


def test_an_unsigned_x_acs_header_is_refused(raw: RawClient) -> None:
    response = raw.call("GetProject", method="GET", query={"Id": 10001}, unsigned={"x-acs-extra": "1"})
    assert _error(response) == (400, "IncompleteSignature")


def test_a_request_without_authorization_is_refused(simulator: SimulatorProcess) -> None:
    import httpx

    response = httpx.get(simulator.url + "/", headers={"x-acs-action": "GetProject", "x-acs-version": "2024-05-18"})
    assert _error(response) == (400, "IncompleteSignature")


def test_sts_requests_need_the_matching_token(raw: RawClient, simulator: SimulatorProcess) -> None:
    sts = {"key_id": simulator.sts_access_key_id, "secret": simulator.sts_access_key_secret}
    good = {"x-acs-security-token": simulator.security_token, "x-acs-accesskey-id": simulator.sts_access_key_id}
    assert raw.call("GetProject", method="GET", query={"Id": 10001}, extra=good, **sts).status_code == 200
    forged = {**good, "x-acs-security-token": "forged"}
    response = raw.call("GetProject", method="GET", query={"Id": 10001}, extra=forged, **sts)
    assert _error(response) == (400, "InvalidSecurityToken.Malformed")
    response = raw.call("GetProject", method="GET", query={"Id": 10001}, **sts)
    assert _error(response) == (400, "InvalidSecurityToken.Missing")
