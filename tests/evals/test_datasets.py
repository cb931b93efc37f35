"""Checks of the immutable evaluation datasets in evals/datasets/v1/ … v12/.

The datasets are data, not code: these tests make sure every line matches its JSON
schema, every gold quote is really in the named source, the counts the issues ask for
hold, and the checked-in sha256 sums still match (a version never changes; a new one goes
in the next folder). v2 is v1 unchanged (checked byte for byte) plus the blind held-out set
``heldout_qa``; v3 is v2 unchanged (checked byte for byte) plus the blind development set
``dev_qa``; v4 is v3 unchanged (checked byte for byte) plus the second blind development
set ``dev2_qa``; v5 is v4 unchanged (checked byte for byte) plus the third blind development
set ``dev3_qa``; v6 is v5 unchanged (checked byte for byte) plus the fourth development set
``dev4_qa`` (written blind, now tuned on) and the second blind held-out set ``heldout_b_qa``;
v7 is v6 unchanged (checked byte for byte) plus the fifth development set ``dev5_qa`` (written
blind, run blind once, then tuned on) and the third blind held-out set ``heldout_c_qa``; v8
is v7 unchanged (checked byte for byte) plus the fourth blind held-out set ``heldout_d_qa``;
v9 is v8 unchanged plus ``heldout_e_qa``, a blind held-out set of answerable/unanswerable
twins worded alike; v10 is v9 unchanged plus two more twin sets, the development set
``dev6_qa`` and the held-out ``heldout_f_qa``, written on two halves of the corpus; v11 is
v10 unchanged plus ``dev7_qa`` and ``heldout_g_qa``, on the same halves; v12 is v11
unchanged plus the held-out twin set ``heldout_h_qa``, on passages of the whole corpus no
earlier set cites. Every check below runs on every version. No QA set repeats a
question or a gold quote of an earlier one, the development sets (tuned on) never cite a
passage that overlaps a gold quote of any held-out set, and no gold quote of
``heldout_b_qa`` or a later held-out set overlaps one of any other set.

Run ``python -m tests.evals.test_datasets`` to print the counts blocks for the READMEs
(``--write`` puts each between its README's ``counts`` markers).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from evals import datasets as shipped_datasets

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS_DIR = REPO_ROOT / "evals" / "datasets"
MANIFEST = REPO_ROOT / "corpus_manifest.yaml"
SHARED_QUESTIONS = REPO_ROOT.parent / "shared" / "evals" / "swefaq_dev_questions_public.jsonl"

# version -> the datasets it adds (described by its README's counts block); each version
# carries every dataset of the one before, byte for byte.
NEW_IN: dict[str, tuple[str, ...]] = {
    "v1": ("sample_qa", "swefaq_retrieval"),
    "v2": ("heldout_qa",),
    "v3": ("dev_qa",),
    "v4": ("dev2_qa",),
    "v5": ("dev3_qa",),
    "v6": ("dev4_qa", "heldout_b_qa"),
    "v7": ("dev5_qa", "heldout_c_qa"),
    "v8": ("heldout_d_qa",),
    "v9": ("heldout_e_qa",),
    "v10": ("dev6_qa", "heldout_f_qa"),
    "v11": ("dev7_qa", "heldout_g_qa"),
    "v12": ("heldout_h_qa",),
}
VERSIONS: dict[str, tuple[str, ...]] = {}
for _version, _added in NEW_IN.items():
    VERSIONS[_version] = (*(list(VERSIONS.values())[-1] if VERSIONS else ()), *_added)
QA_NAMES = tuple(name for name in VERSIONS[list(VERSIONS)[-1]] if name != "swefaq_retrieval")
DEV_SETS = [
    ("v3", "dev_qa"),
    ("v4", "dev2_qa"),
    ("v5", "dev3_qa"),
    ("v6", "dev4_qa"),
    ("v7", "dev5_qa"),
    ("v10", "dev6_qa"),
    ("v11", "dev7_qa"),
]
HELDOUT_SETS = [
    ("v2", "heldout_qa"),
    ("v6", "heldout_b_qa"),
    ("v7", "heldout_c_qa"),
    ("v8", "heldout_d_qa"),
    ("v9", "heldout_e_qa"),
    ("v10", "heldout_f_qa"),
    ("v11", "heldout_g_qa"),
    ("v12", "heldout_h_qa"),
]
# Items left out of a written set because their gold quotes overlap gold quotes of a set
# written at the same time: heldout_b_qa's overlapped dev4_qa (tuned on); dev5_qa's
# overlapped heldout_c_qa (held out), and the development set gives way to the held-out one.
REMOVED = {
    ("v6", "heldout_b_qa"): ("hb003", "hb010", "hb021", "hb027", "hb038", "hb048", "hb056"),
    ("v7", "dev5_qa"): (
        "dz004", "dz005", "dz022", "dz030", "dz038", "dz039", "dz041", "dz046", "dz047",
        "dz049", "dz053",
    ),
}  # fmt: skip
FILES = [(v, name) for v, names in VERSIONS.items() for name in names]
QA_FILES = [(v, name) for v, name in FILES if name in QA_NAMES]
SWEFAQ_FILES = [(v, name) for v, name in FILES if name == "swefaq_retrieval"]


def _copied_files(older: str) -> list[str]:
    """Everything of a version except its README and manifest, copied unchanged into the next."""
    return sorted(
        p.relative_to(DATASETS_DIR / older).as_posix()
        for p in (DATASETS_DIR / older).rglob("*")
        if p.is_file() and p.name not in {"README.md", "MANIFEST.sha256"}
    )


# (newer version, older version, file): each version copies all of the one before.
COPIES = [
    (newer, older, name)
    for newer, older in (
        ("v2", "v1"),
        ("v3", "v2"),
        ("v4", "v3"),
        ("v5", "v4"),
        ("v6", "v5"),
        ("v7", "v6"),
        ("v8", "v7"),
        ("v9", "v8"),
        ("v10", "v9"),
        ("v11", "v10"),
        ("v12", "v11"),
    )
    for name in _copied_files(older)
]
NEWEST = list(VERSIONS)[-1]

# Seed 004 is OCR text (å/ä/ö misread): its quotes keep the damage, its key facts do not,
# so the lexical key-fact check below cannot apply to it.
OCR_DOCS = {"goteborg-kunskapsbaserad-socialtjanst-2025"}
SEED_DOCS = [
    "gr-natverk-2022-05-06",
    "gr-natverk-2023-03-24",
    "gr-nyhet-skr-kunskapsbehov",
    "fou-valfard-dialogkonferens-2016",
    "goteborg-kunskapsbaserad-socialtjanst-2025",
]
PNR = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")
ASKS_WHEN_OR_HOW_MUCH = re.compile(r"\b(när|hur lång tid|hur mycket|inom hur många)\b", re.I)


@dataclass(frozen=True)
class Required:
    """What the issue asked of a QA set: minimums, and a range for the paraphrase share."""

    answerable: int
    english: int
    paraphrase: tuple[float, float]
    two_hop: int
    faq: int
    unanswerable: int
    near_miss: int
    asks_when_or_how_much: int
    user: int
    personal_data: int
    # Seeds a set may leave uncited (every other seed needs two items): dev5_qa's only items
    # on the news page were among those removed for overlapping heldout_c_qa.
    seeds_without_items: tuple[str, ...] = ()


# Thirty twin pairs: as many unanswerable items as answerable ones.
TWIN_SET = (30, 6, (0.30, 0.50), 2, 8, 30, 24, 10, 10, 4)
REQUIRED = {
    "sample_qa": Required(45, 6, (0.35, 0.65), 5, 5, 20, 8, 3, 12, 3),
    "heldout_qa": Required(28, 6, (0.30, 0.45), 3, 5, 12, 8, 3, 6, 3),
    "dev_qa": Required(32, 6, (0.35, 0.50), 4, 5, 12, 9, 3, 8, 3),
    "dev2_qa": Required(40, 6, (0.45, 0.60), 5, 12, 12, 8, 3, 10, 3),
    "dev3_qa": Required(38, 6, (0.55, 0.85), 1, 10, 8, 6, 3, 6, 2),
    "dev4_qa": Required(45, 9, (0.35, 0.45), 4, 8, 15, 10, 5, 14, 4),
    "heldout_b_qa": Required(37, 4, (0.30, 0.40), 5, 10, 16, 11, 3, 14, 3),
    "dev5_qa": Required(
        34, 9, (0.30, 0.45), 2, 11, 15, 10, 7, 11, 4, ("gr-nyhet-skr-kunskapsbehov",)
    ),
    "heldout_c_qa": Required(45, 9, (0.35, 0.45), 4, 13, 15, 10, 5, 14, 4),
    # Fewer answerable items than heldout_c_qa, twice the unanswerable ones: abstention on
    # blind questions is the figure that most needed more items.
    "heldout_d_qa": Required(40, 9, (0.35, 0.45), 4, 13, 30, 20, 10, 14, 4),
    "heldout_e_qa": Required(*TWIN_SET),
    # Two twin sets written at the same time on two halves of the corpus, so that the
    # development set never cites a passage of the held-out one: each leaves the other's
    # seeds uncited.
    "dev6_qa": Required(*TWIN_SET, ("gr-natverk-2023-03-24", "fou-valfard-dialogkonferens-2016")),
    "heldout_f_qa": Required(*TWIN_SET, ("gr-natverk-2022-05-06", "gr-nyhet-skr-kunskapsbehov")),
    "dev7_qa": Required(*TWIN_SET, ("gr-natverk-2023-03-24", "fou-valfard-dialogkonferens-2016")),
    "heldout_g_qa": Required(*TWIN_SET, ("gr-natverk-2022-05-06", "gr-nyhet-skr-kunskapsbehov")),
    # Written on the whole corpus, on passages no earlier set cites.
    "heldout_h_qa": Required(*TWIN_SET),
}
UNANSWERABLE_AREAS = (
    "funktionshinder",
    "barn_och_unga",
    "vuxna_beroende",
    "aldre",
    "ekonomiskt_bistand",
    "vald_i_nara_relationer",
)


def path_of(version: str, name: str) -> Path:
    return DATASETS_DIR / version / f"{name}.jsonl"


def schema_of(version: str, name: str) -> Path:
    return DATASETS_DIR / version / "schema" / f"{name}.schema.json"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@cache
def records(version: str, name: str) -> tuple[dict[str, Any], ...]:
    return tuple(load_jsonl(path_of(version, name)))


def file_id(param: tuple[str, str]) -> str:
    return "/".join(param)


def load_corpus() -> dict[str, str]:
    """doc_id -> text, as the ingester names them: seeds by manifest id, FAQ lines by `id`."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    texts: dict[str, str] = {}
    for source in manifest["sources"]:
        path = MANIFEST.parent / source["path"]
        if path.suffix == ".jsonl":
            for record in load_jsonl(path):
                texts[record["id"]] = record["text"]
        else:
            texts[source["id"]] = path.read_text(encoding="utf-8")
    return texts


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return load_corpus()


