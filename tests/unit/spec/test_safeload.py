"""Spec files are read safely: no object tags, no bombs, YAML and JSON of one spec load equal."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from controller.errors import SpecError
from controller.spec.safeload import (
    MultipleDocumentsError,
    decode,
    format_of,
    parse_json,
    parse_yaml,
    read_limited,
)

from .conftest import FIXTURES

CORPUS = FIXTURES / "corpus"


def _differences(a: Any, b: Any, path: str = "$") -> dict[str, tuple[Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b):
        return {p: d for k in a for p, d in _differences(a[k], b[k], f"{path}.{k}").items()}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return {p: d for i, (x, y) in pairs for p, d in _differences(x, y, f"{path}[{i}]").items()}
    return {} if a == b and type(a) is type(b) else {path: (a, b)}


# Where the upstream corpus's YAML and JSON really differ (YAML value, JSON value). Its JSON was
# made with a YAML 1.1 reader: "064152" became octal 26730, and the times gained a "T".
UPSTREAM_DIFFERENCES: dict[str, dict[str, tuple[Any, Any]]] = {
    "simple": {},
    "example": {
        "$.spec.triggers[0].startTime": ("2023-01-01 00:00:00", "2023-01-01T00:00:00"),
        "$.spec.triggers[0].endTime": ("2024-01-01 00:00:00", "2024-01-01T00:00:00"),
    },
    "real_case": {
        "$.metadata.owner": ("064152", 26730),
        "$.spec.triggers[0].startTime": ("2023-01-01 00:00:00", "2023-01-01T00:00:00"),
        "$.spec.triggers[0].endTime": ("2024-01-01 00:00:00", "2024-01-01T00:00:00"),
    },
}


@pytest.mark.parametrize("name", sorted(UPSTREAM_DIFFERENCES))
def test_yaml_and_json_of_the_same_corpus_spec_load_equal_but_for_the_corpus_own_differences(name: str) -> None:
    from_yaml = parse_yaml((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"), file=f"{name}.yaml")
    from_json = parse_json((CORPUS / f"{name}.json").read_text(encoding="utf-8"), file=f"{name}.json")
    assert _differences(from_yaml, from_json) == UPSTREAM_DIFFERENCES[name]


def test_yaml_times_stay_strings_so_they_compare_with_json() -> None:
    data = parse_yaml((CORPUS / "example.yaml").read_text(encoding="utf-8"), file="example.yaml")
    assert data["spec"]["triggers"][0]["startTime"] == "2023-01-01 00:00:00"


def test_the_workflow_level_pair_loads_equal() -> None:
    folder = FIXTURES / "workflow"
    from_yaml = parse_yaml((folder / "daily_sales.yaml").read_text(encoding="utf-8"), file="daily_sales.yaml")
    from_json = parse_json((folder / "daily_sales.json").read_text(encoding="utf-8"), file="daily_sales.json")
    assert from_yaml == from_json


def test_yaml_uses_core_schema_scalars_not_yaml_1_1_surprises() -> None:
    text = "a: yes\nb: 064152\nc: 12:30\nd: 2024-01-01 00:00:00\ne: ~\nf: 1.5\ng: 0x1f\nh: true\ni: off\nj: 0o17\n"
    assert parse_yaml(text, file="x.yaml") == {
        "a": "yes",
        "b": "064152",
        "c": "12:30",
        "d": "2024-01-01 00:00:00",
        "e": None,
        "f": 1.5,
        "g": 31,
        "h": True,
        "i": "off",
        "j": 15,
    }


def test_python_object_tags_are_refused_with_the_line() -> None:
    text = "version: 1.1.0\nkind: CycleWorkflow\nspec: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(SpecError) as caught:
        parse_yaml(text, file="evil.yaml")
    assert caught.value.line == 3
    assert caught.value.message == "YAML tag !!python/object/apply:os.system is not allowed"


def test_an_alias_bomb_is_refused_quickly() -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    with pytest.raises(SpecError, match=r"more than 16 YAML aliases"):
        parse_yaml("\n".join(levels) + "\n", file="bomb.yaml")
    assert time.perf_counter() - started < 1.0


def test_a_few_aliases_are_fine() -> None:
    assert parse_yaml("a: &x {p: 1}\nb: *x\nc: {<<: *x, q: 2}\n", file="x.yaml") == {
        "a": {"p": 1},
        "b": {"p": 1},
        "c": {"p": 1, "q": 2},
    }


@pytest.mark.parametrize(
    "text",
    ["- " * 100_000 + "x", "[" * 100_000, "{a: " * 100_000],
    ids=["block-sequences", "flow-sequences", "flow-mappings"],
)
def test_deep_yaml_nesting_is_refused_without_crashing_the_process(text: str) -> None:
    # libyaml's own composer recurses in C and segfaults on the first of these.
    with pytest.raises(SpecError, match=r"nesting deeper than 64 levels"):
        parse_yaml(text, file="deep.yaml")


def test_deep_json_nesting_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"nesting"):
        parse_json("[" * 100_000 + "]" * 100_000, file="deep.json")


def test_json_syntax_errors_carry_the_line() -> None:
    with pytest.raises(SpecError) as caught:
        parse_json('{\n  "version": "1.1.0",\n  "kind": "CycleWorkflow",\n}\n', file="x.json")
    assert caught.value.line == 4
    assert "invalid JSON" in caught.value.message


def test_yaml_syntax_errors_carry_the_line() -> None:
    with pytest.raises(SpecError) as caught:
        parse_yaml("version: 1.1.0\nkind: [CycleWorkflow\nspec: {}\n", file="x.yaml")
    assert caught.value.line == 3


def test_several_yaml_documents_are_reported_with_the_documents() -> None:
    with pytest.raises(MultipleDocumentsError) as caught:
        parse_yaml("a: 1\n---\nb: 2\n", file="x.yaml")
    assert caught.value.documents == [{"a": 1}, {"b": 2}]


def test_files_over_the_limit_are_refused_without_reading_them_whole(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (3 * 1024 * 1024))
    with pytest.raises(SpecError, match=r"larger than the limit of 2097152 bytes"):
        read_limited(big, file="big.json", max_bytes=2 * 1024 * 1024)
    assert read_limited(big, file="big.json", max_bytes=4 * 1024 * 1024) == b" " * (3 * 1024 * 1024)


def test_text_must_be_utf8_and_a_bom_is_accepted() -> None:
    assert decode("\ufeff{}".encode(), file="x.json") == "{}"
    with pytest.raises(SpecError, match=r"not UTF-8") as caught:
        decode(b'{\n"a": "\xff"}', file="x.json")
    assert caught.value.line == 2


def test_spec_formats_are_known_by_extension() -> None:
    assert [format_of(n) for n in ["a.json", "b.YAML", "c.yml", "d.sql", "e"]] == ["json", "yaml", "yaml", None, None]


def test_json_values_survive_exactly_including_big_ids() -> None:
    assert parse_json(json.dumps({"id": 7429810016123250001}), file="x.json") == {"id": 7429810016123250001}


# YAML itself folds NEL and the Unicode line separators when it dumps and reloads: not our concern.
_text = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\x85\u2028\u2029"), max_size=12)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), _text,
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text.filter(bool), inner, max_size=4),
    max_leaves=20,
)


@given(_values)
def test_the_fast_path_builds_what_the_guarded_loader_builds(value: object) -> None:
    # Any YAML without aliases takes the fast path; the guarded loader (aliases allowed) is the
    # reference. "&x" in a comment with "*" keeps the second parse off the fast path.
    text = yaml.safe_dump({"doc": value}, allow_unicode=True)
    fast = parse_yaml(text, file="f.yaml")
    guarded = parse_yaml(text + "# &x *x\n", file="f.yaml")
    assert fast == guarded == {"doc": value}


def test_the_fast_path_still_refuses_object_tags_and_unhashable_keys() -> None:
    with pytest.raises(SpecError, match="YAML tag"):
        parse_yaml("a:\n  b: !!python/object:os.system {}\n", file="f.yaml")
    with pytest.raises(SpecError, match="unhashable"):
        parse_yaml("? [a, b]\n: 1\n", file="f.yaml")
    assert parse_yaml("base: {x: 1}\nmerged:\n  <<: {x: 1}\n  y: 2\n", file="f.yaml") == {
        "base": {"x": 1}, "merged": {"x": 1, "y": 2},
    }
