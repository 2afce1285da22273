"""Errors a user of dataworks-gitops can see, outside the DataWorks client.

Every error here renders as one line a person can act on: what broke, where (file, JSON path,
workflow, source) and how to fix it. None of them ever carries a secret.

Hierarchy::

    GitOpsError                  base of everything the controller reports by itself
    ├── ConfigError              dataworks-gitops.yaml or its environment overrides are wrong
    ├── SpecError                a FlowSpec file cannot be loaded or is invalid (file, path, line, hint)
    ├── SourceError              the Git source cannot be fetched or resolved
    └── StoreError               the SQLite store cannot be opened or written

The DataWorks client has its own hierarchy in ``controller/dataworks/errors.py``.
"""

from __future__ import annotations


class GitOpsError(Exception):
    """Base class: a message and an optional hint saying how to fix it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(GitOpsError):
    """The configuration file or an environment override is invalid."""


class SpecError(GitOpsError):
    """A FlowSpec file cannot be loaded or fails validation.

    ``file`` is relative to the repository root where known, ``path`` is a JSON path such as
    ``$.spec.workflows[0].nodes[1].name`` and ``line`` the 1-based line where the parser can tell.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str,
        path: str = "$",
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.file = file
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class SourceError(GitOpsError):
    """The Git source cannot be cloned, fetched or resolved to a commit."""


class StoreError(GitOpsError):
    """The state store cannot be opened, migrated or written."""
