"""The lab's one rule for a user's text, a port of src/data/text.ts checkUserText (same checks, same
order, same limits, same messages), used wherever mup_lab reads a user's text (train --text, a
plan's text). In order:

    too large   more than MAX_TEXT_BYTES (10 MB) of UTF-8;
    empty       no bytes, or only whitespace;
    binary      a NUL byte, or more than 1% control characters (other than tab, newline, CR,
                form feed);
    invalid     not UTF-8 (strict: no lone surrogates, no overlong forms), or a string with lone
                surrogates;
    too many    more than MAX_DISTINCT_CHARS distinct characters (each is a vocabulary entry);
    too short   fewer characters than the context needs: both the training part and the last
                10% kept for validation must hold a window of context + 1 characters.

On success the text comes back without a byte-order mark and with \\r\\n and \\r turned into \\n.
test/fixtures/text holds the files the page, the CLI and this port are all tested with.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional, Union

MAX_TEXT_BYTES = 10 * 1024 * 1024
_LIMIT = f"{MAX_TEXT_BYTES // (1024 * 1024)} MB"
MAX_DISTINCT_CHARS = 4096
MAX_CONTROL_SHARE = 0.01
DEFAULT_VAL_FRACTION = 0.1

#: What JavaScript's String.prototype.trim() removes (WhiteSpace and LineTerminator): Python's
#: str.strip() differs (it strips \x1c-\x1f and \x85, keeps U+FEFF).
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class TextCheck:
    ok: bool
    #: None when ok; else 'too-large', 'empty', 'binary', 'invalid-encoding',
    #: 'too-many-characters' or 'too-short' (src/data/text.ts TextProblem).
    problem: Optional[str] = None
    message: str = ""
    text: str = ""
    #: Characters (code points), distinct characters (the vocabulary) and bytes.
    length: int = 0
    distinct: int = 0
    bytes: int = 0


def _to_fixed(x: float, digits: int) -> str:
    """JavaScript's Number.prototype.toFixed for x >= 0 (halves of the exact value go up)."""
    return str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _format_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{_to_fixed(n / (1024 * 1024), 1)} MB"
    if n >= 1024:
        return f"{_to_fixed(n / 1024, 1)} kB"
    return f"{n} bytes"


def min_tokens_for(context: int, val_fraction: float = DEFAULT_VAL_FRACTION) -> int:
    """src/data/batches.ts minTokensFor: the fewest tokens whose split leaves a window of
    context + 1 tokens on both sides."""
    if not (0 < val_fraction < 1):
        raise ValueError(f"Validation fraction must be in (0, 1), got {val_fraction}")
    window = context + 1
    n = max(math.ceil(window / val_fraction), 2 * window)
    while math.floor(n * val_fraction) < window or n - math.floor(n * val_fraction) < window:
        n += 1
    return n


def first_invalid_utf8(data: bytes) -> int:
    """Byte offset of the first byte that breaks UTF-8, or -1 (only used to word the message)."""
    try:
        data.decode("utf-8")
        return -1
    except UnicodeDecodeError as e:
        return e.start


def _fail(problem: str, message: str) -> TextCheck:
    return TextCheck(ok=False, problem=problem, message=message)


def check_user_text(
    data: Union[str, bytes, bytearray], context: int, val_fraction: float = DEFAULT_VAL_FRACTION
) -> TextCheck:
    """Validates a text or a file's bytes; see the module's header for the checks and their order."""
    if isinstance(data, str):
        # A str from JSON may hold lone surrogates ("\ud800"); encode them to count the bytes as
        # TextEncoder does (one U+FFFD, 3 bytes, each).
        n_bytes = len(data.encode("utf-8", "surrogatepass"))
        if n_bytes > MAX_TEXT_BYTES:
            return _fail("too-large", f"The text is {_format_bytes(n_bytes)}; the limit is {_LIMIT}.")
        if "\0" in data:
            return _fail("binary", "The text contains NUL characters: it looks like binary data.")
        lone = _LONE_SURROGATE.search(data)
        if lone:
            # JavaScript counts UTF-16 units: astral characters before it count twice.
            at = sum(2 if ord(c) > 0xFFFF else 1 for c in data[: lone.start()])
            return _fail(
                "invalid-encoding", f"The text is not valid Unicode (a lone surrogate at position {at})."
            )
        text = data[1:] if data.startswith("\ufeff") else data
    else:
        raw = bytes(data)
        n_bytes = len(raw)
        if n_bytes > MAX_TEXT_BYTES:
            return _fail("too-large", f"The file is {_format_bytes(n_bytes)}; the limit is {_LIMIT}.")
        nul = raw.find(b"\0")
        if nul >= 0:
            return _fail(
                "binary",
                f"The file contains a NUL byte (at byte {nul}): it looks like a binary file, not text.",
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return _fail(
                "invalid-encoding",
                f"The file is not valid UTF-8 (first bad byte at offset {e.start}). "
                "Save it as UTF-8 text and try again.",
            )
        if text.startswith("\ufeff"):  # TextDecoder drops a byte-order mark
            text = text[1:]

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text.strip(_JS_WHITESPACE)) == 0:
        return _fail("empty", "The text is empty." if n_bytes == 0 else "The text contains only whitespace.")

    length = len(text)
    controls = sum(
        1 for c in text if (ord(c) < 0x20 and c not in "\t\n\f") or c == "\x7f"
    )
    if controls > MAX_CONTROL_SHARE * length:
        return _fail(
            "binary",
            f"{_to_fixed(100 * controls / length, 1)}% of the characters are control characters: "
            "this looks like a binary file, not text.",
        )
    distinct = len(set(text))
    if distinct > MAX_DISTINCT_CHARS:
        return _fail(
            "too-many-characters",
            f"The text uses {distinct} different characters; the limit is {MAX_DISTINCT_CHARS} "
            "(each one is a vocabulary entry of the model).",
        )
    need = min_tokens_for(context, val_fraction)
    if length < need:
        return _fail(
            "too-short",
            f"The text has {length} characters; with context {context} it needs at least "
            f"{need}, so that the last {math.floor(val_fraction * 100 + 0.5)}% kept for validation "
            f"holds one window of {context + 1} characters.",
        )
    return TextCheck(ok=True, text=text, length=length, distinct=distinct, bytes=n_bytes)


def read_user_text(path: str, context: int) -> TextCheck:
    """A file's text under the rule, reading at most MAX_TEXT_BYTES + 1 bytes (so a huge file is
    refused as too large without being read whole). OSError propagates (the caller names the flag)."""
    with open(path, "rb") as f:
        data = f.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        size = os.path.getsize(path) if os.path.isfile(path) else len(data)
        return _fail("too-large", f"The file is {_format_bytes(max(size, len(data)))}; the limit is {_LIMIT}.")
    return check_user_text(data, context)
