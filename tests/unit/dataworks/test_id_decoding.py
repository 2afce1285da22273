"""Ids and odd wire types decode leniently and exactly (docs/dataworks-api.md §8.1)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from controller.dataworks.models import (
    GetJobStatusResponse,
    GetTaskResponse,
    GetWorkflowDefinitionResponse,
    GetWorkflowResponse,
    ImportWorkflowDefinitionResponse,
    ListWorkflowDefinitionsResponse,
)

BIG = "6326476912390091234"  # 19 digits, > 2**53: a float would round it


def test_nineteen_digit_definition_id_sent_as_string_stays_exact() -> None:
    body = GetWorkflowDefinitionResponse.model_validate_json(json.dumps({"WorkflowDefinition": {"Id": BIG}}))
    assert body.workflow_definition.id == BIG


def test_nineteen_digit_definition_id_sent_as_json_number_stays_exact() -> None:
    body = GetWorkflowDefinitionResponse.model_validate_json('{"WorkflowDefinition": {"Id": ' + BIG + "}}")
    assert body.workflow_definition.id == BIG
    assert int(BIG) > 2**53


def test_float_string_id_is_refused_rather_than_rounded() -> None:
    with pytest.raises(ValidationError, match="float"):
        GetWorkflowDefinitionResponse.model_validate({"WorkflowDefinition": {"Id": 6.3e18}})


def test_scheduler_ids_accept_numbers_and_numeric_strings() -> None:
    body = GetWorkflowResponse.model_validate({"Workflow": {"Id": "42", "Tasks": [{"Id": 7}], "ProjectId": 9}})
    assert body.workflow.id == 42
    assert body.workflow.tasks[0].id == 7
    definition = GetWorkflowDefinitionResponse.model_validate({"WorkflowDefinition": {"Id": BIG, "WorkflowId": "42"}})
    assert definition.workflow_definition.workflow_id == 42


def test_get_task_upstream_task_id_stays_a_string_even_if_a_number_arrives() -> None:
    body = GetTaskResponse.model_validate(
        {
            "Task": {
                "Id": 1,
                "Dependencies": [
                    {"Type": "Normal", "UpstreamTaskId": 700},
                    {"Type": "Normal", "UpstreamTaskId": "701"},
                ],
            }
        }
    )
    assert [d.upstream_task_id for d in body.task.dependencies] == ["700", "701"]


def test_job_status_completed_is_a_string_on_the_wire_and_a_bool_here() -> None:
    raw = {"JobStatus": {"JobId": "j-1", "Completed": "True", "Status": "Success", "CreateTime": "1706581425000"}}
    body = GetJobStatusResponse.model_validate(raw)
    assert body.job_status.completed is True
    assert body.job_status.create_time == 1706581425000
    assert body.model_dump(exclude_none=True)["JobStatus"]["Completed"] == "True"
    not_done = GetJobStatusResponse.model_validate({"JobStatus": {"JobId": "j-1", "Completed": "False"}})
    assert not_done.job_status.completed is False


def test_async_job_completed_is_a_real_boolean() -> None:
    body = ImportWorkflowDefinitionResponse.model_validate(
        {"AsyncJob": {"Id": 12345678912390091234, "Completed": False, "CreateTime": 1706581425000}}
    )
    assert body.async_job.id == "12345678912390091234"
    assert body.async_job.completed is False
    assert body.async_job.create_time == 1706581425000


def test_unknown_response_fields_are_tolerated_and_kept() -> None:
    body = ListWorkflowDefinitionsResponse.model_validate(
        {"RequestId": "r", "HostId": "h", "PagingInfo": {"WorkflowDefinitions": [{"Id": BIG, "New": 1}]}}
    )
    item = body.paging_info.workflow_definitions[0]
    assert item.model_extra == {"New": 1}
    assert body.model_extra == {"HostId": "h"}
