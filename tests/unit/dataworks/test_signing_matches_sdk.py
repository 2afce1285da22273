"""Our signer and the official SDK's signer (tea-openapi ``Utils.get_authorization``) agree on any request."""

from __future__ import annotations

import string

from alibabacloud_tea_openapi.utils import Utils as SdkUtils
from darabonba.request import DaraRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.dataworks import signing
from controller.dataworks.wire import form_body

KEY_ALPHABET = string.ascii_letters + string.digits + "."
keys = st.text(alphabet=KEY_ALPHABET, min_size=1, max_size=20)
values = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
ascii_values = st.text(alphabet=string.printable.strip() + " ", min_size=1, max_size=40)
secrets_ = st.text(alphabet=string.ascii_letters + string.digits, min_size=8, max_size=40)
header_names = st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=20).filter(
    lambda n: n not in ("host", "authorization", "content-type") and not n.startswith("x-acs-")
)


def _sdk_authorization(
    method: str, query: dict[str, str], headers: dict[str, str], hashed: str, ak: str, sk: str
) -> str:
    request = DaraRequest()
    request.method = method
    request.pathname = "/"
    request.query = dict(query)
    request.headers = dict(headers)
    result: str = SdkUtils.get_authorization(request, "ACS3-HMAC-SHA256", hashed, ak, sk)
    return result


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST"]),
    action=st.sampled_from(["UpdateWorkflow", "GetWorkflow", "ListWorkflows", "ImportWorkflowDefinition"]),
    query=st.dictionaries(keys, values, max_size=5),
    form=st.dictionaries(keys, values, max_size=5),
    access_key_id=secrets_,
    access_key_secret=secrets_,
    security_token=st.none() | secrets_,
    nonce=st.uuids().map(lambda u: u.hex),
)
def test_sign_request_matches_the_sdk_signer(
    method: str,
    action: str,
    query: dict[str, str],
    form: dict[str, str],
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None,
    nonce: str,
) -> None:
    body = form_body(form) if method == "POST" else b""
    headers = signing.sign_request(
        method=method,
        host="dataworks.cn-hangzhou.aliyuncs.com",
        action=action,
        query=query,
        body=body,
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        security_token=security_token,
        nonce=nonce,
    )
    ours = headers.pop("authorization")
    theirs = _sdk_authorization(method, query, headers, signing.payload_hash(body), access_key_id, access_key_secret)
    assert ours == theirs


@settings(max_examples=200, deadline=None)
@given(
    query=st.dictionaries(keys, values, max_size=4),
    extra=st.dictionaries(header_names, ascii_values, max_size=4),
    body=st.binary(max_size=200),
    access_key_secret=secrets_,
)
def test_authorization_over_arbitrary_signed_headers_matches_the_sdk(
    query: dict[str, str], extra: dict[str, str], body: bytes, access_key_secret: str
) -> None:
    headers = {"host": "127.0.0.1:8080", "x-acs-action": "GetTask", "x-acs-date": "2026-01-01T00:00:00Z", **extra}
    hashed = signing.payload_hash(body)
    ours = signing.authorization(
        method="POST",
        query=query,
        headers=headers,
        hashed_payload=hashed,
        access_key_id="AKID",
        access_key_secret=access_key_secret,
    )
    assert ours == _sdk_authorization("POST", query, headers, hashed, "AKID", access_key_secret)
