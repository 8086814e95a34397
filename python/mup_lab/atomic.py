"""Atomic file output: every file mup_lab writes goes to a temporary file in the same directory,
is fsync'd, and is renamed over the target (then the directory is fsync'd), so a reader, a crash,
a kill -9 or a full disk leaves either the previous file or the new one, never a truncated one.

check_writable() tests an output path before any work, so a missing or read-only directory is
refused at once instead of after training.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import IO, Any, Callable, Iterator, Optional


class OutputError(OSError):
    """A file could not be written; str() is one line naming the path (the previous file, if
    any, is unchanged)."""


def _reason(e: OSError) -> str:
    return e.strerror or str(e)


def check_writable(path: str, flag: str) -> None:
    """Raises OutputError (one line naming `flag`) unless a file can be created beside `path`
    and renamed onto it: the directory exists, is a directory and is writable, and `path` is
    not a directory. Creates and removes one empty temporary file."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OutputError(f"{flag} {path}: is a directory")
    if not os.path.exists(directory):
        raise OutputError(f"{flag} {path}: the directory {directory} does not exist")
    if not os.path.isdir(directory):
        raise OutputError(f"{flag} {path}: {directory} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".probe")
    except OSError as e:
        raise OutputError(f"{flag} {path}: cannot create files in {directory} ({_reason(e)})") from None
    os.close(fd)
    os.unlink(probe)


def _fsync_dir(directory: str) -> None:
    # The rename is durable only once the directory entry is; some systems cannot open a
    # directory for fsync, where there is nothing more to do.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: str, mode: str = "wb") -> Iterator[IO[Any]]:
    """`with atomic_file(p, 'w') as f: ...` writes p atomically; any error (the body's or the
    disk's) removes the temporary file, leaves p as it was and raises OutputError for OSErrors."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"{path}: cannot write ({_reason(e)})") from None
    try:
        # mkstemp makes the file 0600; give it the mode the file had, else what open() would.
        os.chmod(tmp, _mode_for(path))
        kwargs = {"encoding": "utf-8"} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, OutputError):
            kept = "the previous file is unchanged" if os.path.exists(path) else "nothing was written"
            raise OutputError(f"{path}: cannot write ({_reason(e)}); {kept}") from None
        raise
    _fsync_dir(directory)


def _mode_for(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_bytes(path: str, data: bytes) -> None:
    with atomic_file(path, "wb") as f:
        f.write(data)


def write_json(path: str, obj: Any, **dump_kwargs: Any) -> None:
    """json.dump(obj) to `path`, atomically. Serializes first, so an unserializable object
    raises before anything touches the disk."""
    write_bytes(path, json.dumps(obj, **dump_kwargs).encode("utf-8"))


class _HeldError:
    """A binary file whose first failed write is held back, not raised: later writes are
    dropped and `error` is raised once the writer is done. torch.save's C++ zip writer aborts
    the process (std::terminate) when a write raises inside it; this lets it finish."""

    def __init__(self, f: IO[bytes]):
        self._f = f
        self.error: Optional[OSError] = None

    def write(self, data: bytes) -> int:
        if self.error is None:
            try:
                self._f.write(data)
            except OSError as e:
                self.error = e
        return len(data)

    def flush(self) -> None:
        if self.error is None:
            self._f.flush()


def write_with(path: str, writer: Callable[[Any], None]) -> None:
    """writer(f) into `path`, atomically (e.g. `lambda f: torch.save(state, f)`); f has only
    write() and flush()."""
    with atomic_file(path, "wb") as f:
        held = _HeldError(f)
        writer(held)
        if held.error is not None:
            raise held.error
