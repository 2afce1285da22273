"""Every bad input is one clean line naming the file, the key path and the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from controller.config import load_config
from controller.errors import ConfigError

from .conftest import MINIMAL


def error_for(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "\n" not in text
    assert "Traceback" not in text
    assert "pydantic" not in text
    return text


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "    interval: 3x\n",
            "sources[0].interval: '3x' is not a duration; write a number and a unit: 90s, 3m, 1h, 24h",
        ),
        ("    interval: 0s\n", "sources[0].interval: must be longer than zero, e.g. 3m"),
        (
            "    apply: replace\n",
            "sources[0].apply: 'replace' is not valid: input should be 'update' or 'import' "
            "(the README's Configuration reference lists the allowed values)",
        ),
        ("    intervl: 3m\n", "sources[0].intervl: unknown key 'intervl' (did you mean interval?)"),
        ("    prune_max_share: 2\n", "sources[0].prune_max_share: '2' is not valid: input should be less than or"),
        ("    ignore: [tasks/x]\n", "sources[0].ignore[0]: 'tasks/x' is not a JSON pointer glob; start it with '/'"),
        ("    ref: '-upload-pack=x'\n", "sources[0].ref: not a valid branch, tag or commit sha"),
        ("    path: ../other\n", "sources[0].path: give a folder inside the repository"),
        ("    ssh_key_env: GIT_KEY\n", "sources[0]: ssh_key_env/ssh_key_file/known_hosts_file need an ssh repo"),
        (
            "  - name: sales\n    repo: /srv/other\n",
            "sources: source name 'sales' is used twice; give every source its own name",
        ),
        ("  - name: Sales_EU\n    repo: /srv/eu\n", "sources[1].name: use lower-case letters, digits and '-'"),
    ],
)
def test_a_bad_source_setting_is_one_line_naming_file_and_key(
    write_config: Callable[[str], Path], extra: str, expected: str
) -> None:
    path = write_config(MINIMAL + extra)
    assert error_for(path).startswith(f"{path}: {expected}")


def test_an_unknown_top_level_key_lists_the_known_keys(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + "colour: blue\n")
    assert error_for(path) == (
        f"{path}: colour: unknown key 'colour' (known keys here: dataworks, log, server, sources, state_dir, webhooks)"
    )


def test_a_misspelt_section_key_suggests_the_right_one(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + "webhooks: {gthub: {secret_env: GH}}\n")
    assert error_for(path) == f"{path}: webhooks.gthub: unknown key 'gthub' (did you mean github?)"


def test_a_missing_project_id_says_what_to_add(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.replace("{project_id: 7}", "{region: cn-beijing}"))
    assert error_for(path) == (
        f"{path}: dataworks.project_id: required key is missing "
        "(add project_id: <your DataWorks workspace id>, or set DATAWORKS_GITOPS_DATAWORKS__PROJECT_ID)"
    )


def test_an_empty_sources_list_is_refused(write_config: Callable[[str], Path]) -> None:
    path = write_config("dataworks: {project_id: 7}\nsources: []\n")
    assert error_for(path) == (
        f"{path}: sources: no sources configured (add at least one source with name, repo, ref and path)"
    )


def test_several_problems_are_counted_on_the_same_line(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + "    interval: 3x\n    apply: replace\nserver: {port: 99999}\n")
    text = error_for(path)
    assert text.startswith(f"{path}: sources[0].interval: '3x' is not a duration")
    assert "[and 2 more: sources[0].apply, server.port]" in text


def test_http_to_a_real_endpoint_is_refused(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.replace("{project_id: 7}", "{project_id: 7, protocol: http}"))
    assert error_for(path).startswith(f"{path}: dataworks: protocol http needs a loopback endpoint")


def test_an_endpoint_with_a_scheme_is_refused(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.replace("{project_id: 7}", "{project_id: 7, endpoint: 'https://x.example'}"))
    assert error_for(path).startswith(f"{path}: dataworks.endpoint: give host[:port] without scheme or path")


def test_a_bad_env_value_is_refused(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.replace("{project_id: 7}", "{project_id: 7, env: Staging}"))
    assert error_for(path).startswith(f"{path}: dataworks.env: 'Staging' is not valid: input should be 'Prod' or 'Dev'")


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert error_for(path) == (
        f"{path}: no such config file "
        "(pass --config PATH or set DATAWORKS_GITOPS_CONFIG; the README lists every key)"
    )


def test_a_yaml_syntax_error_names_the_line(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + "  bad: [\n")
    assert error_for(path).startswith(f"{path}:5: YAML syntax error:")


def test_a_file_that_is_not_a_mapping_is_refused(write_config: Callable[[str], Path]) -> None:
    path = write_config("- just\n- a list\n")
    assert error_for(path).startswith(f"{path}: the file must be a YAML mapping")
