"""An audit's verdicts kept encoded, one block per district: :class:`Verdicts`.

A national audit has about 300,000 verdicts. As Python dicts (with their evidence and trace) they took 1.9 GB in
the parent, and every forked render worker copied the pages it read (reading an object writes its reference
count). Kept as one orjson-encoded block per district they take a fraction of that, a forked worker touches only
the blocks it decodes (a block's bytes are one object: reading it copies one page), and each district's verdicts
are decoded only where that district is rendered.

:class:`Verdicts` is a read-only sequence of dicts (``findings["verdicts"]``): iterating it decodes one district's
block at a time, ``len`` and the district order are known without decoding, :meth:`Verdicts.of` decodes one
district's block. A verdict taken from it is a fresh copy: changing it changes nothing in the findings (the
audit applies its waivers before the blocks are encoded). Findings read back from findings.json hold a plain list;
:func:`as_verdicts` groups one into blocks without encoding it.
"""
from __future__ import annotations

import bisect
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence

import orjson

OPTIONS = orjson.OPT_NON_STR_KEYS


def encode(verdicts: list[dict]) -> bytes:
    """One district's verdicts as one block: compact JSON, compressed (zlib's fastest level: a sixth of the JSON's
    size, and a tenth of the time orjson takes to decode it again)."""
    return zlib.compress(orjson.dumps(verdicts, option=OPTIONS), 1)


def decode(block: bytes) -> list[dict]:
    return orjson.loads(zlib.decompress(block))


def tally(verdicts: list[dict]) -> tuple:
    """How many verdicts of a block have each (status, method): what the summaries count, without decoding."""
    return tuple(sorted(Counter((v["status"], v.get("method") or "") for v in verdicts).items()))


class Verdicts(Sequence):
    """Verdicts in blocks, in the findings' order: ``blocks`` is ``[(district, data, tally)]`` with ``data`` the
    encoded block (:func:`encode`) or the list itself and ``tally`` its :func:`tally`. ``transform``: applied to
    each verdict as it is read."""

    __slots__ = ("_names", "_counts", "_data", "_tallies", "_starts", "_index", "_transform", "_cache")

    def __init__(self, blocks: list[tuple[str, bytes | list, tuple]] = (), transform: Callable[[dict], dict] | None = None):
        self._names = [b[0] for b in blocks]
        self._data = [b[1] for b in blocks]
        self._tallies = [b[2] for b in blocks]
        self._counts = [sum(n for _, n in t) for t in self._tallies]
        starts, at = [], 0
        for count in self._counts:
            starts.append(at)
            at += count
        self._starts = starts + [at]
        self._index: dict[str, list[int]] = {}
        for i, name in enumerate(self._names):
            self._index.setdefault(name, []).append(i)
        self._transform = transform
        self._cache: tuple[int, list] | None = None

    @classmethod
    def encoded(cls, blocks: list[tuple[str, list[dict] | bytes, tuple | None]]) -> "Verdicts":
        """From ``[(district, verdicts or their encoded block, its tally or None)]``: lists are encoded here."""
        return cls([(name, data, t) if isinstance(data, bytes) else (name, encode(data), tally(data))
                    for name, data, t in blocks])

    def mapped(self, transform: Callable[[dict], dict]) -> "Verdicts":
        """The same blocks, each verdict read through ``transform`` (after this one's own)."""
        view = Verdicts.__new__(Verdicts)
        for slot in ("_names", "_counts", "_data", "_tallies", "_starts", "_index"):
            setattr(view, slot, getattr(self, slot))
        inner = self._transform
        view._transform = transform if inner is None else (lambda v: transform(inner(v)))
        view._cache = None
        return view

    def _block(self, i: int) -> list[dict]:
        data = self._data[i]
        verdicts = decode(data) if isinstance(data, bytes) else list(data)
        return verdicts if self._transform is None else [self._transform(v) for v in verdicts]

    def __len__(self) -> int:
        return self._starts[-1]

    def __iter__(self) -> Iterator[dict]:
        for i in range(len(self._data)):
            yield from self._block(i)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("verdict index out of range")
        i = bisect.bisect_right(self._starts, index) - 1
        while self._counts[i] == 0:  # empty blocks share their start with the next
            i += 1
        if self._cache is None or self._cache[0] != i:
            self._cache = (i, self._block(i))
        return self._cache[1][index - self._starts[i]]

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"<Verdicts: {len(self)} in {len(self._index)} districts>"

    def districts(self) -> list[str]:
        """The districts (and the city) in the findings' order, each once."""
        return list(self._index)

    def size(self, district: str) -> int:
        """How many verdicts ``district`` has, without decoding them."""
        return sum(self._counts[i] for i in self._index.get(district, ()))

    def statuses(self, district: str | None = None) -> Counter:
        """(status, method) -> how many verdicts (of ``district``, or of all), without decoding them."""
        out: Counter = Counter()
        for i in (range(len(self._data)) if district is None else self._index.get(district, ())):
            out.update(dict(self._tallies[i]))
        return out

    def of(self, district: str) -> list[dict]:
        """One district's verdicts (a fresh list; [] for a district without any)."""
        return [v for i in self._index.get(district, ()) for v in self._block(i)]

    def blocks(self) -> Iterator[list[dict]]:
        """Each block's verdicts in turn (at most one block decoded at a time)."""
        for i in range(len(self._data)):
            yield self._block(i)

    def by_district(self) -> "ByDistrict":
        return ByDistrict(self)


class ByDistrict(Mapping):
    """district -> its verdicts, decoded at each look-up (nothing is kept)."""

    def __init__(self, verdicts: Verdicts):
        self._verdicts = verdicts

    def __getitem__(self, district: str) -> list[dict]:
        if district not in self._verdicts._index:
            raise KeyError(district)
        return self._verdicts.of(district)

    def __iter__(self) -> Iterator[str]:
        return iter(self._verdicts.districts())

    def __len__(self) -> int:
        return len(self._verdicts._index)

    def __contains__(self, district) -> bool:
        return district in self._verdicts._index


def as_verdicts(verdicts: Sequence[dict]) -> Verdicts:
    """``verdicts`` as :class:`Verdicts`: as they are when they are, else a plain list (findings read back from
    findings.json) grouped into one block per run of the same district, not encoded."""
    if isinstance(verdicts, Verdicts):
        return verdicts
    blocks: list[tuple[str, list]] = []
    for v in verdicts:
        if blocks and blocks[-1][0] == v["district"]:
            blocks[-1][1].append(v)
        else:
            blocks.append((v["district"], [v]))
    return Verdicts([(name, vs, tally(vs)) for name, vs in blocks])


def default(value):
    """For ``json.dumps``/``orjson.dumps``: a :class:`Verdicts` is written as the list it stands for."""
    if isinstance(value, Verdicts):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
