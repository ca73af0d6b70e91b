"""A search text as PostgreSQL reads it: bounding it first, then reading its parse.

Before a query reaches the database, chains of `-` too long for PostgreSQL's
parser are shortened, keeping their meaning (`bound_negations`). The database's
parse (`websearch_to_tsquery(...)::text`) is read back into a tree of `Node`s
(`parse_tsquery`), which postings.py and phrases.py evaluate in memory.
"""

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'(?::\*?[A-Da-d]*)?|(<->|<\d+>)|([&|!()]))")

# --------------------------------------------------------------------------
# web-style query text -> text PostgreSQL can always parse
# --------------------------------------------------------------------------

#: Most `-` (NOT) operators kept in a row. PostgreSQL's tsquery parser keeps the
#: operators it has not applied yet on a stack of 32 (STACKDEPTH in tsquery.c);
#: in `websearch_to_tsquery` only a chain of NOTs can pile up there (besides one
#: pending OR and one pending AND), so 31 or more `-` in a row fail the whole
#: query with "tsquery stack too small".
MAX_NEGATIONS_IN_A_ROW = 30

#: Characters PostgreSQL skips while it waits for the operand of a `-`: a chain of
#: NOTs can run through all of them (measured over every Unicode character).
_NEGATION_RUN = re.compile(r"[-\s!&|()<]*-[-\s!&|()<]*")


def bound_negations(text: str) -> str:
    """`text` with no chain of more than MAX_NEGATIONS_IN_A_ROW `-` operators.

    Every chain of NOTs lies inside a run of `-`, spaces and `!&|()<`; where such
    a run holds too many `-`, pairs of them are dropped. A pair of NOTs cancels
    out, so the query means what it meant; every other query is left as it is.
    """

    def shorten(match):
        run = match.group()
        excess = run.count("-") - MAX_NEGATIONS_IN_A_ROW
        if excess <= 0:
            return run
        drop = excess + excess % 2
        kept = []
        for char in reversed(run):
            if char == "-" and drop:
                drop -= 1
                continue
            kept.append(char)
        return "".join(reversed(kept))

    return _NEGATION_RUN.sub(shorten, text)


# --------------------------------------------------------------------------
# tsquery text -> tree
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A parsed tsquery: op is "lexeme", "not", "and", "or" or "phrase".

    A lexeme's value is the lexeme; a phrase's is its operator as PostgreSQL
    prints it, `<->` or `<N>` (N the distance from the left part to the right).
    """

    op: str
    value: str = ""
    children: tuple = ()

    def lexemes(self, *, positive=True) -> set:
        """Lexemes of the query (only those not under a NOT, by default)."""
        if self.op == "lexeme":
            return {self.value}
        if self.op == "not" and positive:
            return set()
        found = set()
        for child in self.children:
            found |= child.lexemes(positive=positive)
        return found

    @property
    def has_phrase(self) -> bool:
        return self.op == "phrase" or any(child.has_phrase for child in self.children)


def _tokens(text: str) -> list:
    tokens = []
    at = 0
    text = text.rstrip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            raise ValueError(f"Unexpected tsquery text at {at}: {text[at : at + 20]!r}")
        lexeme, phrase, op = match.groups()
        if lexeme is not None:
            tokens.append(("lexeme", re.sub(r"\\(.)", r"\1", lexeme.replace("''", "'"))))
        elif phrase is not None:
            tokens.append(("phrase", phrase))
        else:
            tokens.append((op, op))
        at = match.end()
    return tokens


def parse_tsquery(text: str) -> Node | None:
    """Parse PostgreSQL's text form of a tsquery; None for an empty query.

    Precedence, tightest first: `!`, `<->` (phrase), `&`, `|`.
    """
    tokens = _tokens(text)
    if not tokens:
        return None
    at = 0

    def peek():
        return tokens[at][0] if at < len(tokens) else None

    def take():
        nonlocal at
        if at >= len(tokens):
            raise ValueError("Unexpected end of tsquery")
        at += 1
        return tokens[at - 1]

    def primary():
        kind, value = take()
        if kind == "lexeme":
            return Node("lexeme", value)
        if kind == "!":
            return Node("not", children=(primary(),))
        if kind == "(":
            node = disjunction()
            if take()[0] != ")":
                raise ValueError("Unbalanced parentheses in tsquery")
            return node
        raise ValueError(f"Unexpected {value!r} in tsquery")

    def phrase():
        node = primary()
        while peek() == "phrase":
            operator = take()[1]
            node = Node("phrase", operator, children=(node, primary()))
        return node

    def conjunction():
        node = phrase()
        while peek() == "&":
            take()
            node = Node("and", children=(node, phrase()))
        return node

    def disjunction():
        node = conjunction()
        while peek() == "|":
            take()
            node = Node("or", children=(node, conjunction()))
        return node

    node = disjunction()
    if at != len(tokens):
        raise ValueError("Trailing tokens in tsquery")
    return node
