"""Links that leave the app (in mails, or handed on by the admin): built from the configured
base URL (``CONSULT_BASE_URL``), never from the request's Host header, which whoever sends the
request chooses (a reset link to ``evil.example`` would hand the token to its owner)."""

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def base_url() -> str | None:
    """The configured address of the app ("https://consult.regio.example"), or None."""
    return current_app.config.get("BASE_URL") or None


def external_url(endpoint: str, **values) -> str | None:
    """The full URL of ``endpoint`` under the base URL, or None when none is configured
    (callers then send no link: see README, Configuration)."""
    base = base_url()
    if base is None:
        return None
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def handed_url(endpoint: str, **values) -> str:
    """A link for the admin to copy and hand on: from the base URL, or, when none is
    configured, from the address the admin's own browser used (never mailed; the admin page
    says so)."""
    return external_url(endpoint, **values) or url_for(endpoint, _external=True, **values)


def trusted_hosts(base: str | None, listed: str | None) -> list[str] | None:
    """Flask's TRUSTED_HOSTS: the hosts in ``listed`` (comma-separated, CONSULT_TRUSTED_HOSTS;
    "*" for any), else the base URL's host, else None (no check: nothing to derive it from)."""
    if listed:
        hosts = [h.strip() for h in listed.split(",") if h.strip()]
        return None if "*" in hosts else hosts
    if base:
        return [urlsplit(base).hostname]
    return None


def check_base_url(value: str | None) -> str | None:
    """The base URL without a trailing slash; ValueError when it is not http(s)://host[/path]."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise ValueError(
            f"CONSULT_BASE_URL must look like https://consult.example.nl (got {value!r})")
    return value.strip().rstrip("/")


def page_path() -> str:
    """A local path, not a link: the path (with its query) of the page the user is looking
    at, to come back to after a form. The request's own for a page that was asked for (GET);
    the browser's page for a fragment or a form's answer (HX-Current-URL, then Referer, when
    on this host). A fragment's URL is often POST-only: going back there was a 405 after
    archiving a point right after answering."""
    if request.method == "GET" and not (
            request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")):
        return request.full_path.rstrip("?")
    for seen in (request.headers.get("HX-Current-URL"), request.referrer):
        parts = urlsplit(seen or "")
        if parts.netloc == request.host and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path
