"""Each provider accepts its recorded, correctly signed deliveries and refuses anything else."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from controller.server.events import SignatureError, check_hmac_sha256
from controller.server.webhooks import PROVIDERS
from tests.fixtures.webhooks import SECRET, all_deliveries, load

# The header that carries each provider's proof, as the provider documents it.
PROOF_HEADER = {
    "github": "X-Hub-Signature-256",
    "gitlab": "X-Gitlab-Token",
    "gitea": "X-Gitea-Signature",
    "bitbucket": "X-Hub-Signature",
    "codeup": "X-Codeup-Token",
    "generic": "X-Signature",
    "dataworks": "X-DataWorks-Token",
}
# Token providers send the secret itself: the body is not covered, so tampering it proves nothing.
HMAC_PROVIDERS = {"github", "gitea", "bitbucket", "generic"}
DELIVERIES = all_deliveries()


def test_every_provider_has_recorded_deliveries() -> None:
    assert {provider for provider, _ in DELIVERIES} == set(PROVIDERS)


@pytest.mark.parametrize(("provider", "event"), DELIVERIES)
def test_recorded_delivery_with_the_right_secret_is_accepted(provider: str, event: str) -> None:
    headers, body = load(provider, event)
    PROVIDERS[provider].verify(headers, body, SECRET)


@pytest.mark.parametrize(("provider", "event"), DELIVERIES)
def test_recorded_delivery_checked_with_another_secret_is_refused(provider: str, event: str) -> None:
    headers, body = load(provider, event)
    with pytest.raises(SignatureError, match=PROOF_HEADER[provider]):
        PROVIDERS[provider].verify(headers, body, SECRET + "-rotated")


@pytest.mark.parametrize(("provider", "event"), [d for d in DELIVERIES if d[0] in HMAC_PROVIDERS])
def test_tampered_body_is_refused_even_when_its_json_means_the_same(provider: str, event: str) -> None:
    headers, body = load(provider, event)
    tampered = body.replace(b":", b": ", 1)
    assert tampered != body
    with pytest.raises(SignatureError, match="does not match"):
        PROVIDERS[provider].verify(headers, tampered, SECRET)


@pytest.mark.parametrize(("provider", "event"), DELIVERIES)
def test_delivery_without_its_proof_header_is_refused(provider: str, event: str) -> None:
    headers, body = load(provider, event)
    stripped = {k: v for k, v in headers.items() if k.lower() != PROOF_HEADER[provider].lower()}
    with pytest.raises(SignatureError, match="missing"):
        PROVIDERS[provider].verify(stripped, body, SECRET)


def test_gitea_recorded_delivery_does_not_pass_as_github_with_only_its_sha1_header() -> None:
    headers, body = load("gitea", "push")
    legacy_only = {k: v for k, v in headers.items() if k.lower() != "x-hub-signature-256"}
    with pytest.raises(SignatureError, match="X-Hub-Signature-256"):
        PROVIDERS["github"].verify(legacy_only, body, SECRET)


def test_github_documented_test_vector_verifies() -> None:
    # From GitHub's "Validating webhook deliveries": secret, payload and expected signature.
    headers = {
        "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    }
    secret = "It's a Secret to Everybody"
    check_hmac_sha256(headers, b"Hello, World!", secret, header="X-Hub-Signature-256", prefix="sha256=")


def test_signature_with_another_algorithm_prefix_is_refused() -> None:
    body = b'{"repo": "x"}'
    sha1 = hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    with pytest.raises(SignatureError, match="sha256="):
        PROVIDERS["generic"].verify({"X-Signature": f"sha1={sha1}"}, body, SECRET)


def test_header_names_are_case_insensitive_and_hex_case_is_ignored() -> None:
    headers, body = load("github", "push")
    shouting = {k.upper(): v.upper() if k.lower() == "x-hub-signature-256" else v for k, v in headers.items()}
    shouting["X-HUB-SIGNATURE-256"] = "sha256=" + shouting["X-HUB-SIGNATURE-256"].split("=", 1)[1]
    PROVIDERS["github"].verify(shouting, body, SECRET)


def test_token_that_only_shares_a_prefix_with_the_secret_is_refused() -> None:
    headers, body = load("gitlab", "push")
    with pytest.raises(SignatureError, match="does not match"):
        PROVIDERS["gitlab"].verify({**headers, "X-Gitlab-Token": SECRET[:-1]}, body, SECRET)
