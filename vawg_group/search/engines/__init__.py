"""The two full-text engines behind one interface, chosen by the database in use.

Each takes a parsed query, the filters and who is asking (as the facts the index keeps:
staff or an office), and answers one page of hits and how many there are in all. What is
common to both (the filters, who may find what, the order) is in ``base``.
"""

from __future__ import annotations

from vawg_group.search.engines.base import Engine, Filters, Hit, Page, Reader


def engine_for(dialect_name: str) -> Engine:
    if dialect_name == "postgresql":
        from vawg_group.search.engines.postgresql import PostgresEngine

        return PostgresEngine()
    from vawg_group.search.engines.sqlite_fts5 import Fts5Engine

    return Fts5Engine()


__all__ = ["Engine", "Filters", "Hit", "Page", "Reader", "engine_for"]
