"""Config tests write real YAML files and set real environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLE = """\
dataworks: {region: cn-shanghai, project_id: 12345}
state_dir: /var/lib/dataworks-gitops        # git cache + SQLite store
sources:
  - name: sales                             # one or more sources
    repo: git@codeup.aliyun.com:team/dw.git # ssh, https or file://
    ref: main                               # branch, tag or commit sha
    path: workflows                         # folder inside the repo
    interval: 3m
    apply: update                           # update (default) | import
    prune: false
    self_heal: true                         # false: report live drift, apply only new commits
    vars: {OWNER: "1234567"}                # ${OWNER} in specs
    ignore: ["/tasks/*/owner"]
"""

MINIMAL = """\
dataworks: {project_id: 7}
sources:
  - name: sales
    repo: https://codeup.aliyun.com/team/dw.git
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No override from the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.upper().startswith("DATAWORKS_GITOPS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text to ``dataworks-gitops.yaml`` in a temp folder and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "dataworks-gitops.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
