"""Arrays that builds append to (search index postings, statistics rows)."""

import numpy as np


class GrowingArray:
    """An array appended to in place, so a build's many small parts are not each kept as
    an object until the end: each part's small Python object, made while the build's
    scratch fills the heap around it, keeps that memory from going back to the system
    (the statistics build kept 8 MB more that way at 100,000 providers).

    It grows and finally shrinks with `ndarray.resize`, which is realloc: glibc moves a
    large (mmap'd) block by remapping its pages, so neither step holds the values twice
    (growing by copying held old and new at once, and a final copy a third time: the
    search index build's peak was 26 MB higher at 100,000 providers). The buffer never
    leaves this object until `array()`, so no view of it can outlive a resize.
    """

    #: Capacity grows by this factor (realloc is cheap; small steps waste little).
    GROWTH = 1.25

    def __init__(self, dtype):
        self.data = np.zeros(1024, dtype=dtype)
        self.used = 0

    def append(self, values) -> None:
        end = self.used + len(values)
        if end > len(self.data):
            self.data.resize(max(end, int(len(self.data) * self.GROWTH)), refcheck=False)
        self.data[self.used : end] = values
        self.used = end

    def array(self) -> np.ndarray:
        """The values, exactly their size (the spare capacity handed back); the builder
        lets go of them."""
        values, self.data = self.data, np.zeros(0, dtype=self.data.dtype)
        values.resize(self.used, refcheck=False)
        return values
