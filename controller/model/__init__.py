"""The canonical ``WorkflowModel`` both sides map into — the only thing the diff ever compares.

Pipeline position: ``spec.to_model`` (Git FlowSpec, and live definitions from
``GetWorkflowDefinition``) and ``dataworks.adapters`` (scheduled workflows from ``GetWorkflow`` +
``GetTask``) build these values; ``reconcile.diff`` compares two of them. Vocabularies, units and
spellings (``AllAllowed``/``Allowed``, milliseconds/seconds, ``BaselineId``/``BaseLineId``) are
mapped by the adapters; this module only fixes the *shape* and the *canonical rendering*.

Rules the model keeps:

* **Effective values.** Server defaults (contracts: start/end time, timezone, rerun policy,
  recurrence, node owner and trigger inherited from the workflow…) are filled in by the adapters on
  both sides, so "unset in Git" and "the documented default" are the same value here.
* **No server bookkeeping.** Ids, create/modify times and users, metadata, ``ClientUniqueCode``,
  ``EnvType``, ``ProjectId``, ``Priority``, ``BaselineId`` and script paths are not in the model.
* **Values, not bags.** Everything is a frozen dataclass, a :class:`FrozenMap` or a ``frozenset``:
  hashable, comparable, safe to share. Lists whose order means nothing are sets or maps keyed by
  what identifies an entry (task name, parameter name, tag key, ``(type, upstream)``).
* **One rendering.** :func:`normalise` is idempotent and is applied by every adapter and again by
  the diff, so hand-built models compare the same way as adapter-built ones.

The package: ``values`` (server defaults, ``FrozenMap``, the frozen dataclasses) and ``normal``
(canonical renderings, ``normalise``, default outputs and owners); import from here.
"""

from controller.model.normal import (
    is_default_output,
    normalise,
    normalise_content,
    normalise_cron,
    normalise_text,
    normalise_time,
    with_default_owner,
)
from controller.model.values import (
    DEFAULT_END_TIME,
    DEFAULT_FAILURE_STRATEGY,
    DEFAULT_INSTANCE_MODE,
    DEFAULT_RECURRENCE,
    DEFAULT_RERUN_INTERVAL_SECONDS,
    DEFAULT_RERUN_MODE,
    DEFAULT_RERUN_TIMES,
    DEFAULT_START_TIME,
    DEFAULT_TIMEZONE,
    OWNERSHIP_TAG_PREFIX,
    Dependency,
    FrozenMap,
    RuntimeResource,
    Script,
    Strategy,
    TaskModel,
    TaskTrigger,
    Trigger,
    Variable,
    WorkflowKind,
    WorkflowModel,
)

__all__ = [
    "DEFAULT_END_TIME",
    "DEFAULT_FAILURE_STRATEGY",
    "DEFAULT_INSTANCE_MODE",
    "DEFAULT_RECURRENCE",
    "DEFAULT_RERUN_INTERVAL_SECONDS",
    "DEFAULT_RERUN_MODE",
    "DEFAULT_RERUN_TIMES",
    "DEFAULT_START_TIME",
    "DEFAULT_TIMEZONE",
    "OWNERSHIP_TAG_PREFIX",
    "Dependency",
    "FrozenMap",
    "RuntimeResource",
    "Script",
    "Strategy",
    "TaskModel",
    "TaskTrigger",
    "Trigger",
    "Variable",
    "WorkflowKind",
    "WorkflowModel",
    "is_default_output",
    "normalise",
    "normalise_content",
    "normalise_cron",
    "normalise_text",
    "normalise_time",
    "with_default_owner",
]
