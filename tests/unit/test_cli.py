"""The command line offers exactly the verbs and global flags users and scripts depend on."""

from __future__ import annotations

import pytest

from controller.cli import build_parser

VERBS = ["run", "sync", "diff", "validate", "status", "suspend", "resume", "simulator", "demo"]


@pytest.mark.parametrize("verb", VERBS)
def test_every_documented_verb_parses(verb: str) -> None:
    extra = ["sales"] if verb in ("suspend", "resume") else []
    args = build_parser().parse_args([verb, *extra])
    assert args.verb == verb


def test_config_is_global_before_or_after_the_verb() -> None:
    parser = build_parser()
    assert parser.parse_args(["--config", "a.yaml", "sync"]).config == "a.yaml"
    assert parser.parse_args(["sync", "--config", "b.yaml"]).config == "b.yaml"
    assert parser.parse_args(["sync"]).config == "dataworks-gitops.yaml"


def test_unknown_verb_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["apply"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
