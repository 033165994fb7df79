"""Stamping a rendered PDF with one person's "Prepared for <name>, <date>" line, without
rendering it again.

An OFFICIAL-SENSITIVE document is rendered once (WeasyPrint, in a child process with limits:
``core/pdf_process.py``); each person's copy is that PDF with their line added at the bottom
left of every page, where ``marking.css`` puts the ``recipient`` margin box, in the same font
and size (bold 8.5 pt Liberation Sans), wrapped to the same width. The stamp is drawn as
pagination artifact content (``/Artifact <</Type /Pagination /Subtype /Footer>> BDC ... EMC``),
so the copy stays a tagged PDF/UA-1 document: its tag tree, ParentTree, MarkInfo, outline,
metadata and language are the version's, untouched.

Why pikepdf (qpdf) rather than pypdf: a copy must be a whole new file (an incremental update
would leave the unstamped pages one truncation away), and pypdf took 1.8 s to clone and write
a 44-page tagged pack (its thousands of structure elements are parsed and copied in Python),
which is 45 copies in 80 s, several renders' worth. qpdf rewrites the same file in about 0.1 s.

The font is embedded as a subset (fontTools) of the font fontconfig finds for "Liberation Sans"
bold, else "DejaVu Sans" bold, as a Type 0 font with a ToUnicode map, so the line can be
searched, copied and read out. Nothing here shapes text: a line that needs shaping or
right-to-left ordering, or has a character no installed font has, is refused with a reason
rather than printed wrong.

Stamping reads only our own cached PDFs, does no layout beyond splitting one line into words,
and takes a few hundredths of a second for a one-page agenda and about a tenth for a 40-page
pack (``benchmarks/pack.py``): it runs in the calling process.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

from vawg_group.core.clock import long_date

# Raise when the stamp's look, place or structure changes: every copy then gets a new key.
STAMP_FORMAT = "1"

# The recipient margin box of templates/pdf/marking.css: page margins 24 mm (bottom) and
# 18 mm (sides), @bottom-left 32% of the page area's width, bold 8.5 pt, #0b0c0c, centred
# vertically in the bottom margin, one line box per line (ascent + descent, as Pango sets them).
MM = 72 / 25.4
SIDE_MARGIN = 18 * MM
BOTTOM_MARGIN = 24 * MM
BOX_SHARE = 0.32
FONT_SIZE = 8.5
COLOUR = "0.043137 0.047059 0.047059"
FONT_PATTERNS = ("Liberation Sans:bold", "DejaVu Sans:bold")
# Seven lines fill the bottom margin; a longer line would run into the page's text.
MAX_LINES = 6
RESOURCE_NAME = "/VAWGStamp"


class StampFailed(Exception):
    """The line could not be stamped; the message completes "could not be stamped: ..." in
    words staff can act on."""


def prepared_for(name: str, day: date) -> str:
    """The line a person's copy carries: "Prepared for Ada Brightwater, 8 December 2026"."""
    return f"Prepared for {' '.join(name.split())}, {long_date(day)}"


@dataclass(frozen=True)
class StampJob:
    """A stamped copy: the PDF whose cache key is ``source_key`` with ``line`` on every page."""

    source_key: str
    line: str

    def cache_key(self) -> str:
        digest = hashlib.sha256()
        for part in ("stamped copy", STAMP_FORMAT, _pikepdf_version(), self.source_key, self.line):
            encoded = part.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
        return digest.hexdigest()


@functools.cache
def _pikepdf_version() -> str:
    return metadata.version("pikepdf")


# ---------------------------------------------------------------- fonts


@dataclass(frozen=True)
class _Font:
    path: str
    data: bytes
    postscript_name: str
    units_per_em: int
    ascent: int
    descent: int
    cap_height: int
    italic_angle: float
    bbox: tuple[int, int, int, int]
    cmap: dict[int, str]
    advances: dict[str, int]
    glyph_ids: dict[str, int]

    def covers(self, text: str) -> bool:
        return all(ord(char) in self.cmap for char in text)

    def width(self, text: str, size: float = FONT_SIZE) -> float:
        return sum(self.advances[self.cmap[ord(char)]] for char in text) * size / self.units_per_em

    def scaled(self, value: float) -> int:
        return round(value * 1000 / self.units_per_em)


