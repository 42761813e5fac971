"""Counts shown to people who may not see names: cells under five people are hidden.

A table of small counts can single out a person ("the one woman with a disability in this
district"), so MONITORING and VIEWER users see "<5" instead of the number.
"""

from dataclasses import dataclass

SMALL_CELL = 5


@dataclass(frozen=True)
class Cell:
    count: int
    hidden: bool

    def __str__(self) -> str:
        return f"<{SMALL_CELL}" if self.hidden else str(self.count)


def cell(count: int, *, hide_small: bool) -> Cell:
    """*count* as shown: hidden when 0 < count < 5 and the viewer may not see small cells."""
    return Cell(count=count, hidden=hide_small and 0 < count < SMALL_CELL)
