"""Masking of secret values in what a diff shows — drift is still detected, values never shown.

Pipeline position: ``reconcile.diff`` compares the real values of both models (so a changed
password is reported as a change), then passes what it will *show* through :func:`mask` before it
builds a ``Change``. Pure: no I/O.

A value is masked as ``***`` when

* its path is a parameter or variable whose name looks secret (:data:`SECRET_NAME`:
  password, passwd, pwd, secret, token, access key / accesskey / ak, api key, credential,
  private key): ``/parameters/db_password``, ``/tasks/x/script/parameters/odps_ak``,
  ``/tasks/x/input_variables/api_token/value``;
* or a sensitive pattern from the config selects its path (``/tasks/*/script/content``);
* and in any text still shown (script heads, unified excerpts), every value of a secret-named
  parameter or variable of either model is scrubbed wherever it appears — a password pasted into
  a script body must not leak through the script's excerpt.

Like Flux (``***``) and unlike a hash: no fingerprint of a secret is shown, because a short
password's sha256 is a lookup away. That a masked value changed is still said by ``kind``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from controller.model import WorkflowModel
from controller.reconcile.ignore import PathPattern, matches_any

__all__ = ["MASK", "SECRET_NAME", "Masker", "is_secret_path", "looks_secret", "secret_values"]

MASK: Final = "***"

#: Parameter / variable names whose values are secrets.
SECRET_NAME: Final = re.compile(
    r"(?i)(passw(or)?d|pwd|secret|token|access[_\-.]?key|api[_\-.]?key|credential|private[_\-.]?key"
    r"|(^|[_\-.])ak($|[_\-.]))"
)

#: Model fields whose children are named values (parameters, variables).
_NAMED_VALUES: Final = frozenset({"parameters", "input_variables", "output_variables"})

#: Secret values shorter than this are masked at their path but not scrubbed from free text:
#: scrubbing "1" or "on" from every script would make excerpts unreadable and hide nothing.
_MIN_SCRUB_LENGTH: Final = 4


def looks_secret(name: str) -> bool:
    """True when a parameter or variable name says its value is a secret.

    >>> [looks_secret(n) for n in ("db_password", "odps_ak", "accessKeyId", "bizdate", "make")]
    [True, True, True, False, False]
    """
    return SECRET_NAME.search(name) is not None


def is_secret_path(segments: Sequence[str]) -> bool:
    """True when a path names (or lies inside) a secret-named parameter or variable.

    >>> is_secret_path(("tasks", "load", "input_variables", "api_token", "value"))
    True
    >>> is_secret_path(("tasks", "password_reset", "owner"))
    False
    """
    return any(segments[i - 1] in _NAMED_VALUES and looks_secret(segments[i]) for i in range(1, len(segments)))


def secret_values(model: WorkflowModel) -> frozenset[str]:
    """Values of every secret-named parameter or variable in ``model`` (to scrub from free text)."""
    found: set[str] = {v for k, v in model.parameters.items() if looks_secret(k)}
    for task in model.tasks.values():
        found.update(v for k, v in task.script.parameters.items() if looks_secret(k))
        for variables in (task.input_variables, task.output_variables):
            found.update(var.value for k, var in variables.items() if looks_secret(k))
    return frozenset(v for v in found if len(v) >= _MIN_SCRUB_LENGTH)


class Masker:
    """Masks shown values by path, and scrubs known secret values out of shown text.

    >>> from controller.reconcile.ignore import compile_patterns
    >>> m = Masker(compile_patterns(["/tasks/*/script/content"]), frozenset({"hunter22"}))
    >>> m.mask(("parameters", "db_password"), "hunter22")
    '***'
    >>> m.mask(("tasks", "t", "script"), {"content": "x", "parameters": {"a": "hunter22!"}})
    {'content': '***', 'parameters': {'a': '***!'}}
    """

    def __init__(self, sensitive: Sequence[PathPattern], secrets: Iterable[str] = ()) -> None:
        self._sensitive = tuple(sensitive)
        # Longest first, so a secret containing another secret is scrubbed whole.
        self._secrets = tuple(sorted(set(secrets), key=len, reverse=True))

    def hides(self, segments: Sequence[str]) -> bool:
        """True when the value at this path must not be shown at all."""
        return is_secret_path(segments) or matches_any(self._sensitive, segments)

    def scrub(self, text: str) -> str:
        """``text`` with every known secret value replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def mask(self, segments: Sequence[str], value: object) -> object:
        """The shown form of ``value`` found at ``segments``: masked, recursively, where needed."""
        if value is None:
            return None
        if self.hides(segments):
            return MASK
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            return {k: self.mask((*segments, str(k)), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask(segments, v) for v in value]
        return value
