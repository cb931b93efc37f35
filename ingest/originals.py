"""The original file of every source, kept under the data dir so a citation can open it.

Files are stored by content, ``<data dir>/originals/<sha256>.<format>``: the name is made
from the hash alone, never from a path or document id a client could choose, so serving a
file cannot be steered outside the folder. The index payload names the hash
(``file_sha256``); an ingest run removes originals no document refers to any more.

JSONL sources hold many documents per file and have no original to open: their citations
open our own text view instead (``assistant/api/documents_routes.py``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

ORIGINALS_DIR = "originals"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FORMAT = re.compile(r"^[a-z]{2,5}$")

# Formats whose document is one file that a reader can open.
OPENABLE_FORMATS = frozenset({"pdf", "txt", "md", "html", "docx"})


def originals_dir(data_dir: Path) -> Path:
    return Path(data_dir) / ORIGINALS_DIR


def file_sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def original_path(data_dir: Path, sha256: str, fmt: str) -> Path | None:
    """Where the original with this hash and format is kept, or None for a malformed name."""
    if not _SHA256.match(sha256 or "") or not _FORMAT.match(fmt or ""):
        return None
    return originals_dir(data_dir) / f"{sha256}.{fmt}"


def keep_original(data_dir: Path, file: Path, fmt: str, sha256: str | None = None) -> str:
    """Copy ``file`` into the originals folder (once per content); returns its sha256."""
    sha256 = sha256 or file_sha256(file)
    target = original_path(data_dir, sha256, fmt)
    if target is None:
        raise ValueError(f"cannot keep an original of format {fmt!r}")
    if target.is_file():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    # Copy to a temporary name and rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, file.open("rb") as src:
            shutil.copyfileobj(src, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256


def prune_originals(data_dir: Path, keep: Iterable[str]) -> int:
    """Remove originals whose hash is not in ``keep``; returns how many went."""
    folder = originals_dir(data_dir)
    if not folder.is_dir():
        return 0
    wanted = set(keep)
    removed = 0
    for path in folder.iterdir():
        sha = path.name.split(".", 1)[0]
        if path.is_file() and _SHA256.match(sha) and sha not in wanted:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
