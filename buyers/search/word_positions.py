"""The word positions of each lexeme in each provider, kept compact (postings.py's)."""

from dataclasses import dataclass

import numpy as np


@dataclass
class WordPositions:
    """Word positions of each (lexeme, provider) posting, about 1.1 bytes per position.

    Row by row (a row per lexeme), the providers in the order of `Postings.holders`,
    each provider's positions of the lexeme ascending: one byte per position, a
    bit flagging each provider's first one (so no per-posting offsets), and the
    rare position above 255 (about 0.2% of them) kept as an exception. A lexeme a
    vector keeps without positions has one entry, position 0.
    """

    starts: np.ndarray  # row -> first entry; rows + 1 entries (int64)
    small: np.ndarray  # entry -> position if 1..255, else 0 (uint8)
    firsts: np.ndarray  # packed bits (little): entry starts a provider's run
    exceptions: np.ndarray  # entries whose position is 0 or above 255, ascending (int64)
    exception_positions: np.ndarray  # their positions (uint16)

    def of_row(self, row: int, kept: np.ndarray | None = None) -> tuple:
        """(how many positions each provider of the row has, all the positions as uint16).

        With `kept` (a boolean per provider of the row) only those providers' are read.
        """
        start, end = int(self.starts[row]), int(self.starts[row + 1])
        low, high = np.searchsorted(self.exceptions, [start, end])
        exceptions = self.exceptions[low:high] - start
        if kept is None:
            bits = np.unpackbits(self.firsts[start // 8 : (end + 7) // 8], bitorder="little")
            # (flatnonzero is several times faster on booleans than on bytes)
            firsts = np.flatnonzero(bits[start % 8 : start % 8 + end - start].view(bool))
            lengths = np.diff(firsts, append=end - start)
            positions = self.small[start:end].astype(np.uint16)
            positions[exceptions] = self.exception_positions[low:high]
            return lengths, positions
        firsts, lengths = self._kept_runs(start, end, np.flatnonzero(kept))
        entries = _runs(firsts, lengths)  # the kept providers' entries, ascending
        positions = self.small[start:end][entries].astype(np.uint16)
        if len(exceptions) and len(entries):
            at = np.minimum(np.searchsorted(entries, exceptions), len(entries) - 1)
            hit = entries[at] == exceptions
            positions[at[hit]] = self.exception_positions[low:high][hit]
        return lengths, positions

    def _kept_runs(self, start: int, end: int, ranks: np.ndarray) -> tuple:
        """(first entry, number of entries) of the row's providers numbered `ranks` (their
        order in the row, ascending), found from the flag bits by counting them per byte:
        the row's bits are not all unpacked."""
        head, tail = start // 8, (end + 7) // 8
        flags = self.firsts[head:tail].copy()
        flags[0] &= (0xFF << (start % 8)) & 0xFF  # the row's own bits only
        if end % 8:
            flags[-1] &= (1 << (end % 8)) - 1
        counts = _BIT_COUNT.take(flags)
        upto = np.cumsum(counts, dtype=np.int32)  # flags in this byte and those before

        def entry(rank):
            byte = np.searchsorted(upto, rank.astype(np.int32), side="right")
            within = rank - (upto[byte] - counts[byte])
            return (byte + head) * 8 + _NTH_BIT[flags[byte], within] - start

        firsts = entry(ranks)
        following = ranks + 1
        last = following == int(upto[-1])
        following[last] = 0
        ends = entry(following)
        ends[last] = end - start
        return firsts, ends - firsts

    @property
    def nbytes(self) -> int:
        return sum(
            part.nbytes
            for part in (
                self.starts,
                self.small,
                self.firsts,
                self.exceptions,
                self.exception_positions,
            )
        )


#: Set bits of each byte value; the position of each byte value's n-th set bit (0-based).
_BIT_COUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint8)
_NTH_BIT = np.zeros((256, 8), dtype=np.int64)
for _value in range(256):
    _set = [bit for bit in range(8) if _value >> bit & 1]
    _NTH_BIT[_value, : len(_set)] = _set


def _runs(firsts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Every index of the runs `firsts[i] .. firsts[i] + lengths[i] - 1`, in order (the
    runs ascending and apart): a cumulative sum of steps of 1 that jump at each run."""
    # int32 (a row holds far fewer than 2**31 entries): half the memory traffic of int64
    firsts, lengths = firsts.astype(np.int32), lengths.astype(np.int32)
    total = int(lengths.sum())
    steps = np.ones(total, dtype=np.int32)
    if not total:
        return steps
    begins = np.cumsum(lengths, dtype=np.int32) - lengths
    steps[0] = firsts[0]
    steps[begins[1:]] = firsts[1:] - (firsts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps, dtype=np.int32)
