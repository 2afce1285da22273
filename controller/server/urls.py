"""Repository URLs and refs as webhooks compare them.

Part of the webhook trigger (architecture §1, "git-push webhook"): a push names its repository in
whatever forms the provider likes (``git@host:team/dw.git``, ``https://host/team/dw``, ``ssh://``
with a port, a browse URL) and the config names it in the form the user cloned it with. Both are
reduced to one key here so that they compare equal, and refs are compared as Git resolves them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# scp-like syntax git accepts: [user@]host:path (no scheme, and the colon comes before any slash).
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")
_COMMIT_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def normalise_repo_url(url: str) -> str:
    """Reduce a Git remote URL to ``host/path`` so that every spelling of one repository is equal.

    Scheme, user-info (credentials), port, a trailing ``.git`` and slashes are dropped and the
    result is lower-cased: ``git@GitHub.com:Team/dw.git``, ``ssh://git@github.com:22/team/dw``,
    ``https://user:token@github.com/team/dw.git/`` all give ``github.com/team/dw``.

    The path is lower-cased too: GitHub, Gitea, Bitbucket and Codeup treat owner and repository
    names case-insensitively, and a push that triggers one extra run costs far less than a push
    that is silently ignored (the top webhook complaint in Argo CD and Flux).
    """
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        host = parts.hostname or ""
        path = parts.path
    else:
        scp = _SCP_LIKE.match(text)
        if scp:
            host, path = scp.group("host"), scp.group("path")
        else:
            host, _, path = text.partition("/")
    path = path.strip("/")
    while path.endswith(".git"):
        path = path[: -len(".git")].rstrip("/")
    return f"{host}/{path}".lower().strip("/")


def strip_credentials(url: str) -> str:
    """Return ``url`` without user-info, so that it can be shown: ``https://u:t@h/x`` → ``https://h/x``.

    An ``ssh://git@host/x`` or ``git@host:x`` user name is kept: it is not a secret and users
    recognise their remote by it. Any password or token in user-info is dropped.
    """
    text = url.strip()
    if "://" not in text:
        return text
    parts = urlsplit(text)
    if "@" not in parts.netloc:
        return text
    userinfo, _, hostport = parts.netloc.rpartition("@")
    keep_user = parts.scheme.startswith("ssh") and ":" not in userinfo
    netloc = f"{userinfo}@{hostport}" if keep_user else hostport
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _candidates(ref: str) -> set[str]:
    """The full refs a ref name can mean: ``main`` → ``refs/heads/main`` or ``refs/tags/main``."""
    if ref.startswith("refs/"):
        return {ref}
    return {f"refs/heads/{ref}", f"refs/tags/{ref}"}


def ref_matches(pushed_ref: str, source_ref: str) -> bool:
    """Whether a push to ``pushed_ref`` moves what a source tracking ``source_ref`` checks out.

    - Full refs compare exactly; a short name stands for a branch or a tag of that name, as
      ``git checkout NAME`` would resolve it.
    - A source on ``HEAD`` or with no ref follows the default branch, which a payload does not
      reliably name: any branch push triggers it (an extra run is cheap), tag pushes do not.
    - A source pinned to a commit sha never moves: no push triggers it.
    - An empty ``pushed_ref`` (a generic webhook that names no ref) triggers every source of
      that repository.
    """
    pushed, source = pushed_ref.strip(), source_ref.strip()
    if not pushed:
        return True
    if _COMMIT_SHA.match(source.lower()):
        return False
    if source in ("", "HEAD"):
        return pushed.startswith("refs/heads/") or not pushed.startswith("refs/")
    return bool(_candidates(pushed) & _candidates(source))
