"""How ``controller.config`` reads its inputs and explains their problems.

Pipeline position: a private helper of ``controller/config.py`` (same layer). It reads the YAML
file (refusing credentials, anchoring relative paths to the file's folder), feeds the file and the
``DATAWORKS_GITOPS_*`` environment to pydantic-settings as two sources (environment wins), and
turns a pydantic ``ValidationError`` into one :class:`ConfigError` line: file, key path, problem,
fix — never a traceback, never a secret value.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource

from controller.errors import ConfigError
from controller.logs import redact_text

ENV_PREFIX = "DATAWORKS_GITOPS_"
ENV_NESTED_DELIMITER = "__"

RepoKind = Literal["ssh", "https", "http", "git", "file"]
_SCP_LIKE = re.compile(r"^(?:[^@/:]+@)?[^/:]+:(?!//)")


def repo_kind(repo: str) -> RepoKind:
    """Transport of a repo string: its URL scheme, ``ssh`` for ``git@host:path``, else ``file``.

    >>> repo_kind("git@codeup.aliyun.com:team/dw.git"), repo_kind("/srv/repo"), repo_kind("https://h/r")
    ('ssh', 'file', 'https')
    """
    scheme = urlsplit(repo).scheme.lower()
    if scheme in ("ssh", "https", "http", "git", "file"):
        return scheme  # type: ignore[return-value]
    if "://" in repo:
        raise ValueError(f"unsupported scheme {scheme!r}; use ssh://, https://, git://, file:// or git@host:path")
    return "ssh" if _SCP_LIKE.match(repo) else "file"


def is_loopback(host_port: str | None) -> bool:
    """True for ``localhost``/``127.x``/``::1`` (with or without a port): where plain http is acceptable."""
    if not host_port:
        return False
    host = urlsplit(f"//{host_port}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- reading the file --------------------------------------------------------------------------

_file_data: ContextVar[dict[str, Any] | None] = ContextVar("dataworks_gitops_config_file", default=None)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Make the file at ``path`` the lowest-precedence source of ``Config()`` inside the block."""
    token = _file_data.set(read_file(path))
    try:
        yield
    finally:
        _file_data.reset(token)


def read_file(path: Path) -> dict[str, Any]:
    """The YAML document at ``path``: a mapping, free of credentials, paths made absolute."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file",
            hint="pass --config PATH or set DATAWORKS_GITOPS_CONFIG; the README lists every key",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}", hint="fix the indentation or quoting") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the file must be a YAML mapping (keys dataworks, state_dir, sources, ...)")
    refuse_secrets(data, path)
    return _anchor_paths(data, path.absolute().parent)


def _anchor_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths in the file mean relative to the file, not to wherever the daemon started."""

    def anchor(value: Any) -> Any:
        return str((base / Path(value).expanduser()).absolute()) if isinstance(value, str) and value else value

    if "state_dir" in data:
        data["state_dir"] = anchor(data["state_dir"])
    for source in data.get("sources") or []:
        if not isinstance(source, dict):
            continue
        for key in ("ssh_key_file", "known_hosts_file"):
            if key in source:
                source[key] = anchor(source[key])
        repo = source.get("repo")
        plain = isinstance(repo, str) and repo.strip() and not repo.startswith("-") and "://" not in repo
        if plain and not _SCP_LIKE.match(str(repo)):
            source["repo"] = anchor(repo)
    return data


_SECRET_KEY = re.compile(
    r"(?i)(secret|passw(or)?d|passphrase|token|access[_-]?key|private[_-]?key|ssh[_-]?key|credential|api[_-]?key)"
)


def refuse_secrets(data: Any, path: Path, loc: tuple[str | int, ...] = ()) -> None:
    """Raise if any key in the file looks like it holds a credential (``*_env``/``*_file`` name one)."""
    items: Sequence[tuple[str | int, Any]]
    if isinstance(data, dict):
        items = [(str(k), v) for k, v in data.items()]
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return
    for key, value in items:
        if isinstance(key, str) and looks_secret(key):
            raise ConfigError(
                f"{path}: {key_path((*loc, key))}: credentials are not accepted in the config file",
                hint=secret_hint((*loc, key)),
            )
        refuse_secrets(value, path, (*loc, key))


