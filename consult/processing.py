"""Answering points: destinations, and responses that route points to them.

Operations validate through the Create models and only flush; the caller commits.
"""

from collections.abc import Iterable

from sqlmodel import Session

from .models import (
    Destination,
    DestinationCreate,
    Point,
    Response,
    ResponseCreate,
    ResponseDestination,
    ResponsePoint,
)


def create_destination(session: Session, **fields) -> Destination:
    """Validate and add a destination (a node in the consultation's tree)."""
    destination = Destination.model_validate(DestinationCreate.model_validate(fields))
    session.add(destination)
    session.flush()
    return destination


def create_response(
    session: Session,
    points: Iterable[Point],
    destinations: Iterable[Destination],
    **fields,
) -> Response:
    """Validate and add a response covering the given points and routing them to destinations."""
    response = Response.model_validate(ResponseCreate.model_validate(fields))
    session.add(response)
    session.flush()
    session.add_all(ResponsePoint(response_id=response.id, point_id=p.id) for p in points)
    session.add_all(
        ResponseDestination(response_id=response.id, destination_id=d.id) for d in destinations
    )
    session.flush()
    return response
