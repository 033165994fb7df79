"""A pack's tags hold up: the marking and page numbers are pagination artifacts, the marking is
said once in the tagged body on the cover, each contents entry is one Link holding only its
heading, headings and charts are tagged as such, and the PDF names its author."""

from __future__ import annotations

from tests.packs.factories import make_pack
from tests.pdf_reading import outline_titles, pagination_artifacts, reader, structure_tree
from vawg_group.extensions import db
from vawg_group.packs import rendering, services, tasks
from vawg_group.packs.models import RenderStatus


def _rendered_sensitive_pack():
    pack, staff, briefings = make_pack(classifications=("OFFICIAL", "OFFICIAL-SENSITIVE"))
    version = services.prepare(pack, by=staff)
    db.session.commit()
    assert tasks.render_version(version.id) == RenderStatus.READY
    db.session.refresh(version)
    return version, briefings, rendering.cached_path(version.input_hash).read_bytes()


def test_a_packs_tags_hold_up(app):
    version, briefings, pdf = _rendered_sensitive_pack()
    document = reader(pdf)
    tree = structure_tree(pdf)
    [body] = tree.kids
    assert body.tag == "Document"

    # The marking: first thing in the tagged body, on the cover, and nowhere as margin text.
    cover = [element for element in body.walk() if element.page == 0 and element.tag == "P"]
    assert cover[0].text == "OFFICIAL-SENSITIVE"
    cover_text = " ".join(element.text for element in body.kids if element.page == 0)
    assert cover_text.count("OFFICIAL-SENSITIVE") == 2  # the cover's marking, and its handling note
    assert "Page 1 of" not in tree.text and "VAWG Group meeting, 8 December 2026 OFFICIAL" not in tree.text
    for number, page in enumerate(document.pages, start=1):
        artifacts = pagination_artifacts(page)
        assert ("Header", "OFFICIAL-SENSITIVE") in artifacts and ("Footer", "OFFICIAL-SENSITIVE") in artifacts, number
        assert ("Footer", f"Page {number} of {len(document.pages)}") in artifacts, number

    # Contents: one Link per entry, holding the heading alone (no leader dots, no page number),
    # each with its link annotation.
    contents = [link for link in tree.find("Link") if link.page == 1]
    expected = [
        "Briefings",
        *[b.title for b in briefings],
        "Casework summary",
        "Open actions and lobbying asks",
        "Appendix: key figures",
    ]
    assert [link.text for link in contents] == expected
    assert all(link.annotations == 1 for link in contents)
    assert not any("." * 3 in link.text for link in tree.find("Link"))

    # Headings carry the outline; each briefing is an H2 under the Briefings H1.
    assert [h.text for h in tree.find("H1")][:3] == ["Briefing pack", "Contents", "Briefings"]
    assert [b.title for b in briefings] == [h.text for h in tree.find("H2") if h.text.startswith("Briefing ")]
    assert outline_titles(pdf)[:3] == ["Cover", "Contents", "Briefings"]
    # Each key-figures chart is a Figure with its alternative text.
    figures = tree.find("Figure")
    assert len(figures) == len(briefings)
    assert all(str(f.obj.get("/Alt", "")).startswith("Key figures: ") for f in figures)

    # Named and titled for whoever opens it.
    assert document.metadata.author == "Office of the Police and Crime Commissioner for Lancashire"
    assert document.metadata.title == "Briefing pack: VAWG Group meeting, 8 December 2026"
    root = document.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and bool(root["/MarkInfo"]["/Marked"])
