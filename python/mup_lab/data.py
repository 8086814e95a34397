"""The lab's data pipeline (src/data, src/util/random.ts): character tokenizer, train/validation
split, seeded window sampling, evaluation windows, and the learning-rate schedule.

BatchSampler uses the lab's generator (mulberry32), so a seed gives the same windows as the lab.
Under data parallelism every rank draws the same global batch and keeps its own slice of rows,
so K processes see exactly the batches one process sees.
"""
from __future__ import annotations

import hashlib
import math
from typing import List, Sequence, Tuple

import torch

VAL_FRACTION = 0.1
_M32 = 0xFFFFFFFF

# Tiny Shakespeare, the lab's built-in real text (src/data/shakespeare.ts, src/data/corpora).
TINY_SHAKESPEARE_FILE = "tinyshakespeare.txt"
TINY_SHAKESPEARE_BYTES = 1_115_394
TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


def check_tiny_shakespeare(raw: bytes) -> str:
    """The text of Tiny Shakespeare's file, after checking its size and SHA-256 (ValueError if
    it is another file: a sweep on the built-in text must train on exactly that text)."""
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) != TINY_SHAKESPEARE_BYTES or digest != TINY_SHAKESPEARE_SHA256:
        raise ValueError(
            f"not the lab's Tiny Shakespeare ({len(raw)} bytes, SHA-256 {digest[:12]}...; "
            f"expected {TINY_SHAKESPEARE_BYTES} bytes, {TINY_SHAKESPEARE_SHA256[:12]}...)"
        )
    return raw.decode("utf-8")


def _imul(a: int, b: int) -> int:
    return (a * b) & _M32


class Rng:
    """mulberry32, bit for bit as src/util/random.ts Rng."""

    def __init__(self, seed: int):
        self.state = ((seed & _M32) ^ 0x9E3779B9) & _M32

    def next(self) -> float:
        self.state = (self.state + 0x6D2B79F5) & _M32
        t = self.state
        t = _imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & _M32)) & _M32
        return ((t ^ (t >> 14)) & _M32) / 4294967296.0

    def int(self, n: int) -> int:
        return math.floor(self.next() * n)

    def uniforms(self, n: int) -> torch.Tensor:
        """The next `n` values of next() as float64, vectorized: mulberry32's state is a counter,
        so draw k depends only on state + k·increment. int64 products of two 32-bit values wrap
        modulo 2^64, which keeps their low 32 bits (all that Math.imul keeps)."""
        m = _M32
        t = (self.state + torch.arange(1, n + 1, dtype=torch.int64) * 0x6D2B79F5) & m
        if n > 0:
            self.state = int(t[-1])
        t = ((t ^ (t >> 15)) * (t | 1)) & m
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & m)) & m)) & m
        return ((t ^ (t >> 14)) & m).to(torch.float64) / 4294967296.0

    def normals(self, n: int) -> torch.Tensor:
        """The next `n` values of the lab's normal() (Box-Muller on pairs of draws), float64."""
        d = self.uniforms(2 * n)
        u, v = 1 - d[0::2], d[1::2]
        return torch.sqrt(-2 * torch.log(u)) * torch.cos(2 * math.pi * v)


class CharTokenizer:
    """One token per code point; the vocabulary is the text's sorted code points."""

    def __init__(self, vocab: Sequence[str]):
        self.vocab = list(vocab)
        self.ids = {c: i for i, c in enumerate(self.vocab)}

    @staticmethod
    def from_text(text: str) -> "CharTokenizer":
        if not text:
            raise ValueError("Cannot build a tokenizer from an empty text")
        return CharTokenizer(sorted(set(text), key=ord))

    def encode(self, text: str) -> torch.Tensor:
        return torch.tensor([self.ids[c] for c in text], dtype=torch.long)


def split_tokens(tokens: torch.Tensor, context: int, val_fraction: float = VAL_FRACTION):
    """(train, val): validation is the last floor(n·f) tokens; each must hold a window."""
    n_val = math.floor(len(tokens) * val_fraction)
    train, val = tokens[: len(tokens) - n_val], tokens[len(tokens) - n_val :]
    if len(train) <= context or len(val) <= context:
        raise ValueError(
            f"{len(tokens)} tokens are too few for context {context}: train has {len(train)} "
            f"and validation {len(val)}, each needs at least {context + 1}"
        )
    return train, val


def _windows(tokens: torch.Tensor, starts: Sequence[int], context: int) -> Tuple[torch.Tensor, torch.Tensor]:
    idx = torch.tensor(starts, dtype=torch.long)[:, None] + torch.arange(context + 1)[None, :]
    w = tokens[idx]
    return w[:, :-1], w[:, 1:]


class BatchSampler:
    """Seeded random windows (src/data/batches.ts BatchSampler); `rank`/`world` pick a slice of
    the global batch's rows."""

    def __init__(self, tokens: torch.Tensor, batch: int, context: int, seed: int, rank: int = 0, world: int = 1):
        if batch % world != 0:
            raise ValueError(f"--batch {batch} is not divisible by the {world} processes")
        if len(tokens) < context + 1:
            raise ValueError(f"{len(tokens)} tokens are too few for one window of context {context} (+1)")
        self.tokens, self.batch, self.context = tokens, batch, context
        self.rng = Rng(seed)
        self.rows = slice(rank * batch // world, (rank + 1) * batch // world)

    def next(self) -> Tuple[torch.Tensor, torch.Tensor]:
        windows = len(self.tokens) - self.context
        starts = [self.rng.int(windows) for _ in range(self.batch)]
        return _windows(self.tokens, starts[self.rows], self.context)


def eval_batches(tokens: torch.Tensor, batch: int, context: int, count: int) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """`count` fixed batches of windows spread evenly over the tokens (src/data/batches.ts)."""
    total = batch * count
    last = len(tokens) - context - 1
    # JS Math.round: halves go up.
    starts = [0 if total == 1 else math.floor((i * last) / (total - 1) + 0.5) for i in range(total)]
    return [_windows(tokens, starts[k * batch : (k + 1) * batch], context) for k in range(count)]


def lr_factor(schedule: dict, step: int, total_steps: int) -> float:
    """src/train/schedule.ts lrFactor (1-based step)."""
    if schedule["kind"] == "constant":
        return 1.0
    warm = max(0, math.floor(schedule["warmupSteps"]))
    if step <= warm:
        return step / max(1, warm)
    progress = min(1.0, (step - warm) / max(1, total_steps - warm))
    r = schedule["minRatio"]
    return r + (1 - r) * 0.5 * (1 + math.cos(math.pi * progress))
