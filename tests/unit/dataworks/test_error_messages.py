"""Errors name the action, code and fix, and never carry an AccessKey secret, STS token or signature."""

from __future__ import annotations

import httpx
import pytest

from controller.dataworks.errors import (
    AuthError,
    ClientError,
    DataWorksError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExhaustedError,
    ServerError,
    ThrottlingError,
    classify,
    error_from_response,
    parse_retry_after,
)
from controller.errors import GitOpsError
from tests.unit.dataworks.scripted import AK_SECRET, STS_TOKEN, FakeTime, err, make_client


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, "Throttling.User", ThrottlingError),
        (429, "Throttling.Api", ThrottlingError),
        (429, "Throttling.System", ThrottlingError),
        (429, "Throttling.Api.Risk", QuotaExhaustedError),
        (429, "Throttling.Resource", QuotaExhaustedError),
        (400, "SignatureDoesNotMatch", AuthError),
        (404, "InvalidAccessKeyId.NotFound", AuthError),
        (400, "InvalidTimeStamp.Expired", AuthError),
        (400, "SignatureNonceUsed", AuthError),
        (403, "Forbidden.RAM", PermissionDeniedError),
        (403, "ResourceNotAuthorized.Api", PermissionDeniedError),
        (404, "InvalidWorkflow.NotFound", NotFoundError),
        (400, "InvalidParameter", ClientError),
        (500, "InternalError.System", ServerError),
        (503, "ServiceUnavailable", ServerError),
    ],
)
def test_codes_map_to_error_types(status: int, code: str, expected: type[DataWorksError]) -> None:
    assert classify(status, code) is expected


def test_retry_after_is_read_as_milliseconds_like_the_sdk() -> None:
    assert parse_retry_after({"x-acs-retry-after": "1500"}) == 1.5
    assert parse_retry_after({"x-acs-retry-after": "0"}) is None
    assert parse_retry_after({"x-acs-retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_retry_policy_lives_in_the_types() -> None:
    throttled = error_from_response(
        action="GetWorkflow", status=429, body={"Code": "Throttling.User"}, headers={"x-acs-retry-after": "2000"}
    )
    assert isinstance(throttled, ThrottlingError)
    assert throttled.retryable
    assert throttled.delay == 2.0
    quota = error_from_response(action="GetWorkflow", status=429, body={"Code": "Throttling.Api.Risk"}, headers={})
    assert not quota.retryable
    assert not error_from_response(action="A", status=400, body={"Code": "InvalidParameter"}, headers={}).retryable
    assert error_from_response(action="A", status=502, body=None, headers={}).retryable


def test_message_names_action_status_code_request_id_and_fix() -> None:
    error = error_from_response(
        action="UpdateWorkflow",
        status=400,
        body={"Code": "SignatureDoesNotMatch", "Message": "The signature does not match.", "RequestId": "R-1"},
        headers={},
    )
    assert isinstance(error, GitOpsError)
    assert str(error) == (
        "DataWorks UpdateWorkflow HTTP 400 SignatureDoesNotMatch: The signature does not match. (request id R-1); "
        "check ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (and the STS token), "
        "and that the endpoint is the one the key belongs to"
    )


async def test_a_server_echoing_the_secret_or_token_does_not_leak_them(fake_time: FakeTime) -> None:
    echo = f"bad signature for secret {AK_SECRET} and token {STS_TOKEN}"
    client, _ = make_client([err(400, "SignatureDoesNotMatch", echo)], fake_time, security_token=STS_TOKEN)
    async with client:
        with pytest.raises(AuthError) as caught:
            await client.get_workflow(1)
    text = str(caught.value) + repr(caught.value) + str(caught.value.args)
    assert AK_SECRET not in text
    assert STS_TOKEN not in text


async def test_transport_errors_carry_no_authorization_header(fake_time: FakeTime) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out; sent {request.headers['authorization']}", request=request)

    client, script = make_client([explode], fake_time)
    async with client:
        with pytest.raises(DataWorksError) as caught:
            await client.import_workflow_definition("{}")
    signature = script.requests[0].headers["authorization"].split("Signature=")[1]
    assert AK_SECRET not in str(caught.value)
    assert "ImportWorkflowDefinition" in str(caught.value)
    assert signature not in str(caught.value)
    assert "ACS3-HMAC-SHA256" not in str(caught.value)
