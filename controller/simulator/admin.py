"""The admin surface outside the DataWorks API (no signature): ``/_simulator/stats``, ``reset``,
``config`` and ``state``, as Starlette routes over a :class:`~controller.simulator.runtime.Simulator`."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from controller.simulator.errors import ApiError
from controller.simulator.ids import request_id
from controller.simulator.rpc import JSON_TYPE, encode, error_body
from controller.simulator.runtime import Simulator
from controller.simulator.views import full_dump


def _json(body: Any, status: int = 200) -> Response:
    return Response(encode(body), status_code=status, media_type=JSON_TYPE.decode())


def state_dump(simulator: Simulator) -> dict[str, Any]:
    """Every definition, scheduled workflow (tasks in full), job and pipeline run."""
    simulator.advance(time.time())
    world, user = simulator.world, simulator.world.owner_uid
    return {
        "definitions": [
            {"Id": d.id, "ProjectId": d.project_id, "WorkflowId": d.workflow_id, "CreateTime": d.create_time,
             "ModifyTime": d.modify_time, "Spec": d.spec}
            for d in world.definitions.values()
        ],
        "workflows": [full_dump(w, user) for w in world.workflows.values()],
        "jobs": [
            {"Id": j.id, "Status": j.status, "Error": j.error, "Response": j.definition_id}
            for j in world.jobs.values()
        ],
        "pipeline_runs": [
            {"Id": r.id, "Type": r.type, "ObjectId": r.object_id, "Status": r.status,
             "Stages": [{"Code": s.code, "Status": s.status} for s in r.stages]}
            for r in world.runs.values()
        ],
    }


def admin_app(simulator: Simulator) -> Starlette:
    """The Starlette app serving ``/_simulator/*``."""

    async def stats(_request: Request) -> Response:
        return _json(simulator.stats.as_json(simulator.gate.quota_used))

    async def reset(_request: Request) -> Response:
        simulator.reset()
        return _json({"reset": True, "knobs": simulator.knobs.model_dump()})

    async def config(request: Request) -> Response:
        if request.method == "GET":
            return _json({"knobs": simulator.knobs.model_dump()})
        try:
            changes = json.loads(await request.body() or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object of knobs")
            knobs = simulator.configure(changes)
        except (ValueError, ValidationError) as exc:
            error = ApiError(400, "InvalidParameter", f"Invalid simulator config: {exc}")
            return _json(error_body(error, request_id(), request.headers.get("host", "")), 400)
        return _json({"knobs": knobs.model_dump()})

    async def state(_request: Request) -> Response:
        return _json(state_dump(simulator))

    return Starlette(
        routes=[
            Route("/_simulator/stats", stats, methods=["GET"]),
            Route("/_simulator/reset", reset, methods=["POST"]),
            Route("/_simulator/config", config, methods=["GET", "POST"]),
            Route("/_simulator/state", state, methods=["GET"]),
        ]
    )
