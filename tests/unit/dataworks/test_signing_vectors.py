"""Our ACS3-HMAC-SHA256 signer reproduces every test vector of docs/dataworks-api.md §4 byte for byte."""

from __future__ import annotations

from controller.dataworks import signing
from controller.dataworks.models import UpdateWorkflowRequest, WorkflowTrigger
from controller.dataworks.wire import encode, form_body

HOST = "dataworks.cn-shanghai.aliyuncs.com"
DATE = "2026-01-01T00:00:00Z"
NONCE = "nonce-1"
BODY = (
    b"Description=synced+from+git&Id=1234567890&Name=demo_wf&Owner=123456789012345"
    b"&Trigger=%7B%22Cron%22%3A%2200+00+02+%2A+%2A+%3F%22%2C%22Type%22%3A%22Scheduler%22%7D"
)
BODY_HASH = "9e56237120e429d58e0d5200e135987f40a26952a5d49821a34688842c3c2416"

VECTOR_A_HEADERS = {
    "content-type": "application/x-www-form-urlencoded",
    "host": HOST,
    "x-acs-action": "UpdateWorkflow",
    "x-acs-content-sha256": BODY_HASH,
    "x-acs-date": DATE,
    "x-acs-signature-nonce": NONCE,
    "x-acs-version": "2024-05-18",
}
VECTOR_A_CANONICAL = (
    "POST\n/\n\n"
    "content-type:application/x-www-form-urlencoded\n"
    f"host:{HOST}\n"
    "x-acs-action:UpdateWorkflow\n"
    f"x-acs-content-sha256:{BODY_HASH}\n"
    f"x-acs-date:{DATE}\n"
    f"x-acs-signature-nonce:{NONCE}\n"
    "x-acs-version:2024-05-18\n"
    "\n"
    "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
    f"{BODY_HASH}"
)
VECTOR_A_AUTH = (
    "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;"
    "x-acs-date;x-acs-signature-nonce;x-acs-version,"
    "Signature=2c55009a9452bc6a63ab998a155f8cffac992c84af019da27f4902eb2b29c818"
)


def _vector_request() -> UpdateWorkflowRequest:
    return UpdateWorkflowRequest(
        id=1234567890,
        name="demo_wf",
        owner="123456789012345",
        description="synced from git",
        trigger=WorkflowTrigger(type="Scheduler", cron="00 00 02 * * ?"),
    )


def test_vector_body_is_built_from_the_update_workflow_model_and_hashes_as_documented() -> None:
    body = form_body(encode(_vector_request()).form)
    assert body == BODY
    assert len(body) == 161
    assert signing.payload_hash(body) == BODY_HASH


def test_vector_a_canonical_request_string_to_sign_and_authorization() -> None:
    canonical = signing.canonical_request("POST", {}, VECTOR_A_HEADERS, BODY_HASH)
    assert canonical == VECTOR_A_CANONICAL
    assert signing.string_to_sign(canonical) == (
        "ACS3-HMAC-SHA256\n427fea27510af6d75b1de6d63bc43ea58d2afaf31c14b09c7721f88e01467571"
    )
    auth = signing.authorization(
        method="POST",
        query={},
        headers=VECTOR_A_HEADERS,
        hashed_payload=BODY_HASH,
        access_key_id="testid",
        access_key_secret="testsecret",
    )
    assert auth == VECTOR_A_AUTH


def test_sign_request_produces_vector_a_from_the_request_alone() -> None:
    parts = encode(_vector_request())
    headers = signing.sign_request(
        method="POST",
        host=HOST,
        action="UpdateWorkflow",
        query=parts.query,
        body=form_body(parts.form),
        access_key_id="testid",
        access_key_secret="testsecret",
        date=DATE,
        nonce=NONCE,
    )
    assert headers.pop("authorization") == VECTOR_A_AUTH
    assert headers == VECTOR_A_HEADERS