@functools.cache
def _font_file(pattern: str) -> str | None:
    """The file fontconfig picks for ``pattern`` (what Pango, and so WeasyPrint, would use);
    asked once per process."""
    if shutil.which("fc-match") is None:
        return None
    try:
        found = subprocess.run(["fc-match", "--format=%{file}", pattern], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = found.stdout.strip()
    return path if found.returncode == 0 and path.lower().endswith((".ttf", ".otf")) and os.path.isfile(path) else None


@functools.cache
def _load_font(path: str) -> _Font | None:
    from fontTools.ttLib import TTFont

    data = Path(path).read_bytes()
    font = TTFont(io.BytesIO(data), lazy=True)
    if "glyf" not in font:  # CFF outlines would need FontFile3: not ours to support
        return None
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    cmap = font.getBestCmap() or {}
    glyph_ids = {name: number for number, name in enumerate(font.getGlyphOrder())}
    metrics = font["hmtx"].metrics
    return _Font(
        path=path,
        data=data,
        postscript_name=str(font["name"].getDebugName(6) or Path(path).stem).replace(" ", ""),
        units_per_em=head.unitsPerEm,
        ascent=hhea.ascent,
        descent=hhea.descent,
        cap_height=getattr(os2, "sCapHeight", 0) or hhea.ascent,
        italic_angle=float(font["post"].italicAngle),
        bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
        cmap=dict(cmap),
        advances={name: metrics[name][0] for name in set(cmap.values())},
        glyph_ids={name: glyph_ids[name] for name in set(cmap.values())},
    )


def _fonts() -> list[_Font]:
    fonts = []
    for pattern in FONT_PATTERNS:
        path = _font_file(pattern)
        font = _load_font(path) if path else None
        if font is not None and all(font.path != other.path for other in fonts):
            fonts.append(font)
    return fonts


def _subset(font: _Font, text: str) -> bytes:
    """The font program with only the glyphs ``text`` needs, glyph ids kept (so the content
    stream's ids are the original font's and CIDToGIDMap is Identity)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_legacy = True
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "DSIG", "FFTM", "BASE", "JSTF", "MATH"]
    program = TTFont(io.BytesIO(font.data))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(program)
    output = io.BytesIO()
    program.save(output)
    return output.getvalue()


# ---------------------------------------------------------------- the line


def _clean(line: str) -> str:
    """One line of printable text: NFC, whitespace runs as one space, no control or format
    characters. Raises StampFailed for text that needs shaping or right-to-left ordering."""
    text = " ".join(unicodedata.normalize("NFC", line).split())
    text = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf", "Co", "Cs"))
    if not text:
        raise StampFailed("the line to stamp is empty")
    needs_shaping = sorted(
        {
            char
            for char in text
            if unicodedata.bidirectional(char) in ("R", "AL", "AN") or unicodedata.category(char) in ("Mn", "Mc", "Me")
        }
    )
    if needs_shaping:
        raise StampFailed(
            f"it has letters the stamp cannot lay out ({''.join(needs_shaping)}: right-to-left or joined script);"
            " ask an administrator to enter the person's name in Latin letters in People, then try again"
        )
    return text


def _choose_font(text: str) -> _Font:
    fonts = _fonts()
    if not fonts:
        raise StampFailed(
            "no font for the stamp is installed (fontconfig finds neither Liberation Sans nor DejaVu Sans);"
            " install fonts-liberation (scripts/install-system-deps.sh), then try again"
        )
    for font in fonts:
        if font.covers(text):
            return font
    missing = sorted({char for char in text if not any(ord(char) in font.cmap for font in fonts)})
    raise StampFailed(
        f"no installed font has the characters {''.join(missing)!r};"
        " check the spelling of the person's name in People, then try again"
    )


def _wrap(font: _Font, text: str, width: float) -> list[str]:
    """Greedy word wrap into ``width`` points, as the margin box wraps; a word wider than the
    box is split between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if font.width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and font.width(current + char) > width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


def _hex(font: _Font, text: str) -> str:
    return "".join(f"{font.glyph_ids[font.cmap[ord(char)]]:04x}" for char in text)


def _content(font: _Font, lines: list[str], box: tuple[float, float, float]) -> bytes:
    """The stamp's content stream for a page whose media box starts at (x0, y0)."""
    x0, y0, _width = box
    line_height = (font.ascent - font.descent) * FONT_SIZE / font.units_per_em
    ascent = font.ascent * FONT_SIZE / font.units_per_em
    top = y0 + BOTTOM_MARGIN / 2 + len(lines) * line_height / 2
    commands = ["/Artifact <</Type /Pagination /Subtype /Footer>> BDC", "q", f"{COLOUR} rg"]
    for number, line in enumerate(lines):
        baseline = top - ascent - number * line_height
        # One text object per line, as WeasyPrint draws them: readers take each as a line.
        commands.append(
            f"BT {RESOURCE_NAME} {FONT_SIZE:g} Tf 1 0 0 1 {x0 + SIDE_MARGIN:.3f} {baseline:.3f} Tm <{_hex(font, line)}> Tj ET"
        )
    commands += ["Q", "EMC", ""]
    return "\n".join(commands).encode("ascii")


def _to_unicode(font: _Font, text: str) -> bytes:
    pairs = sorted({(font.glyph_ids[font.cmap[ord(char)]], char) for char in text})
    entries = []
    for gid, char in pairs:
        utf16 = char.encode("utf-16-be").hex()
        entries.append(f"<{gid:04x}> <{utf16}>")
    chunks = [entries[i : i + 100] for i in range(0, len(entries), 100)]
    body = "".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def _font_object(pdf, font: _Font, text: str):
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    program = _subset(font, text)
    tag = "".join(chr(65 + byte % 26) for byte in hashlib.sha256(program).digest()[:6])
    base_font = Name(f"/{tag}+{font.postscript_name}")
    font_file = pikepdf.Stream(pdf, program)
    font_file.Length1 = len(program)
    descriptor = pdf.make_indirect(
        Dictionary(
            Type=Name.FontDescriptor,
            FontName=base_font,
            Flags=32,
            FontBBox=Array([font.scaled(value) for value in font.bbox]),
            ItalicAngle=font.italic_angle,
            Ascent=font.scaled(font.ascent),
            Descent=font.scaled(font.descent),
            CapHeight=font.scaled(font.cap_height),
            StemV=120,
            FontFile2=font_file,
        )
    )
    widths = Array()
    for gid, name in sorted({(font.glyph_ids[font.cmap[ord(c)]], font.cmap[ord(c)]) for c in text}):
        widths.append(gid)
        widths.append(Array([font.scaled(font.advances[name])]))
    descendant = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=base_font,
            CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
            FontDescriptor=descriptor,
            CIDToGIDMap=Name.Identity,
            DW=1000,
            W=widths,
        )
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=base_font,
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([descendant]),
            ToUnicode=pikepdf.Stream(pdf, _to_unicode(font, text)),
        )
    )


