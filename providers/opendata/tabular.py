"""The machinery of the CSV tables: Table Schema declarations and a streaming writer.

A `Table` declares its fields (type, constraints, unit, IRIS+ code, meaning and
provenance), its primary and foreign keys, and how one listing turns into its
rows; `tables.TABLES` holds the open data's tables. The same declarations write
the CSV files, the `datapackage.json` descriptor and the field documentation
page, so they cannot disagree.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise

from .listing import Listing

#: Text cells starting with these are run as formulas by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Field:
    """One column: its Table Schema and its documentation."""

    name: str
    type: str
    description: Promise | str
    provenance: Promise | str
    format: str = ""
    unit: str = ""
    iris_code: str = ""
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    pattern: str = ""

    @property
    def is_free_text(self) -> bool:
        """Text the provider wrote: protected against spreadsheet formulas."""
        return self.type == "string" and not (self.format or self.enum or self.pattern)

    def descriptor(self) -> dict:
        data = {"name": self.name, "type": self.type, "description": str(self.description)}
        if self.format:
            data["format"] = self.format
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if self.pattern:
            constraints["pattern"] = self.pattern
        if constraints:
            data["constraints"] = constraints
        if self.unit:
            data["unit"] = self.unit
        if self.iris_code:
            data["irisCode"] = self.iris_code
        data["provenance"] = str(self.provenance)
        return data


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]

    def descriptor(self) -> dict:
        return {
            "fields": list(self.fields),
            "reference": {"resource": self.resource, "fields": list(self.reference)},
        }


@dataclass(frozen=True)
class Table:
    name: str
    title: Promise | str
    description: Promise | str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    rows: Callable[[Listing], Iterable[tuple]] | None = None
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def schema(self) -> dict:
        schema = {
            "fields": [f.descriptor() for f in self.fields],
            "primaryKey": list(self.primary_key),
            "missingValues": [""],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [key.descriptor() for key in self.foreign_keys]
        return schema


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _cell(value, protect: bool) -> str:
    kind = type(value)
    if kind is str:
        if protect and value.startswith(FORMULA_TRIGGERS):
            return "'" + value
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return _cell(str(value), protect)


class TableWriter:
    """Writes one table's CSV file row by row (UTF-8, header first, CRLF line ends)."""

    def __init__(self, table: Table, stream):
        self.table = table
        self.protect = [f.is_free_text for f in table.fields]
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.writer.writerow([f.name for f in table.fields])
        self.rows = 0

    def write(self, row: tuple) -> None:
        self.writer.writerow(
            [_cell(value, protect) for value, protect in zip(row, self.protect, strict=True)]
        )
        self.rows += 1
