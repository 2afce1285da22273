"""Workspace lookup: GetProject. Every simulated workspace is a standard-mode one (Dev and Prod,
``DevEnvironmentEnabled: true``), which is why deployments go through PROD_* stages."""

from __future__ import annotations

from typing import Any

from controller.simulator.registry import Call, Operation


def get_project(call: Call) -> dict[str, Any]:
    """GetProject for a workspace the simulator was started with."""
    world = call.world
    project_id = world.project(call.params.required_integer("Id"))
    return {
        "Project": {
            "AliyunResourceGroupId": "rg-simulator",
            "AliyunResourceTags": [],
            "Description": "DataWorks simulator workspace",
            "DevEnvironmentEnabled": True,
            "DevRoleDisabled": False,
            "DisplayName": f"simulator_{project_id}",
            "Id": project_id,
            "Name": f"simulator_{project_id}",
            "Owner": world.owner_uid,
            "PaiTaskEnabled": False,
            "Status": "Available",
        }
    }


OPERATIONS = [Operation("GetProject", "GET", get_project)]
