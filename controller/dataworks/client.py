"""Async DataWorks OpenAPI 2024-05-18 client: typed methods over one signed, rate-limited retry loop.

Sits at the bottom of the pipeline beside ``source`` and ``spec``: the reconciler calls these methods;
below them are ``wire.py`` (what goes where), ``signing.py`` (ACS3-HMAC-SHA256), ``ratelimit.py``
(token buckets, call counter), ``retry.py`` (policy as data) and ``errors.py`` (what can go wrong).
The transport is injectable (``httpx.AsyncBaseTransport``), so tests run the whole client against
``httpx.MockTransport`` or the simulator over a real socket.

Every HTTP attempt goes through :meth:`DataWorksClient._call` and nowhere else: wait for a token,
take the current credential, sign with a fresh ``x-acs-date`` and nonce, send, classify the answer,
and either return, retry after the policy's delay (logged as ``api_retry``) or raise. A throttling
answer also slows the action's rate-limit bucket down, so that concurrent callers back off together.

Example::

    async with DataWorksClient(endpoint=resolve_endpoint("cn-shanghai"),
                               credentials=resolve_credentials(), project_id=123) as client:
        job = await client.import_workflow_definition(spec_json)
        status = await client.get_job_status(job.id)
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from controller.dataworks.credentials import CredentialSource, Endpoint
from controller.dataworks.errors import (
    ConfigurationError,
    DataWorksError,
    MaybeAppliedError,
    OperationFailedError,
    QuotaExhaustedError,
    ResponseError,
    ThrottlingError,
    TransportError,
    error_from_response,
)
from controller.dataworks.models import (
    AsyncJob,
    CreatePipelineRunRequest,
    CreatePipelineRunResponse,
    DeleteWorkflowDefinitionRequest,
    DeleteWorkflowRequest,
    EnvType,
    ExecPipelineRunStageRequest,
    GetJobStatusRequest,
    GetJobStatusResponse,
    GetPipelineRunRequest,
    GetPipelineRunResponse,
    GetProjectRequest,
    GetProjectResponse,
    GetTaskRequest,
    GetTaskResponse,
    GetWorkflowDefinitionRequest,
    GetWorkflowDefinitionResponse,
    GetWorkflowRequest,
    GetWorkflowResponse,
    ImportWorkflowDefinitionRequest,
    ImportWorkflowDefinitionResponse,
    JobStatus,
    ListWorkflowDefinitionsRequest,
    ListWorkflowDefinitionsResponse,
    ListWorkflowsRequest,
    ListWorkflowsResponse,
    Pipeline,
    Project,
    ResponseBody,
    SuccessResponse,
    Task,
    UpdateWorkflowRequest,
    WireRequest,
    Workflow,
    WorkflowDefinition,
    WorkflowDefinitionPage,
    WorkflowDefinitionSummary,
    WorkflowPage,
    WorkflowSummary,
)
from controller.dataworks.ratelimit import CallCounter, RateLimiter
from controller.dataworks.retry import RetryPolicy, resend_allowed
from controller.dataworks.signing import acs_date, new_nonce, sign_request
from controller.dataworks.wire import encode, form_body, query_string
from controller.logs import get_logger

log = get_logger(__name__)

R = TypeVar("R", bound=ResponseBody)

#: ListWorkflowDefinitions' documented maximum; ListWorkflows uses the same.
PAGE_SIZE = 100
#: Stable order while paging ListWorkflows, so concurrent creates do not shift pages.
STABLE_SORT = "Id Asc"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
USER_AGENT = "dataworks-gitops/0.1 (+httpx)"


class DataWorksClient:
    """Typed async client for the DataWorks operations the controller uses. Use as ``async with``.

    ``project_id`` and ``env`` are the defaults for methods that take a workspace or environment.
    ``sleep``, ``clock``, ``utcnow``, ``nonce`` and ``jitter`` are injectable so that tests of the
    retry policy run in microseconds and can see every attempt's date and nonce.
    """

    def __init__(
        self,
        *,
        endpoint: Endpoint,
        credentials: CredentialSource,
        project_id: int | None = None,
        env: EnvType = "Prod",
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
        nonce: Callable[[], str] = new_nonce,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.endpoint = endpoint
        self.project_id = project_id
        self.env: EnvType = env
        self.limiter = limiter or RateLimiter.from_qps(clock=clock, sleep=sleep)
        self.retry = retry or RetryPolicy()
        #: Attempts sent, by action and by (action, code): read by metrics and the reconciler.
        self.calls = CallCounter()
        self._credentials = credentials
        self._sleep = sleep
        self._clock = clock
        #: The quota error that paused this client, and the clock time calls may resume: a spent
        #: quota answers every further call with the same 429, so none is sent until then.
        self._quota_error: QuotaExhaustedError | None = None
        self._quota_until = 0.0
        self._utcnow = utcnow
        self._nonce = nonce
        self._jitter = jitter
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, headers={"user-agent": USER_AGENT})

    async def __aenter__(self) -> DataWorksClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (and the injected transport)."""
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"DataWorksClient(endpoint={self.endpoint.base_url!r}, project_id={self.project_id!r})"

    # --- the one place HTTP happens ---------------------------------------------------------------

    async def call(self, request: WireRequest, response_type: type[R]) -> R:
        """Send ``request`` (retrying per policy) and decode the body as ``response_type``.

        Raises :class:`OperationFailedError` when a ``{Success}`` body says ``false``.
        """
        payload = await self._call(request)
        try:
            body = response_type.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise ResponseError(
                f"unexpected response: {where}: {first['msg']}",
                action=request.ACTION,
                request_id=str(payload.get("RequestId") or "") or None,
                hint="the API answered in a shape this client does not know; report it with the request id",
            ) from None
        if isinstance(body, SuccessResponse) and body.success is False:
            raise OperationFailedError(
                "the server answered Success=false",
                action=request.ACTION,
                code=str(payload.get("Code") or ""),
                request_id=body.request_id,
            )
        return body

    def quota_pause(self) -> float | None:
        """Seconds until calls resume after a spent quota (``Throttling.Api.Risk``/``.Resource``), else None."""
        if self._quota_error is None:
            return None
        left = self._quota_until - self._clock()
        if left <= 0:
            self._quota_error = None
            return None
        return left

    def _refuse_while_quota_spent(self, action: str) -> None:
        left = self.quota_pause()
        if left is None or self._quota_error is None:
            return
        raise QuotaExhaustedError(
            f"not sent: the DataWorks API quota is spent ({self._quota_error.code}); calls resume in {left:.0f}s",
            action=action,
            code=self._quota_error.code,
            hint="wait for the daily quota to reset or raise the edition's quota; nothing was sent",
        )

    def _quota_spent(self, error: QuotaExhaustedError) -> None:
        pause = error.delay or 0.0
        self._quota_error = error
        self._quota_until = self._clock() + pause
        # An alert, once per trip: every further call is refused locally until the pause ends.
        log.error("api_quota_exhausted", action=error.action, code=error.code, request_id=error.request_id,
                  resume_in=round(pause))

    async def _call(self, request: WireRequest) -> dict[str, Any]:
        """All retries live here: throttle, sign afresh, send, classify, then return, wait or raise."""
        action = request.ACTION
        self._refuse_while_quota_spent(action)
        parts = encode(request)
        body = form_body(parts.form) if parts.form else b""
        url = self.endpoint.base_url + (f"?{query_string(parts.query)}" if parts.query else "")
        attempt = 0
        while True:
            attempt += 1
            await self.limiter.acquire(action)
            credential = await self._credentials.get()
            headers = sign_request(
                method=request.METHOD,
                host=self.endpoint.host,
                action=action,
                query=parts.query,
                body=body,
                access_key_id=credential.access_key_id,
                access_key_secret=credential.access_key_secret,
                security_token=credential.security_token,
                date=acs_date(self._utcnow()),
                nonce=self._nonce(),
            )
            error: DataWorksError
            try:
                response = await self._http.request(request.METHOD, url, content=body or None, headers=headers)
            except httpx.TransportError as exc:
                error = self._transport_error(action, exc)
            else:
                payload = _json_object(response)
                if response.is_success and payload is not None:
                    self.calls.record(action)
                    self.limiter.succeeded(action)
                    return payload
                if response.is_success:
                    error = ResponseError(
                        "the answer is not a JSON object", action=action, status=response.status_code
                    )
                else:
                    error = error_from_response(
                        action=action, status=response.status_code, body=payload, headers=response.headers
                    )
            self.calls.record(action, error.code or type(error).__name__)
            if isinstance(error, ThrottlingError):
                self.limiter.throttled(action, error.retry_after or 0.0)
            if isinstance(error, QuotaExhaustedError):
                self._quota_spent(error)
            delay = self.retry.delay_for(error, attempt, self._jitter())
            if delay is None:
                raise error
            log.warning("api_retry", action=action, code=error.code, attempt=attempt, delay=round(delay, 3))
            await self._sleep(delay)

    def _transport_error(self, action: str, exc: httpx.TransportError) -> DataWorksError:
        what = f"no answer from {self.endpoint.host} ({type(exc).__name__}: {exc or 'no detail'})"
        if not resend_allowed(action, exc):
            return MaybeAppliedError(
                what,
                action=action,
                code=type(exc).__name__,
                hint="the create may have been applied; re-read (list/get) before creating again",
            )
        return TransportError(what, action=action, code=type(exc).__name__)

    def _project(self, project_id: int | None) -> int:
        chosen = project_id if project_id is not None else self.project_id
        if chosen is None:
            raise ConfigurationError("no DataWorks workspace given", hint="set dataworks.project_id")
        return chosen

    # --- Data Studio: workflow definitions and async jobs -----------------------------------------

    async def import_workflow_definition(
        self, spec: str | Mapping[str, Any], *, dry_run: bool = False, project_id: int | None = None
    ) -> AsyncJob:
        """Start an async upsert of a workflow and its nodes from FlowSpec; poll :meth:`get_job_status`.

        Not idempotent when the spec lacks ids: a lost answer raises :class:`MaybeAppliedError`.
        """
        text = spec if isinstance(spec, str) else json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
        request = ImportWorkflowDefinitionRequest(
            project_id=self._project(project_id), spec=text, dry_run=True if dry_run else None
        )
        return (await self.call(request, ImportWorkflowDefinitionResponse)).async_job

    async def get_job_status(self, job_id: str) -> JobStatus:
        """The status of an async job (``completed`` is a real bool here)."""
        return (await self.call(GetJobStatusRequest(job_id=job_id), GetJobStatusResponse)).job_status

    async def get_workflow_definition(
        self, definition_id: str, *, include_script_content: bool = True, project_id: int | None = None
    ) -> WorkflowDefinition:
        """One definition with its FlowSpec (node code included unless asked otherwise)."""
        request = GetWorkflowDefinitionRequest(
            id=definition_id,
            include_script_content=include_script_content,
            project_id=self._project(project_id),
        )
        return (await self.call(request, GetWorkflowDefinitionResponse)).workflow_definition

    async def list_workflow_definitions(
        self,
        *,
        type: str = "CycleWorkflow",
        page_number: int = 1,
        page_size: int = PAGE_SIZE,
        name: str | None = None,
        owner: str | None = None,
        project_id: int | None = None,
    ) -> WorkflowDefinitionPage:
        """One page of definitions of one type (GET, query string)."""
        request = ListWorkflowDefinitionsRequest(
            project_id=self._project(project_id),
            type=type,
            page_number=page_number,
            page_size=page_size,
            name=name,
            owner=owner,
        )
        return (await self.call(request, ListWorkflowDefinitionsResponse)).paging_info

    async def list_all_workflow_definitions(
        self, type: str = "CycleWorkflow", *, page_size: int = PAGE_SIZE, project_id: int | None = None
    ) -> list[WorkflowDefinitionSummary]:
        """Every definition of ``type`` (CycleWorkflow or ManualWorkflow), walking all pages."""
        items: list[WorkflowDefinitionSummary] = []
        page_number = 1
        while True:
            page = await self.list_workflow_definitions(
                type=type, page_number=page_number, page_size=page_size, project_id=project_id
            )
            items.extend(page.workflow_definitions)
            if _last_page(page_number, page.page_size or page_size, len(page.workflow_definitions), page.total_count):
                return items
            page_number += 1

    async def delete_workflow_definition(self, definition_id: str, *, project_id: int | None = None) -> None:
        """Delete a Data Studio definition (undeploy first to remove its scheduler copy)."""
        request = DeleteWorkflowDefinitionRequest(id=definition_id, project_id=self._project(project_id))
        await self.call(request, SuccessResponse)

    # --- deployment -------------------------------------------------------------------------------

    async def create_pipeline_run(
        self,
        object_id: str,
        *,
        type: str = "Online",
        description: str | None = None,
        run_mode: str | None = None,
        auto_run_until_stage: str | None = None,
        project_id: int | None = None,
    ) -> str:
        """Start deploying (``Online``) or undeploying (``Offline``) one object; returns the run id.

        Not idempotent: a lost answer raises :class:`MaybeAppliedError`.
        """
        request = CreatePipelineRunRequest.model_validate(
            {
                "project_id": self._project(project_id),
                "type": type,
                "object_ids": [object_id],
                "description": description,
                "run_mode": run_mode,
                "auto_run_until_stage": auto_run_until_stage,
            }
        )
        return (await self.call(request, CreatePipelineRunResponse)).id

    async def get_pipeline_run(self, run_id: str, *, project_id: int | None = None) -> Pipeline:
        """A pipeline run with its stages."""
        request = GetPipelineRunRequest(id=run_id, project_id=self._project(project_id))
        return (await self.call(request, GetPipelineRunResponse)).pipeline

    async def exec_pipeline_run_stage(self, run_id: str, code: str, *, project_id: int | None = None) -> None:
        """Trigger the stage ``code`` of a Normal-mode run (success only means *triggered*)."""
        request = ExecPipelineRunStageRequest(id=run_id, code=code, project_id=self._project(project_id))
        await self.call(request, SuccessResponse)

    # --- scheduler --------------------------------------------------------------------------------

    async def get_workflow(self, workflow_id: int, *, env: EnvType | None = None) -> Workflow:
        """A scheduled workflow (tasks as summaries)."""
        request = GetWorkflowRequest(id=workflow_id, env_type=env or self.env)
        return (await self.call(request, GetWorkflowResponse)).workflow

    async def list_workflows(
        self,
        *,
        page_number: int = 1,
        page_size: int = PAGE_SIZE,
        sort_by: str | None = STABLE_SORT,
        env: EnvType | None = None,
        name: str | None = None,
        owner: str | None = None,
        ids: list[int] | None = None,
        project_id: int | None = None,
    ) -> WorkflowPage:
        """One page of scheduled workflows (POST, form body)."""
        request = ListWorkflowsRequest(
            project_id=self._project(project_id),
            env_type=env or self.env,
            page_number=page_number,
            page_size=page_size,
            sort_by=sort_by,
            name=name,
            owner=owner,
            ids=ids,
        )
        return (await self.call(request, ListWorkflowsResponse)).paging_info

    async def list_all_workflows(
        self, *, env: EnvType | None = None, page_size: int = PAGE_SIZE, project_id: int | None = None
    ) -> list[WorkflowSummary]:
        """Every scheduled workflow, walking all pages in ``Id Asc`` order."""
        items: list[WorkflowSummary] = []
        page_number = 1
        while True:
            page = await self.list_workflows(
                page_number=page_number, page_size=page_size, env=env, project_id=project_id
            )
            items.extend(page.workflows)
            if _last_page(page_number, page.page_size or page_size, len(page.workflows), page.total_count):
                return items
            page_number += 1

    async def update_workflow(self, request: UpdateWorkflowRequest) -> None:
        """Full update of a scheduled workflow (``EnvType`` defaults to the client's env)."""
        if request.env_type is None:
            request = request.model_copy(update={"env_type": self.env})
        await self.call(request, SuccessResponse)

    async def delete_workflow(self, workflow_id: int, *, env: EnvType | None = None) -> None:
        """Delete a scheduled workflow directly (prefer undeploying its definition)."""
        await self.call(DeleteWorkflowRequest(id=workflow_id, env_type=env or self.env), SuccessResponse)

    async def get_task(self, task_id: int, *, env: EnvType | None = None) -> Task:
        """One scheduler task in full (script, inputs, outputs, dependencies, tags)."""
        request = GetTaskRequest(id=task_id, project_env=env or self.env)
        return (await self.call(request, GetTaskResponse)).task

    async def get_project(self, project_id: int | None = None) -> Project:
        """The workspace."""
        request = GetProjectRequest(id=self._project(project_id))
        return (await self.call(request, GetProjectResponse)).project


def _last_page(page_number: int, page_size: int, items: int, total: int) -> bool:
    """Stop at a short or empty page, or once ``PageNumber * PageSize >= TotalCount``.

    ``page_size`` is what the server says it used, in case it capped the size we asked for.
    """
    return items == 0 or items < page_size or page_number * page_size >= total


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
