"""The sweep journal: one JSON line per finished run, appended and fsync'd as each run ends, so an
interrupted `python -m mup_lab.sweep` resumes (--resume) with the runs not yet done.

The first line names the plan (a SHA-256 of its canonical JSON), so a journal is never applied
to another plan. A crash can tear only the last line (each line is one append); reading drops a
torn last line and cuts it off the file before appending again. An append that fails (a full
disk) is cut off the same way, so the journal always ends with a whole line.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Callable, Dict, Iterable, Tuple

from .atomic import OutputError, write_bytes

JOURNAL_FORMAT = "mup-lab/sweep-journal"
JOURNAL_VERSION = 1


class JournalError(ValueError):
    """The journal cannot be used; str() is one line naming the file."""


def journal_path(out: str) -> str:
    """Where the journal of a sweep written to `out` lives: beside it."""
    return out + ".journal"


def plan_digest(plan: Dict[str, Any]) -> str:
    canonical = json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Journal:
    def __init__(self, path: str, fd: int):
        self.path = path
        self._fd = fd

    @staticmethod
    def create(path: str, digest: str, runs: int) -> "Journal":
        """A new journal holding only its header (replacing any file at `path`, atomically)."""
        header = {"format": JOURNAL_FORMAT, "version": JOURNAL_VERSION, "plan": digest, "runs": runs}
        write_bytes(path, (json.dumps(header) + "\n").encode("utf-8"))
        return Journal(path, _open_append(path))

    @staticmethod
    def resume(path: str, digest: str, run_ids: Iterable[str]) -> Tuple["Journal", Dict[str, Dict[str, Any]]]:
        """The journal at `path` opened for appending, and its finished runs by id."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise JournalError(f"{path}: cannot read ({e.strerror})") from None
        lines = data.split(b"\n")
        # Everything after the last newline is a torn append (or nothing).
        whole, torn = lines[:-1], lines[-1]
        if not whole:
            raise JournalError(f"{path}: not a sweep journal (no header line)")
        header = _parse(path, whole[0], 1)
        if not isinstance(header, dict) or header.get("format") != JOURNAL_FORMAT:
            raise JournalError(f"{path}: not a sweep journal (format must be {JOURNAL_FORMAT!r})")
        if header.get("version") != JOURNAL_VERSION:
            raise JournalError(f"{path}: journal version {header.get('version')!r} is not supported")
        if header.get("plan") != digest:
            raise JournalError(
                f"{path}: journal of another plan (the plan file changed); remove it to start over"
            )
        known = set(run_ids)
        done: Dict[str, Dict[str, Any]] = {}
        for n, line in enumerate(whole[1:], start=2):
            record = _parse(path, line, n)
            if not isinstance(record, dict) or record.get("id") not in known:
                raise JournalError(f"{path}: line {n}: not a run of this plan")
            done[record["id"]] = record
        fd = _open_append(path)
        if torn:
            try:
                os.ftruncate(fd, len(data) - len(torn))
                os.fsync(fd)
            except OSError as e:
                os.close(fd)
                raise OutputError(f"{path}: cannot cut its torn last line ({e.strerror})") from None
        return Journal(path, fd), done

    def append(self, record: Dict[str, Any]) -> None:
        """Adds one finished run, durably; a failed append leaves the journal as it was."""
        line = (json.dumps(record) + "\n").encode("utf-8")
        size = os.fstat(self._fd).st_size
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as e:
            try:
                os.ftruncate(self._fd, size)
            except OSError:
                pass  # the next resume drops the torn line
            raise OutputError(f"{self.path}: cannot append ({e.strerror}); the journal keeps the runs before") from None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def remove(self) -> None:
        """Once the sweep's output is written the journal has no more use."""
        self.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def open_journal(out: str, plan: Dict[str, Any], resume: bool, log: Callable[[str], None]) -> Tuple[Journal, Dict[str, Dict[str, Any]]]:
    """The journal beside `out` and the runs it holds: with `resume`, the existing journal (a
    new one if there is none); without, a new one, refusing to replace an interrupted sweep's."""
    path = journal_path(out)
    digest = plan_digest(plan)
    ids = [r["id"] for r in plan["runs"]]
    if os.path.exists(path):
        if resume:
            return Journal.resume(path, digest, ids)
        raise JournalError(
            f"{path}: an interrupted sweep's journal; add --resume to continue it, or remove it to start over"
        )
    if resume:
        log(f"mup_lab.sweep: no journal at {path}: starting with the first run")
    return Journal.create(path, digest, len(ids)), {}


def _open_append(path: str) -> int:
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError as e:
        raise OutputError(f"{path}: cannot open for appending ({e.strerror})") from None


def _parse(path: str, line: bytes, n: int) -> Any:
    try:
        return json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise JournalError(f"{path}: line {n} is damaged (not JSON)") from None

