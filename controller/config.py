"""Controller configuration: ``dataworks-gitops.yaml`` plus ``DATAWORKS_GITOPS_*`` environment overrides.

Pipeline position: the bottom layer every command starts from (it imports only ``errors`` and
``logs``). ``dataworks`` goes to the client, ``sources`` to ``controller.source`` and the
reconciler, ``state_dir`` to the git cache and the store, ``server``/``webhooks`` to the HTTP side.

Precedence, highest first:

1. environment variables ``DATAWORKS_GITOPS_<KEY>``, nested with ``__``
   (``DATAWORKS_GITOPS_SERVER__PORT=9090``); one source is addressed by name or list index
   (``DATAWORKS_GITOPS_SOURCES__SALES__REF=release``, ``..._SOURCES__0__REF``), lists and maps
   as JSON (``DATAWORKS_GITOPS_SOURCES__SALES__IGNORE='["/tasks/*/owner"]'``);
2. the YAML file (relative paths in it are relative to the file's folder);
3. the defaults below.

Credentials are never accepted in the file: Alibaba Cloud keys come from
``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``/``ALIBABA_CLOUD_SECURITY_TOKEN`` (or the default
chain), git and webhook secrets from environment variables the file *names* (``*_env`` keys).
Every problem is a one-line :class:`~controller.errors.ConfigError` naming file, key and fix.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from controller.config_loader import (
    ENV_NESTED_DELIMITER,
    ENV_PREFIX,
    EnvironmentSource,
    RepoKind,
    YamlFileSource,
    describe_validation_error,
    is_loopback,
    looks_secret,
    reading,
    repo_kind,
)
from controller.errors import ConfigError
from controller.logs import register_secret

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "ENV_NESTED_DELIMITER",
    "ENV_PREFIX",
    "Config",
    "DataWorksSettings",
    "LogSettings",
    "RepoKind",
    "ServerSettings",
    "SourceConfig",
    "WebhookProvider",
    "WebhookSettings",
    "format_duration",
    "load_config",
    "parse_duration",
    "repo_kind",
]

DEFAULT_CONFIG_FILE = "dataworks-gitops.yaml"

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> timedelta:
    """Parse ``"90s"``, ``"3m"``, ``"1h30m"``, ``"24h"``, ``"2d"`` (or a number of seconds).

    >>> parse_duration("1h30m")
    datetime.timedelta(seconds=5400)
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    text = str(value).strip().lower().replace(" ", "")
    if text and _DURATION_PART.sub("", text) == "":
        return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text)))
    raise ValueError(f"{str(value)[:40]!r} is not a duration; write a number and a unit: 90s, 3m, 1h, 24h")


def format_duration(value: timedelta) -> str:
    """The short form users write.

    >>> format_duration(timedelta(hours=1, minutes=30))
    '1h30m'
    """
    rest = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0s"


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _env_name(value: object) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise ValueError("must be the NAME of an environment variable (upper case, like GIT_TOKEN), not the secret")
    return value


def _pointer(value: object) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError(f"{str(value)[:60]!r} is not a JSON pointer glob; start it with '/', e.g. /tasks/*/owner")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
EnvName = Annotated[str, BeforeValidator(_env_name)]
JsonPointerGlob = Annotated[str, BeforeValidator(_pointer)]


class _Section(BaseModel):
    """Sections refuse unknown keys: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DataWorksSettings(_Section):
    """The DataWorks workspace (project) the controller keeps equal to Git.

    Rate limits: ``read_qps``/``write_qps`` give reads and writes their own token buckets
    (Enterprise: 50/20); when both are unset, reads and writes share one bucket of ``qps``
    (Basic to Professional: 5 in total). If only one is set, the other class gets ``qps``.
    """

    region: str = "cn-shanghai"
    endpoint: str | None = None
    project_id: int = Field(gt=0)
    env: Literal["Prod", "Dev"] = "Prod"
    protocol: Literal["https", "http"] = "https"
    qps: float = Field(5.0, gt=0)
    read_qps: float | None = Field(None, gt=0)
    write_qps: float | None = Field(None, gt=0)
    daily_budget: int | None = Field(None, gt=0)
    #: Job and publish polling: the first wait and the cap, in seconds (each poll is a metered call).
    poll_initial: float = Field(1.0, gt=0)
    poll_max: float = Field(30.0, gt=0)
    publish: bool = True

    @field_validator("endpoint")
    @classmethod
    def _bare_endpoint(cls, value: str | None) -> str | None:
        if value is not None and ("://" in value or "/" in value):
            raise ValueError("give host[:port] without scheme or path (dataworks.protocol chooses http/https)")
        return value

    @model_validator(mode="after")
    def _http_only_on_loopback(self) -> DataWorksSettings:
        if self.protocol == "http" and not is_loopback(self.endpoint):
            raise ValueError("protocol http needs a loopback endpoint (the simulator, e.g. 127.0.0.1:PORT); use https")
        return self

    @property
    def effective_endpoint(self) -> str:
        """The endpoint to call: the override, or the region's public one."""
        return self.endpoint or f"dataworks.{self.region}.aliyuncs.com"

    @property
    def shared_bucket(self) -> bool:
        """True when reads and writes share one ``qps`` bucket."""
        return self.read_qps is None and self.write_qps is None