# ---------------------------------------------------------------- stamping


def stamp(source: bytes | Path, line: str) -> bytes:
    """``source`` (PDF bytes or a file) with ``line`` stamped at the bottom left of every page.
    Raises StampFailed."""
    output = io.BytesIO()
    _stamp(source, line, output)
    return output.getvalue()


def stamp_file(source: Path, target: Path, line: str) -> None:
    """Stamp ``source`` into ``target``, atomically (a reader sees the whole copy or none) and
    readable by the service only. Raises StampFailed, or OSError when ``target``'s folder
    cannot take the file."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".stamp-", suffix=".part")
    os.close(handle)
    try:
        with open(temporary, "wb") as output:
            _stamp(source, line, output)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _stamp(source: bytes | Path, line: str, output) -> None:
    import pikepdf

    text = _clean(line)
    font = _choose_font(text)
    try:
        pdf = pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (pikepdf.PdfError, ValueError) as error:
        raise StampFailed(f"the PDF to stamp could not be read ({_short(error)}); make it again, then try again") from error
    except OSError as error:
        raise StampFailed(f"the PDF to stamp could not be opened ({error.strerror or error}); make it again") from error
    with pdf:
        if len(pdf.pages) == 0:
            raise StampFailed("the PDF to stamp has no pages; make it again")
        font_object = _font_object(pdf, font, text)
        wrap_open = pdf.make_stream(b"q\n")
        wrap_close = pdf.make_stream(b"\nQ\n")
        stamps: dict[tuple[float, float, float], object] = {}
        lines_for: dict[float, list[str]] = {}
        for page in pdf.pages:
            x0, y0, x1, _y1 = (float(value) for value in page.mediabox)
            width = (x1 - x0 - 2 * SIDE_MARGIN) * BOX_SHARE
            if width not in lines_for:
                lines_for[width] = _wrap(font, text, width)
                if len(lines_for[width]) > MAX_LINES:
                    raise StampFailed(
                        f"the line needs {len(lines_for[width])} lines, more than the page margin holds;"
                        " shorten the person's name in People, then try again"
                    )
            box = (x0, y0, width)
            if box not in stamps:
                stamps[box] = pdf.make_stream(_content(font, lines_for[width], box))
            resources = page.obj.get("/Resources")
            if resources is None:
                resources = page.obj.Resources = pikepdf.Dictionary()
            fonts = resources.get("/Font")
            if fonts is None:
                fonts = resources.Font = pikepdf.Dictionary()
            if RESOURCE_NAME in fonts and fonts[RESOURCE_NAME].objgen != font_object.objgen:
                raise StampFailed("the PDF is already stamped for someone; stamp the unstamped PDF instead")
            fonts[RESOURCE_NAME] = font_object
            page.contents_add(wrap_open, prepend=True)
            page.contents_add(wrap_close)
            page.contents_add(stamps[box])
        try:
            pdf.save(output, compress_streams=True)
        except pikepdf.PdfError as error:
            raise StampFailed(f"the stamped PDF could not be written ({_short(error)})") from error


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:200]
