"""Spotting likely personal details in casework free text before it is stored.

The intake form asks for the minimum: an office reference, not the constituent's name. These
checks look for what usually should not be there (names, phone numbers, email addresses,
postcodes, dates of birth) and the form asks the person to remove them or to confirm they are
needed. They are heuristics: they help a careful person, they do not replace one.

``screen_intake`` decides for the intake form whether what was found must be confirmed first:
a confirmation counts only for the very text it was given for (a keyed digest of it travels in
the form), so changing the text after ticking the box screens it again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from vawg_group.people.offices import LANCASHIRE_OFFICES


@dataclass(frozen=True)
class Finding:
    kind: str  # "name", "phone", "email", "postcode", "date_of_birth"
    text: str  # the matched words, shown back only to the person who typed them

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "name": "a name",
    "phone": "a phone number",
    "email": "an email address",
    "postcode": "a postcode",
    "date_of_birth": "a date of birth",
}

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# UK numbers: 07xxx xxxxxx, 01xxx xxxxxx, 020 xxxx xxxx, +44 ..., with spaces, dots or dashes.
_PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d[\s.-]?){9,10}(?!\d)")
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b", re.IGNORECASE)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{1,2}(?:st|nd|rd|th)?\s+(?:"
    + _MONTHS
    + r")\.?\s+\d{4}|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
_BIRTH_WORDS = re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on| in)?|birthday)\b", re.IGNORECASE)
_TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?")
_CALLED = re.compile(r"\b(?:named|called|name is|known as)\s+([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?)")
_CAPITALISED_PAIR = re.compile(r"\b([A-Z][a-z'’-]{1,})\s+([A-Z][a-z'’-]{1,})\b")

# Capitalised words that are not people: places, agencies, services, days, months, and the
# words that start sentences.
_NOT_NAMES = {
    word.lower()
    for word in (
        " ".join(constituency for constituency, _ in LANCASHIRE_OFFICES)
        + " Lancashire Constabulary Police Crime Commissioner OPCC West South East North Division"
        " IDVA ISVA Service Services Council County Hall Court Crown Magistrates Family Health NHS"
        " Hospital Royal Infirmary Victoria Women Womens Aid Refuge Drive CARA Operation Soteria"
        " Provide White Ribbon Home Office Government Parliament MP MPs Member Office Group VAWG"
        " Domestic Abuse Violence Against Girls Stalking Protection Order Orders Non Molestation"
        " Restraining Clare's Law Universal Credit Housing Social Care Children's Adult Safeguarding"
        " Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May"
        " June July August September October November December Christmas Easter"
        " The A An She He They Her His Their We I Our It This That These Those There Then When After"
        " Before Since Until While Although Because If On In At By For From To With Without Please"
        " Can Could Would Should Will Dear Thank Thanks Yes No Not Also And But Or So As Since"
        " Constituent Victim Survivor Perpetrator Officer Officers Sergeant Inspector PC DC DS DI"
        " Team Unit Case Ref Reference Update Response Referral Request"
    ).split()
}


def screen(text: str) -> list[Finding]:
    """Likely personal details in ``text``, in order of appearance, without repeats."""
    if not text:
        return []
    found: list[tuple[int, Finding]] = []

    def add(position: int, kind: str, matched: str) -> None:
        matched = matched.strip()
        if matched and all(f.text != matched or f.kind != kind for _, f in found):
            found.append((position, Finding(kind, matched)))

    emails = list(_EMAIL.finditer(text))
    for match in emails:
        add(match.start(), "email", match.group())
    email_spans = [m.span() for m in emails]

    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 10 <= len(digits) <= 12:
            add(match.start(), "phone", match.group())
    for match in _POSTCODE.finditer(text):
        if not _inside(match.span(), email_spans):
            add(match.start(), "postcode", match.group())
    for match in _DATE.finditer(text):
        window = text[max(0, match.start() - 40) : match.start()]
        if _BIRTH_WORDS.search(window) or _looks_like_birth_year(match.group()):
            add(match.start(), "date_of_birth", match.group())
    for match in _BIRTH_WORDS.finditer(text):
        following = text[match.end() : match.end() + 30]
        if re.search(r"\d", following) and not _DATE.search(following):
            add(match.start(), "date_of_birth", (match.group() + following).split("\n")[0])

    for match in _TITLE_NAME.finditer(text):
        add(match.start(), "name", match.group())
    for match in _CALLED.finditer(text):
        if match.group(1).split()[0].lower() not in _NOT_NAMES:
            add(match.start(1), "name", match.group(1))
    for match in _CAPITALISED_PAIR.finditer(text):
        first, second = match.group(1), match.group(2)
        if first.lower() in _NOT_NAMES or second.lower() in _NOT_NAMES:
            continue
        if any(f.kind == "name" and match.group() in f.text for _, f in found):
            continue
        add(match.start(), "name", match.group())

    found.sort(key=lambda pair: pair[0])
    return [finding for _, finding in found]


def kinds(findings: list[Finding]) -> list[str]:
    return sorted({finding.kind for finding in findings})


# The intake form's free text, screened before a case is stored.
SCREENED_FIELDS = ("reference", "summary", "ask", "agency_other")


@dataclass(frozen=True)
class IntakeScreening:
    """What screening found in an intake's free text, and whether the person has confirmed it."""

    findings: dict[str, list[Finding]]  # field name -> what it seems to hold (fields with nothing left out)
    digest: str  # of the text screened: the form carries it back with the confirmation
    confirmed: bool  # the box was ticked for this very text

    @property
    def needs_confirming(self) -> bool:
        """Something was found and not confirmed for this text: ask before the case is stored."""
        return bool(self.findings) and not self.confirmed

    @property
    def confirmed_kinds(self) -> list[str]:
        """The kinds of detail the person confirmed the case needs (kept on the case)."""
        return sorted({finding.kind for found in self.findings.values() for finding in found})


def screening_digest(texts: dict[str, str], *, key: str) -> str:
    """A keyed digest of the screened text: a confirmation counts only for the text it saw."""
    message = json.dumps(texts, sort_keys=True).encode("utf-8")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def screen_intake(fields: dict, *, confirmed: bool, confirmed_digest: str | None, key: str) -> IntakeScreening:
    """Screen an intake's free text (``SCREENED_FIELDS`` of ``fields``). ``confirmed``: the person
    ticked "I have checked these details"; ``confirmed_digest``: the digest the form carried back
    with that tick; ``key``: the app's secret key, which only the server knows."""
    texts = {name: fields.get(name) or "" for name in SCREENED_FIELDS}
    findings = {name: found for name, text in texts.items() if (found := screen(text))}
    digest = screening_digest(texts, key=key)
    return IntakeScreening(findings, digest, bool(confirmed) and hmac.compare_digest(confirmed_digest or "", digest))


def _inside(span, spans) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def _looks_like_birth_year(date_text: str) -> bool:
    # A full date more than 12 years back reads like a date of birth, not an incident date.
    years = re.findall(r"(19\d{2}|20\d{2})", date_text)
    if not years:
        return False
    from vawg_group.core.clock import utcnow

    return int(years[-1]) <= utcnow().year - 12
