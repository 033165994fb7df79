"""Reading rendered PDFs in tests: text per page, and where on the page a string sits."""

from __future__ import annotations

import io

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def text_positions(page) -> list[tuple[str, float]]:
    """Each piece of text on ``page`` with its height from the bottom, in points."""
    pieces: list[tuple[str, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            # The text matrix's y in user space: cm applied to tm.
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((text.strip(), y))

    page.extract_text(visitor_text=visit)
    return pieces


def found_at_top_and_bottom(page, needle: str, margin_pt: float = 72) -> tuple[bool, bool]:
    """Whether ``needle`` appears within ``margin_pt`` of the top edge, and of the bottom edge."""
    height = float(page.mediabox.height)
    ys = [y for text, y in text_positions(page) if needle in text]
    return any(y > height - margin_pt for y in ys), any(y < margin_pt for y in ys)


def outline_titles(pdf: bytes) -> list[str]:
    titles: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader(pdf).outline)
    return titles


# ---------------------------------------------------------------- tags and artifacts


def marked_content(page) -> list[tuple[str, dict, str]]:
    """Each marked-content sequence on ``page`` that holds text, in drawing order:
    (tag, properties, text). Text outside any sequence comes as ("", {}, text)."""
    sequences: list[list] = []
    stack: list[list] = []
    loose = ["", {}, ""]

    def before(operator, operands, cm, tm):
        if operator in (b"BDC", b"BMC"):
            properties = operands[1] if operator == b"BDC" and len(operands) > 1 else {}
            if hasattr(properties, "get_object"):
                properties = properties.get_object()
            entry = [str(operands[0]).lstrip("/"), {str(k).lstrip("/"): v for k, v in dict(properties).items()}, ""]
            sequences.append(entry)
            stack.append(entry)
        elif operator == b"EMC" and stack:
            stack.pop()

    def text(value, cm, tm, font, size):
        if value.strip():
            target = stack[-1] if stack else loose
            target[2] += value

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    found = [(tag, properties, " ".join(text.split())) for tag, properties, text in sequences if text.strip()]
    if loose[2].strip():
        found.append(("", {}, " ".join(loose[2].split())))
    return found


def pagination_artifacts(page) -> list[tuple[str, str]]:
    """(subtype, text) of each pagination artifact on ``page``: Header or Footer."""
    return [
        (str(properties.get("Subtype", "")).lstrip("/"), text)
        for tag, properties, text in marked_content(page)
        if tag == "Artifact" and str(properties.get("Type", "")) == "/Pagination"
    ]


class Element:
    """One structure element of a tagged PDF: its type, kids, and the text its marked
    content holds."""

    def __init__(self, tag: str, obj, parent: Element | None = None):
        self.tag = tag
        self.obj = obj
        self.parent = parent
        self.kids: list[Element] = []
        self.own_text: list[str] = []
        self.pages: set[int] = set()
        self.annotations = 0

    @property
    def text(self) -> str:
        parts = list(self.own_text) + [kid.text for kid in self.kids]
        return " ".join(" ".join(parts).split())

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def find(self, tag: str) -> list[Element]:
        return [element for element in self.walk() if element.tag == tag]

    def within(self, tag: str) -> bool:
        """Whether an ancestor is a ``tag`` element."""
        parent = self.parent
        while parent is not None:
            if parent.tag == tag:
                return True
            parent = parent.parent
        return False

    @property
    def page(self) -> int | None:
        return min(self.pages) if self.pages else None

    def __repr__(self):
        return f"<{self.tag} {self.text[:40]!r}>"


def structure_tree(pdf: bytes) -> Element:
    """The document's tag tree from StructTreeRoot, each element with the text of its marked
    content (MCIDs resolved through the pages' content streams)."""
    document = reader(pdf)
    page_index = {page.indirect_reference.idnum: number for number, page in enumerate(document.pages)}
    texts: dict[int, dict[int, str]] = {}
    for number, page in enumerate(document.pages):
        texts[number] = {int(properties["MCID"]): text for tag, properties, text in marked_content(page) if "MCID" in properties}
    root_dict = document.trailer["/Root"]["/StructTreeRoot"].get_object()
    root = Element("StructTreeRoot", root_dict)

    def visit(parent: Element, kids, page: int | None):
        if not isinstance(kids, list):
            kids = [kids]
        for kid in kids:
            if isinstance(kid, int):
                if page is not None:
                    parent.pages.add(page)
                    parent.own_text.append(texts.get(page, {}).get(kid, ""))
                continue
            obj = kid.get_object() if hasattr(kid, "get_object") else kid
            if not hasattr(obj, "get"):
                continue
            if obj.get("/Type") == "/OBJR":
                parent.annotations += 1
                continue
            if obj.get("/Type") == "/MCR":
                mcr_page = page_index.get(obj.raw_get("/Pg").idnum) if "/Pg" in obj else page
                parent.own_text.append(texts.get(mcr_page, {}).get(int(obj["/MCID"]), ""))
                continue
            element = Element(str(obj.get("/S", "")).lstrip("/"), obj, parent)
            element_page = page_index.get(obj.raw_get("/Pg").idnum) if "/Pg" in obj else page
            if element_page is not None:
                element.pages.add(element_page)
            parent.kids.append(element)
            if "/K" in obj:
                visit(element, obj["/K"], element_page)

    visit(root, root_dict.get("/K", []), None)
    return root
