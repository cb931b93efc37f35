"""Real text: a generated corpus through the real ingest, and short texts embedded with e5."""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from kunskap.settings import Settings

from .common import AREAS, COLLECTION, REPO
from .engines import bench_engines


def sample_sentences() -> list[str]:
    from kunskap.text import split_sentences

    sentences: list[str] = []
    for seed in sorted((REPO / "corpus" / "seeds").glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        sentences += [" ".join(s.split()) for s in split_sentences(text)]
    for line in (
        (REPO / "corpus" / "faq" / "swefaq_dev_answers.jsonl").read_text("utf-8").splitlines()
    ):
        sentences += [" ".join(s.split()) for s in split_sentences(json.loads(line)["text"])]
    return [s for s in sentences if len(s.split()) >= 6]


def generate_corpus(root: Path, target_chunks: int, words_per_chunk: int = 100) -> Path:
    """JSONL documents of four ~100-word paragraphs, from shuffled real sentences.

    The chunker cuts such a document into about six chunks (measured: 19,342 chunks from
    3,333 documents), so ``target_chunks / 6`` documents give about the asked number.
    """
    rng = random.Random(20251123)
    sentences = sample_sentences()
    docs = max(1, target_chunks // 6)
    path = root / "generated.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(docs):
            paragraphs = []
            for _ in range(4):
                words = 0
                paragraph = []
                while words < words_per_chunk:
                    sentence = rng.choice(sentences)
                    paragraph.append(sentence)
                    words += len(sentence.split())
                paragraphs.append(" ".join(paragraph))
            record = {
                "id": f"gen-{i:06d}",
                "title": f"Genererat dokument {i}",
                "text": "\n\n".join(paragraphs),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    manifest = root / "manifest.yaml"
    manifest.write_text(
        "sources:\n  - id: generated\n    title: Genererad korpus\n    path: generated.jsonl\n"
        "    doc_type: ovrigt\n    publisher: Benchmark\n    areas: [overgripande]\n",
        encoding="utf-8",
    )
    return manifest


QUESTIONS = [
    "Vad är beprövad erfarenhet?",
    "Vilka frågor bör man ställa innan man inför en ny metod?",
    "När ska vård enligt LVU upphöra?",
    "Hur arbetar FoU-enheterna med kunskapsbehov?",
    "What is evidence-based practice?",
    "Hur följs en placering i familjehem upp?",
    "Vad innebär evidensbaserad praktik i socialtjänsten?",
    "Hur ska barnets bästa bedömas?",
    "Vilket stöd finns för anhöriga?",
    "Hur dokumenteras en utredning?",
]


def bench_generated(n: int, engines: list[str], tmp: Path) -> list[dict[str, Any]]:
    from ingest.embedding import build_embedding, embed_queries
    from ingest.pipeline import run_ingest
    from ingest.sparse import query_vector
    from ingest.vector_index import export_collection, open_index

    manifest = generate_corpus(tmp, n)
    settings = Settings(_env_file=None, data_dir=tmp / "gen-data", manifest=manifest)
    report = run_ingest(settings, rebuild=True)
    if not report.ok:
        raise SystemExit("ingest failed: " + "; ".join(report.failures[:3]))
    ingest_row = {
        "corpus": f"generated {report.chunks}",
        "engine": "edge (real ingest)",
        "points": report.points_total,
        "ingest_s": round(report.seconds, 1),
        "chunks_per_s": round(report.chunks / report.seconds, 2),
        "embed_share": round(report.embed_seconds / report.seconds, 3),
        "index_share": round(report.index_seconds / report.seconds, 3),
        "outside_embedding_share": round(1 - report.embed_seconds / report.seconds, 3),
    }
    print(json.dumps(ingest_row, ensure_ascii=False), file=sys.stderr, flush=True)
    index = open_index(settings)
    export = tmp / "generated.jsonl.gz"
    export_collection(index, settings.collection_name(), export)
    index.close()
    embedding = build_embedding(settings)
    dense = embed_queries(embedding, QUESTIONS)
    real = tmp / "queries.json"
    real.write_text(
        json.dumps([[d.tolist(), *query_vector(q)] for q, d in zip(QUESTIONS, dense, strict=True)])
    )
    rows = bench_engines(
        f"generated {report.chunks}",
        report.chunks,
        engines,
        tmp,
        source=export,
        real_queries=real,
        queries=len(QUESTIONS),
        slow_queries=len(QUESTIONS),
    )
    return [ingest_row, *rows]


# --- real e5 vectors, for graph recall -------------------------------------------------------


def real_texts(n: int) -> list[str]:
    """Up to ``n`` distinct short real Swedish texts: windows of one to three adjacent
    sentences of the sample corpus, then the SuperLim 2 sentences the judge trains on
    (``scripts/train_data/``, CC BY 4.0)."""
    sentences = sample_sentences()
    texts: list[str] = []
    seen: set[str] = set()

    def add(text: str) -> None:
        if text not in seen and len(text.split()) >= 4:
            seen.add(text)
            texts.append(text)

    for width in (1, 2, 3):
        for i in range(len(sentences) - width + 1):
            add(" ".join(sentences[i : i + width]))
    data = REPO / "scripts" / "train_data"
    for name, fields in (
        ("swenli_dev.jsonl", ("premise", "hypothesis")),
        ("sweparaphrase_train.jsonl", ("sentence_1", "sentence_2")),
    ):
        for line in (data / name).read_text("utf-8").splitlines():
            row = json.loads(line)
            for f in fields:
                add(" ".join(str(row[f]).split()))
    return texts[:n]


def bench_real_vectors(
    n: int, engines: list[str], tmp: Path, queries: int = 40
) -> list[dict[str, Any]]:
    """Recall of graph (HNSW) search against exact search on real e5 vectors.

    ``n`` short real texts embedded as passages, the first ``queries`` questions of the
    development set ``dev_qa`` embedded as queries; points written through the real index
    path, then each engine loaded from the same export file.
    """
    import gzip

    from ingest.embedding import build_embedding, embed_passages, embed_queries
    from ingest.sparse import document_vector, query_vector
    from ingest.vector_index import EXPORT_FORMAT, EXPORT_VERSION

    texts = real_texts(n)
    embedding = build_embedding(Settings(_env_file=None))
    t0 = time.perf_counter()
    vectors = np.concatenate(
        [embed_passages(embedding, texts[i : i + 256]) for i in range(0, len(texts), 256)]
    )
    embed_s = time.perf_counter() - t0
    print(f"embedded {len(texts)} texts in {embed_s:.0f} s", file=sys.stderr, flush=True)
    export = tmp / "real.jsonl.gz"
    with gzip.open(export, "wt", encoding="utf-8") as fh:
        header = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "collection": COLLECTION}
        fh.write(json.dumps(header | {"points": len(texts)}) + "\n")
        for i, (text, vec) in enumerate(zip(texts, vectors, strict=True)):
            indices, values = document_vector(text)
            point = {
                "id": f"{i:08x}-0000-4000-8000-000000000002",
                "dense": [round(float(x), 6) for x in vec],
                "sparse": {"indices": indices, "values": values},
                "payload": {"doc_id": f"real-{i:06d}", "text": text,
                            "areas": sorted({AREAS[i % len(AREAS)], AREAS[(i * 7) % len(AREAS)]})},
            }  # fmt: skip
            fh.write(json.dumps(point, ensure_ascii=False) + "\n")
    dev = REPO / "evals" / "datasets" / "dev_qa" / "dev_qa.jsonl"
    asked = [json.loads(line)["question"] for line in dev.read_text("utf-8").splitlines()]
    asked = asked[:queries]
    dense = embed_queries(embedding, asked)
    real = tmp / "real-queries.json"
    real.write_text(
        json.dumps([[d.tolist(), *query_vector(q)] for q, d in zip(asked, dense, strict=True)])
    )
    rows = bench_engines(
        f"real e5 {len(texts)}", len(texts), engines, tmp, source=export, real_queries=real,
        queries=len(asked), slow_queries=len(asked),
    )  # fmt: skip
    for row in rows:
        row["embed_s"] = round(embed_s, 1)
    return rows
