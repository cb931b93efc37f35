"""Sources added in the browser: a managed manifest beside the user's own.

The admin page (``/admin/kallor``) uploads files; each becomes an entry in
``<manifest>.managed.yaml`` (``corpus_manifest.managed.yaml`` beside
``corpus_manifest.yaml``) and its file goes into ``uploaded_sources/`` in the same folder.
``kunskap ingest`` reads both manifests (``load_manifests``), so a rebuild reproduces the
index the server built. The user's own manifest is never written: its sources can only be
changed by editing it.

An upload is checked by loading it with the same loaders ingest uses, in a temporary file,
before anything is written: an encrypted or broken PDF, an unknown format or a file over
``MAX_UPLOAD_BYTES`` gets the loader's Swedish reason and changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from kunskap.limits import MAX_UPLOAD_BYTES

from .loaders import load_source
from .manifest import EXTENSION_FORMATS, Manifest, ManifestError, SourceEntry, load_manifest

UPLOAD_FOLDER = "uploaded_sources"
# Formats an admin may upload (JSONL is a bulk format for the manifest, not for uploads).
UPLOAD_FORMATS = ("pdf", "docx", "html", "txt", "md")

_LOCK = threading.Lock()  # one writer of the managed manifest per process


class UploadError(ValueError):
    """An upload that cannot become a source; the message is Swedish, for the admin."""


def managed_path(manifest: Path) -> Path:
    return manifest.with_name(f"{manifest.stem}.managed.yaml")


def uploads_dir(manifest: Path) -> Path:
    return manifest.parent / UPLOAD_FOLDER


def read_managed(manifest: Path) -> list[SourceEntry]:
    path = managed_path(manifest)
    if not path.is_file():
        return []
    return list(load_manifest(path).sources)


def load_manifests(manifest: Path) -> Manifest:
    """The user's manifest with the managed sources after it (ids must not clash)."""
    main = load_manifest(manifest)
    managed = read_managed(manifest)
    if not managed:
        return main
    ids = {s.id for s in main.sources}
    for entry in managed:
        if entry.id in ids:
            raise ManifestError(
                f"{managed_path(manifest)}: source '{entry.id}': field 'id': "
                f"finns redan i {manifest.name}"
            )
    return Manifest(sources=[*main.sources, *managed], base_dir=main.base_dir)


def _write(manifest: Path, entries: list[SourceEntry]) -> None:
    path = managed_path(manifest)
    body: dict[str, Any] = {
        "sources": [e.model_dump(mode="json", exclude_none=True) for e in entries],
    }
    text = (
        "# Written by Kunskapsassistenten's admin page (/admin/kallor); do not edit while the\n"
        "# server runs. `kunskap ingest` reads it together with the manifest beside it.\n"
        + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".managed-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def source_id_for(title: str, data: bytes) -> str:
    """A readable, stable id: the title's letters and the start of the file's hash."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:50] or "kalla"
    return f"uppladdad-{slug}-{hashlib.sha256(data).hexdigest()[:8]}"


def upload_format(filename: str) -> str:
    fmt = EXTENSION_FORMATS.get(Path(filename or "").suffix.lower())
    if fmt not in UPLOAD_FORMATS:
        allowed = ", ".join(f".{f}" for f in UPLOAD_FORMATS)
        raise UploadError(f"Okänt filformat. Ladda upp en fil av typen {allowed}.")
    return fmt


def check_upload(filename: str, data: bytes) -> str:
    """The upload's format, after loading it as ingest would; UploadError otherwise."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"Filen är för stor ({len(data) / 1e6:.1f} MB). Högsta tillåtna storlek är "
            f"{MAX_UPLOAD_BYTES // 1_000_000} MB."
        )
    if not data:
        raise UploadError("Filen är tom.")
    fmt = upload_format(filename)
    with tempfile.TemporaryDirectory(prefix="kunskap-upload-") as tmp:
        file = Path(tmp) / f"upload.{fmt}"
        file.write_bytes(data)
        probe = SourceEntry(
            id="provlasning",
            title="Provläsning",
            path=file.name,
            doc_type="ovrigt",
            publisher="-",
            areas=["overgripande"],
        )
        result = load_source(probe, Path(tmp))
    if result.failures:
        raise UploadError(f"Filen kan inte läsas in: {result.failures[0].reason}.")
    if not result.documents:
        raise UploadError("Filen innehåller ingen text att läsa in.")
    return fmt


def add_upload(
    manifest: Path, entry_fields: dict[str, Any], filename: str, data: bytes
) -> SourceEntry:
    """Check the file, then store it and add its entry; nothing is written when it fails."""
    fmt = check_upload(filename, data)
    sid = source_id_for(str(entry_fields.get("title") or filename), data)
    rel = f"{UPLOAD_FOLDER}/{sid}.{fmt}"
    try:
        entry = SourceEntry(**{**entry_fields, "id": sid, "path": rel, "format": fmt})
    except Exception as exc:  # pydantic's message is English; the fields were checked before
        raise UploadError(f"Uppgifterna om källan är ogiltiga: {exc}") from None
    with _LOCK:
        entries = read_managed(manifest)
        if any(e.id == sid for e in entries) or sid in {
            s.id for s in load_manifest(manifest).sources
        }:
            raise UploadError("Samma fil med samma titel finns redan bland källorna.")
        folder = uploads_dir(manifest)
        folder.mkdir(parents=True, exist_ok=True)
        target = manifest.parent / rel
        target.write_bytes(data)
        try:
            _write(manifest, [*entries, entry])
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return entry


def update_entry(manifest: Path, source_id: str, changes: dict[str, Any]) -> SourceEntry:
    with _LOCK:
        entries = read_managed(manifest)
        for i, entry in enumerate(entries):
            if entry.id == source_id:
                updated = SourceEntry(**{**entry.model_dump(), **changes})
                entries[i] = updated
                _write(manifest, entries)
                return updated
    raise KeyError(source_id)


def remove_entry(manifest: Path, source_id: str) -> SourceEntry:
    with _LOCK:
        entries = read_managed(manifest)
        for entry in entries:
            if entry.id == source_id:
                _write(manifest, [e for e in entries if e.id != source_id])
                if entry.path:
                    (manifest.parent / entry.path).unlink(missing_ok=True)
                return entry
    raise KeyError(source_id)
