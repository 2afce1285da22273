"""Server-assigned identifiers in the shapes DataWorks uses.

Definitions, nodes and jobs get 19-digit numeric strings (beyond 2^53, so a client that parses them
as JSON numbers loses digits, as it would against DataWorks); scheduled workflows and tasks get
int64s; pipeline runs get UUID-like strings. A seed makes a whole run repeatable (the demo).
"""

from __future__ import annotations

import random
import uuid


class IdFactory:
    """Hands out unique ids of each kind; never the same id twice in one simulator life."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._used: set[str] = set()

    def reseed(self, seed: int | None) -> None:
        """Restart the sequence from ``seed``, still never repeating an id already handed out."""
        self._rng = random.Random(seed)

    def _unique(self, make: str) -> str:
        while True:
            if make == "string":
                value = str(self._rng.randrange(4_000_000_000_000_000_000, 9_200_000_000_000_000_000))
            elif make == "int":
                value = str(self._rng.randrange(700_000_000_000, 999_999_999_999))
            else:
                value = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            if value not in self._used:
                self._used.add(value)
                return value

    def string_id(self) -> str:
        """A definition, node, script or job id: 19 decimal digits, as a string."""
        return self._unique("string")

    def int_id(self) -> int:
        """A scheduled workflow or task id (int64)."""
        return int(self._unique("int"))

    def run_id(self) -> str:
        """A pipeline-run id (UUID-like string)."""
        return self._unique("uuid")


_request_ids = random.Random()


def request_id() -> str:
    """A fresh RequestId in the POP format (upper-case UUID shape; cheap, not cryptographic)."""
    value = f"{_request_ids.getrandbits(128):032X}"
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
