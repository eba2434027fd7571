"""Walking the two trees of the domain: stakeholders under their municipality or subregion
(officials, executive, council, advisory board), and destinations under their document."""

from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar


class Node(Protocol):
    id: int | None
    parent_id: int | None


N = TypeVar("N", bound=Node)


def root(node: N, by_id: Mapping[int, N]) -> N:
    """The top of the node's tree (a node whose parent is unknown counts as a top)."""
    while node.parent_id and node.parent_id in by_id:
        node = by_id[node.parent_id]
    return node


def with_descendants(top_id: int, nodes: Iterable[Node]) -> set[int]:
    """The ids of a node and of everything under it."""
    children: dict[int | None, list[int]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n.id)
    found, todo = {top_id}, [top_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
