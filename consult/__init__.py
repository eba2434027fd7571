"""consult: consultations on youth-care procurement, from reactions to answered points."""

import os
from pathlib import Path

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from jinja2 import FileSystemBytecodeCache
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    access,
    config,
    cookies,
    db,
    errors,
    files,
    followup,
    i18n,
    links,
    logs,
    rendered,
    revisions,
    richtext,
    search,
    submissions,
)
from .answergroups import answer_groups
from .bulk import models as _bulk  # noqa: F401  (its tables, for create_all/Alembic)
from .corrections import models as _corrections  # noqa: F401  (its table, for create_all/Alembic)
from .documents import models as _documents  # noqa: F401  (its tables, for create_all/Alembic)
from .files import StoredFile as _stored_file  # noqa: F401  (its table, for create_all/Alembic)
from .labels import label, state
from .labels import legend as states_legend
from .letterforms import display_text
from .search import tables as _search_tables  # noqa: F401  (its tables, for create_all/Alembic)
from .themes import models as _themes  # noqa: F401  (its tables, for create_all/Alembic)
from .views.inputs import IdConverter

csrf = CSRFProtect()
htmx = Htmx()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'self'; frame-ancestors 'none'"
)


DOWNLOAD_CSP = "default-src 'none'; sandbox"


def _security_headers(response):
    """Headers every response carries; Vary because htmx requests get fragments."""
    if "attachment" in response.headers.get("Content-Disposition", ""):
        # A download (an uploaded original, a generated table or letter) can run nothing.
        response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.vary.add("HX-Request")
    return response


def _refuse_untrusted_host():
    """A request for a host outside TRUSTED_HOSTS gets a plain 400 before anything else runs
    (no page that builds links from it, no database, no session)."""
    if isinstance(request.routing_exception, SecurityError):
        return (_("consult cannot be reached at this address."), 400,
                {"Content-Type": "text/plain; charset=utf-8"})
    return None


def packaged(name: str) -> str:
    """The folder ``name`` (templates, static, migrations): beside the package in a source
    checkout or an editable install, inside it in an installed wheel (pyproject.toml maps
    the top-level folders into the package when it is built)."""
    here = Path(__file__).resolve().parent
    inside = here / name
    return str(inside if inside.is_dir() else here.parent / name)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config, database, translations, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("CONSULT_INSTANCE_PATH"),
        instance_relative_config=True,
        template_folder=packaged("templates"),
        static_folder=packaged("static"),
    )
    app.config.from_mapping(config.load(app.instance_path, test_config))
    logs.init_app(app)
    app.before_request(_refuse_untrusted_host)  # first, before any extension's hook
    if app.config["SMTP_HOST"] and not app.config["BASE_URL"]:
        app.logger.warning("CONSULT_SMTP_HOST is set but CONSULT_BASE_URL is not: no mail will "
                           "carry a link (one-time links are shown to the admin instead)")

    if app.config["PROXY_HOPS"]:
        # Behind a reverse proxy: the client's address (login throttling) and scheme come
        # from its X-Forwarded-* headers, trusting exactly that many proxies.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.url_map.converters["int"] = IdConverter
    app.session_interface = cookies.SessionInterface()
    db.init_app(app)
    files.init_app(app)
    rendered.listen()
    revisions.listen()
    revisions.open_shared(app)
    search.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    app.after_request(_security_headers)

    if app.config["TEMPLATE_CACHE_PATH"]:
        # Keyed by template name and source checksum (an edited template is compiled anew),
        # written through a temporary file and a rename (processes may share the folder).
        Path(app.config["TEMPLATE_CACHE_PATH"]).mkdir(parents=True, exist_ok=True)
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(app.config["TEMPLATE_CACHE_PATH"])
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["new_form_key"] = submissions.new_key
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["date"] = i18n.day
    app.jinja_env.tests["naming"] = followup.names_destination  # a landing's reference
    app.jinja_env.filters["datetime"] = i18n.moment
    app.jinja_env.filters["answer_groups"] = answer_groups  # points sharing an answer, listed once
    app.jinja_env.filters["display_text"] = display_text  # symbol-font glyphs as bullets
    # An answer where only plain text fits (an <option>): no "**", "- " or "[x](url)".
    app.jinja_env.filters["plain"] = lambda row: richtext.text(row.body_html, row.body)
    app.jinja_env.filters["excerpt"] = richtext.excerpt  # Markdown source -> plain lines

    from .bulk import views as bulk_views
    from .cli import consult_cli
    from .corrections import views as correction_views
    from .documents import views as document_views
    from .imports import views as import_views
    from .invitations import views as invitation_views
    from .lifecycle import operations as lifecycle_ops
    from .lifecycle import views as lifecycle
    from .registry import views as registry_views
    from .themes import views as theme_views
    from .views import (
        admin,
        auth,
        commitments,
        consultations,
        destinations,
        health,
        intake,
        landings,
        letters,
        portal,
        processing,
        records,
        reports,
        stakeholders,
        threads,
        unread,
    )
    from .views import search as search_views

    auth.login_manager.init_app(app)
    app.jinja_env.globals.update(
        can_process=access.can_process,
        can_log=access.can_log,
        can_create_consultation=access.can_create_consultation,
        is_late=lifecycle_ops.is_late,
        state_label=lifecycle_ops.state_label,
        state=state,
        states_legend=states_legend,
        can_see_internal=access.can_see_internal,
        # Macros imported without context cannot see current_user: ask about the request's.
        sees_people=lambda: access.can_see_people(current_user),
        is_admin=access.is_admin,
        role_of=access.role,
        page_path=links.page_path,
        may_read_themes=theme_views.may_read,
    )

    for blueprint in (
        auth, consultations, intake, processing, threads, destinations, records, admin, portal,
        search_views, stakeholders, reports, landings, commitments, unread, health, letters,
        lifecycle, registry_views, correction_views, import_views, invitation_views, bulk_views,
        theme_views, document_views,
    ):
        app.register_blueprint(blueprint.bp)
    errors.init_app(app)
    app.cli.add_command(consult_cli)
    return app
