"""The client's one retry loop: what it retries, how long it waits, and what it refuses to resend."""

from __future__ import annotations

import httpx
import pytest
from structlog.testing import capture_logs

from controller.dataworks import signing
from controller.dataworks.errors import (
    AuthError,
    ClientError,
    MaybeAppliedError,
    OperationFailedError,
    QuotaExhaustedError,
    ServerError,
    ThrottlingError,
    TransportError,
)
from controller.dataworks.retry import RetryPolicy
from tests.unit.dataworks.scripted import AK_SECRET, FakeTime, err, make_client, ok

WORKFLOW = {"Workflow": {"Id": 42, "Name": "wf"}}
JOB = {"AsyncJob": {"Id": "job-1", "Completed": False, "Status": "Running"}}


async def test_throttling_with_retry_after_is_retried_after_exactly_that_long(fake_time: FakeTime) -> None:
    client, script = make_client(
        [err(429, "Throttling.User", headers={"x-acs-retry-after": "1500"}), ok(WORKFLOW)], fake_time
    )
    async with client:
        workflow = await client.get_workflow(42)
    assert workflow.id == 42
    assert fake_time.sleeps == [1.5]
    assert len(script.requests) == 2
    assert client.calls.by_code() == {("GetWorkflow", "Throttling.User"): 1, ("GetWorkflow", "OK"): 1}


async def test_throttling_without_retry_after_backs_off_with_full_jitter(fake_time: FakeTime) -> None:
    steps = [err(429, code) for code in ("Throttling.Api", "Throttling.System", "Throttling.User")] + [ok(WORKFLOW)]
    client, _ = make_client(steps, fake_time, jitter=0.5)
    async with client:
        await client.get_workflow(42)
    assert fake_time.sleeps == [0.25, 0.5, 1.0]  # 0.5 * uniform(0, 0.5 * 2**(n-1))


@pytest.mark.parametrize("code", ["Throttling.Api.Risk", "Throttling.Resource"])
async def test_spent_quota_is_never_retried(fake_time: FakeTime, code: str) -> None:
    client, script = make_client([err(429, code, headers={"x-acs-retry-after": "100"})], fake_time)
    async with client:
        with pytest.raises(QuotaExhaustedError) as caught:
            await client.get_workflow(42)
    assert len(script.requests) == 1
    assert fake_time.sleeps == []
    assert caught.value.code == code
    assert not caught.value.retryable
    assert (caught.value.delay or 0) >= 3600


async def test_server_errors_are_retried_until_success(fake_time: FakeTime) -> None:
    client, script = make_client(
        [err(503, "ServiceUnavailable"), err(500, "InternalError"), ok(WORKFLOW)], fake_time, jitter=1.0
    )
    async with client:
        await client.get_workflow(42)
    assert fake_time.sleeps == [0.5, 1.0]
    assert len(script.requests) == 3


async def test_server_errors_give_up_after_max_attempts_with_capped_backoff(fake_time: FakeTime) -> None:
    policy = RetryPolicy(max_attempts=4, base=1.0, factor=10.0, cap=5.0)
    client, script = make_client([err(500, "InternalError.System")] * 4, fake_time, retry=policy)
    async with client:
        with pytest.raises(ServerError) as caught:
            await client.get_workflow(42)
    assert fake_time.sleeps == [1.0, 5.0, 5.0]
    assert len(script.requests) == 4
    assert caught.value.status == 500


async def test_wrong_region_server_error_is_not_retried(fake_time: FakeTime) -> None:
    client, script = make_client([err(500, "Forbidden.Not.Server")], fake_time)
    async with client:
        with pytest.raises(ServerError, match=r"dataworks\.region"):
            await client.get_workflow(42)
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("server disconnected"), httpx.ReadError("reset")],
)
async def test_lost_answer_to_import_is_not_resent(fake_time: FakeTime, failure: Exception) -> None:
    client, script = make_client([failure], fake_time)
    async with client:
        with pytest.raises(MaybeAppliedError, match="re-read") as caught:
            await client.import_workflow_definition('{"version":"1.1.0"}')
    assert len(script.requests) == 1
    assert fake_time.sleeps == []
    assert not caught.value.retryable
    assert isinstance(caught.value, TransportError)


async def test_lost_answer_to_create_pipeline_run_is_not_resent(fake_time: FakeTime) -> None:
    client, script = make_client([httpx.WriteTimeout("write timed out")], fake_time)
    async with client:
        with pytest.raises(MaybeAppliedError):
            await client.create_pipeline_run("6326476912390091234")
    assert len(script.requests) == 1