@pytest.fixture(params=QA_FILES, ids=file_id)
def qa(request: pytest.FixtureRequest) -> tuple[dict[str, Any], ...]:
    return records(*request.param)


@pytest.fixture(params=SWEFAQ_FILES, ids=file_id)
def swefaq(request: pytest.FixtureRequest) -> tuple[dict[str, Any], ...]:
    return records(*request.param)


# ---------------------------------------------------------------- schema and ids


@pytest.mark.parametrize("file", FILES, ids=file_id)
def test_every_line_matches_its_schema(file: tuple[str, str]) -> None:
    schema = json.loads(schema_of(*file).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    errors = []
    for n, record in enumerate(records(*file), 1):
        errors += [f"line {n}: {e.message}" for e in validator.iter_errors(record)]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("file", FILES, ids=file_id)
def test_ids_are_unique(file: tuple[str, str]) -> None:
    ids = [r["id"] for r in records(*file)]
    duplicates = [i for i, c in Counter(ids).items() if c > 1]
    assert not duplicates


@pytest.mark.parametrize("file", QA_FILES, ids=file_id)
def test_schema_rejects_unknown_fields_and_bad_enums(file: tuple[str, str]) -> None:
    validator = Draft202012Validator(json.loads(schema_of(*file).read_text("utf-8")))
    good = next(r for r in records(*file) if r["answerable"])
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "extra": 1})
    assert not validator.is_valid({**good, "language": "de"})
    assert not validator.is_valid({**good, "area": "barn"})
    assert not validator.is_valid({**good, "key_facts": ["a", "b", "c", "d"]})
    assert not validator.is_valid({**good, "answerable": False})  # gold and facts given
    assert not validator.is_valid({**good, "id": "x001"})


