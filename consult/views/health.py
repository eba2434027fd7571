"""The health check for load balancers and monitoring: is the database there, how far the
search index is behind. No login; cheap enough to ask every few seconds."""

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from .. import search
from ..search import outbox

bp = Blueprint("health", __name__)
log = logging.getLogger("consult.health")


@bp.get("/healthz")
def check():
    """200 with {"status": "ok", ...} when the database answers, else 503."""
    service = search.service()
    index = {"present": service.store.current_dir() is not None}
    try:
        with Session(current_app.extensions["consult.engine"]) as session:
            index["outbox"] = outbox.pending_count(session)
    except SQLAlchemyError as err:
        log.warning("health check: database unavailable (%s)", type(err).__name__)
        return jsonify(status="error", database="error", search=index), 503
    return jsonify(status="ok", database="ok", search=index)
