"""dataworks-gitops: keep an Alibaba Cloud DataWorks workspace equal to a Git repository of FlowSpec files.

The package follows the pipeline of ``architecture.md`` §1, and the folder tree shows which way the
arrows point::

    source/ -> spec/ -> model.py -> reconcile/ (diff -> plan -> apply) <- dataworks/
    store.py, config.py beside them; server/, daemon.py and cli.py on top.

Nothing below ``reconcile`` imports it, and nothing imports ``cli``, ``server`` or ``daemon``
(enforced by import-linter contracts in ``pyproject.toml``).
"""

__version__ = "0.1.0"
