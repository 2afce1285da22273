"""Checks that need every spec of a source at once.

Pipeline position: the last step of ``loader.load_source``, after each file was loaded and
validated on its own (those per-file results are cached; these checks are cheap and always rerun).

* **One identity per workflow.** Two files with the same workflow id, or the same DataStudio path
  (``script.path``, else the workflow name), would fight over one workflow: both are errors.
* **Output names are unique in the repository** (a node output, a workflow output or a node id
  declared in two files): DataWorks resolves dependencies by output name, so a duplicate makes
  every dependency on it ambiguous.
* **Cross-workflow dependencies resolve.** A ``depends[].output`` that is not declared in its own
  workflow must be declared by another workflow of the repository. If it is not, it is accepted
  only when it looks like ``<project>.<name>`` (e.g. ``sales_prod.ods_orders_out``): an output of
  another project or of a workflow this repository does not manage, which cannot be checked
  offline. If this repository declares other outputs with that same ``<project>.`` prefix, a
  warning suggests a typo. Anything else (a bare name, a node id from nowhere) is an error.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from controller.spec.problems import SpecProblem
from controller.spec.validate import DocumentFacts

#: ``<project>.<output>``: how outputs of other projects / unmanaged workflows are written.
EXTERNAL_OUTPUT = re.compile(r"[A-Za-z][A-Za-z0-9_]*\.\S+")


@dataclass(frozen=True, slots=True)
class RepoEntry:
    """What the repository checks need from one loaded file."""

    file: str
    identity: str | None
    identity_kind: str | None
    path: str | None
    facts: DocumentFacts


def check_repository(entries: Sequence[RepoEntry]) -> dict[str, list[SpecProblem]]:
    """Cross-file problems, by file (files without problems are absent)."""
    found: dict[str, list[SpecProblem]] = defaultdict(list)
    _identities(entries, found)
    declared = _outputs(entries, found)
    prefixes = {data.split(".", 1)[0] + "." for data in declared if "." in data}
    for entry in entries:
        for ref in entry.facts.external:
            if ref.output in declared:
                continue
            if EXTERNAL_OUTPUT.fullmatch(ref.output):
                prefix = ref.output.split(".", 1)[0] + "."
                if prefix in prefixes:
                    found[entry.file].append(
                        SpecProblem(
                            entry.file,
                            ref.path,
                            f"no workflow in this repository declares {ref.output!r}",
                            f"other {prefix}* outputs are declared here; check the spelling "
                            "(fine if it belongs to a workflow this repository does not manage)",
                            severity="warning",
                        )
                    )
                continue
            found[entry.file].append(
                SpecProblem(
                    entry.file,
                    ref.path,
                    f"depends on {ref.output!r}, which no node or workflow declares",
                    "use an upstream node's id or declared outputs.nodeOutputs[].data, "
                    "or <project>.<output> for an output outside this repository",
                )
            )
    return dict(found)


def _identities(entries: Sequence[RepoEntry], found: dict[str, list[SpecProblem]]) -> None:
    by_id: dict[str, list[RepoEntry]] = defaultdict(list)
    by_path: dict[str, list[RepoEntry]] = defaultdict(list)
    for entry in entries:
        if entry.identity_kind == "id" and entry.identity:
            by_id[entry.identity].append(entry)
        if entry.path:
            by_path[entry.path].append(entry)
    for label, groups, where in (
        ("workflow id", by_id, "$.spec.workflows[0].id"),
        ("DataStudio path", by_path, "$.spec.workflows[0]"),
    ):
        for value, claimants in groups.items():
            if len(claimants) < 2:
                continue
            files = sorted({c.file for c in claimants})
            for claimant in claimants:
                others = ", ".join(f for f in files if f != claimant.file) or claimant.file
                found[claimant.file].append(
                    SpecProblem(
                        claimant.file,
                        where,
                        f"{label} {value!r} is also claimed by {others}",
                        "one file per workflow: delete the copy, or give one of them another script.path or name",
                    )
                )


def _outputs(entries: Sequence[RepoEntry], found: dict[str, list[SpecProblem]]) -> set[str]:
    owners: dict[str, list[tuple[RepoEntry, str, bool]]] = defaultdict(list)
    for entry in entries:
        for decl in entry.facts.outputs:
            owners[decl.data].append((entry, decl.path, decl.is_node_id))
    for data, claims in owners.items():
        files = {entry.file for entry, _path, _is_id in claims}
        if len(files) < 2:
            continue
        for entry, path, is_id in claims:
            others = ", ".join(sorted(files - {entry.file}))
            what = "node id" if is_id else "output"
            found[entry.file].append(
                SpecProblem(
                    entry.file,
                    path,
                    f"{what} {data!r} is also declared in {others}",
                    "output names and node ids are unique across the repository; rename one",
                )
            )
    return set(owners)
