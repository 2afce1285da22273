"""The ``dataworks-gitops`` command line: run · sync · diff · validate · status · suspend · resume ·
simulator · demo.

This module only parses arguments; each verb lives in ``controller/commands/<verb>.py`` and is
imported when it runs. Exit codes: 0 success/in sync, 1 error or failure, 2 drift (``diff``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from controller import __version__, logs

DEFAULT_CONFIG = "dataworks-gitops.yaml"

Handler = Callable[[argparse.Namespace], int]


def _output_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        "-o",
        choices=["text", "json"],
        default="text",
        help="text for people (default), json for machines",
    )


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options accepted both before and after the verb (``--config`` is global)."""
    default = DEFAULT_CONFIG if top else argparse.SUPPRESS
    parser.add_argument(
        "--config",
        "-c",
        default=default,
        help=f"path to the controller config (default ./{DEFAULT_CONFIG}, env DATAWORKS_GITOPS_CONFIG)",
    )
    parser.add_argument(
        "--log-level",
        default="info" if top else argparse.SUPPRESS,
        help="debug, info, warning or error (default info)",
    )
    parser.add_argument(
        "--log-format",
        choices=["auto", "json", "console"],
        default="auto" if top else argparse.SUPPRESS,
        help="auto: console on a terminal, JSON lines otherwise",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser (exposed for tests and documentation)."""
    parser = argparse.ArgumentParser(
        prog="dataworks-gitops",
        description="GitOps sync controller for Alibaba Cloud DataWorks workflows.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(parser, top=True)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help_text, description=help_text)
        _common(sub, top=False)
        return sub

    verb("run", "run the controller as a daemon: scheduler, webhooks, health, metrics, status")

    sync = verb("sync", "one sync run over all sources, then exit (0 all synced, 1 anything failed)")
    sync.add_argument("--source", action="append", help="only this source (repeatable)")
    _output_flag(sync)

    diff = verb("diff", "show the plan without writing (exit 0 in sync, 2 drift or pending changes, 1 error)")
    diff.add_argument("--source", action="append", help="only this source (repeatable)")
    _output_flag(diff)

    validate = verb("validate", "check FlowSpec files offline; no credentials needed (the PR check)")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the sources' paths)")
    validate.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a ${NAME} value")
    validate.add_argument("--root", help="repository root that script files may not leave (default: git top level)")
    _output_flag(validate)

    status = verb("status", "the store's view: per-workflow status, last commit, last error")
    _output_flag(status)

    suspend = verb("suspend", "stop syncing a source until resumed (kept in the store)")
    suspend.add_argument("source", metavar="SOURCE")
    resume = verb("resume", "resume a suspended source")
    resume.add_argument("source", metavar="SOURCE")

    sim = verb("simulator", "serve the DataWorks OpenAPI simulator on loopback")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sim.add_argument(
        "--access-key-id", action="append", default=[], metavar="ID",
        help="accepted AccessKeyId (repeatable, paired in order with --access-key-secret; "
        "default simulator-access-key-id / simulator-access-key-secret)",
    )
    sim.add_argument("--access-key-secret", action="append", default=[], metavar="SECRET")
    sim.add_argument(
        "--sts", action="append", nargs=3, metavar=("ID", "SECRET", "TOKEN"),
        help="accepted STS credential: AccessKeyId, AccessKeySecret and security token (repeatable)",
    )
    sim.add_argument("--project-id", action="append", type=int, default=[], metavar="P",
                     help="served workspace id (repeatable; default 10001)")
    sim.add_argument("--owner-uid", default="1234567890123456", help="the calling account's uid (default owner)")
    sim.add_argument("--latency-ms", type=float, help="added to every API call (default 0)")
    sim.add_argument("--read-qps", type=float, help="Get*/List* per second before 429 Throttling.User (0: no limit)")
    sim.add_argument("--write-qps", type=float, help="other calls per second before 429 Throttling.User (0: no limit)")
    sim.add_argument("--daily-quota", type=int, help="calls per UTC day before 429 Throttling.Api.Risk (0: no limit)")
    sim.add_argument("--error-rate", type=float, help="share of calls answered 500/503 at random (0..1)")
    sim.add_argument("--job-seconds", type=float, help="how long an import job runs (default 1)")
    sim.add_argument("--pipeline-seconds", type=float, help="how long each pipeline-run stage runs (default 1)")
    sim.add_argument("--seed", type=int, help="seed ids and fault injection for repeatable runs")
    sim.add_argument("--max-body-bytes", type=int, help="larger request bodies get 413 (default 4 MiB)")
    sim.add_argument("--fail-import-path", help="DataStudio path glob whose import jobs end Fail (fault injection)")

    verb("demo", "a one-minute tour: simulator, example repo, sync, drift, heal, webhook")
    return parser


def _handler(verb: str) -> Handler:
    # Imported per verb so that cheap verbs (validate) stay cheap.
    if verb == "run":
        import controller.commands.run as run_cmd

        return run_cmd.command
    if verb == "sync":
        import controller.commands.sync as sync_cmd

        return sync_cmd.command
    if verb == "diff":
        import controller.commands.diff as diff_cmd

        return diff_cmd.command
    if verb == "validate":
        import controller.commands.validate as validate_cmd

        return validate_cmd.command
    if verb == "status":
        import controller.commands.status as status_cmd

        return status_cmd.command
    if verb in ("suspend", "resume"):
        import controller.commands.suspend as suspend_cmd

        return suspend_cmd.command
    if verb == "simulator":
        import controller.commands.simulator as simulator_cmd

        return simulator_cmd.command
    if verb == "demo":
        import controller.commands.demo as demo_cmd

        return demo_cmd.command
    raise SystemExit(f"unknown verb {verb}")  # argparse refuses unknown verbs first


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dataworks-gitops`` console script."""
    args = build_parser().parse_args(argv)
    if args.config == DEFAULT_CONFIG and os.environ.get("DATAWORKS_GITOPS_CONFIG"):
        args.config = os.environ["DATAWORKS_GITOPS_CONFIG"]
    logs.configure(args.log_level, args.log_format)
    try:
        return _handler(args.verb)(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