def looks_secret(key: str) -> bool:
    """A key that would hold a secret value (``*_env`` and ``*_file`` keys only name one)."""
    return bool(_SECRET_KEY.search(key)) and not key.endswith(("_env", "_file"))


def secret_hint(loc: Sequence[str | int]) -> str:
    """Where that credential belongs instead."""
    key = str(loc[-1]).lower()
    section = str(loc[0]) if loc else ""
    if "vars" in loc[:-1]:
        return f"set it from the environment: {ENV_PREFIX}SOURCES__<NAME>__VARS__{str(loc[-1]).upper()}=..."
    if section == "webhooks":
        return "put it in an environment variable and name that: secret_env: GITHUB_WEBHOOK_SECRET"
    if section == "sources" and ("ssh" in key or "private" in key):
        return "give the key through ssh_key_env (an environment variable name) or ssh_key_file"
    if section == "sources":
        return "put the token in an environment variable and name it with https_token_env"
    if "security" in key or "sts" in key or key == "token":
        return "set ALIBABA_CLOUD_SECURITY_TOKEN in the environment, or use RRSA or the default credential chain"
    if "secret" in key:
        return "set ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment, or use the default credential chain"
    if "access" in key:
        return "set ALIBABA_CLOUD_ACCESS_KEY_ID in the environment, or use the default credential chain"
    return "credentials come only from the environment or Alibaba Cloud's default credential chain"


# --- pydantic-settings sources -------------------------------------------------------------------


class YamlFileSource(PydanticBaseSettingsSource):
    """The document :func:`reading` loaded (lowest precedence)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: :meth:`__call__` hands over the whole document at once."""
        del field
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return copy.deepcopy(_file_data.get() or {})


class EnvironmentSource(EnvSettingsSource):
    """pydantic-settings' env source, taught to patch one entry of ``sources`` by name or index."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(
            settings_cls, case_sensitive=False, env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_NESTED_DELIMITER
        )

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        patches = data.get("sources")
        if isinstance(patches, dict):
            data["sources"] = _patch_sources((_file_data.get() or {}).get("sources"), patches)
        return data


def _patch_sources(listed: Any, patches: dict[str, Any]) -> list[Any]:
    merged = [copy.deepcopy(s) for s in listed] if isinstance(listed, list) else []
    for key, patch in patches.items():
        index = _source_index(merged, key)
        if index is None:
            names = ", ".join(str(s.get("name")) for s in merged if isinstance(s, dict)) or "none"
            raise ConfigError(
                f"environment {ENV_PREFIX}SOURCES__{key.upper()}__*: there is no source {key!r}",
                hint=f"address a source by name or index; the file has: {names}",
            )
        entry = merged[index]
        for field, raw in (patch if isinstance(patch, dict) else {}).items():
            value = _decode_json(raw) if field in ("vars", "ignore", "sensitive") else raw
            if field == "vars" and isinstance(value, dict):
                # Env names arrive lower-cased: keep the file's spelling of a var, else upper case.
                old = entry.get("vars") if isinstance(entry.get("vars"), dict) else {}
                spelled = {str(k).lower(): k for k in old}
                renamed = {spelled.get(k.lower(), k.upper() if k.islower() else k): v for k, v in value.items()}
                value = {**old, **renamed}
            entry[field] = value
    return merged


def _source_index(listed: list[Any], key: str) -> int | None:
    if key.isdigit():
        return int(key) if int(key) < len(listed) else None
    for index, entry in enumerate(listed):
        if isinstance(entry, dict) and str(entry.get("name", "")).replace("-", "_") == key.replace("-", "_"):
            return index
    return None


def _decode_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return yaml.safe_load(value)  # JSON is YAML
        except yaml.YAMLError:
            return value
    return value


# --- explaining validation errors ------------------------------------------------------------------


def key_path(loc: Sequence[str | int]) -> str:
    """``("sources", 0, "interval")`` -> ``sources[0].interval``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def describe_validation_error(exc: ValidationError, file: Path, model: type[BaseModel]) -> ConfigError:
    """One ConfigError line for the first problem (and how many more there are)."""
    every = exc.errors(include_url=False)
    # A failed item also fails its container (e.g. "sources: too short"); report the item only.
    errors = [e for e in every if not any(_under(o["loc"], e["loc"]) for o in every)] or every
    first = errors[0]
    loc: tuple[str | int, ...] = tuple(first["loc"])
    message, hint = _explain(first, loc, model)
    origin = _env_origin(loc)
    where = f"{file}: {key_path(loc)}" + (f" (from {origin})" if origin else "")
    more = f" [and {len(errors) - 1} more: {', '.join(key_path(tuple(e['loc'])) for e in errors[1:4])}]"
    return ConfigError(f"{where}: {message}{more if len(errors) > 1 else ''}", hint=hint)


