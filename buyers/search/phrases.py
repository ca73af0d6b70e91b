"""Phrase operators of a parsed tsquery (`<->`, `<N>`), with PostgreSQL's own semantics.

PostgreSQL (src/backend/utils/adt/tsvector_op.c, TS_execute and
TS_phrase_execute) evaluates a query tree in two modes. Outside any phrase a
node is simply true or false, and a lexeme with no positions (a stripped one)
counts as present. Inside a phrase a node yields a set of positions, a width
and a "negated" flag:

- a lexeme yields its positions (width 0); with no positions the answer is
  only MAYBE, and a phrase that is MAYBE at the top is false;
- `L <N> R` yields the positions p of R such that L has p - N - width(R),
  width N + width(L) + width(R);
- `&` and `|` inside a phrase align the narrower side to the right end of the
  wider one and yield the intersection or the union;
- `!X` inside a phrase yields "everywhere but X's positions" (the negated flag),
  which the operator above it turns into a difference;
- positions are WordEntryPos values: 14 bits, so PostgreSQL stores a derived
  position of 16384 or more modulo 16384.

`document_*` evaluate one document (lexeme -> positions) exactly as the C code
does, step for step. `phrase_matches` evaluates a phrase over every provider at
once with numpy (each provider's positions as sorted keys `provider << 32 |
position`) and hands the rare provider whose derived positions pass 16383 to
the one-document evaluation, so its answer is PostgreSQL's too.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

NO, YES, MAYBE = 0, 1, 2

#: Largest position a tsvector holds (MAXENTRYPOS - 1); positions are 14-bit.
MAX_POSITION = (1 << 14) - 1

_EMIT_BOTH, _EMIT_L_ONLY, _EMIT_R_ONLY = 1, 2, 4


def distance(node) -> int:
    """The N of a phrase node `<N>` (1 for `<->`)."""
    return 1 if node.value in ("", "<->") else int(node.value[1:-1])


# --------------------------------------------------------------------------
# One document
# --------------------------------------------------------------------------


@dataclass
class _Data:
    """ExecPhraseData: positions (as stored: 16-bit), width, negated."""

    pos: list = field(default_factory=list)
    width: int = 0
    negate: bool = False


def _output(left: _Data, right: _Data, emit: int, left_offset: int, right_offset: int) -> list:
    """TS_phrase_output: merge-join the two position lists."""
    out = []
    li = ri = 0
    while li < len(left.pos) or ri < len(right.pos):
        if li < len(left.pos):
            lpos = (left.pos[li] & MAX_POSITION) + left_offset
        elif not emit & _EMIT_R_ONLY:
            break
        else:
            lpos = 1 << 62
        if ri < len(right.pos):
            rpos = (right.pos[ri] & MAX_POSITION) + right_offset
        elif not emit & _EMIT_L_ONLY:
            break
        else:
            rpos = 1 << 62
        found = 0
        if lpos < rpos:
            if emit & _EMIT_L_ONLY:
                found = lpos
            li += 1
        elif lpos == rpos:
            if emit & _EMIT_BOTH:
                found = rpos
            li += 1
            ri += 1
        else:
            if emit & _EMIT_R_ONLY:
                found = rpos
            ri += 1
        if found > 0:
            out.append(found & 0xFFFF)  # stored in a uint16 WordEntryPos
    return out


def _document_phrase(node, positions: Callable) -> tuple:
    """TS_phrase_execute on one document: (NO | YES | MAYBE, _Data)."""
    if node.op == "lexeme":
        found = positions(node.value)
        if found is None:
            return NO, _Data()
        if not found:
            return MAYBE, _Data()
        return YES, _Data(pos=list(found))
    if node.op == "not":
        status, data = _document_phrase(node.children[0], positions)
        if status == NO:
            return YES, _Data(width=data.width, negate=True)
        if status == YES:
            if data.pos:
                data.negate = not data.negate
                return YES, data
            return NO, _Data(width=data.width)
        return MAYBE, data
    if node.op in ("phrase", "and"):
        left_status, left = _document_phrase(node.children[0], positions)
        if left_status == NO:
            return NO, _Data()
        right_status, right = _document_phrase(node.children[1], positions)
        if right_status == NO:
            return NO, _Data()
        if MAYBE in (left_status, right_status):
            return MAYBE, _Data()
        if node.op == "phrase":
            left_offset, right_offset = distance(node) + right.width, 0
            width = distance(node) + left.width + right.width
        else:
            width = max(left.width, right.width)
            left_offset, right_offset = width - left.width, width - right.width
        if left.negate and right.negate:
            emit = _EMIT_BOTH | _EMIT_L_ONLY | _EMIT_R_ONLY
            out = _output(left, right, emit, left_offset, right_offset)
            return YES, _Data(out, width, True)
        if left.negate:
            emit = _EMIT_R_ONLY
        elif right.negate:
            emit = _EMIT_L_ONLY
        else:
            emit = _EMIT_BOTH
        out = _output(left, right, emit, left_offset, right_offset)
        return (YES if out else NO), _Data(out, width)
    if node.op == "or":
        left_status, left = _document_phrase(node.children[0], positions)
        right_status, right = _document_phrase(node.children[1], positions)
        if left_status == NO and right_status == NO:
            return NO, _Data()
        if MAYBE in (left_status, right_status):
            return MAYBE, _Data()
        left_width = 0 if left_status == NO else left.width
        right_width = 0 if right_status == NO else right.width
        width = max(left_width, right_width)
        left_offset, right_offset = width - left_width, width - right_width
        if left.negate and right.negate:
            out = _output(left, right, _EMIT_BOTH, left_offset, right_offset)
            return YES, _Data(out, width, True)
        if left.negate:
            out = _output(left, right, _EMIT_L_ONLY, left_offset, right_offset)
            return YES, _Data(out, width, True)
        if right.negate:
            out = _output(left, right, _EMIT_R_ONLY, left_offset, right_offset)
            return YES, _Data(out, width, True)
        emit = _EMIT_BOTH | _EMIT_L_ONLY | _EMIT_R_ONLY
        out = _output(left, right, emit, left_offset, right_offset)
        return (YES if out else NO), _Data(out, width)
    raise ValueError(f"Unknown tsquery operator {node.op!r}")


def document_matches(node, positions: Callable) -> bool:
    """TS_execute as `@@` runs it, on one document.

    `positions(lexeme)` gives the lexeme's positions in the document (ascending),
    an empty list for a lexeme kept without positions, None for one it lacks.
    """
    if node.op == "lexeme":
        return positions(node.value) is not None
    if node.op == "not":
        return not document_matches(node.children[0], positions)
    if node.op == "and":
        return document_matches(node.children[0], positions) and document_matches(
            node.children[1], positions
        )
    if node.op == "or":
        return document_matches(node.children[0], positions) or document_matches(
            node.children[1], positions
        )
    if node.op == "phrase":
        # A MAYBE (no positions to tell) is false for `@@`.
        return _document_phrase(node, positions)[0] == YES
    raise ValueError(f"Unknown tsquery operator {node.op!r}")


# --------------------------------------------------------------------------
# Every provider at once
# --------------------------------------------------------------------------


@dataclass
class _Found:
    """_Data for every provider: status, negated, width, and sorted position keys."""

    status: np.ndarray  # int8 per provider: NO, YES or MAYBE
    negate: np.ndarray  # bool per provider
    width: np.ndarray  # int64 per provider
    keys: np.ndarray  # int64, ascending: provider << 32 | position


def _merged(left: np.ndarray, right: np.ndarray) -> tuple:
    """Two ascending arrays of distinct keys merged: (merged, origin of each merged key in
    left + right, which left keys right has, which right keys left has)."""
    joined = np.concatenate((left, right))
    order = np.argsort(joined, kind="stable")  # a merge of two sorted runs
    merged = joined[order]
    pair = np.flatnonzero(merged[1:] == merged[:-1])  # left's copy first: the sort is stable
    in_right = np.zeros(len(left), dtype=bool)
    in_right[order[pair]] = True
    in_left = np.zeros(len(right), dtype=bool)
    in_left[order[pair + 1] - len(left)] = True
    return merged, order, in_right, in_left


def _common(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The keys two ascending arrays of distinct keys share, ascending."""
    merged = np.concatenate((left, right))
    merged.sort(kind="stable")  # a merge of two sorted runs
    return merged[1:][merged[1:] == merged[:-1]]


