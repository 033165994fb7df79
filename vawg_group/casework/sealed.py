"""Casework free text sealed to its row: AES-GCM whose associated data names the column, the
row's id and what the row belongs to (a case's office; a note's, status change's or referral's
case).

Why not a column type alone: a SQLAlchemy type sees a value, never its row, so it can bind only
``table.column``; a value copied from one office's case into another's would then read there as
if it belonged. Here the mapped column holds the stored text as it is (``SealedText``), and a
``SealedField`` on the model turns it into plain text on read and back on write, knowing the
row. A new row's id is known only once it is inserted, so its values go in as a placeholder and
are sealed by an UPDATE in the same flush (``_seal_after_insert``): the plain text never reaches
the database, and the two statements commit or fail together.

Stored form: ``row:keyid:nonce:ciphertext``. Values from before rows were bound
(``keyid:nonce:ciphertext``, bound to the column alone) are still read, and
``flask --app vawg_group rotate-keys`` re-seals them to their rows (docs/casework.md).
"""

from __future__ import annotations

from sqlalchemy import Text, bindparam, event, insert, select, type_coerce, update
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

from vawg_group.casework.crypto import DecryptionError, KeyRing, keyring

ROW_BOUND_PREFIX = "row:"
# What a new row holds for the moment between its INSERT and the UPDATE that seals it.
PLACEHOLDER = "sealing"
_PENDING = "_sealed_pending"  # instance dict: {raw attribute: plain text} waiting for an id
_CACHE = "_sealed_plain"  # instance dict: {raw attribute: (stored, plain)} already read


class SealedText(TypeDecorator):
    """The stored text of a sealed field, as stored: never plain text.

    ``context`` is "table.column"; ``bound_to`` names the row's columns bound in with it
    (the row's own id first). Anything but a sealed value or the placeholder is refused on the
    way in, so a Core insert that forgot to seal fails instead of storing plain text.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str, bound_to: tuple[str, ...]):
        super().__init__()
        self.context = context
        self.bound_to = tuple(bound_to)

    def process_bind_param(self, value, dialect):
        if value is None or value == PLACEHOLDER or is_sealed(value) or _is_column_bound(value):
            return value
        raise ValueError(f"{self.context} takes only sealed values (vawg_group.casework.sealed): plain text refused")

    def copy(self, **kw):
        return SealedText(self.context, self.bound_to)


def associated_data(context: str, bound_to: tuple[str, ...], values: dict) -> str:
    """What a value is sealed to: ``casework_item.summary|id=7|office_id=2``."""
    missing = [name for name in bound_to if values.get(name) is None]
    if missing:
        raise ValueError(f"{context} cannot be sealed before its row has {', '.join(missing)}")
    return context + "".join(f"|{name}={values[name]}" for name in bound_to)


def seal(ring: KeyRing, plaintext: str, context: str, bound_to: tuple[str, ...], values: dict) -> str:
    return ROW_BOUND_PREFIX + ring.encrypt(plaintext, associated_data(context, bound_to, values))


def unseal(ring: KeyRing, stored: str, context: str, bound_to: tuple[str, ...], values: dict) -> str:
    if is_sealed(stored):
        return ring.decrypt(stored[len(ROW_BOUND_PREFIX) :], associated_data(context, bound_to, values))
    if _is_column_bound(stored):
        return ring.decrypt(stored, context)  # written before rows were bound; rotate-keys re-seals it
    raise DecryptionError(f"a stored value in {context} is not sealed")


def is_sealed(stored: str) -> bool:
    return isinstance(stored, str) and stored.startswith(ROW_BOUND_PREFIX) and stored.count(":") == 3


def _is_column_bound(stored: str) -> bool:
    return isinstance(stored, str) and stored.count(":") == 2 and not stored.startswith(ROW_BOUND_PREFIX)


class SealedField:
    """The plain text of a ``SealedText`` column, on a model: ``summary = SealedField("_summary")``."""

    def __init__(self, raw_attribute: str):
        self.raw_attribute = raw_attribute

    def __set_name__(self, owner, name):
        self.name = name

    def _type(self, owner) -> SealedText:
        [column] = owner.__mapper__.attrs[self.raw_attribute].columns
        return column.type

    def _row_values(self, instance, sealed_type: SealedText) -> dict:
        return {name: getattr(instance, name) for name in sealed_type.bound_to}

    def __get__(self, instance, owner):
        if instance is None:
            return self
        pending = instance.__dict__.get(_PENDING, {})
        if self.raw_attribute in pending:
            return pending[self.raw_attribute]
        stored = getattr(instance, self.raw_attribute)
        if stored is None:
            return None
        cached = instance.__dict__.get(_CACHE, {}).get(self.raw_attribute)
        if cached is not None and cached[0] is stored:
            return cached[1]
        sealed_type = self._type(type(instance))
        plain = unseal(keyring(), stored, sealed_type.context, sealed_type.bound_to, self._row_values(instance, sealed_type))
        instance.__dict__.setdefault(_CACHE, {})[self.raw_attribute] = (stored, plain)
        return plain

    def __set__(self, instance, value):
        if value is None:
            instance.__dict__.get(_PENDING, {}).pop(self.raw_attribute, None)
            setattr(instance, self.raw_attribute, None)
            return
        value = str(value)
        sealed_type = self._type(type(instance))
        values = self._row_values(instance, sealed_type)
        if any(v is None for v in values.values()):
            # A new row: sealed once the INSERT has given it an id (_seal_after_insert).
            instance.__dict__.setdefault(_PENDING, {})[self.raw_attribute] = value
            setattr(instance, self.raw_attribute, PLACEHOLDER)
            return
        stored = seal(keyring(), value, sealed_type.context, sealed_type.bound_to, values)
        setattr(instance, self.raw_attribute, stored)
        instance.__dict__.setdefault(_CACHE, {})[self.raw_attribute] = (stored, value)


@event.listens_for(Mapper, "after_insert")
def _seal_after_insert(mapper, connection, target):
    pending = target.__dict__.get(_PENDING)
    if not pending:
        return
    ring = keyring()
    table = mapper.local_table
    [pk] = list(table.primary_key.columns)
    sealed_values, cache = {}, target.__dict__.setdefault(_CACHE, {})
    for raw_attribute, plain in pending.items():
        [column] = mapper.attrs[raw_attribute].columns
        values = {name: getattr(target, name) for name in column.type.bound_to}
        stored = seal(ring, plain, column.type.context, column.type.bound_to, values)
        sealed_values[column.name] = stored
        set_committed_value(target, raw_attribute, stored)
        cache[raw_attribute] = (stored, plain)
    connection.execute(update(table).where(pk == getattr(target, mapper.get_property_by_column(pk).key)).values(sealed_values))
    target.__dict__.pop(_PENDING, None)


def sealed_columns(metadata):
    """Every (table, sealed column) in ``metadata``."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, SealedText):
                yield table, column


