"""Arrow columns from numpy arrays: ids, references, labels, timestamps and dates.

Ids are a prefix and a zero-padded number (`R001`, `L000123`, `A00001234`), built with Arrow
compute kernels over the whole column at once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def id_width(count: int, minimum: int) -> int:
    """Digits needed to number `count` items, at least `minimum`."""
    return max(minimum, len(str(max(count, 1))))


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + (number + 1) zero-padded to `width` digits, for 0-based numbers."""
    digits = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64) + 1), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(digits, width=width, padding="0"),
                                       "")


def ids_in_order(prefix: str, keys: np.ndarray, minimum: int) -> tuple[pa.Array, np.ndarray]:
    """Ids numbered in ascending `keys` order, indexed by original position; and that order."""
    order = np.argsort(keys, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    return format_ids(prefix, rank, id_width(order.shape[0], minimum)), order


def refs(ids: pa.Array, index: np.ndarray) -> pa.Array:
    """The ids at the given positions; negative positions give nulls."""
    index = np.asarray(index, dtype=np.int64)
    return pc.take(ids, pa.array(index, mask=index < 0))


def labels(vocabulary: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """The words for the given codes."""
    return pc.take(pa.array(vocabulary, pa.string()), pa.array(np.asarray(codes, np.int64)))


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Timestamps (second precision) from epoch seconds; null where `valid` is False."""
    values = np.asarray(seconds, dtype=np.int64)
    mask = None if valid is None else ~np.asarray(valid)
    if mask is not None:
        values = np.where(mask, 0, values)
    return pa.array(values, type=pa.timestamp("s"), mask=mask)


def dates(days: np.ndarray) -> pa.Array:
    """Dates from epoch day numbers."""
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32())


def time_order(t: np.ndarray) -> np.ndarray:
    """Positions that sort `t` ascending, stable, via one sort of packed (t, position) keys."""
    n = t.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    low = int(t.min())
    index_bits = max(1, n.bit_length())
    if int(t.max()) - low >= 1 << (62 - index_bits):
        return np.argsort(t, kind="stable")
    key = t - low
    key <<= index_bits
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    key &= (1 << index_bits) - 1
    return key
