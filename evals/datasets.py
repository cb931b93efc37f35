"""Evaluation datasets: find them through the manifest, validate them, read them.

Each dataset lives once, in ``evals/datasets/<name>/`` (its data, its JSON schema and a card,
``README.md``), and ``evals/datasets/manifest.yaml`` records its version, the sha256 of each
file, its role (development or held-out), its shape and where it came from. A file never
changes once listed: a correction is a new version, a new manifest entry. A suite is a list
of ``name@version``; ``default`` is what ``kunskap eval`` runs without ``--dataset``.

Two shapes are scored by the harness:

- **retrieval**: ``question`` and ``gold_doc_ids`` (e.g. ``swefaq_retrieval``);
- **qa**: ``question``, ``answerable``, ``gold`` [{doc_id, quote}], ``key_facts`` and tags
  (e.g. ``sample_qa``).

Each file is checked against the JSON schema shipped with it when there is one, and always
against the minimal shape the harness itself relies on.

A set may hold more than one data file, each with its own schema (``<stem>.schema.json``):
a twin set's off-topic questions, which have no twin, come in ``heldout_i_offtopic.jsonl``
beside ``heldout_i_qa.jsonl``. Each file is scored as a dataset of its own, named after the
file (the set's own file after the set), and a run of the set runs all of them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
MANIFEST = DATASETS_DIR / "manifest.yaml"
DEFAULT_SUITE = "default"
Role = Literal["development", "held-out"]

# What the harness reads; the shipped schemas say more (tags, enums, formats).
_MINIMAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["question"],
    "properties": {
        "id": {"type": ["string", "integer"]},
        "question": {"type": "string", "minLength": 1},
        "gold_doc_ids": {"type": "array", "items": {"type": "string"}},
        "answerable": {"type": "boolean"},
        "gold": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["doc_id"],
                "properties": {"doc_id": {"type": "string"}, "quote": {"type": "string"}},
            },
        },
        "key_facts": {
            "anyOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string"},
            ]
        },
    },
    "anyOf": [{"required": ["gold_doc_ids"]}, {"required": ["answerable"]}],
}


class DatasetError(ValueError):
    """A dataset cannot be found or does not match its schema. The message says where."""


# ---------------------------------------------------------------- the manifest


@dataclass(frozen=True)
class Entry:
    """One version of one dataset as the manifest records it."""

    name: str
    version: int
    role: Role
    shape: str  # retrieval, qa, qa_twins, needs_redaction, needs_grouping
    files: tuple[tuple[str, str], ...]  # (path under evals/datasets/, sha256)
    added_in: str | None = None  # the old evals/datasets/vN folder that first held it
    added_commit: str | None = None
    first_blind_run: str | None = None  # commit of the first run that saw it, where known

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def heldout(self) -> bool:
        return self.role == "held-out"

    def paths(self, root: Path = DATASETS_DIR) -> list[Path]:
        return [root / name for name, _ in self.files]

    def data_files(self, root: Path = DATASETS_DIR) -> list[Path]:
        """The entry's data files (its ``.jsonl`` files), in the manifest's order."""
        return [p for p in self.paths(root) if p.suffix == ".jsonl"]

    def data(self, root: Path = DATASETS_DIR) -> Path:
        """The entry's own data file: ``<name>.jsonl``, else its first ``.jsonl``."""
        files = self.data_files(root)
        return next((p for p in files if p.stem == self.name), files[0])

    def part_name(self, data: Path) -> str:
        """The name a data file of the entry is scored under: the entry's for its own file,
        the file's stem for another (``heldout_i_offtopic``)."""
        return self.name if data.name == self.data().name else data.stem

    def schema(self, root: Path = DATASETS_DIR, data: Path | None = None) -> Path | None:
        """The schema of a data file (the entry's own by default): ``<stem>.schema.json``
        among the entry's files, or, for an entry of one data file, its one schema."""
        stem = (data or self.data(root)).stem
        schemas = [p for p in self.paths(root) if p.name.endswith(".schema.json")]
        own = [p for p in schemas if p.name == f"{stem}.schema.json"]
        if own:
            return own[0]
        single = len(schemas) == 1 and len(self.data_files(root)) == 1
        return schemas[0] if single else None


