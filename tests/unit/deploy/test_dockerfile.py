"""deploy/Dockerfile builds the image the manifests and the app expect (read statically: no engine here)."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from typing import Any

import pytest

from controller.cli import build_parser
from tests.unit.deploy.conftest import CONFIG_FILE_NAME, ROOT, mount_path

APP_UID = "10001"


def _all(dockerfile: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for kw, args in dockerfile if kw == keyword]


def _one(dockerfile: list[tuple[str, str]], keyword: str) -> str:
    (args,) = _all(dockerfile, keyword)
    return args


def _env(dockerfile: list[tuple[str, str]]) -> dict[str, str]:
    pairs = re.findall(r"(\w+)=(\S+)", " ".join(_all(dockerfile, "ENV")))
    return dict(pairs)


def test_the_base_is_slim_python_3_11(dockerfile: list[tuple[str, str]]) -> None:
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", _one(dockerfile, "FROM"))


def test_git_and_the_ssh_client_are_installed(dockerfile: list[tuple[str, str]]) -> None:
    installs = " ".join(args for args in _all(dockerfile, "RUN") if "apt-get install" in args)
    assert re.search(r"\bgit\b", installs)
    assert re.search(r"\bopenssh-client\b", installs)
    assert "--no-install-recommends" in installs
    assert "rm -rf /var/lib/apt/lists" in installs


def test_the_package_is_installed_from_the_build_context(dockerfile: list[tuple[str, str]]) -> None:
    assert any(re.search(r"\bpip install \.(\s|$)", args) for args in _all(dockerfile, "RUN"))
    copied = {part for args in _all(dockerfile, "COPY") for part in args.split()[:-1]}
    # Everything pip needs to build the package: the project file, its readme and the code.
    assert {"pyproject.toml", "README.md", "controller"} <= copied
    for path in copied:
        assert (ROOT / path).exists(), path


def test_dockerignore_keeps_out_noise_but_not_what_the_build_copies(dockerfile: list[tuple[str, str]]) -> None:
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip
    copied = {part for args in _all(dockerfile, "COPY") for part in args.split()[:-1]}
    assert [p for p in copied if any(fnmatch.fnmatch(p, pattern) for pattern in patterns)] == []
    assert {".git", ".venv", "tests"} <= set(patterns)


def test_it_runs_as_the_non_root_uid_the_manifests_expect(
    dockerfile: list[tuple[str, str]], container: dict[str, Any]
) -> None:
    user = _one(dockerfile, "USER")
    assert user.split(":")[0] == APP_UID
    assert str(container["securityContext"]["runAsUser"]) == APP_UID
    assert any(f"--uid {APP_UID}" in args for args in _all(dockerfile, "RUN"))
    # USER comes after the installs: nothing runs as root at run time.
    keywords = [kw for kw, _ in dockerfile]
    assert keywords.index("USER") > max(i for i, kw in enumerate(keywords) if kw == "RUN")


def test_exposed_port_is_the_config_port(dockerfile: list[tuple[str, str]], app_config: dict[str, Any]) -> None:
    assert _one(dockerfile, "EXPOSE") == str(app_config["server"]["port"])


def test_healthcheck_asks_healthz_with_python_not_curl(
    dockerfile: list[tuple[str, str]], app_config: dict[str, Any]
) -> None:
    options, _, command = _one(dockerfile, "HEALTHCHECK").partition("CMD ")
    argv = json.loads(command)
    assert argv[:2] == ["python", "-c"]
    compile(argv[2], "<healthcheck>", "exec")  # the probe is valid Python
    assert "urllib.request" in argv[2]
    assert "/healthz" in argv[2]
    assert f"'{app_config['server']['port']}'" in argv[2]  # the default port
    assert "curl" not in command
    assert re.search(r"--timeout=\d+s", options)


def test_config_and_state_paths_match_the_kubernetes_mounts(
    dockerfile: list[tuple[str, str]], container: dict[str, Any], app_config: dict[str, Any]
) -> None:
    config_path = _env(dockerfile)["DATAWORKS_GITOPS_CONFIG"]
    assert config_path == f"{mount_path(container, 'config')}/{CONFIG_FILE_NAME}"
    assert json.loads(_one(dockerfile, "VOLUME")) == [app_config["state_dir"]]
    assert app_config["state_dir"] == mount_path(container, "state")


def test_entrypoint_is_the_console_script_and_the_default_verb_is_run(
    dockerfile: list[tuple[str, str]], container: dict[str, Any]
) -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    entrypoint = json.loads(_one(dockerfile, "ENTRYPOINT"))
    cmd = json.loads(_one(dockerfile, "CMD"))
    assert entrypoint == ["dataworks-gitops"]
    assert entrypoint[0] in scripts
    assert cmd == ["run"] == container["args"]
    assert build_parser().parse_args(cmd).verb == "run"


@pytest.mark.parametrize("keyword", ["ENTRYPOINT", "CMD", "VOLUME"])
def test_exec_form_is_used_so_sigterm_reaches_the_daemon(dockerfile: list[tuple[str, str]], keyword: str) -> None:
    # Shell form would make /bin/sh PID 1, and sh does not forward SIGTERM.
    assert _one(dockerfile, keyword).startswith("[")
