"""Checks of the immutable evaluation datasets in evals/datasets/v1/.

The datasets are data, not code: these tests make sure every line matches its JSON
schema, every gold quote is really in the named source, the counts the issue asks for
hold, and the checked-in sha256 sums still match (v1 never changes; a new version goes in
evals/datasets/v2/).

Run ``python -m tests.evals.test_datasets`` to print the counts block for the README
(``--write`` puts it between the README's ``counts`` markers).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

REPO_ROOT = Path(__file__).resolve().parents[2]
V1 = REPO_ROOT / "evals" / "datasets" / "v1"
MANIFEST = REPO_ROOT / "corpus_manifest.yaml"
SHARED_QUESTIONS = REPO_ROOT.parent / "shared" / "evals" / "swefaq_dev_questions_public.jsonl"

DATASETS = {
    "swefaq_retrieval": V1 / "swefaq_retrieval.jsonl",
    "sample_qa": V1 / "sample_qa.jsonl",
}
SCHEMAS = {name: V1 / "schema" / f"{name}.schema.json" for name in DATASETS}
SHA_FILE = V1 / "MANIFEST.sha256"
README = V1 / "README.md"

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


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


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


@pytest.fixture(scope="module")
def qa() -> list[dict[str, Any]]:
    return load_jsonl(DATASETS["sample_qa"])


@pytest.fixture(scope="module")
def swefaq() -> list[dict[str, Any]]:
    return load_jsonl(DATASETS["swefaq_retrieval"])


# ---------------------------------------------------------------- schema and ids


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_line_matches_its_schema(name: str) -> None:
    schema = json.loads(SCHEMAS[name].read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    errors = []
    for n, record in enumerate(load_jsonl(DATASETS[name]), 1):
        errors += [f"line {n}: {e.message}" for e in validator.iter_errors(record)]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_ids_are_unique(name: str) -> None:
    ids = [r["id"] for r in load_jsonl(DATASETS[name])]
    duplicates = [i for i, c in Counter(ids).items() if c > 1]
    assert not duplicates


def test_schema_rejects_unknown_fields_and_bad_enums(qa: list[dict[str, Any]]) -> None:
    validator = Draft202012Validator(json.loads(SCHEMAS["sample_qa"].read_text("utf-8")))
    good = qa[0]
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "extra": 1})
    assert not validator.is_valid({**good, "language": "de"})
    assert not validator.is_valid({**good, "area": "barn"})
    assert not validator.is_valid({**good, "key_facts": ["a", "b", "c", "d"]})
    assert not validator.is_valid({**good, "answerable": False})  # gold and facts given


# ---------------------------------------------------------------- SweFAQ retrieval


def test_swefaq_has_the_53_questions_with_existing_gold(
    swefaq: list[dict[str, Any]], corpus: dict[str, str]
) -> None:
    assert len(swefaq) == 53
    assert sum(1 for doc_id in corpus if doc_id.startswith("faq-")) == 110
    for record in swefaq:
        assert record["gold_doc_ids"] == [record["gold_doc"]], record["id"]
        assert record["gold_doc"] in corpus, record["id"]


@pytest.mark.skipif(not SHARED_QUESTIONS.exists(), reason="../shared is not present")
def test_swefaq_questions_are_copied_unchanged(swefaq: list[dict[str, Any]]) -> None:
    original = {r["id"]: r for r in load_jsonl(SHARED_QUESTIONS)}
    assert set(original) == {r["id"] for r in swefaq}
    for record in swefaq:
        source = original[record["id"]]
        for field in ("question", "gold_doc", "category", "source"):
            assert record[field] == source[field], (record["id"], field)


# ---------------------------------------------------------------- sample QA content


def test_every_gold_quote_occurs_verbatim_in_its_source(
    qa: list[dict[str, Any]], corpus: dict[str, str]
) -> None:
    problems = []
    for record in qa:
        for gold in record["gold"]:
            if gold["doc_id"] not in corpus:
                problems.append(f"{record['id']}: unknown doc_id {gold['doc_id']!r}")
            elif gold["quote"] not in corpus[gold["doc_id"]]:
                problems.append(f"{record['id']}: quote not in {gold['doc_id']}: {gold['quote']!r}")
    assert not problems, "\n".join(problems)


def test_unanswerable_items_have_no_gold_and_no_key_facts(qa: list[dict[str, Any]]) -> None:
    for record in qa:
        if not record["answerable"]:
            assert record["gold"] == [] and record["key_facts"] == [], record["id"]
            assert record["hops"] == 1, record["id"]
        else:
            assert record["gold"] and 1 <= len(record["key_facts"]) <= 3, record["id"]
            assert not record["near_miss"], record["id"]


def test_two_hop_items_cite_two_passages(qa: list[dict[str, Any]]) -> None:
    for record in qa:
        if record["hops"] == 2:
            assert len({(g["doc_id"], g["quote"]) for g in record["gold"]}) >= 2, record["id"]


def test_personal_data_is_declared_and_occurs_in_the_question(qa: list[dict[str, Any]]) -> None:
    for record in qa:
        assert record["contains_personal_data"] == bool(record["personal_data"]), record["id"]
        for value in record["personal_data"]:
            assert value in record["question"], (record["id"], value)
        # every personnummer-like string in a question must be declared
        for number in PNR.findall(record["question"]):
            assert number in record["personal_data"], (record["id"], number)


def test_key_facts_are_found_in_the_clean_gold_quotes(qa: list[dict[str, Any]]) -> None:
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


def test_counts_asked_for_in_the_issue(qa: list[dict[str, Any]]) -> None:
    answerable = [r for r in qa if r["answerable"]]
    unanswerable = [r for r in qa if not r["answerable"]]

    def on(doc_id: str) -> int:
        return sum(1 for r in answerable if any(g["doc_id"] == doc_id for g in r["gold"]))

    assert len(answerable) >= 45
    assert sum(r["language"] == "en" for r in answerable) >= 6
    paraphrased = sum(r["phrasing"] == "paraphrase" for r in answerable) / len(answerable)
    assert 0.35 <= paraphrased <= 0.65, paraphrased
    assert sum(r["hops"] == 2 for r in answerable) >= 5
    assert on("goteborg-kunskapsbaserad-socialtjanst-2025") >= 8
    for doc_id in SEED_DOCS[:4]:
        assert on(doc_id) >= 2, doc_id
    faq_items = [r for r in answerable if any(g["doc_id"].startswith("faq-") for g in r["gold"])]
    assert len(faq_items) >= 5

    assert len(unanswerable) >= 20
    assert sum(r["near_miss"] for r in unanswerable) >= 8
    areas = {r["area"] for r in unanswerable}
    for area in (
        "funktionshinder",
        "barn_och_unga",
        "vuxna_beroende",
        "aldre",
        "ekonomiskt_bistand",
        "vald_i_nara_relationer",
    ):
        assert area in areas, area

    users = [r for r in qa if r["style"] == "user"]
    assert len(users) >= 12
    assert any(r["answerable"] for r in users) and any(not r["answerable"] for r in users)
    with_pd = [r for r in qa if r["contains_personal_data"]]
    assert len(with_pd) >= 3
    assert any(r["answerable"] for r in with_pd) and any(not r["answerable"] for r in with_pd)


# ---------------------------------------------------------------- immutability and README


def test_sha256_manifest_matches_the_files() -> None:
    listed: dict[str, str] = {}
    for line in SHA_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            listed[name.strip().lstrip("*")] = digest
    required = {p.relative_to(V1).as_posix() for p in [*DATASETS.values(), *SCHEMAS.values()]}
    assert required <= set(listed), required - set(listed)
    for name, digest in listed.items():
        actual = hashlib.sha256((V1 / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} changed: v1 is immutable, put changes in v2/"


def test_readme_counts_are_the_computed_ones() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- counts:start -->\n(.*?)<!-- counts:end -->", text, re.S)
    assert match, "README has no counts block"
    assert match.group(1) == counts_block(), "run: python -m tests.evals.test_datasets --write"


def test_readme_keeps_the_attribution() -> None:
    text = README.read_text(encoding="utf-8")
    for needle in (
        "SuperLim 2 / SweFAQ, Språkbanken Text, CC BY 4.0",
        "Socialstyrelsen",
        "Västra Götalandsregionen",
        "Göteborgsregionen (GR)",
        "FoU Välfärd",
        "Göteborgs Stad",
        "evals/datasets/v2/",
    ):
        assert needle in text, needle


# ---------------------------------------------------------------- counts for the README


def _table(title: str, counter: Counter[str]) -> list[str]:
    rows = [f"| {title} | n |", "|---|---:|"]
    rows += [
        f"| {key} | {n} |" for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return [*rows, ""]


def counts_block() -> str:
    qa = load_jsonl(DATASETS["sample_qa"])
    swefaq = load_jsonl(DATASETS["swefaq_retrieval"])
    ans = [r for r in qa if r["answerable"]]
    una = [r for r in qa if not r["answerable"]]

    def kind(r: dict[str, Any]) -> str:
        return "answerable" if r["answerable"] else "unanswerable"

    lines = [
        f"`sample_qa.jsonl`: {len(qa)} items, {len(ans)} answerable, {len(una)} unanswerable.",
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
    lines += [f"`swefaq_retrieval.jsonl`: {len(swefaq)} questions.", ""]
    lines += _table("source", Counter(r["source"] for r in swefaq))
    lines += _table("category", Counter(r["category"] for r in swefaq))
    return "\n".join(lines)


def _write_readme() -> None:
    text = README.read_text(encoding="utf-8")
    new = re.sub(
        r"(<!-- counts:start -->\n).*?(<!-- counts:end -->)",
        lambda m: m.group(1) + counts_block() + m.group(2),
        text,
        flags=re.S,
    )
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        _write_readme()
    else:
        print(counts_block())
