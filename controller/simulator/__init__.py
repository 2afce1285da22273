"""A DataWorks OpenAPI simulator: the same wire protocol, signature checks, async jobs, pipeline runs,
pagination, throttling and fault injection, for tests, the demo and benchmarks.

It shares wire facts with the client but none of the client's logic (import-linter contract).
"""