# Where each QA set first appears and the id prefix its schema allows: no set's schema may
# accept another set's ids, so an item can never be filed under the wrong set.
ID_PREFIXES = {
    ("v1", "sample_qa"): "qa",
    ("v2", "heldout_qa"): "ho",
    ("v3", "dev_qa"): "dv",
    ("v4", "dev2_qa"): "dw",
    ("v5", "dev3_qa"): "dx",
    ("v6", "dev4_qa"): "dy",
    ("v6", "heldout_b_qa"): "hb",
    ("v7", "dev5_qa"): "dz",
    ("v7", "heldout_c_qa"): "hc",
    ("v8", "heldout_d_qa"): "hd",
    ("v9", "heldout_e_qa"): "he",
    ("v10", "dev6_qa"): "dt",
    ("v10", "heldout_f_qa"): "hf",
    ("v11", "dev7_qa"): "ds",
    ("v11", "heldout_g_qa"): "hg",
    ("v12", "heldout_h_qa"): "hh",
}


@pytest.mark.parametrize("first", list(ID_PREFIXES), ids=file_id)
def test_ids_cannot_be_mistaken_for_another_sets_ids(first: tuple[str, str]) -> None:
    version, name = first
    schema = json.loads(schema_of(version, name).read_text("utf-8"))
    if name != "sample_qa":  # v1's schema predates the per-version $id and title
        assert schema["$id"].endswith(f"/{version}/schema/{name}.schema.json")
        assert f"evals {version}" in schema["title"]
    validator = Draft202012Validator(schema)
    good = records(version, name)[0]
    assert good["id"].startswith(ID_PREFIXES[first]) and validator.is_valid(good)
    for other in set(ID_PREFIXES.values()) - {ID_PREFIXES[first]}:
        assert not validator.is_valid({**good, "id": f"{other}001"}), other


@pytest.mark.parametrize("file", list(REMOVED), ids=file_id)
def test_sets_keep_their_ids_without_the_removed_items(file: tuple[str, str]) -> None:
    """The 60 written items less the removed ones, ids unchanged (gaps where they were)."""
    ids = [r["id"] for r in records(*file)]
    written = [f"{ID_PREFIXES[file]}{n:03d}" for n in range(1, 61)]
    assert ids == [i for i in written if i not in REMOVED[file]]


# ---------------------------------------------------------------- versions


