"""What DataWorks assigns when Git leaves it unset: "unset in Git" compares equal to "what DataWorks chose".

Pipeline position: the reconciler applies :func:`with_server_assigned` to the Git model, against
the live model it is about to be diffed with (scheduled workflow or definition alike), before
``reconcile.diff``; ``adapters.update`` follows the same rule when it writes (it sends the live
value back). Pure.

Most server defaults are constants and both adapters fill them in (``controller.model``), so
"unset" and "the default" are already one value. These two are not constants — they depend on
the account and the workspace — so only the live side can say what they are:

* the owner: DataWorks makes the calling account the owner of a workflow whose spec names none,
  and a node without an owner gets its workflow's (:func:`~controller.model.with_default_owner`);
* a task's resource group: DataWorks runs a node without ``runtimeResource`` on the workspace's
  default resource group and shows that group from then on.
"""

from __future__ import annotations

import dataclasses

from controller.model import FrozenMap, TaskModel, WorkflowModel, with_default_owner

__all__ = ["with_server_assigned"]


def _task(desired: TaskModel, live: TaskModel | None) -> TaskModel:
    resource = desired.runtime_resource
    if live is None or resource.resource_group.strip():
        return desired
    return dataclasses.replace(
        desired, runtime_resource=dataclasses.replace(resource, resource_group=live.runtime_resource.resource_group)
    )


def with_server_assigned(desired: WorkflowModel, live: WorkflowModel) -> WorkflowModel:
    """``desired`` (Git) with the values Git leaves for DataWorks to assign taken from ``live``.

    An owner Git does not name becomes ``live``'s (tasks: the workflow's effective owner), and a
    task of both sides whose resource group Git leaves unset gets the live task's group. Values Git
    does name are never replaced, so their drift still shows; a task only Git has is left as it is
    (it shows as added anyway). Idempotent.

    >>> from controller.model import RuntimeResource
    >>> git = WorkflowModel(name="wf", tasks=FrozenMap({"a": TaskModel(type="ODPS_SQL"),
    ...     "b": TaskModel(type="ODPS_SQL", runtime_resource=RuntimeResource(resource_group="S_res_group_b"))}))
    >>> live = WorkflowModel(name="wf", owner="42", tasks=FrozenMap(
    ...     {name: TaskModel(type="ODPS_SQL", owner="42", runtime_resource=RuntimeResource(resource_group="S_def"))
    ...      for name in ("a", "b")}))
    >>> filled = with_server_assigned(git, live)
    >>> filled.owner, [t.runtime_resource.resource_group for t in filled.tasks.values()]
    ('42', ['S_def', 'S_res_group_b'])
    """
    owned = with_default_owner(desired, live.owner.strip())
    return dataclasses.replace(
        owned, tasks=FrozenMap((name, _task(task, live.tasks.get(name))) for name, task in owned.tasks.items())
    )
