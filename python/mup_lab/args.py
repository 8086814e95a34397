"""Command-line parsing for the trainers (train, sweep): argparse with every mistake reported in
one line (`python -m mup_lab.train: --steps: must be an integer from 1 to 1000000000 (got '0')
(see --help)`, exit status 2) instead of the usage block, and typed, bounded numbers."""
from __future__ import annotations

import argparse
import sys
from typing import Callable, NoReturn, Optional


class ArgParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        message = " ".join(message.split()).replace("argument ", "", 1)
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def int_in(lo: int, hi: Optional[int] = None) -> Callable[[str], int]:
    """An argparse type: an integer in [lo, hi], written in decimal."""

    def parse(text: str) -> int:
        try:
            v = int(text, 10)
        except ValueError:
            v = None
        if v is None or v < lo or (hi is not None and v > hi):
            bounds = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"must be an integer {bounds} (got {text!r})")
        return v

    parse.__name__ = "integer"
    return parse


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
