"""A lost torchrun peer: recognizing the collective's error, naming the lost rank, and a watchdog
that ends the survivor when no step finishes within the bound (a peer that hangs instead of dying,
or a collective that never returns)."""
from __future__ import annotations

import re
import sys
import threading
import time
from typing import Callable

# What gloo and NCCL say when a peer's connection closes or a collective times out.
_PEER_ERROR = re.compile(
    r"connection (closed|reset|refused)|closed by peer|broken pipe|timed out|timeout|"
    r"gloo|nccl|socket|peer|recv|send",
    re.IGNORECASE,
)


def is_peer_error(e: BaseException) -> bool:
    return isinstance(e, RuntimeError) and bool(_PEER_ERROR.search(str(e)))


def lost_peer(rank: int, world: int) -> str:
    """Who was lost: with two processes it can only be the other one."""
    return f"rank {1 - rank}" if world == 2 else "a peer process"


def peer_reason(e: BaseException, timeout_s: float) -> str:
    text = str(e).lower()
    if "timed out" in text or "timeout" in text:
        return f"no answer within {timeout_s:g} s"
    return "its connection closed"


class Watchdog:
    """Calls `expire()` from a thread if `beat()` was not called for `limit_s` seconds while
    armed; `expire` must end the process (it runs while the main thread may be stuck in C++)."""

    def __init__(self, limit_s: float, expire: Callable[[], None]):
        self.limit_s = limit_s
        self._expire = expire
        self._last = time.monotonic()
        self._armed = False
        self._thread = threading.Thread(target=self._watch, name="peer-watchdog", daemon=True)
        self._thread.start()

    def beat(self) -> None:
        self._last = time.monotonic()

    def arm(self) -> None:
        self.beat()
        self._armed = True

    def disarm(self) -> None:
        self._armed = False

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.limit_s / 4))
            if self._armed and time.monotonic() - self._last > self.limit_s:
                self._expire()
                return


def exit_now(message: str, code: int) -> None:
    """Prints one line and ends the process without unwinding: a process group whose peer is
    gone can hang in its destructor."""
    import os

    if message:
        print(message, file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(code)
