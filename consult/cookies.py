"""The session cookie: written only by requests that change it, or by whole pages.

Flask re-sets a permanent session's cookie on every response (to slide its expiry), with the
session as that request read it. A fragment or poll that htmx sends beside a page (the menu's
count after every page, the channel's changes every few seconds) then hands the browser back
an older session: a flash message that the page had just shown came back on the next page
("Gearchiveerd: ..." beside "Teruggezet: ..."), and in general whichever of two concurrent
responses came last won. So a background htmx request (HX-Request without HX-Boosted) writes
the cookie only when it changed the session; pages keep sliding the expiry.
"""

from flask import request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, not re-set by background htmx requests."""

    def should_set_cookie(self, app, session) -> bool:
        """True when the session changed, or for a page (sliding the expiry of a permanent
        session as Flask does); False for an unchanged session in a background request."""
        if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
            return session.modified
        return super().should_set_cookie(app, session)
