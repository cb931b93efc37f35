"""Versioned evaluation datasets: find them by name or path, validate them, read them.

Datasets live in ``evals/datasets/<version>/<name>.jsonl`` and are never edited in place; a
changed dataset is a new version. Two shapes are understood:

- **retrieval**: ``question`` and ``gold_doc_ids`` (e.g. ``swefaq_retrieval``);
- **qa**: ``question``, ``answerable``, ``gold`` [{doc_id, quote}], ``key_facts`` and tags
  (e.g. ``sample_qa``).

Each file is checked against the JSON schema shipped next to it (``schema/<name>*.json``)
when there is one, and always against the minimal shape the harness itself relies on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jsonschema

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"

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


# Datasets named so are held out: reported by every run, never tuned on and never gated
# (a gate on them would make every regression a reason to look at their items).
HELDOUT_PREFIX = "heldout_"


def is_heldout(name: str) -> bool:
    return name.startswith(HELDOUT_PREFIX)


class DatasetError(ValueError):
    """A dataset cannot be found or does not match its schema. The message says where."""


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
    version: str  # e.g. "v1", or "local" for a path outside the shipped tree
    path: Path
    kind: Literal["retrieval", "qa"]
    items: list[EvalItem]

    @property
    def label(self) -> str:
        return self.name

    @property
    def heldout(self) -> bool:
        return is_heldout(self.name)


def versions() -> list[str]:
    """Shipped versions, oldest first (v1, v2, … compared by number)."""
    found = [p.name for p in DATASETS_DIR.glob("v*") if p.is_dir() and p.name[1:].isdigit()]
    return sorted(found, key=lambda v: int(v[1:]))


def shipped() -> list[Path]:
    """Every dataset file of the newest version (sub-folders such as needs/ hold other kinds)."""
    vs = versions()
    if not vs:
        return []
    return sorted((DATASETS_DIR / vs[-1]).glob("*.jsonl"))


def resolve(spec: str) -> Path:
    """A dataset file from a path, ``v1/name``, or a bare name (newest version holding it)."""
    candidate = Path(spec)
    if candidate.suffix == ".jsonl" and candidate.is_file():
        return candidate
    name = spec.removesuffix(".jsonl")
    if "/" in name:
        path = DATASETS_DIR / f"{name}.jsonl"
        if path.is_file():
            return path
    else:
        for version in reversed(versions()):
            path = DATASETS_DIR / version / f"{name}.jsonl"
            if path.is_file():
                return path
    known = ", ".join(p.stem for p in shipped()) or "none yet"
    raise DatasetError(f"no dataset '{spec}' (shipped: {known}; or give a path to a .jsonl file)")


def _shipped_schema(path: Path) -> dict[str, Any] | None:
    folder = path.parent / "schema"
    for candidate in (
        folder / f"{path.stem}.schema.json",
        folder / f"{path.stem}.json",
        *sorted(folder.glob(f"{path.stem}*.json")),
    ):
        if candidate.is_file():
            schema: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
            return schema
    return None


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
    schema = _shipped_schema(path)
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
    version = path.parent.name if path.parent.parent == DATASETS_DIR else "local"
    kind: Literal["retrieval", "qa"] = "qa" if has_answerable else "retrieval"
    return Dataset(path.stem, version, path, kind, items)


def load_many(specs: list[str] | None) -> list[Dataset]:
    """The datasets named (a comma list is split), or every shipped one."""
    names = [s.strip() for spec in specs or [] for s in spec.split(",") if s.strip()]
    paths: list[str | Path] = list(names) if names else list(shipped())
    if not paths:
        raise DatasetError(f"no datasets shipped under {DATASETS_DIR}")
    return [load(p) for p in paths]
