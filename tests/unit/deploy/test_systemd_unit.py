"""deploy/systemd/dataworks-gitops.service runs the daemon as a dedicated, hardened service."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from controller.cli import build_parser
from tests.unit.deploy.conftest import CONFIG_FILE_NAME, DEPLOY

UNIT = DEPLOY / "systemd" / "dataworks-gitops.service"


@pytest.fixture(scope="module")
def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_it_runs_the_daemon_verb_as_a_dedicated_user(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert service["User"] == "dataworks-gitops"
    assert service["User"] != "root"
    argv = service["ExecStart"].split()
    assert argv[0].endswith("/dataworks-gitops")
    assert build_parser().parse_args(argv[1:]).verb == "run"


def test_credentials_come_from_an_environment_file_not_the_unit(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/dataworks-gitops/env"
    assert "ALIBABA_CLOUD_ACCESS_KEY" not in service.get("Environment", "")
    assert service["Environment"] == f"DATAWORKS_GITOPS_CONFIG=/etc/dataworks-gitops/{CONFIG_FILE_NAME}"
    # The header tells the operator to make the env file 0600.
    assert "/etc/dataworks-gitops/env (root-owned, mode 0600" in UNIT.read_text(encoding="utf-8")


def test_state_dir_is_the_only_writable_path(unit: configparser.ConfigParser, app_config: dict[str, Any]) -> None:
    service = unit["Service"]
    state_dir = Path("/var/lib") / service["StateDirectory"]
    assert str(state_dir) == app_config["state_dir"]
    assert service["ReadWritePaths"] == str(state_dir)
    assert service["ProtectSystem"] == "strict"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("NoNewPrivileges", "true"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "true"),
        ("PrivateTmp", "true"),
        ("PrivateDevices", "true"),
        ("RestrictSUIDSGID", "true"),
        ("CapabilityBoundingSet", ""),
    ],
)
def test_hardening_is_on(unit: configparser.ConfigParser, key: str, value: str) -> None:
    assert unit["Service"][key] == value


def test_it_stops_on_sigterm_within_fifteen_seconds_and_restarts_on_failure(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert service["KillSignal"] == "SIGTERM"
    assert service["TimeoutStopSec"] == "15"  # the daemon exits within 10 s of SIGTERM
    assert service["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert "network-online.target" in unit["Unit"]["After"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, timeout=60, check=False
    )
    # The one complaint allowed on a machine without the package installed: the binary is missing.
    problems = [
        line for line in checked.stderr.splitlines()
        if line.strip() and "is not executable" not in line and "/opt/dataworks-gitops/bin/dataworks-gitops" not in line
    ]  # fmt: skip
    assert problems == []
