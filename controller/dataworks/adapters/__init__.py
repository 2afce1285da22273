"""Scheduled workflow (GetWorkflow + GetTask) ↔ canonical ``WorkflowModel``.

Pipeline position: the reconciler reads a deployed workflow with ``GetWorkflow`` and every task
with ``GetTask`` (through ``client.py``), turns them into the model here with
:func:`model_from_scheduled`, diffs it against the Git model, and — when it applies with
``UpdateWorkflow`` — builds the request from the Git model with :func:`update_request_from_model`.
Pure functions on wire models: no I/O. (Live *definitions* go through ``spec.to_model`` instead,
the same code as Git specs.)

Every scheduler quirk of docs/dataworks-api.md §8 is mapped here, never in the diff:

* ``RerunMode`` ``AllAllowed``/``AllDenied`` ↔ FlowSpec's ``Allowed``/``Denied``;
* ``RerunInterval`` is already seconds (FlowSpec: milliseconds, converted in ``spec.to_model``);
* ``BaselineId`` (responses) / ``BaseLineId`` (UpdateWorkflow): server bookkeeping, echoed on
  update, never in the model;
* task recurrence: nested ``Trigger.Recurrence`` (GetTask) or flat ``TriggerRecurrence``
  (GetWorkflow's summary);
* ``UpstreamTaskId``: a string in GetTask, an integer in GetWorkflow/UpdateWorkflow;
* ``Parameters``: one ``"name=value name2=value2"`` string ↔ a name → value mapping;
* ``StartTime``/``EndTime`` absent or empty → the documented defaults; the scheduler cannot show
  the timezone, delay or workflow strategy at all (:data:`SCHEDULER_UNOBSERVED`).

What Git leaves unset and DataWorks assigns per account or workspace (the owner, a task's
resource group) is "keep what DataWorks chose": ``update`` sends the live value back, and
:func:`with_server_assigned` fills it into the Git model before a diff.

The package: ``vocabulary`` (words, parameter strings, default outputs, blind spots),
``scheduled`` (read: :func:`model_from_scheduled`), ``update`` (write:
:func:`update_request_from_model`) and ``assigned`` (:func:`with_server_assigned`); import from here.
"""

from controller.dataworks.adapters.assigned import with_server_assigned
from controller.dataworks.adapters.scheduled import model_from_scheduled
from controller.dataworks.adapters.update import ResourceGroupRequired, update_request_from_model
from controller.dataworks.adapters.vocabulary import (
    SCHEDULER_UNOBSERVED,
    SCHEDULER_UNREADABLE,
    SCHEDULER_UNWRITABLE,
    format_parameters,
    parse_parameters,
    rerun_mode_from_scheduler,
    rerun_mode_to_scheduler,
)

__all__ = [
    "SCHEDULER_UNOBSERVED",
    "SCHEDULER_UNREADABLE",
    "SCHEDULER_UNWRITABLE",
    "ResourceGroupRequired",
    "format_parameters",
    "model_from_scheduled",
    "parse_parameters",
    "rerun_mode_from_scheduler",
    "rerun_mode_to_scheduler",
    "update_request_from_model",
    "with_server_assigned",
]