@dataclass(frozen=True)
class Manifest:
    entries: tuple[Entry, ...]
    suites: dict[str, tuple[str, ...]]
    root: Path = DATASETS_DIR

    def find(self, name: str, version: int | None = None) -> Entry | None:
        """The entry of that name and version, or its newest version when none is given."""
        found = [e for e in self.entries if e.name == name]
        if version is not None:
            found = [e for e in found if e.version == version]
        return max(found, key=lambda e: e.version, default=None)

    def get(self, spec: str) -> Entry:
        """``name@version`` or ``name`` (newest); DatasetError when the manifest lacks it."""
        name, _, version = spec.partition("@")
        if version and not version.isdigit():
            raise DatasetError(f"bad dataset version in '{spec}' (expected name@N)")
        entry = self.find(name, int(version) if version else None)
        if entry is None:
            raise DatasetError(f"no dataset '{spec}' in {self.root / MANIFEST.name}")
        return entry

    def suite(self, name: str = DEFAULT_SUITE) -> list[Entry]:
        if name not in self.suites:
            raise DatasetError(f"no suite '{name}' in {self.root / MANIFEST.name}")
        return [self.get(spec) for spec in self.suites[name]]

    def for_path(self, path: Path) -> Entry | None:
        """The entry one of whose data files ``path`` is, if any."""
        resolved = path.resolve()
        return next(
            (
                e
                for e in self.entries
                if any(p.resolve() == resolved for p in e.data_files(self.root))
            ),
            None,
        )

    def part(self, name: str) -> tuple[Entry, Path] | None:
        """The entry, newest version first, holding a data file scored as ``name`` (one of
        its files other than its own: ``heldout_i_offtopic``), and that file."""
        for entry in sorted(self.entries, key=lambda e: -e.version):
            own = entry.data(self.root)
            for data in entry.data_files(self.root):
                if data.stem == name and data != own:
                    return entry, data
        return None

    def owner(self, name: str) -> Entry | None:
        """The entry of a dataset name: the entry of that name, or the one holding a data
        file scored under it."""
        entry = self.find(name)
        if entry is None and (found := self.part(name)) is not None:
            entry = found[0]
        return entry

    def as_of(self, old_version: str, name: str) -> Entry | None:
        """What ``vN/name`` (the old one-folder-per-version layout) meant: the newest version
        of ``name`` that folder vN already held."""
        number = int(old_version[1:])
        held = [
            e
            for e in self.entries
            if e.name == name and e.added_in and int(e.added_in[1:]) <= number
        ]
        return max(held, key=lambda e: e.version, default=None)


_ROLES = ("development", "held-out")