def test_vector_b_signs_every_header_the_sdk_sends() -> None:
    headers = {
        "accept": "application/json",
        "content-type": "application/x-www-form-urlencoded",
        "host": HOST,
        "user-agent": "AlibabaCloud (Linux; x86_64) Python/3.11.0 Core/0.4.3 TeaDSL/2",
        "x-acs-action": "UpdateWorkflow",
        "x-acs-content-sha256": BODY_HASH,
        "x-acs-credentials-provider": "static_ak",
        "x-acs-date": DATE,
        "x-acs-signature-nonce": NONCE,
        "x-acs-version": "2024-05-18",
    }
    canonical = signing.canonical_request("POST", {}, headers, BODY_HASH)
    assert canonical == (
        "POST\n/\n\n"
        "accept:application/json\n"
        "content-type:application/x-www-form-urlencoded\n"
        f"host:{HOST}\n"
        "user-agent:AlibabaCloud (Linux; x86_64) Python/3.11.0 Core/0.4.3 TeaDSL/2\n"
        "x-acs-action:UpdateWorkflow\n"
        f"x-acs-content-sha256:{BODY_HASH}\n"
        "x-acs-credentials-provider:static_ak\n"
        f"x-acs-date:{DATE}\n"
        f"x-acs-signature-nonce:{NONCE}\n"
        "x-acs-version:2024-05-18\n"
        "\n"
        "accept;content-type;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;"
        "x-acs-date;x-acs-signature-nonce;x-acs-version\n"
        f"{BODY_HASH}"
    )
    assert signing.string_to_sign(canonical) == (
        "ACS3-HMAC-SHA256\n270e306a1f16a5ee0fa5b222a342ed10ba22096c7b6f3d00102f6066694046fb"
    )
    auth = signing.authorization(
        method="POST",
        query={},
        headers=headers,
        hashed_payload=BODY_HASH,
        access_key_id="testid",
        access_key_secret="testsecret",
    )
    assert auth == (
        "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=accept;content-type;host;user-agent;x-acs-action;"
        "x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=8663396e42e28a2f1e050613de0413cc7ec6f2dcbc6563ab701d3b56b65f1c4c"
    )


def test_sts_variant_signs_the_token_and_the_access_key_id_headers() -> None:
    headers = signing.sign_request(
        method="POST",
        host=HOST,
        action="UpdateWorkflow",
        query={},
        body=BODY,
        access_key_id="testid",
        access_key_secret="testsecret",
        security_token="sts-token-1",
        date=DATE,
        nonce=NONCE,
    )
    assert headers["x-acs-security-token"] == "sts-token-1"
    assert headers["x-acs-accesskey-id"] == "testid"
    unsigned = {k: v for k, v in headers.items() if k != "authorization"}
    assert signing.string_to_sign(signing.canonical_request("POST", {}, unsigned, BODY_HASH)) == (
        "ACS3-HMAC-SHA256\n18e542a6eee84095d4c792350fb3c5ba5549097af5f21b5b75b5d22d760af798"
    )
    assert headers["authorization"] == (
        "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=content-type;host;x-acs-accesskey-id;x-acs-action;"
        "x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,"
        "Signature=7421ec92696d2300207505f45a547d0ae37a395fee7a5d46b697b0d70c39bfe0"
    )


def test_get_variant_has_a_sorted_query_line_and_the_empty_payload_hash() -> None:
    query = {"Id": "1234567890", "EnvType": "Prod"}
    assert signing.canonical_query(query) == "EnvType=Prod&Id=1234567890"
    headers = signing.sign_request(
        method="GET",
        host=HOST,
        action="GetWorkflow",
        query=query,
        body=b"",
        access_key_id="testid",
        access_key_secret="testsecret",
        date=DATE,
        nonce=NONCE,
    )
    assert "content-type" not in headers
    assert headers["x-acs-content-sha256"] == signing.EMPTY_PAYLOAD_HASH
    unsigned = {k: v for k, v in headers.items() if k != "authorization"}
    canonical = signing.canonical_request("GET", query, unsigned, signing.EMPTY_PAYLOAD_HASH)
    assert canonical.splitlines()[2] == "EnvType=Prod&Id=1234567890"
    assert signing.string_to_sign(canonical) == (
        "ACS3-HMAC-SHA256\n3dfc4cf14ad510818fe46bb914ccbb986fca6fdccac69c915623922a52f25bb0"
    )
    assert headers["authorization"] == (
        "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;"
        "x-acs-signature-nonce;x-acs-version,"
        "Signature=d8b5479510b8872c6b8b6083829e879cb8dd2f23410b365065b505485ac6a000"
    )


def test_query_values_are_rfc3986_encoded_for_signing() -> None:
    assert signing.canonical_query({"Name": "a b*/~", "A": None, "B": "中"}) == "B=%E4%B8%AD&Name=a%20b%2A%2F~"


def test_acs_date_has_no_fractional_seconds() -> None:
    from datetime import UTC, datetime

    assert signing.acs_date(datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC)) == DATE
