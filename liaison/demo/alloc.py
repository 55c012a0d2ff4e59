"""Exact-sum allocation and tree-path helpers: the figures come out exactly by construction."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's MP_Node.alphabet
STEPLEN = 4


def step(n: int) -> str:
    """The ``n``-th (1-based) materialized-path step: base 36, zero-padded to ``STEPLEN``."""
    if n <= 0:
        raise ValueError("steps start at 1")
    digits = ""
    while n:
        n, r = divmod(n, 36)
        digits = ALPHABET[r] + digits
    if len(digits) > STEPLEN:
        raise ValueError("too many siblings for the path step length")
    return digits.rjust(STEPLEN, ALPHABET[0])


def exact_split(
    total: int,
    n: int,
    *,
    rng: random.Random | None = None,
    lo: int | Sequence[int] = 0,
    hi: int | Sequence[int] | None = None,
    weights: Sequence[float] | None = None,
) -> list[int]:
    """``n`` integers with ``lo[i] <= x[i] <= hi[i]`` summing to exactly ``total``.

    The surplus over the lower bounds goes out in proportion to ``weights`` (random
    weights in [0.5, 1.5) from ``rng`` when not given), floors first, then largest
    remainders; capped entries drop out and the rest is shared again."""
    lows = [lo] * n if isinstance(lo, int) else list(lo)
    highs = [total] * n if hi is None else ([hi] * n if isinstance(hi, int) else list(hi))
    highs = [max(h, low) for h, low in zip(highs, lows, strict=True)]
    if weights is None:
        rng = rng or random.Random(0)
        weights = [0.5 + rng.random() for _ in range(n)]
    x = list(lows)
    rem = total - sum(x)
    if rem < 0 or rem > sum(highs) - sum(lows):
        raise ValueError(f"cannot split {total} into {n} parts within the bounds")
    while rem > 0:
        active = [i for i in range(n) if x[i] < highs[i]]
        ws = {i: max(float(weights[i]), 0.0) for i in active}
        wsum = sum(ws.values())
        if wsum <= 0:
            ws, wsum = dict.fromkeys(active, 1.0), float(len(active))
        shares = {i: rem * ws[i] / wsum for i in active}
        given = 0
        for i in active:
            f = min(math.floor(shares[i]), highs[i] - x[i])
            x[i] += f
            given += f
        rem -= given
        if rem > 0 and given == 0:
            order = sorted(active, key=lambda i: (shares[i] - math.floor(shares[i]), -i), reverse=True)
            for i in order[:rem]:
                x[i] += 1
            rem -= min(rem, len(order))
    return x