_MISSING_HINTS = {
    "dataworks": "add a dataworks section with at least project_id: <your DataWorks workspace id>",
    "project_id": "add project_id: <your DataWorks workspace id>, or set DATAWORKS_GITOPS_DATAWORKS__PROJECT_ID",
    "sources": "add a sources list with at least one source: name, repo, ref, path",
    "repo": "add repo: an ssh, https or file:// URL, git@host:path or a local path",
    "name": "add name: a short DNS-label name such as sales",
}


def _under(loc: Sequence[Any], parent: Sequence[Any]) -> bool:
    return len(loc) > len(parent) and tuple(loc[: len(parent)]) == tuple(parent)


def _explain(error: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> tuple[str, str | None]:
    kind = str(error["type"])
    last = str(loc[-1]) if loc else ""
    if kind == "missing":
        return "required key is missing", _MISSING_HINTS.get(last, f"add {last} to the file, or set {env_name(loc)}")
    if kind == "extra_forbidden":
        if looks_secret(last):
            return "credentials are not accepted in the configuration", secret_hint(loc)
        known = sorted(_fields_at(model, loc[:-1]))
        close = difflib.get_close_matches(last, known, n=1)
        hint = f"did you mean {close[0]}?" if close else f"known keys here: {', '.join(known)}"
        return f"unknown key {last!r}", hint
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("value_error", "assertion_error"):
        return message, None
    if kind == "too_short" and loc == ("sources",):
        return "no sources configured", "add at least one source with name, repo, ref and path"
    shown = _show(error.get("input"), loc)
    message = message[:1].lower() + message[1:]
    hint = "the README's Configuration reference lists the allowed values"
    return (f"{shown} is not valid: {message}" if shown else message), hint


def _show(value: Any, loc: tuple[str | int, ...]) -> str:
    """The offending value, unless it might be a secret (``*_env`` values, secret-looking keys)."""
    secretish = any(isinstance(p, str) and (looks_secret(p) or p.endswith("_env")) for p in loc)
    if secretish or isinstance(value, dict | list):
        return ""
    text = redact_text(str(value))
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> set[str]:
    """Field names of the model found by walking ``loc`` down from ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return set()
        current = _unwrap(current.model_fields[part].annotation)
    return set(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else set()


def _unwrap(annotation: Any) -> Any:
    """The model inside ``X | None``, ``tuple[X, ...]`` or ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def env_name(loc: Sequence[str | int]) -> str:
    """The environment variable that overrides the key at ``loc`` (sources by index)."""
    return ENV_PREFIX + ENV_NESTED_DELIMITER.join(str(p).upper() for p in loc)


def _env_origin(loc: tuple[str | int, ...]) -> str | None:
    """The environment variable that set this key, if one did (env wins over the file)."""
    for name in os.environ:
        if not name.upper().startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split(ENV_NESTED_DELIMITER)
        if len(parts) > len(loc):
            continue
        pairs = enumerate(zip(parts, loc, strict=False))
        if all(p == str(q).lower() or (i == 1 and loc[0] == "sources") for i, (p, q) in pairs):
            return name
    return None
