"""How a web-style search text reads, whatever the database: terms, groups and words.

A search text is terms separated by spaces: words, "quoted phrases", and either of
them after a `-` to exclude it. The word `or` (any case) between terms makes
alternatives; terms without `or` between them are all wanted.
"""

import re
import unicodedata
from dataclasses import dataclass

_TERMS = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False
    phrase: bool = False


def query_groups(q: str) -> list:
    """The alternatives of `q` (split at `or`), each a list of its terms; no empty group.

    A lone `-` is a word, `-word` an exclusion, `""` an empty phrase (kept: it has no words).
    """
    groups = [[]]
    for match in _TERMS.finditer(q):
        negate, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            groups.append([])
            continue
        if phrase is not None:
            groups[-1].append(Term(phrase, negated=bool(negate), phrase=True))
        elif word.startswith("-") and len(word) > 1:
            groups[-1].append(Term(word[1:], negated=True))
        else:
            groups[-1].append(Term(word))
    return [group for group in groups if group]


def wanted_terms(q: str) -> list:
    """The words and phrases of `q` a buyer wants: not -excluded ones, not `or`, not `""`."""
    return [
        term.text.strip() if term.phrase else term.text
        for group in query_groups(q)
        for term in group
        if not term.negated and term.text.strip()
    ]


def normal(text: str) -> str:
    """Lower case without diacritics ("Café" -> "cafe"), as SQLite's unicode61 tokenizer reads."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list:
    """The words of `text`: runs of letters and digits, in normal form."""
    return _WORD.findall(normal(text))