@pytest.mark.parametrize("copy", COPIES, ids=lambda c: f"{c[0]}/{c[2]}")
def test_copies_of_the_previous_version_are_byte_identical(copy: tuple[str, str, str]) -> None:
    newer, older, name = copy
    path = DATASETS_DIR / newer / name
    assert path.is_file(), f"{newer} lacks {name}"
    assert path.read_bytes() == (DATASETS_DIR / older / name).read_bytes(), name


def test_the_harness_uses_the_newest_version_with_every_dataset() -> None:
    assert shipped_datasets.versions()[-1] == NEWEST == "v12"
    assert [p.stem for p in shipped_datasets.shipped()] == sorted(VERSIONS[NEWEST])
    for name in QA_NAMES[1:]:
        loaded = shipped_datasets.load(name)
        assert loaded.version == NEWEST and loaded.kind == "qa", name
        assert len(loaded.items) == len(records(NEWEST, name)), name
    assert shipped_datasets.load("heldout_qa").heldout
    for _, name in HELDOUT_SETS:  # named heldout_*: never gated
        assert shipped_datasets.load(name).heldout, name
    for _, name in DEV_SETS:  # the development sets are tuned on
        assert not shipped_datasets.load(name).heldout, name


# each QA set (version, name) and the earlier sets it must not repeat
NEW_QA_SETS = [
    (("v2", "heldout_qa"), (("v1", "sample_qa"),)),
    (("v3", "dev_qa"), (("v1", "sample_qa"), ("v2", "heldout_qa"))),
    (("v4", "dev2_qa"), (("v1", "sample_qa"), ("v2", "heldout_qa"), ("v3", "dev_qa"))),
    (
        ("v5", "dev3_qa"),
        (("v1", "sample_qa"), ("v2", "heldout_qa"), ("v3", "dev_qa"), ("v4", "dev2_qa")),
    ),
    (
        ("v6", "dev4_qa"),
        (
            ("v1", "sample_qa"),
            ("v2", "heldout_qa"),
            ("v3", "dev_qa"),
            ("v4", "dev2_qa"),
            ("v5", "dev3_qa"),
        ),
    ),
    (
        ("v6", "heldout_b_qa"),
        (
            ("v1", "sample_qa"),
            ("v2", "heldout_qa"),
            ("v3", "dev_qa"),
            ("v4", "dev2_qa"),
            ("v5", "dev3_qa"),
            ("v6", "dev4_qa"),
        ),
    ),
    (("v7", "dev5_qa"), tuple((v, n) for v, n in FILES if v == "v6" and n in QA_NAMES)),
    (
        ("v7", "heldout_c_qa"),
        (*((v, n) for v, n in FILES if v == "v6" and n in QA_NAMES), ("v7", "dev5_qa")),
    ),
    (("v8", "heldout_d_qa"), tuple((v, n) for v, n in FILES if v == "v7" and n in QA_NAMES)),
    (("v9", "heldout_e_qa"), tuple((v, n) for v, n in FILES if v == "v8" and n in QA_NAMES)),
    # Written at the same time on two halves of the corpus: each is new against v9 (the
    # overlap tests below keep them apart from each other).
    (("v10", "dev6_qa"), tuple((v, n) for v, n in FILES if v == "v9" and n in QA_NAMES)),
    (("v10", "heldout_f_qa"), tuple((v, n) for v, n in FILES if v == "v9" and n in QA_NAMES)),
    (("v11", "dev7_qa"), tuple((v, n) for v, n in FILES if v == "v10" and n in QA_NAMES)),
    (("v11", "heldout_g_qa"), tuple((v, n) for v, n in FILES if v == "v10" and n in QA_NAMES)),
    (("v12", "heldout_h_qa"), tuple((v, n) for v, n in FILES if v == "v11" and n in QA_NAMES)),
]


@pytest.mark.parametrize(("new", "earlier"), NEW_QA_SETS, ids=[file_id(n) for n, _ in NEW_QA_SETS])
def test_questions_and_quotes_are_new(
    new: tuple[str, str], earlier: tuple[tuple[str, str], ...]
) -> None:
    seen = {r["question"].strip().lower() for e in earlier for r in records(*e)}
    quotes = {(g["doc_id"], g["quote"]) for e in earlier for r in records(*e) for g in r["gold"]}
    for record in records(*new):
        assert record["question"].strip().lower() not in seen, record["id"]
        for gold in record["gold"]:
            assert (gold["doc_id"], gold["quote"]) not in quotes, record["id"]


def _span(corpus: dict[str, str], gold: dict[str, str]) -> tuple[str, int, int]:
    start = corpus[gold["doc_id"]].index(gold["quote"])
    return gold["doc_id"], start, start + len(gold["quote"])


