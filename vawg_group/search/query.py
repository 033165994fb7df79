"""What a person typed, turned into terms either engine can take safely.

Only words (runs of letters and digits, in any script) survive: quotes make a phrase, a
capital ``OR`` between words means either, and everything else (``*``, ``NEAR(``, ``-``,
brackets, SQL) is a word boundary and nothing more. The engines get the words back in their own
syntax: every FTS5 term quoted, so nothing in it is ever an operator; PostgreSQL a plain
string for ``websearch_to_tsquery`` as a bound parameter. Common English words are dropped
for both (PostgreSQL's English configuration would drop them anyway, FTS5 would match almost
everything), so a search for "the" says so instead of finding every paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CHARACTERS = 500  # a longer search is cut here (and the page says so)
MAX_TERMS = 12
MAX_WORD = 60

_WORD = re.compile(r"[^\W_]+")
_PIECES = re.compile(r'"([^"]*)"?|(\S+)')

# PostgreSQL's English stop words (snowball), which its 'english' configuration drops.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now""".split()
)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or a phrase

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class ParsedQuery:
    text: str  # what was searched for (cut to MAX_CHARACTERS), to show back
    groups: list[list[Term]] = field(default_factory=list)  # any group matches; all terms in one
    cut: bool = False  # the text or the number of terms was cut
    only_common_words: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def words(self) -> list[str]:
        return [word for group in self.groups for term in group for word in term.words]

    def fts5(self) -> str:
        """FTS5's MATCH syntax: each word or phrase in double quotes (a string, never an operator)."""

        def quoted(term: Term) -> str:
            return '"' + " ".join(term.words).replace('"', '""') + '"'

        return " OR ".join("(" + " ".join(quoted(term) for term in group) + ")" for group in self.groups)

    def websearch(self) -> str:
        """Text for PostgreSQL's ``websearch_to_tsquery``: words, quoted phrases, ``OR``."""
        return " OR ".join(
            " ".join(('"' + " ".join(t.words) + '"') if t.is_phrase else t.words[0] for t in group) for group in self.groups
        )


def parse(raw: str | None) -> ParsedQuery:
    text = " ".join((raw or "").split())
    cut = len(text) > MAX_CHARACTERS
    text = text[:MAX_CHARACTERS]
    groups: list[list[Term]] = [[]]
    saw_words = False
    count = 0
    for match in _PIECES.finditer(text):
        phrase, bare = match.group(1), match.group(2)
        if bare == "OR":
            if groups[-1]:
                groups.append([])
            continue
        words = [word.lower()[:MAX_WORD] for word in _WORD.findall(phrase if phrase is not None else bare)]
        saw_words = saw_words or bool(words)
        kept = [word for word in words if word not in STOP_WORDS]
        if not kept:
            continue
        terms = [Term(tuple(kept))] if phrase is not None else [Term((word,)) for word in kept]
        for term in terms:
            if count >= MAX_TERMS:
                cut = True
                break
            if term not in groups[-1]:
                groups[-1].append(term)
                count += 1
    groups = [group for group in groups if group]
    return ParsedQuery(text=text, groups=groups, cut=cut, only_common_words=saw_words and not groups)