def insert_sealed(session, table, rows: list[dict]) -> list[int]:
    """Insert many rows at once (Core executemany) with their sealed columns given as plain
    text, as a flush would: placeholders first, then one UPDATE per row once ids are known.
    Returns the new ids in the order of ``rows``. For bulk loads (benchmarks, seeds)."""
    columns = [column for t, column in sealed_columns(table.metadata) if t is table]
    [pk] = list(table.primary_key.columns)
    placeholders = [{**row, **{c.name: PLACEHOLDER for c in columns if row.get(c.name) is not None}} for row in rows]
    ids = session.scalars(insert(table).returning(pk, sort_by_parameter_order=True), placeholders).all()
    ring = keyring()
    sealed_rows = []
    for row_id, row in zip(ids, rows, strict=True):
        values = {**row, pk.name: row_id}
        sealed_rows.append(
            {
                "_row_id": row_id,
                **{
                    c.name: None if row.get(c.name) is None else seal(ring, row[c.name], c.type.context, c.type.bound_to, values)
                    for c in columns
                },
            }
        )
    if columns and sealed_rows:
        session.execute(
            update(table).where(pk == bindparam("_row_id")).values({c.name: bindparam(c.name, type_=c.type) for c in columns}),
            sealed_rows,
        )
    return list(ids)


def rotate_keys(session, metadata, batch_size: int = 500) -> dict[str, int]:
    """Re-seal every value not sealed to its row under the current key (an old key, or written
    before rows were bound); returns the count per column.

    Works on the stored text, in batches, flushing each; the caller commits. Safe to run again:
    values already sealed under the current key are skipped.
    """
    ring = keyring()
    current = f"{ROW_BOUND_PREFIX}{ring.current_id}:"
    counts: dict[str, int] = {}
    for table, column in sealed_columns(metadata):
        raw = type_coerce(column, Text)
        [pk] = list(table.primary_key.columns)
        bound = [table.c[name] for name in column.type.bound_to]
        name = f"{table.name}.{column.name}"
        counts[name] = 0
        last_id = None
        while True:
            query = (
                select(raw, *bound)
                .where(raw.is_not(None), raw != PLACEHOLDER, ~raw.startswith(current, autoescape=True))
                .order_by(pk)
                .limit(batch_size)
            )
            if last_id is not None:
                query = query.where(pk > last_id)
            rows = session.execute(query).all()
            if not rows:
                break
            for stored, *bound_values in rows:
                values = dict(zip(column.type.bound_to, bound_values, strict=True))
                plaintext = unseal(ring, stored, column.type.context, column.type.bound_to, values)
                resealed = seal(ring, plaintext, column.type.context, column.type.bound_to, values)
                row_id = values[pk.name]
                session.execute(update(table).where(pk == row_id).values({column.name: type_coerce(resealed, Text)}))
                counts[name] += 1
                last_id = row_id
            session.flush()
    return counts