@pytest.mark.parametrize("held_out", HELDOUT_SETS, ids=file_id)
@pytest.mark.parametrize("dev", DEV_SETS, ids=file_id)
def test_dev_evidence_never_overlaps_held_out_evidence(
    dev: tuple[str, str], held_out: tuple[str, str], corpus: dict[str, str]
) -> None:
    """Tuning on a development set must not tune on the passages a held-out set is measured on."""
    held = [_span(corpus, g) for r in records(*held_out) for g in r["gold"]]
    problems = []
    for record in records(*dev):
        for gold in record["gold"]:
            doc, start, end = _span(corpus, gold)
            if any(d == doc and s < end and start < e for d, s, e in held):
                problems.append(f"{record['id']}: {gold['quote'][:60]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("held_out", HELDOUT_SETS[1:], ids=file_id)
def test_later_held_out_evidence_overlaps_no_other_set(
    held_out: tuple[str, str], corpus: dict[str, str]
) -> None:
    """No passage of heldout_b_qa or a later held-out set is cited by any other set (failures
    name ids only: a held-out set's content is not printed)."""
    others = [(NEWEST, n) for n in VERSIONS[NEWEST] if n in QA_NAMES and n != held_out[1]]
    cited = [_span(corpus, g) for other in others for r in records(*other) for g in r["gold"]]
    problems = sorted(
        {
            record["id"]
            for record in records(*held_out)
            for doc, start, end in (_span(corpus, g) for g in record["gold"])
            if any(d == doc and s < end and start < e for d, s, e in cited)
        }
    )
    assert not problems, " ".join(problems)


# ---------------------------------------------------------------- SweFAQ retrieval


def test_swefaq_has_the_53_questions_with_existing_gold(
    swefaq: tuple[dict[str, Any], ...], corpus: dict[str, str]
) -> None:
    assert len(swefaq) == 53
    assert sum(1 for doc_id in corpus if doc_id.startswith("faq-")) == 110
    for record in swefaq:
        assert record["gold_doc_ids"] == [record["gold_doc"]], record["id"]
        assert record["gold_doc"] in corpus, record["id"]


@pytest.mark.skipif(not SHARED_QUESTIONS.exists(), reason="../shared is not present")
def test_swefaq_questions_are_copied_unchanged(swefaq: tuple[dict[str, Any], ...]) -> None:
    original = {r["id"]: r for r in load_jsonl(SHARED_QUESTIONS)}
    assert set(original) == {r["id"] for r in swefaq}
    for record in swefaq:
        source = original[record["id"]]
        for field in ("question", "gold_doc", "category", "source"):
            assert record[field] == source[field], (record["id"], field)


# ---------------------------------------------------------------- QA content


def test_every_gold_quote_occurs_verbatim_in_its_source(
    qa: tuple[dict[str, Any], ...], corpus: dict[str, str]
) -> None:
    problems = []
    for record in qa:
        for gold in record["gold"]:
            if gold["doc_id"] not in corpus:
                problems.append(f"{record['id']}: unknown doc_id {gold['doc_id']!r}")
            elif gold["quote"] not in corpus[gold["doc_id"]]:
                problems.append(f"{record['id']}: quote not in {gold['doc_id']}: {gold['quote']!r}")
    assert not problems, "\n".join(problems)


def test_unanswerable_items_have_no_gold_and_no_key_facts(qa: tuple[dict[str, Any], ...]) -> None:
    for record in qa:
        if not record["answerable"]:
            assert record["gold"] == [] and record["key_facts"] == [], record["id"]
            assert record["hops"] == 1, record["id"]
        else:
            assert record["gold"] and 1 <= len(record["key_facts"]) <= 3, record["id"]
            assert not record["near_miss"], record["id"]


def test_two_hop_items_cite_two_passages(qa: tuple[dict[str, Any], ...]) -> None:
    for record in qa:
        if record["hops"] == 2:
            assert len({(g["doc_id"], g["quote"]) for g in record["gold"]}) >= 2, record["id"]


def test_personal_data_is_declared_and_occurs_in_the_question(
    qa: tuple[dict[str, Any], ...],
) -> None:
    for record in qa:
        assert record["contains_personal_data"] == bool(record["personal_data"]), record["id"]
        for value in record["personal_data"]:
            assert value in record["question"], (record["id"], value)
        # every personnummer-like string in a question must be declared
        for number in PNR.findall(record["question"]):
            assert number in record["personal_data"], (record["id"], number)


def test_key_facts_are_found_in_the_clean_gold_quotes(qa: tuple[dict[str, Any], ...]) -> None:
    """For sources without OCR damage one alternative of each key fact is in the quotes."""
    problems = []
    for record in qa:
        docs = {g["doc_id"] for g in record["gold"]}
        if not record["answerable"] or docs & OCR_DOCS:
            continue
        quotes = " ".join(g["quote"] for g in record["gold"]).lower()
        for fact in record["key_facts"]:
            alternatives = [a.strip().lower() for a in fact.split("|")]
            if not any(a and a in quotes for a in alternatives):
                problems.append(f"{record['id']}: {fact!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("file", QA_FILES, ids=file_id)
def test_counts_asked_for_in_the_issue(file: tuple[str, str]) -> None:
    qa, need = records(*file), REQUIRED[file[1]]
    answerable = [r for r in qa if r["answerable"]]
    unanswerable = [r for r in qa if not r["answerable"]]

    def on(doc_id: str) -> int:
        return sum(1 for r in answerable if any(g["doc_id"] == doc_id for g in r["gold"]))

    assert len(answerable) >= need.answerable
    assert sum(r["language"] == "en" for r in answerable) >= need.english
    paraphrased = sum(r["phrasing"] == "paraphrase" for r in answerable) / len(answerable)
    assert need.paraphrase[0] <= paraphrased <= need.paraphrase[1], paraphrased
    assert sum(r["hops"] == 2 for r in answerable) >= need.two_hop
    assert on("goteborg-kunskapsbaserad-socialtjanst-2025") >= 8
    for doc_id in SEED_DOCS[:4]:
        assert on(doc_id) >= (0 if doc_id in need.seeds_without_items else 2), doc_id
    faq_items = [r for r in answerable if any(g["doc_id"].startswith("faq-") for g in r["gold"])]
    assert len(faq_items) >= need.faq

    assert len(unanswerable) >= need.unanswerable
    near_misses = [r for r in unanswerable if r["near_miss"]]
    assert len(near_misses) >= need.near_miss
    asks = sum(bool(ASKS_WHEN_OR_HOW_MUCH.search(r["question"])) for r in near_misses)
    assert asks >= need.asks_when_or_how_much, asks
    assert any(not r["near_miss"] for r in unanswerable)
    areas = {r["area"] for r in unanswerable}
    for area in UNANSWERABLE_AREAS:
        assert area in areas, area

    users = [r for r in qa if r["style"] == "user"]
    assert len(users) >= need.user
    assert any(r["answerable"] for r in users) and any(not r["answerable"] for r in users)
    with_pd = [r for r in qa if r["contains_personal_data"]]
    assert len(with_pd) >= need.personal_data
    assert any(r["answerable"] for r in with_pd) and any(not r["answerable"] for r in with_pd)


# ---------------------------------------------------------------- immutability and READMEs


@pytest.mark.parametrize("version", VERSIONS)
def test_sha256_manifest_matches_the_files(version: str) -> None:
    folder = DATASETS_DIR / version
    listed: dict[str, str] = {}
    for line in (folder / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            listed[name.strip().lstrip("*")] = digest
    required = {
        p.relative_to(folder).as_posix()
        for name in VERSIONS[version]
        for p in (path_of(version, name), schema_of(version, name))
    }
    assert required <= set(listed), required - set(listed)
    for name, digest in listed.items():
        actual = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert actual == digest, f"{version}/{name} changed: a version is immutable"


@pytest.mark.parametrize("version", VERSIONS)
def test_readme_counts_are_the_computed_ones(version: str) -> None:
    text = (DATASETS_DIR / version / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- counts:start -->\n(.*?)<!-- counts:end -->", text, re.S)
    assert match, "README has no counts block"
    assert match.group(1) == counts_block(version), (
        "run: python -m tests.evals.test_datasets --write"
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_readme_keeps_the_attribution(version: str) -> None:
    text = (DATASETS_DIR / version / "README.md").read_text(encoding="utf-8")
    for needle in (
        "SuperLim 2 / SweFAQ, Språkbanken Text, CC BY 4.0",
        "Socialstyrelsen",
        "Västra Götalandsregionen",
        "Göteborgsregionen (GR)",
        "FoU Välfärd",
        "Göteborgs Stad",
        f"evals/datasets/v{int(version[1:]) + 1}/",
    ):
        assert needle in text, needle


# What each version's README must say about the set it adds: how it was written and, for
# a held-out set, the rule that keeps it held out; for a development set, what it is for.
_BASE_NEEDLES = ("blind", "2026-11-23", "evals/thresholds.yaml")
README_NEEDLES = {
    "v2": (*_BASE_NEEDLES, "never"),
    "v3": (*_BASE_NEEDLES, "tuning", "heldout_qa", "held out"),
    "v4": (*_BASE_NEEDLES, "dev2_qa", "heldout_qa", "held out", "false abstentions"),
    "v5": (
        *_BASE_NEEDLES,
        "dev3_qa",
        "heldout_qa",
        "held out",
        "false abstentions",
        "no held-out items were read",
    ),
    "v6": (
        *_BASE_NEEDLES,
        "dev4_qa",
        "heldout_b_qa",
        "heldout_qa",
        "held out",
        "--raise-thresholds",
        "false abstentions",
        "no longer blind",
        "never tuned on",
        *REMOVED[("v6", "heldout_b_qa")],
    ),
    "v7": (
        "blind",
        "2026-11-24",
        "evals/thresholds.yaml",
        "dev5_qa",
        "heldout_c_qa",
        "held out",
        "--raise-thresholds",
        "false abstentions",
        "no longer blind",
        "never tuned on",
        "docs/eval/dev5-first-run/",
        *REMOVED[("v7", "dev5_qa")],
    ),
    "v8": (
        "blind",
        "2026-11-24",
        "evals/thresholds.yaml",
        "heldout_d_qa",
        "held out",
        "never tuned on",
        "--raise-thresholds",
        "abstention recall",
    ),
    "v9": (
        "blind",
        "2026-11-24",
        "evals/thresholds.yaml",
        "heldout_e_qa",
        "held out",
        "never tuned on",
        "--raise-thresholds",
        "twin",
        "docs/answerability.md",
    ),
    "v10": (
        "blind",
        "2026-11-24",
        "dev6_qa",
        "heldout_f_qa",
        "held out",
        "never tuned on",
        "--raise-thresholds",
        "twin",
        "docs/eval/dev6-first-run/",
        "docs/eval/heldout-f-first-run/",
        "evals.wording_check",
    ),
    "v11": (
        "blind",
        "2026-11-24",
        "dev7_qa",
        "heldout_g_qa",
        "held out",
        "never tuned on",
        "--raise-thresholds",
        "twin",
        "docs/eval/dev7-first-run/",
        "docs/eval/heldout-g-first-run/",
        "evals.wording_check",
    ),
    "v12": (
        "blind",
        "2026-11-24",
        "heldout_h_qa",
        "held out",
        "never tuned on",
        "--raise-thresholds",
        "twin",
        "docs/eval/heldout-h-first-run/",
        "evals.wording_check",
    ),
}


@pytest.mark.parametrize("version", list(README_NEEDLES))
def test_readme_says_what_its_new_set_is_for(version: str) -> None:
    text = (DATASETS_DIR / version / "README.md").read_text(encoding="utf-8")
    for needle in README_NEEDLES[version]:
        assert needle in text, needle


def test_dev3_qa_asks_with_names_numbers_dates_and_acronyms(corpus: dict[str, str]) -> None:
    """Answerable questions carrying the specific terms and absent words users bring."""
    qa = records("v5", "dev3_qa")
    answerable = [r for r in qa if r["answerable"]]

    def asking(pattern: str) -> int:
        return sum(bool(re.search(pattern, r["question"])) for r in answerable)

    assert asking(r"\d") >= 15  # years, dates, numbers in the asker's format
    assert asking(r"-\d\d\b|\b(ht|vt|våren|hösten) ") >= 6  # "-22", "ht 2025", "våren 2023"
    assert asking(r"\b[A-ZÅÄÖ][A-ZÅÄÖa-z]*[A-ZÅÄÖ]\b") >= 12  # GR, SKR, SoS, FoHM, …
    assert asking(r"\b(Sveriges Kommuner och|Göteborgsregionen|Västra Götalandsregionen)") >= 5
    assert sum(r["language"] == "en" for r in answerable) >= 6
    assert sum(r["style"] == "user" for r in answerable) >= 6
    faq_ids = {g["doc_id"] for r in answerable for g in r["gold"] if g["doc_id"].startswith("faq-")}
    assert len(faq_ids) >= 10, sorted(faq_ids)
    for doc_id in SEED_DOCS:
        assert any(g["doc_id"] == doc_id for r in answerable for g in r["gold"]), doc_id
    assert sum(r["near_miss"] for r in qa if not r["answerable"]) >= 6
    assert all(doc in corpus for r in answerable for doc in {g["doc_id"] for g in r["gold"]})


def test_dev2_qa_has_answerable_questions_of_varied_styles(corpus: dict[str, str]) -> None:
    """Many answerable questions, asked the ways social workers and FoU analysts ask them."""
    qa = records("v4", "dev2_qa")
    answerable = [r for r in qa if r["answerable"]]

    def asking(pattern: str) -> int:
        return sum(bool(re.search(pattern, r["question"], re.I)) for r in answerable)

    yes_no = r"(^|[.–] )(får|måste|kan|är|blir|förväntas|använder|can)\b"
    assert asking(yes_no) >= 8  # "Får socialnämnden …?", "Måste …?", "Kan man …?"
    assert asking(r"\b(varför|why)\b") >= 3  # why
    assert asking(r"\b(hur|how)\b") >= 6  # how
    assert asking(r"\b(vad|vilk\w*|what|which)\b") >= 8  # what
    assert sum(len(r["question"].split()) <= 5 for r in answerable) >= 4  # short questions
    assert sum(r["language"] == "en" for r in answerable) >= 6
    assert sum(r["style"] == "user" for r in answerable) >= 8
    assert sum(r["hops"] == 2 for r in answerable) >= 5
    faq_ids = {g["doc_id"] for r in answerable for g in r["gold"] if g["doc_id"].startswith("faq-")}
    assert len(faq_ids) >= 15, sorted(faq_ids)
    for doc_id in SEED_DOCS:
        assert any(g["doc_id"] == doc_id for r in answerable for g in r["gold"]), doc_id
    assert sum(r["near_miss"] for r in qa if not r["answerable"]) >= 8
    assert all(doc in corpus for r in answerable for doc in {g["doc_id"] for g in r["gold"]})


def test_dev_qa_has_the_answerable_questions_that_are_easy_to_decline() -> None:
    """when/how long/how often/how many answered by a period, an event or in words."""
    answerable = [r for r in records("v3", "dev_qa") if r["answerable"]]
    near_misses = [r for r in records("v3", "dev_qa") if r["near_miss"]]

    def asking(pattern: str, items: list[dict[str, Any]]) -> int:
        return sum(bool(re.search(pattern, r["question"], re.I)) for r in items)

    assert asking(r"\b(när|when)\b", answerable) >= 4
    assert asking(r"\b(hur (länge|ofta|många|lång tid)|how often)\b", answerable) >= 6
    assert sum(len(r["question"]) <= 25 for r in answerable) >= 3  # short questions
    kinds = (r"\bnär\b", r"\bhur lång tid\b", r"\bhur mycket\b", r"\bhur många\b", r"\bvem\b")
    for pattern in kinds:
        assert asking(pattern, near_misses) >= 1, pattern


# Twin sets: (version, name, at least / at most this many pairs answerable first).
# heldout_e_qa's order was drawn by coin flips (9 of 30); later sets shuffle 15 and 15.
TWIN_SETS = [
    ("v9", "heldout_e_qa", 5, 25),
    ("v10", "dev6_qa", 15, 15),
    ("v10", "heldout_f_qa", 15, 15),
    ("v11", "dev7_qa", 15, 15),
    ("v11", "heldout_g_qa", 15, 15),
    ("v12", "heldout_h_qa", 15, 15),
]


@pytest.mark.parametrize(("version", "name", "least", "most"), TWIN_SETS)
def test_twin_sets_come_in_twins_worded_alike(
    version: str, name: str, least: int, most: int
) -> None:
    """Each item of a twin set has a twin: the other item of its pair of ids, of the same
    language and style, one answerable and one not, so the wording gives nothing away
    (failures name ids only)."""
    prefix = ID_PREFIXES[(version, name)]
    items = {r["id"]: r for r in records(version, name)}
    problems = []
    for number in range(1, len(items) + 1, 2):
        first, second = f"{prefix}{number:03d}", f"{prefix}{number + 1:03d}"
        a, b = items[first], items[second]
        if (a["twin"], b["twin"]) != (second, first):
            problems.append(f"{first}/{second}: not each other's twin")
        if a["answerable"] == b["answerable"]:
            problems.append(f"{first}/{second}: both {'answerable' if a['answerable'] else 'not'}")
        if (a["language"], a["style"]) != (b["language"], b["style"]):
            problems.append(f"{first}/{second}: language or style differ")
    assert len(items) == 60 and not problems, problems
    # Which twin is answerable was drawn by lot: not always the first.
    firsts = [items[f"{prefix}{n:03d}"]["answerable"] for n in range(1, 61, 2)]
    assert least <= sum(firsts) <= most


# ---------------------------------------------------------------- counts for the READMEs


def _table(title: str, counter: Counter[str]) -> list[str]:
    rows = [f"| {title} | n |", "|---|---:|"]
    rows += [
        f"| {key} | {n} |" for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return [*rows, ""]


def _qa_counts(name: str, qa: tuple[dict[str, Any], ...]) -> list[str]:
    ans = [r for r in qa if r["answerable"]]
    una = [r for r in qa if not r["answerable"]]

    def kind(r: dict[str, Any]) -> str:
        return "answerable" if r["answerable"] else "unanswerable"

    lines = [
        f"`{name}.jsonl`: {len(qa)} items, {len(ans)} answerable, {len(una)} unanswerable.",
        "",
    ]
    lines += _table("answerable × language", Counter(r["language"] for r in ans))
    lines += _table("answerable × phrasing", Counter(r["phrasing"] for r in ans))
    lines += _table("answerable × hops", Counter(str(r["hops"]) for r in ans))
    lines += _table(
        "answerable items citing the document",
        Counter(
            d
            for r in ans
            for d in {
                g["doc_id"] if not g["doc_id"].startswith("faq-") else "FAQ answers (faq-NNN)"
                for g in r["gold"]
            }
        ),
    )
    lines += _table("unanswerable × near_miss", Counter(str(r["near_miss"]).lower() for r in una))
    lines += _table("style", Counter(f"{r['style']} ({kind(r)})" for r in qa))
    lines += _table(
        "contains_personal_data",
        Counter(f"{str(r['contains_personal_data']).lower()} ({kind(r)})" for r in qa),
    )
    lines += _table("area", Counter(f"{r['area']} ({kind(r)})" for r in qa))
    return lines


def _swefaq_counts(swefaq: tuple[dict[str, Any], ...]) -> list[str]:
    lines = [f"`swefaq_retrieval.jsonl`: {len(swefaq)} questions.", ""]
    lines += _table("source", Counter(r["source"] for r in swefaq))
    lines += _table("category", Counter(r["category"] for r in swefaq))
    return lines


def counts_block(version: str) -> str:
    """The counts of the datasets a version adds, as its README shows them."""
    lines: list[str] = []
    for name in NEW_IN[version]:
        data = records(version, name)
        lines += _qa_counts(name, data) if name in QA_NAMES else _swefaq_counts(data)
    return "\n".join(lines)


def _write_readme(version: str) -> None:
    readme = DATASETS_DIR / version / "README.md"
    new = re.sub(
        r"(<!-- counts:start -->\n).*?(<!-- counts:end -->)",
        lambda m: m.group(1) + counts_block(version) + m.group(2),
        readme.read_text(encoding="utf-8"),
        flags=re.S,
    )
    readme.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    for v in [a for a in sys.argv[1:] if a in VERSIONS] or list(VERSIONS):
        if "--write" in sys.argv:
            _write_readme(v)
        else:
            print(f"## {v}\n\n{counts_block(v)}")
