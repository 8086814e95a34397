"""Checkpoints of `python -m mup_lab.train` (--checkpoint-every, --resume): everything the next
step depends on, so a resumed run continues to the losses an uninterrupted run gives (bit for
bit on a CPU): the model, the optimizer's moments and step count, the data sampler's position,
the RNG states, the losses so far. Written atomically (atomic.py); a checkpoint records the run
it belongs to (the export's and text's SHA-256, shapes, steps, batch, seed) and refuses another.
"""
from __future__ import annotations

import hashlib
import inspect
import random
from typing import Any, Dict, List

import torch

from .atomic import write_with
from .data import BatchSampler

CHECKPOINT_FORMAT = "mup-lab/pytorch-checkpoint"
CHECKPOINT_VERSION = 1


class CheckpointError(ValueError):
    """The checkpoint cannot be resumed; str() is one line naming the file."""


def file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_checkpoint(
    path: str,
    run: Dict[str, Any],
    step: int,
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    sampler: BatchSampler,
    losses: List[float],
    skipped: int,
    millis: float,
) -> None:
    """The state after `step` steps, atomically at `path` (OutputError if it cannot be written)."""
    state = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "run": run,
        "step": step,
        "model": model.state_dict(),
        # The per-parameter state only (LabAdamW: the moments), in the optimizer's order: the
        # groups' lr, ε and weight decay come from the export again. Floats go in tensors,
        # which every torch's weights_only loader reads (1.13's cannot read a pickled float).
        "optimizerState": [dict(opt.state.get(p, {})) for g in opt.param_groups for p in g["params"]],
        # LabAdamW's shared step count and skipped updates (not per-parameter state).
        "optimizerStep": getattr(opt, "t", 0),
        "optimizerSkipped": getattr(opt, "skipped", 0),
        "sampler": sampler.rng.state,
        "losses": torch.tensor(losses, dtype=torch.float64),
        "skippedSteps": skipped,
        "millis": torch.tensor(millis, dtype=torch.float64),
        "torchRng": torch.get_rng_state(),
        "cudaRng": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None,
        "pythonRng": random.getstate(),
    }
    write_with(path, lambda f: torch.save(state, f))


def load_checkpoint(path: str, run: Dict[str, Any]) -> Dict[str, Any]:
    """Reads a checkpoint of the run `run` describes; CheckpointError (one line) otherwise."""
    # weights_only (where this torch has it) unpickles tensors and plain containers only: a
    # checkpoint cannot run code.
    kwargs = {"weights_only": True} if "weights_only" in inspect.signature(torch.load).parameters else {}
    try:
        state = torch.load(path, map_location="cpu", **kwargs)
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read ({e.strerror or e})") from None
    except Exception as e:  # torch.load raises many kinds (pickle, zip, RuntimeError) on a damaged file
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path}: not a mup_lab.train checkpoint")
    if state.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"{path}: checkpoint version {state.get('version')!r} is not supported")
    theirs = state.get("run", {})
    for key, ours in run.items():
        if theirs.get(key) != ours:
            raise CheckpointError(
                f"{path}: the checkpoint of another run ({key} {theirs.get(key)!r}, this run {ours!r}); "
                "remove it or drop --resume to start over"
            )
    if not isinstance(state.get("step"), int) or not 0 <= state["step"] <= run["steps"]:
        raise CheckpointError(f"{path}: step {state.get('step')!r} is out of range")
    return state


def restore(
    state: Dict[str, Any], model: torch.nn.Module, opt: torch.optim.Optimizer, sampler: BatchSampler
) -> None:
    """Puts a loaded checkpoint's state into a freshly built model, optimizer and sampler."""
    model.load_state_dict(state["model"])
    params = [p for g in opt.param_groups for p in g["params"]]
    saved = state["optimizerState"]
    if len(saved) != len(params):
        raise CheckpointError(f"the checkpoint has optimizer state for {len(saved)} tensors, the model {len(params)}")
    for p, st in zip(params, saved):
        if st:
            opt.state[p] = {k: v.to(p.device) if isinstance(v, torch.Tensor) else v for k, v in st.items()}
    if hasattr(opt, "t"):
        opt.t = state["optimizerStep"]
        opt.skipped = state["optimizerSkipped"]
    sampler.rng.state = state["sampler"]
    torch.set_rng_state(state["torchRng"])
    if state.get("cudaRng") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cudaRng"])
    random.setstate(_as_tuple(state["pythonRng"]))


def losses_of(state: Dict[str, Any]) -> List[float]:
    return [float(v) for v in state["losses"]]


def millis_of(state: Dict[str, Any]) -> float:
    return float(state["millis"])


def _as_tuple(x: Any) -> Any:
    """random.setstate needs the tuples getstate gave; a weights_only load may turn them into lists."""
    return tuple(_as_tuple(v) for v in x) if isinstance(x, (list, tuple)) else x