_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# What `git check-ref-format` refuses, plus a leading '-' (never let a ref read as a git option).
_BAD_REF = re.compile(r"^[-/.]|\.\.|[\x00-\x20\x7f~^:?*\[\\]|@\{|/$|\.lock$|//")


def _var_value(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int | float) else value


class SourceConfig(_Section):
    """One Git source: a folder of FlowSpec files at a ref (branch, tag or commit sha) of a repo."""

    name: str
    repo: str
    ref: str = "main"
    path: str = "."
    interval: Duration = timedelta(minutes=3)
    apply: Literal["update", "import"] = "update"
    prune: bool = False
    prune_max_share: float = Field(0.3, gt=0, le=1)
    self_heal: bool = True
    vars: dict[str, str] = Field(default_factory=dict)
    ignore: tuple[JsonPointerGlob, ...] = ()
    sensitive: tuple[JsonPointerGlob, ...] = ()
    full_resync: Duration = timedelta(hours=24)
    timeout: Duration = timedelta(minutes=10)
    ssh_key_env: EnvName | None = None
    ssh_key_file: Path | None = None
    known_hosts_file: Path | None = None
    https_username_env: EnvName | None = None
    https_token_env: EnvName | None = None

    @field_validator("name")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("use lower-case letters, digits and '-' (a DNS label, at most 63), e.g. sales")
        return value

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str) -> str:
        value = value.strip()
        if not value or value.startswith("-"):
            raise ValueError("give an ssh, https or file:// URL, git@host:path, or a local path")
        kind = repo_kind(value)
        if kind in ("https", "http") and urlsplit(value).password is not None:
            raise ValueError("a password or token in the URL is a credential in the file; use https_token_env")
        if kind == "file" and "://" not in value:
            return str(Path(value).expanduser().absolute())
        return value

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        if not value or _BAD_REF.search(value):
            raise ValueError("not a valid branch, tag or commit sha (e.g. main, v1.2.0, 3f2a9c1...)")
        return value

    @field_validator("path")
    @classmethod
    def _folder(cls, value: str) -> str:
        parts = [p for p in value.replace("\\", "/").split("/") if p not in ("", ".")]
        if value.startswith("/") or ".." in parts:
            raise ValueError("give a folder inside the repository, relative to its root (e.g. workflows)")
        return "/".join(parts) or "."

    @field_validator("vars", mode="before")
    @classmethod
    def _vars(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for key in value:
            if not isinstance(key, str):  # YAML 1.1 reads ON/yes/no as booleans, 01 as a number
                raise ValueError(f"variable name {key!r} was read as {type(key).__name__}; quote it, e.g. 'ON'")
            if not _VAR.fullmatch(key):
                raise ValueError(f"variable name {str(key)[:40]!r} must be letters, digits and '_' (like OWNER)")
        return {str(k): _var_value(v) for k, v in value.items()}

    @field_validator("interval", "full_resync", "timeout")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than zero, e.g. 3m")
        return value

    @model_validator(mode="after")
    def _auth_fits_transport(self) -> SourceConfig:
        kind = self.kind
        if self.ssh_key_env and self.ssh_key_file:
            raise ValueError("set ssh_key_env or ssh_key_file, not both")
        if (self.ssh_key_env or self.ssh_key_file or self.known_hosts_file) and kind != "ssh":
            raise ValueError(f"ssh_key_env/ssh_key_file/known_hosts_file need an ssh repo, but repo is {kind}")
        if (self.https_token_env or self.https_username_env) and kind not in ("https", "http"):
            raise ValueError(f"https_token_env/https_username_env need an https repo, but repo is {kind}")
        if self.https_username_env and not self.https_token_env:
            raise ValueError("https_username_env needs https_token_env as well")
        if self.https_token_env and kind == "http" and not is_loopback(urlsplit(self.repo).netloc.rpartition("@")[2]):
            raise ValueError("the token would travel in clear text over http://; use an https:// repo URL")
        return self

    @property
    def kind(self) -> RepoKind:
        """Transport of ``repo``: ssh, https, http, git or file."""
        return repo_kind(self.repo)


class ServerSettings(_Section):
    """The HTTP listener: webhooks, health, readiness, metrics, status."""

    host: str = "0.0.0.0"  # noqa: S104 - a controller in a pod must be reachable; 127.0.0.1 keeps it local
    port: int = Field(8080, ge=0, le=65535)
    #: Environment variable holding the bearer token for ``POST /api/v1/sources/NAME/sync``;
    #: unset disables that endpoint.
    api_token_env: EnvName | None = None


class WebhookProvider(_Section):
    """A webhook provider; its secret is read from the environment variable named here."""

    secret_env: EnvName


class WebhookSettings(_Section):
    """Git-push webhooks per provider, and ``dataworks`` (live-change events from DataWorks
    OpenEvent via EventBridge); a provider without a section is refused."""

    github: WebhookProvider | None = None
    gitlab: WebhookProvider | None = None
    gitea: WebhookProvider | None = None
    bitbucket: WebhookProvider | None = None
    codeup: WebhookProvider | None = None
    generic: WebhookProvider | None = None
    dataworks: WebhookProvider | None = None
    max_body_bytes: int = Field(5 * 1024 * 1024, gt=0, le=100 * 1024 * 1024)

    def providers(self) -> dict[str, WebhookProvider]:
        """The configured providers by name (``github``, ``gitlab``, ...)."""
        found = {name: getattr(self, name) for name in type(self).model_fields}
        return {name: value for name, value in found.items() if isinstance(value, WebhookProvider)}


class LogSettings(_Section):
    """Logging: level, and format (auto: console on a terminal, JSON lines otherwise)."""

    level: Annotated[Literal["debug", "info", "warning", "error"], BeforeValidator(lambda v: str(v).lower())] = "info"
    format: Literal["auto", "json", "console"] = "auto"


class Config(BaseSettings):
    """The whole configuration; build it with :func:`load_config`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        case_sensitive=False,
        extra="forbid",
        frozen=True,
    )

    dataworks: DataWorksSettings
    state_dir: Path = Path("/var/lib/dataworks-gitops")
    sources: tuple[SourceConfig, ...] = Field(min_length=1)
    server: ServerSettings = ServerSettings()
    webhooks: WebhookSettings = WebhookSettings()
    log: LogSettings = LogSettings()

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, value: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        seen: set[str] = set()
        for source in value:
            if source.name in seen:
                raise ValueError(f"source name {source.name!r} is used twice; give every source its own name")
            seen.add(source.name)
        return value

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``; ConfigError naming the configured ones if there is none."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources)
        raise ConfigError(f"no source named {name!r}", hint=f"configured sources: {known}")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence, highest first: arguments, ``DATAWORKS_GITOPS_*`` environment, the YAML file."""
        del env_settings, dotenv_settings, file_secret_settings  # replaced by the two below; no .env files
        return init_settings, EnvironmentSource(settings_cls), YamlFileSource(settings_cls)


def load_config(path: str | Path = DEFAULT_CONFIG_FILE) -> Config:
    """Load the YAML file at ``path``, apply ``DATAWORKS_GITOPS_*`` overrides, validate.

    Raises :class:`ConfigError` with one line naming the file, the key path (``sources[0].interval``)
    and the fix; never a pydantic traceback and never a secret value.
    """
    file = Path(path)
    try:
        with reading(file):
            config = Config()
    except ValidationError as exc:
        raise describe_validation_error(exc, file, Config) from None
    except SettingsError as exc:
        raise ConfigError(
            f"environment {ENV_PREFIX}*: {str(exc).split(':')[0]}",
            hint='lists and maps in environment overrides are JSON, e.g. \'["/tasks/*/owner"]\'',
        ) from None
    for source in config.sources:
        for name, value in source.vars.items():
            if looks_secret(name):  # only the environment can set these (the file is refused)
                register_secret(value)
    return config
