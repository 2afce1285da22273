"""One module per CLI verb, each exposing ``command(args) -> int`` (the process exit code).

``controller.cli`` builds the argument parser and imports a verb's module only when that verb runs,
so ``validate`` never loads httpx, git or the scheduler.
"""