async def test_import_that_never_connected_is_retried(fake_time: FakeTime) -> None:
    client, script = make_client([httpx.ConnectError("connection refused"), ok(JOB)], fake_time)
    async with client:
        job = await client.import_workflow_definition('{"version":"1.1.0"}')
    assert job.id == "job-1"
    assert len(script.requests) == 2


async def test_throttled_create_is_retried_because_it_was_refused_before_processing(fake_time: FakeTime) -> None:
    client, script = make_client([err(429, "Throttling.Api"), ok({"Id": "run-1"})], fake_time)
    async with client:
        assert await client.create_pipeline_run("6326476912390091234") == "run-1"
    assert len(script.requests) == 2


async def test_lost_answer_to_a_read_is_retried(fake_time: FakeTime) -> None:
    client, script = make_client([httpx.ReadTimeout("slow"), ok(WORKFLOW)], fake_time)
    async with client:
        await client.get_workflow(42)
    assert len(script.requests) == 2
    assert client.calls.by_code()[("GetWorkflow", "ReadTimeout")] == 1


async def test_every_attempt_is_signed_afresh_with_a_new_nonce_and_date(fake_time: FakeTime) -> None:
    client, script = make_client([err(503, "ServiceUnavailable"), err(429, "Throttling.User"), ok(WORKFLOW)], fake_time)
    async with client:
        await client.get_workflow(42)
    nonces = [r.headers["x-acs-signature-nonce"] for r in script.requests]
    dates = [r.headers["x-acs-date"] for r in script.requests]
    assert len(set(nonces)) == 3
    assert all(len(n) == 32 for n in nonces)
    # x-acs-date is read per attempt: the fake clock starts at 1000 s and moves 0.5 s, then 1.0 s
    assert dates == ["2026-01-01T00:16:40Z", "2026-01-01T00:16:40Z", "2026-01-01T00:16:41Z"]
    for request in script.requests:
        signed = request.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
        unsigned = {name: request.headers[name] for name in signed}
        query = dict(request.url.params)
        expected = signing.authorization(
            method=request.method,
            query=query,
            headers=unsigned,
            hashed_payload=signing.payload_hash(request.content),
            access_key_id="LTAI-test-id",
            access_key_secret=AK_SECRET,
        )
        assert request.headers["authorization"] == expected


async def test_other_client_errors_are_raised_at_once(fake_time: FakeTime) -> None:
    client, script = make_client([err(400, "InvalidParameter", "Id is not a number")], fake_time)
    async with client:
        with pytest.raises(ClientError, match="InvalidParameter: Id is not a number") as caught:
            await client.get_workflow(42)
    assert len(script.requests) == 1
    assert type(caught.value) is ClientError
    assert caught.value.request_id == "req-err"


async def test_signature_refusal_is_an_auth_error_with_a_hint(fake_time: FakeTime) -> None:
    client, _ = make_client([err(400, "SignatureDoesNotMatch", "signature mismatch")], fake_time)
    async with client:
        with pytest.raises(AuthError, match="ALIBABA_CLOUD_ACCESS_KEY_ID"):
            await client.get_workflow(42)


async def test_retry_after_beyond_the_policy_limit_goes_to_the_caller(fake_time: FakeTime) -> None:
    client, script = make_client([err(429, "Throttling.User", headers={"x-acs-retry-after": "120000"})], fake_time)
    async with client:
        with pytest.raises(ThrottlingError) as caught:
            await client.get_workflow(42)
    assert len(script.requests) == 1
    assert caught.value.delay == 120.0


async def test_success_false_raises_and_is_not_retried(fake_time: FakeTime) -> None:
    client, script = make_client([ok({"Success": False})], fake_time)
    async with client:
        with pytest.raises(OperationFailedError, match="Success=false"):
            await client.exec_pipeline_run_stage("run-1", "DEPLOY")
    assert len(script.requests) == 1


async def test_each_retry_is_logged_as_an_api_retry_event(fake_time: FakeTime) -> None:
    throttled = err(429, "Throttling.User", headers={"x-acs-retry-after": "250"})
    client, _ = make_client([throttled, ok(WORKFLOW)], fake_time)
    async with client:
        with capture_logs() as logs:
            await client.get_workflow(42)
    retries = [e for e in logs if e["event"] == "api_retry"]
    assert retries == [
        {
            "event": "api_retry",
            "action": "GetWorkflow",
            "code": "Throttling.User",
            "attempt": 1,
            "delay": 0.25,
            "log_level": "warning",
        }
    ]
    assert AK_SECRET not in repr(logs)
