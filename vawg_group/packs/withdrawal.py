"""Taking an erased case's anonymised summary out of the pack versions that carried it.

A prepared version freezes its HTML, summaries of casework put forward included, and its PDF
(and everyone's stamped copy) is cached on disk. When the case is erased (casework/erasure.py,
which reaches this through the app factory: casework sits below packs), the summary is
replaced in the frozen HTML, the cached PDFs made from it are deleted, and each version gets a
reissue notice for staff: a new version must be prepared and published.
"""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select

from vawg_group.core import reissue
from vawg_group.core.clock import long_date
from vawg_group.extensions import db
from vawg_group.packs import rendering
from vawg_group.packs.models import PackCopy, PackVersion


def withdraw_summaries(summaries: list[str], *, note: str, reason: str) -> list[PackVersion]:
    """Replace each of ``summaries`` with ``note`` in every version that printed it."""
    touched: list[PackVersion] = []
    for summary in summaries:
        printed = str(escape(summary))
        for version in db.session.scalars(select(PackVersion).where(PackVersion.html.contains(printed, autoescape=True))):
            version.html = version.html.replace(printed, str(escape(note)))
            if version not in touched:
                touched.append(version)
    for version in touched:
        keys = [version.input_hash, *db.session.scalars(select(PackCopy.input_hash).where(PackCopy.version_id == version.id))]
        for key in keys:
            try:
                rendering.cached_path(key).unlink(missing_ok=True)
            except ValueError:
                continue
        reissue.mark(
            reissue.PACK_VERSION,
            version.id,
            label=f"{version.pack.title}, version {version.number} ({long_date(version.pack.meeting_date)})",
            page=f"pack:{version.pack_id}",
            reason=reason,
        )
    db.session.flush()
    return touched
