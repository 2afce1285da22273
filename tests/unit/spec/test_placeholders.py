"""``${NAME}`` placeholders fill upper-case names only; DataWorks' own parameters pass through."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from controller.spec.placeholders import Missing, is_var_name, line_at, placeholders_in, substitute

VARS = {"ENV": "prod", "ODS_PROJECT": "sales_ods", "X1": "${ENV}"}


def test_upper_case_placeholders_are_filled() -> None:
    assert substitute("${ODS_PROJECT}.orders_${ENV}", VARS) == ("sales_ods.orders_prod", [])


def test_dataworks_scheduling_parameters_pass_through_untouched() -> None:
    text = "$bizdate ${yyyymmdd} ${bizdate} $[yyyymmdd-1] $[hh24miss] ${outputs} ${ ENV } ${Env} $ENV"
    assert substitute(text, VARS) == (text, [])


def test_double_dollar_escapes_to_a_literal_placeholder() -> None:
    assert substitute("select '$${BIZDATE}', '${ENV}'", VARS) == ("select '${BIZDATE}', 'prod'", [])


def test_an_undefined_placeholder_is_reported_not_emptied() -> None:
    text, missing = substitute("a ${ENV} b ${NOPE} c", VARS)
    assert text == "a prod b ${NOPE} c"
    assert missing == [Missing("NOPE", 11)]


def test_values_are_inserted_once_not_expanded_again() -> None:
    assert substitute("${X1}", VARS) == ("${ENV}", [])


def test_helpers_name_placeholders_lines_and_valid_names() -> None:
    assert placeholders_in("${A} $${B} ${c} ${D_2}") == ["A", "D_2"]
    assert line_at("a\nb\n${X}", 4) == 3
    names = ["ENV", "ODS_2", "env", "2X", "_X", "X-Y"]
    assert [is_var_name(n) for n in names] == [True, True, False, False, False, False]


_PLACEHOLDER = re.compile(r"\$\$?\{[A-Z][A-Z0-9_]*\}")
_dataworks_like = st.text(alphabet="${}[]()-+/abcdyhmsz019_ ", max_size=40)


@given(_dataworks_like)
def test_text_without_an_upper_case_placeholder_is_never_changed(text: str) -> None:
    # The alphabet has no upper case letters, so nothing in it can be a placeholder.
    assert substitute(text, VARS) == (text, [])


@given(
    prefix=_dataworks_like,
    suffix=_dataworks_like,
    name=st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True),
    value=st.text(alphabet="abc${}[]", max_size=10),
)
def test_a_defined_placeholder_is_replaced_by_exactly_its_value(
    prefix: str, suffix: str, name: str, value: str
) -> None:
    # A "$" right before the placeholder would turn it into the $${NAME} escape.
    prefix = prefix.rstrip("$")
    text, missing = substitute(prefix + "${" + name + "}" + suffix, {name: value})
    assert missing == []
    assert text == prefix + value + suffix


@given(st.text(max_size=60), st.dictionaries(st.from_regex(r"[A-Z]{1,3}", fullmatch=True), st.text(max_size=5)))
def test_substitution_touches_only_placeholder_spans(text: str, variables: dict[str, str]) -> None:
    result, missing = substitute(text, variables)
    # Removing every placeholder span from the input leaves the same text as removing the
    # substituted values from the output would; checked by rebuilding the output from the spans.
    rebuilt, last = [], 0
    for match in _PLACEHOLDER.finditer(text):
        rebuilt.append(text[last : match.start()])
        token = match.group(0)
        name = token.lstrip("$")[1:-1]
        if token.startswith("$$"):
            rebuilt.append("${" + name + "}")
        else:
            rebuilt.append(variables.get(name, token))
        last = match.end()
    rebuilt.append(text[last:])
    assert result == "".join(rebuilt)
    assert {m.name for m in missing} == {
        m.group(0)[2:-1] for m in _PLACEHOLDER.finditer(text) if not m.group(0).startswith("$$")
    } - set(variables)
