"""DataWorks OpenAPI 2024-05-18: signing, credentials, rate limits, the async client and its errors.

Sits at the bottom of the pipeline beside ``source`` and ``spec``; ``reconcile`` uses it. One concept
per module, imported from its module (this package imports nothing, so that reading the wire
models does not load the HTTP client):

==================  ===========================================================================
``client``          :class:`~controller.dataworks.client.DataWorksClient` — typed async methods
                    over one signed, rate-limited retry loop; injectable httpx transport
``models``          pydantic wire models, PascalCase aliases, lenient exact ids
``wire``            which field goes in the query / form body, and the exact bytes
``signing``         ACS3-HMAC-SHA256 (signature V3)
``credentials``     AccessKey / STS / default chain; endpoint resolution
``ratelimit``       read/write token buckets and the per-action call counter
``retry``           the retry policy as data; what is safe to resend
``errors``          every error the client raises, with the hierarchy drawn in its docstring
``adapters``        scheduler workflow <-> canonical model (pure functions)
==================  ===========================================================================

Example::

    from controller.dataworks.client import DataWorksClient
    from controller.dataworks.credentials import resolve_credentials, resolve_endpoint

    async with DataWorksClient(endpoint=resolve_endpoint(endpoint="127.0.0.1:8123"),
                               credentials=resolve_credentials("id", "secret"), project_id=1) as client:
        definitions = await client.list_all_workflow_definitions("CycleWorkflow")
"""
