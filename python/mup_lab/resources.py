"""The memory a training run needs, computed before anything is allocated, and the refusal of a
run that does not fit, naming the largest width that does (as the page refuses a width whose
buffers exceed the adapter's limits, src/sweep/config.ts validateSweepConfig).

A run of model.py's GPT under LabAdamW, float32, per process (B = rows of the batch in this
process, T = context, d = width, h = MLP width, H = heads, V = vocabulary, L = depth, P = the
parameters of shapes.gpt_tensors):

    parameters   weights and gradients: 8 P bytes (+ 4 P for DDP's gradient buckets when
                 several processes train);
    optimizer    Adam's m and v: 8 P bytes, plus the update's temporaries (scaled gradient,
                 denominator, squared gradient: 3 × the largest tensor);
    activations  what autograd keeps for the backward pass: per block about 20 B·T·d (layer
                 norms, q/k/v and their contiguous copies, attention output, projections,
                 residuals) + 2 B·T·h (MLP in/GELU) + 4 B·H·T² (scores, scaled, masked,
                 softmax); outside the blocks 4 B·T·d + 3 B·T·V (logits, scaled, log-softmax);
                 plus the backward's transient gradients, 3 × the largest of B·T·h, B·H·T²,
                 B·T·V; plus the token ids of the evaluation batches.

The limit is 90% of the memory free now: CUDA's free memory on the device (torch.cuda.mem_get_info)
or, on the CPU, the kernel's MemAvailable shared by the processes of this machine.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from .shapes import GptShape

BYTES = 4  # float32
#: Share of the free memory a run may plan to use (allocator fragmentation, CUDA context, Python).
HEADROOM = 0.9


@dataclass(frozen=True)
class RunMemory:
    parameters: int
    optimizer: int
    activations: int

    @property
    def total(self) -> int:
        return self.parameters + self.optimizer + self.activations


def run_memory(shape: GptShape, rows: int, processes: int = 1, eval_batches: int = 0) -> RunMemory:
    """Bytes one process needs to train `shape` on `rows` sequences per step (see the header)."""
    P, largest = parameter_count(shape)
    B, T, d, h = rows, shape.context, shape.width, shape.mlp_width
    H, V, L = shape.heads_of, shape.vocab, shape.depth
    parameters = BYTES * P * (3 if processes > 1 else 2)
    optimizer = BYTES * (2 * P + 3 * largest)
    block = 20 * B * T * d + 2 * B * T * h + 4 * B * H * T * T
    floats = L * block + 4 * B * T * d + 3 * B * T * V + 3 * max(B * T * h, B * H * T * T, B * T * V)
    ids = 2 * 8 * B * (T + 1) * max(1, eval_batches)  # int64 inputs and targets
    return RunMemory(parameters, optimizer, BYTES * floats + ids)


def parameter_count(shape: GptShape) -> tuple:
    """(parameters, elements of the largest tensor) of shapes.gpt_tensors(shape), in closed form
    (the search for the largest width that fits evaluates it often, at any depth)."""
    d, h, V, T, L = shape.width, shape.mlp_width, shape.vocab, shape.context, shape.depth
    bias = 1 if shape.biases else 0
    block = 4 * d * d + 2 * d * h + 2 * d * (1 + bias) + bias * (3 * d + d + h + d)
    P = V * d + T * d + L * block + d * (1 + bias) + (0 if shape.tied_readout else d * V)
    return P, max(V * d, T * d, 3 * d * d, d * h)


def _meminfo_available() -> Optional[int]:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def available_memory(kind: str, device_index: int = 0) -> Optional[int]:
    """Free bytes on the device now (None when unknown: the check is then skipped)."""
    if kind == "cuda":
        import torch

        try:
            free, _total = torch.cuda.mem_get_info(device_index)
            return int(free)
        except (RuntimeError, AttributeError):
            return None
    return _meminfo_available()


def format_bytes(n: float) -> str:
    for unit, size in (("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


def _width_unit(shape: GptShape) -> int:
    """Valid widths are multiples of this (fixed heads: the head count; fixed size: the size)."""
    return shape.heads if shape.heads is not None else shape.head_size  # type: ignore[return-value]


def _valid(shape: GptShape) -> bool:
    try:
        shape.check()
        return True
    except ValueError:
        return False


def largest_fitting_width(
    shape: GptShape, rows: int, limit: int, processes: int = 1, eval_batches: int = 0
) -> Optional[int]:
    """The largest valid width of `shape` whose run needs at most `limit` bytes; None if none.
    The need grows with the width, so a doubling then a bisection over multiples of the unit."""
    unit = _width_unit(shape)

    def fits(k: int) -> bool:
        s = shape.with_(width=k * unit)
        return run_memory(s, rows, processes, eval_batches).total <= limit

    if not fits(1):
        return None
    lo, hi = 1, 2
    while fits(hi) and hi < 2**40:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    for k in range(lo, 0, -1):  # an MLP ratio such as 1.5 needs even widths
        if _valid(shape.with_(width=k * unit)):
            return k * unit
    return None


def fit_problem(
    shape: GptShape,
    rows: int,
    kind: str,
    processes: int = 1,
    sharing: int = 1,
    eval_batches: int = 0,
    device_index: int = 0,
    available: Optional[int] = None,
) -> Optional[str]:
    """None when a run of `shape` fits in memory; else why not, in one line, with the largest width
    that fits. `sharing` processes of this machine draw on the same memory (CPU: torchrun's local
    processes or the sweep's --jobs)."""
    free = available if available is not None else available_memory(kind, device_index)
    if free is None:
        return None
    limit = int(HEADROOM * free / max(1, sharing))
    need = run_memory(shape, rows, processes, eval_batches)
    if need.total <= limit:
        return None
    fits = largest_fitting_width(shape, rows, limit, processes, eval_batches)
    per = f" per process ({sharing} processes share this machine's memory)" if sharing > 1 else ""
    advice = (
        f"the largest width that fits is {fits}"
        if fits is not None
        else "no width fits; lower the batch or the context"
    )
    return (
        f"width {shape.width} depth {shape.depth} needs about {format_bytes(need.total)}{per} "
        f"(parameters and gradients {format_bytes(need.parameters)}, optimizer state "
        f"{format_bytes(need.optimizer)}, activations {format_bytes(need.activations)}), more than "
        f"the {format_bytes(limit)} usable of {format_bytes(free)} free on {kind}; {advice}"
    )