def read_manifest(path: Path = MANIFEST) -> Manifest:
    """Parse a manifest; DatasetError when an entry lacks a field or repeats a version."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: list[Entry] = []
    for number, record in enumerate(raw.get("datasets") or [], start=1):
        where = f"{path}: dataset {number}"
        missing = {"name", "version", "role", "shape", "files"} - set(record)
        if missing:
            raise DatasetError(f"{where}: missing {', '.join(sorted(missing))}")
        if record["role"] not in _ROLES:
            raise DatasetError(f"{where}: role must be one of {', '.join(_ROLES)}")
        added = record.get("added") or {}
        first_run = record.get("first_blind_run")
        entries.append(
            Entry(
                name=str(record["name"]),
                version=int(record["version"]),
                role=record["role"],
                shape=str(record["shape"]),
                files=tuple((str(f), str(h)) for f, h in record["files"].items()),
                added_in=added.get("in"),
                added_commit=None if added.get("commit") is None else str(added["commit"]),
                first_blind_run=None if first_run is None else str(first_run),
            )
        )
        if not any(f.endswith(".jsonl") for f, _ in entries[-1].files):
            raise DatasetError(f"{where}: no .jsonl data file")
    specs = [e.spec for e in entries]
    if len(set(specs)) != len(specs):
        raise DatasetError(f"{path}: a name@version is listed twice")
    suites = {str(k): tuple(str(s) for s in v) for k, v in (raw.get("suites") or {}).items()}
    manifest = Manifest(tuple(entries), suites, path.parent)
    for suite in suites:
        manifest.suite(suite)  # every suite names entries that exist
    return manifest


@cache
def manifest() -> Manifest:
    """The shipped manifest (read once per process)."""
    return read_manifest(MANIFEST)


def is_heldout(name: str) -> bool:
    """Whether the manifest marks the dataset held out: reported by every run, never tuned on
    and never gated (a gate on it would make every regression a reason to look at its items).

    A file outside the manifest (a set being written, run blind before it is added) counts
    as held out when it is named ``heldout_*``, so that its first run cannot gate or tune.
    """
    entry = manifest().owner(name)
    if entry is not None:
        return entry.heldout
    return name.startswith("heldout_")


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class GoldQuote:
    doc_id: str
    quote: str


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answerable: bool
    gold_doc_ids: tuple[str, ...]
    gold_quotes: tuple[GoldQuote, ...] = ()
    key_facts: tuple[str, ...] = ()
    language: str | None = None
    tags: dict[str, Any] = field(default_factory=dict)  # phrasing, hops, style, near_miss …


@dataclass
class Dataset:
    name: str  # e.g. "swefaq_retrieval"
    version: str  # e.g. "swefaq_retrieval@1", or "local" for a path outside the manifest
    path: Path
    kind: Literal["retrieval", "qa"]
    items: list[EvalItem]

    @property
    def label(self) -> str:
        return self.name

    @property
    def heldout(self) -> bool:
        return is_heldout(self.name)


def shipped() -> list[Path]:
    """The data files of the default suite, in the order ``kunskap eval`` runs them."""
    return [path for entry in manifest().suite(DEFAULT_SUITE) for path in entry.data_files()]


_OLD_SPELLING = re.compile(r"^(v\d+)/([\w-]+)$")


def resolve(spec: str) -> Path:
    """A dataset file from a path to a ``.jsonl``, ``name@version``, ``name`` (its newest
    version; or the name a set's other data file is scored under) or the old ``vN/name``
    (what folder vN held)."""
    candidate = Path(spec)
    if candidate.suffix == ".jsonl" and candidate.is_file():
        return candidate
    name = spec.removesuffix(".jsonl")
    if old := _OLD_SPELLING.match(name):
        entry = manifest().as_of(old.group(1), old.group(2))
    else:
        try:
            entry = manifest().get(name)
        except DatasetError:
            entry = None
    if entry is not None:
        return entry.data()
    if (part := manifest().part(name)) is not None:
        return part[1]
    known = ", ".join(e.spec for e in manifest().entries) or "none yet"
    raise DatasetError(
        f"no dataset '{spec}' (in the manifest: {known}; or give a path to a .jsonl file)"
    )


def _local_schema(path: Path) -> dict[str, Any] | None:
    """The schema next to a file outside the manifest: ``<name>.schema.json`` beside it or
    in ``schema/`` (the layout the shipped versions once had)."""
    for folder in (path.parent, path.parent / "schema"):
        for candidate in (
            folder / f"{path.stem}.schema.json",
            folder / f"{path.stem}.json",
            *sorted(folder.glob(f"{path.stem}*.json")),
        ):
            if candidate.is_file() and candidate != path:
                schema: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
                return schema
    return None


def _schema(path: Path, entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return _local_schema(path)
    schema_path = entry.schema(manifest().root, data=path)
    if schema_path is None:
        return None
    schema: dict[str, Any] = json.loads(schema_path.read_text(encoding="utf-8"))
    return schema


def _key_facts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return tuple(str(v) for v in value or () if str(v).strip())


def _item(record: dict[str, Any], number: int) -> EvalItem:
    gold_quotes = tuple(
        GoldQuote(str(g["doc_id"]), str(g.get("quote") or "")) for g in record.get("gold") or []
    )
    gold_docs = list(record.get("gold_doc_ids") or [])
    gold_docs += [g.doc_id for g in gold_quotes if g.doc_id not in gold_docs]
    answerable = bool(record.get("answerable", True))
    known = {"id", "question", "gold_doc_ids", "gold", "key_facts", "answerable"}
    return EvalItem(
        id=str(record.get("id", number)),
        question=str(record["question"]),
        answerable=answerable,
        gold_doc_ids=tuple(gold_docs),
        gold_quotes=tuple(g for g in gold_quotes if g.quote.strip()),
        key_facts=_key_facts(record.get("key_facts")),
        language=record.get("language"),
        tags={k: v for k, v in record.items() if k not in known},
    )


def load(spec: str | Path) -> Dataset:
    """Read and validate one dataset; raise DatasetError naming the first bad line."""
    path = resolve(str(spec))
    entry = manifest().for_path(path)
    schema = _schema(path, entry)
    validators = [jsonschema.Draft202012Validator(_MINIMAL_SCHEMA)]
    if schema is not None:
        validators.append(jsonschema.validators.validator_for(schema)(schema))
    items: list[EvalItem] = []
    has_answerable = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
        for validator in validators:
            error = jsonschema.exceptions.best_match(validator.iter_errors(record))
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path) or "record"
                raise DatasetError(f"{path}:{number}: {where}: {error.message}")
        has_answerable = has_answerable or "answerable" in record
        item = _item(record, number)
        if item.answerable and not item.gold_doc_ids:
            raise DatasetError(f"{path}:{number}: an answerable question needs gold documents")
        items.append(item)
    if not items:
        raise DatasetError(f"{path}: no questions")
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"{path}: duplicate question ids")
    kind: Literal["retrieval", "qa"] = "qa" if has_answerable else "retrieval"
    if entry is not None:
        return Dataset(entry.part_name(path), entry.spec, path, kind, items)
    return Dataset(path.stem, "local", path, kind, items)


def _files(spec: str) -> list[str | Path]:
    """What a named dataset runs: every data file of a manifest entry (``name``,
    ``name@version``), else the one file ``spec`` resolves to."""
    try:
        entry = manifest().get(spec)
    except DatasetError:
        return [spec]
    return list(entry.data_files(manifest().root))


def load_many(specs: list[str] | None, suite: str | None = None) -> list[Dataset]:
    """The datasets named (a comma list is split), or those of a suite (the default one);
    a set with more than one data file gives a dataset per file."""
    names = [s.strip() for spec in specs or [] for s in spec.split(",") if s.strip()]
    if names and suite:
        raise DatasetError("give datasets or a suite, not both")
    if suite:
        return [load(p) for entry in manifest().suite(suite) for p in entry.data_files()]
    paths: list[str | Path] = [f for n in names for f in _files(n)] if names else list(shipped())
    if not paths:
        raise DatasetError(f"the default suite of {MANIFEST} is empty")
    return [load(p) for p in paths]
