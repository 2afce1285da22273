"""One module per webhook provider family; each offers ``verify_*`` and ``parse_*`` pure functions.

Families share a payload shape: GitHub and Gitea (``github``), GitLab and Alibaba Cloud Codeup
(``gitlab``), Bitbucket Cloud and Server/Data Center (``bitbucket``), and the ``generic`` HMAC
webhook for CI jobs and scripts. ``dataworks`` is not a Git host: it takes DataWorks OpenEvent
change events (CloudEvents from EventBridge) and triggers every source, so console edits are seen
at once. :mod:`controller.server.webhooks` registers them by URL name.
"""
