"""Interruptions: stopping at a step boundary on SIGINT/SIGTERM, quiet pool workers, and the exact
command that resumes an interrupted run."""
from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
import time
from types import FrameType
from typing import Callable, List, Optional, Sequence

_HANDLED = (signal.SIGINT, signal.SIGTERM)
#: A Ctrl-C under torchrun reaches a worker twice (from the terminal, then from torchrun's agent).
REPEAT_S = 2.0


class StopRequest:
    """While active (a context manager), the first SIGINT or SIGTERM only sets `requested` (the
    trainer stops at the next step boundary, after a checkpoint); a second Ctrl-C interrupts at
    once (KeyboardInterrupt), if it comes over REPEAT_S seconds after the first. Outside the main thread it does nothing: signals go there."""

    def __init__(self) -> None:
        self.requested: Optional[str] = None
        self._first = 0.0
        self._previous: dict = {}

    def _handle(self, signum: int, frame: Optional[FrameType]) -> None:
        name = signal.Signals(signum).name
        if self.requested is None:
            self.requested = name
            self._first = time.monotonic()
        elif name == "SIGINT" and time.monotonic() - self._first > REPEAT_S:
            raise KeyboardInterrupt
        # Else torchrun passing the same Ctrl-C on (as SIGINT or SIGTERM): already stopping.

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            for s in _HANDLED:
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, h in self._previous.items():
            signal.signal(s, h)
        self._previous.clear()


def sigterm_interrupts() -> Callable[[], None]:
    """SIGTERM raises KeyboardInterrupt like SIGINT (so `kill PID` takes the Ctrl-C path);
    returns a function that restores the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


def die_with_parent(poll_s: float = 0.5) -> None:
    """For a pool worker: exit at once, silently, when the parent process is gone (killed with
    -9, say) instead of finishing its run and dying on a broken pipe with a traceback. Linux
    kills it with the parent (PR_SET_PDEATHSIG); elsewhere a thread polls the parent's pid."""
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _launcher_argv() -> Optional[List[str]]:
    """Under torchrun (TORCHELASTIC_RUN_ID is set) the worker's parent is the torchrun agent,
    whose command line is the one to repeat; None when it cannot be read."""
    if "TORCHELASTIC_RUN_ID" not in os.environ:
        return None
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    argv = [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0") if a]
    return argv or None


def resume_command(module: str, args: Sequence[str], flag: str = "--resume") -> str:
    """The command that continues this run, quoted for a POSIX shell: under torchrun the
    torchrun command that started it, else `python -m module args`; with `flag` added."""
    argv = _launcher_argv()
    if argv is None and "TORCHELASTIC_RUN_ID" in os.environ:
        nproc = os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1"))
        argv = ["torchrun", f"--nproc_per_node={nproc}", "-m", module, *args]
    if argv is None:
        argv = [sys.executable or "python3", "-m", module, *args]
    if flag not in argv:
        argv.append(flag)
    return shlex.join(argv)
