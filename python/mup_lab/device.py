"""The --device option shared by the command-line trainers (train, sweep)."""
import argparse
from typing import Callable, Optional

import torch


def add_device_arg(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--device", choices=["cpu", "cuda"], default=None, help="default: cuda if available")


def device_kind(requested: Optional[str], prog: str, log: Callable[[str], None]) -> Optional[str]:
    """'cuda' or 'cpu' (default: cuda if available); None, with a message, if cuda was asked for and is absent."""
    kind = requested or ("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        log(f"{prog}: --device cuda but CUDA is not available")
        return None
    return kind