def _holders(keys: np.ndarray, size: int) -> np.ndarray:
    held = np.zeros(size, dtype=bool)
    held[keys >> 32] = True
    return held


#: Widths beyond this would let a shifted position run into the provider bits of a key.
_MAX_OFFSET = (1 << 31) - MAX_POSITION


class _Evaluation:
    """One phrase over the candidate providers: those numbered 0 .. size - 1 in `local`."""

    def __init__(self, size: int, occurrences: Callable, possible, local):
        self.size = size
        self.occurrences = occurrences
        #: boolean array over providers: the candidates (None: every provider)
        self.possible = possible
        #: provider -> its number among the candidates (None: every provider)
        self.local = local
        self.seen = {}
        #: providers PostgreSQL would store a position of 16384 or more for: done one by one
        self.overflow = np.zeros(size, dtype=bool)

    def lexeme(self, value: str) -> _Found:
        if value not in self.seen:
            providers, lengths, positions = self.occurrences(value, self.possible)
            if self.local is not None:
                providers = self.local[providers]
            self.seen[value] = providers, lengths, positions
        providers, lengths, positions = self.seen[value]
        status = np.zeros(self.size, dtype=np.int8)
        status[providers] = YES
        keys = np.repeat(providers.astype(np.int64) << 32, lengths)
        keys |= positions
        # A lexeme kept without positions: one entry, position 0.
        unplaced = positions[np.cumsum(lengths) - lengths] == 0 if len(lengths) else lengths > 0
        if unplaced.any():
            status[providers[unplaced]] = MAYBE
            keys = keys[positions > 0]
        return _Found(
            status=status,
            negate=np.zeros(self.size, dtype=bool),
            width=np.zeros(self.size, dtype=np.int64),
            keys=keys,
        )

    def evaluate(self, node) -> _Found:
        if node.op == "lexeme":
            return self.lexeme(node.value)
        if node.op == "not":
            found = self.evaluate(node.children[0])
            status = found.status
            held = _holders(found.keys, self.size)
            was_no = status == NO
            emptied = (status == YES) & ~held & found.negate
            negate = np.where(was_no, True, np.where((status == YES) & held, ~found.negate, False))
            new_status = status.copy()
            new_status[was_no] = YES
            new_status[emptied] = NO
            return _Found(status=new_status, negate=negate, width=found.width, keys=found.keys)
        left = self.evaluate(node.children[0])
        right = self.evaluate(node.children[1])
        if node.op == "or":
            return self._or(left, right)
        return self._and(node, left, right)

    def _shifted(self, found: _Found, active: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """The keys of the active providers, each moved by its provider's offset (still sorted)."""
        keys = found.keys if active.all() else found.keys[active[found.keys >> 32]]
        if not len(offset):
            return keys
        if offset.min() == offset.max():  # the usual phrase of words: one offset for all
            return keys + offset[0]
        return keys + offset[keys >> 32]

    def _finish(self, keys: np.ndarray) -> np.ndarray:
        """The keys without the positions PostgreSQL would wrap (those providers overflow)."""
        beyond = (keys & 0xFFFFFFFF) > MAX_POSITION
        if beyond.any():
            self.overflow[keys[beyond] >> 32] = True
            keys = keys[~beyond]
        return keys

    def _check_offsets(self, active, *offsets) -> None:
        for offset in offsets:
            self.overflow |= active & (offset > _MAX_OFFSET)

    def _and(self, node, left: _Found, right: _Found) -> _Found:
        no = (left.status == NO) | (right.status == NO)
        maybe = ~no & ((left.status == MAYBE) | (right.status == MAYBE))
        active = ~no & ~maybe
        if node.op == "phrase":
            left_offset = distance(node) + right.width
            right_offset = np.zeros(self.size, dtype=np.int64)
            width = distance(node) + left.width + right.width
        else:
            width = np.maximum(left.width, right.width)
            left_offset, right_offset = width - left.width, width - right.width
        self._check_offsets(active, left_offset, right_offset, width)
        both_negated = left.negate & right.negate
        left_negated = left.negate & ~right.negate
        right_negated = ~left.negate & right.negate
        plain = ~left.negate & ~right.negate
        lk = self._shifted(left, active, left_offset)
        rk = self._shifted(right, active, right_offset)
        if plain.all():  # no `!` below: the intersection
            keys = self._finish(_common(lk, rk))
        else:
            merged, order, l_in_r, r_in_l = _merged(lk, rk)
            ld, rd = lk >> 32, rk >> 32
            keep_left = both_negated[ld] | (right_negated[ld] & ~l_in_r) | (plain[ld] & l_in_r)
            keep_right = (both_negated[rd] | left_negated[rd]) & ~r_in_l
            keys = self._finish(merged[np.concatenate((keep_left, keep_right))[order]])
        held = _holders(keys, self.size)
        status = np.full(self.size, NO, dtype=np.int8)
        status[maybe] = MAYBE
        status[active & (both_negated | held)] = YES
        return _Found(
            status=status,
            negate=active & both_negated,
            width=np.where(active, width, 0),
            keys=keys,
        )

    def _or(self, left: _Found, right: _Found) -> _Found:
        left_no, right_no = left.status == NO, right.status == NO
        none = left_no & right_no
        maybe = ~none & ((left.status == MAYBE) | (right.status == MAYBE))
        active = ~none & ~maybe
        left_width = np.where(left_no, 0, left.width)
        right_width = np.where(right_no, 0, right.width)
        width = np.maximum(left_width, right_width)
        left_offset, right_offset = width - left_width, width - right_width
        self._check_offsets(active, left_offset, right_offset)
        both_negated = left.negate & right.negate
        left_negated = left.negate & ~right.negate
        right_negated = ~left.negate & right.negate
        plain = ~left.negate & ~right.negate
        lk = self._shifted(left, active, left_offset)
        rk = self._shifted(right, active, right_offset)
        merged, order, l_in_r, r_in_l = _merged(lk, rk)
        ld, rd = lk >> 32, rk >> 32
        keep_left = (both_negated[ld] & l_in_r) | (left_negated[ld] & ~l_in_r) | plain[ld]
        keep_right = (right_negated[rd] | plain[rd]) & ~r_in_l
        keys = self._finish(merged[np.concatenate((keep_left, keep_right))[order]])
        held = _holders(keys, self.size)
        status = np.full(self.size, NO, dtype=np.int8)
        status[maybe] = MAYBE
        status[active & (~plain | held)] = YES
        return _Found(
            status=status,
            negate=active & ~plain,
            width=np.where(active, width, 0),
            keys=keys,
        )


def phrase_matches(node, size: int, occurrences: Callable, members: Callable) -> np.ndarray:
    """Boolean array over providers: which match the phrase `node` (as `@@` does).

    `occurrences(lexeme, only)` gives the providers in `only` (a boolean array
    over providers; None: all) that have the lexeme (ascending), how many
    positions each has, and all the positions (each provider's ascending; one
    position 0 for a lexeme kept without positions);
    `members(lexeme)` a boolean array over providers, who has the lexeme.
    Only the providers that could match (those with every lexeme the phrase
    cannot do without) are evaluated. A phrase of lexemes alone (all that
    `websearch_to_tsquery` makes: quoted words, hyphenated words) takes a
    shorter way (`_chain_matches`); any other goes through the general evaluation.
    """
    chain = _chain(node, 0)
    if chain is not None:
        return _chain_matches(chain[0], size, occurrences, members)
    possible = _possible(node, members)
    if possible is None:
        candidates, local = np.arange(size), None
    else:
        candidates = np.flatnonzero(possible)
        local = np.full(size, -1, dtype=np.int64)
        local[candidates] = np.arange(len(candidates))
    evaluation = _Evaluation(len(candidates), occurrences, possible, local)
    found = np.zeros(size, dtype=bool)
    found[candidates[evaluation.evaluate(node).status == YES]] = True
    for provider in candidates[evaluation.overflow].tolist():
        found[provider] = _document_phrase(node, _one_document(occurrences, provider))[0] == YES
    return found


def _possible(node, members: Callable) -> np.ndarray | None:
    """Providers that may be YES for `node` inside a phrase (None: maybe any).

    Inside a phrase `&` and `<N>` are YES only where both sides are, `|` where
    either is, and a lexeme where the provider has it; `!` may be YES anywhere.
    """
    if node.op == "lexeme":
        return members(node.value)
    if node.op == "not":
        return None
    left = _possible(node.children[0], members)
    right = _possible(node.children[1], members)
    if node.op == "or":
        return None if left is None or right is None else left | right
    if left is None:
        return right
    return left if right is None else left & right


def _one_document(occurrences: Callable, provider: int) -> Callable:
    def positions(lexeme):
        providers, lengths, found = occurrences(lexeme, None)
        at = np.searchsorted(providers, provider)
        if at == len(providers) or providers[at] != provider:
            return None
        start = int(lengths[:at].sum())
        return [int(p) for p in found[start : start + int(lengths[at])] if p > 0]

    return positions


# --------------------------------------------------------------------------
# A phrase of lexemes alone, over every provider at once
# --------------------------------------------------------------------------


def _chain(node, offset: int) -> tuple | None:
    """A phrase made only of lexemes and `<N>`, as ([(lexeme, offset)], width); else None.

    `L <N> R` yields the positions p of R where L has p - N - width(R), so each
    lexeme of the phrase must be at (the phrase's end position) - (its offset),
    and the rightmost lexeme's offset is 0. A derived position is always one of
    R's, never above MAX_POSITION: such a phrase never wraps (no overflow).
    """
    if node.op == "lexeme":
        return [(node.value, offset)], 0
    if node.op != "phrase":
        return None
    right = _chain(node.children[1], offset)
    if right is None:
        return None
    left = _chain(node.children[0], offset + distance(node) + right[1])
    if left is None:
        return None
    return left[0] + right[0], distance(node) + left[1] + right[1]


def _shared(needles: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The needles (ascending, distinct) that are among `keys` (ascending), by binary search."""
    if not len(needles) or not len(keys):
        return needles[:0]
    at = np.searchsorted(keys, needles)
    np.minimum(at, len(keys) - 1, out=at)
    return needles[keys[at] == needles]


#: Bits of a chain key that hold the end position (positions are 14-bit).
_POSITION_BITS = 14


def _chain_matches(
    lexemes: list, size: int, occurrences: Callable, members: Callable
) -> np.ndarray:
    """Boolean array over providers: which have every (lexeme, offset) of a phrase at
    some common end position p (the lexeme at p - offset).

    Only the providers holding every lexeme are read. Each lexeme's positions become
    sorted keys `candidate << 14 | position + offset` (an entry without a position,
    or one whose end would pass MAX_POSITION, cannot take part: a lexeme kept without
    positions makes the phrase MAYBE, false for `@@`); the phrase's matches are the
    keys all lexemes share, found from the lexeme with the fewest keys by binary search.
    """
    found = np.zeros(size, dtype=bool)
    if max(offset for _lexeme, offset in lexemes) > MAX_POSITION:
        return found  # its first lexeme would be before position 1
    possible = None
    for lexeme in dict.fromkeys(lexeme for lexeme, _offset in lexemes):
        held = members(lexeme)
        possible = held if possible is None else possible & held
    candidates = np.flatnonzero(possible)
    if not len(candidates):
        return found
    dtype = np.int32 if len(candidates) < 1 << (31 - _POSITION_BITS) else np.int64
    decoded = {}
    keys = []
    for lexeme, offset in lexemes:
        if lexeme not in decoded:
            _providers, lengths, positions = occurrences(lexeme, possible)
            # Every candidate has every lexeme: the providers are the candidates.
            local = np.repeat(
                np.arange(len(candidates), dtype=dtype) << _POSITION_BITS, lengths.astype(dtype)
            )
            decoded[lexeme] = local, positions, int(positions.min()), int(positions.max())
        local, positions, lowest, highest = decoded[lexeme]
        if lowest > 0 and highest <= MAX_POSITION - offset:
            keys.append(local | (positions.astype(dtype) + dtype(offset)))
        else:
            placed = (positions > 0) & (positions <= MAX_POSITION - offset)
            keys.append(local[placed] | (positions[placed].astype(dtype) + dtype(offset)))
    keys.sort(key=len)
    common = keys[0]
    for other in keys[1:]:
        common = _shared(common, other)
    found[candidates[common >> _POSITION_BITS]] = True
    return found
