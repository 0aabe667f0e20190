"""Which addresses the pages may send a person to: one rule for redirects and links.

A redirect after sign-in follows only a path on this site (``same_site_path``); a link
the pages render (an activity's address) is such a path or an http(s) address
(``safe_link``). A path is on this site when it starts with one ``/`` and holds no
backslash (browsers read ``/\\host`` as ``//host``). No other rule lives here.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def same_site_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def safe_link(url: str | None) -> str | None:
    """A path on this site or an http(s) address, else None (``javascript:``, ``//host``...)."""
    if not url:
        return None
    u = url.strip()
    if u.startswith("/"):
        return same_site_path(u)
    return u if urlsplit(u).scheme in ("http", "https") and "\\" not in u else None
