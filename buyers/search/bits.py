"""Sets of index positions as Python ints (bit n = position n), and back to numpy."""

import numpy as np


def bool_to_bits(found: np.ndarray) -> int:
    """A boolean array over positions as the facet index's int bitset (bit n = position n)."""
    return int.from_bytes(np.packbits(found, bitorder="little").tobytes(), "little")


def bits_to_bool(bits: int, size: int) -> np.ndarray:
    """The inverse of `bool_to_bits`."""
    raw = np.frombuffer(bits.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:size].astype(bool)
