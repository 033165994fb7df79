"""What a page says to the person reading it, and two checks on it.

- Escaped markup shown as text (#20, item 15): a template that glues HTML into a string gets it
  escaped, and the page shows ``<a class="govuk-link" ...>`` as words. Such a page's source
  holds the escaped tag, ``&lt;a class=``; a page that shows what someone typed (a stored
  ``<script>`` in the security sweeps) is not what these checks walk.
- Internal codes (#20, item 7): event names such as ``meeting.created`` and status keys such as
  ``in_progress`` or ``awaiting_response`` are for the code; pages say them in words.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# An escaped opening or closing tag of an element our templates write.
ESCAPED_TAG = re.compile(
    r"&lt;/?(?:a|span|strong|p|div|ul|ol|li|br|h[1-6]|table|tr|td|th|strong|code|pre|form|input|button|label|strong)"
    r"(?:\s|&gt;|/)",
    re.IGNORECASE,
)

# A dotted event name (``casework.status_changed``, ``meeting.created``) or a snake_case key.
DOTTED_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")
SNAKE_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
# The package's name, in the commands an administrator is shown ("flask --app vawg_group worker").
SNAKE_ALLOWED = {"vawg_group"}
# Dotted words that are English, not codes: addresses and file names people see.
DOTTED_ALLOWED = re.compile(r"@|\.(?:example|org|uk|com|gov|pdf|ics|eml|csv|json|html|md|net|io|police)\b")


class _Text(HTMLParser):
    """The visible text of a page: no scripts, styles, attributes or hidden inputs."""

    SKIP = {"script", "style", "template", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def escaped_markup(html: str) -> list[str]:
    """Escaped tags in the page's source, which a reader sees as markup."""
    return [match.group(0) for match in ESCAPED_TAG.finditer(html)]


def internal_codes(html: str) -> list[str]:
    """Event names and status keys in the page's visible text."""
    text = visible_text(html)
    found = []
    for match in DOTTED_CODE.finditer(text):
        around = text[max(0, match.start() - 40) : match.end() + 10]
        if not DOTTED_ALLOWED.search(match.group(0)) and "@" not in around and "://" not in around:
            found.append(match.group(0))
    found.extend(match.group(0) for match in SNAKE_CODE.finditer(text) if match.group(0) not in SNAKE_ALLOWED)
    return found
