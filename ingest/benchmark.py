"""Ingest throughput and index size, on the sample corpus and on a generated corpus.

    python -m ingest.benchmark                      # sample corpus only
    python -m ingest.benchmark --generated 20000    # plus ~20,000 generated chunks

The generated corpus is made of real sentences from the sample corpus, shuffled into new
documents, so cleaning, chunking and embedding do realistic work. Figures are printed and,
with --write, appended to docs/benchmarks.md together with the machine they came from.
This is a benchmark, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from assistant.retrieval import Retriever
from assistant.services import build_services
from ingest.pipeline import IngestReport, run_ingest
from kunskap.settings import Settings
from kunskap.text import split_sentences

REPO = Path(__file__).resolve().parent.parent
QUERIES = [
    "Vad är beprövad erfarenhet?",
    "Vilka frågor bör man ställa innan man inför en ny metod?",
    "När ska vård enligt LVU upphöra?",
    "Hur arbetar FoU-enheterna med kunskapsbehov?",
    "What is evidence-based practice?",
]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def sample_sentences() -> list[str]:
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

    The chunker cuts such a document into about six chunks (measured: 5.7 on average), so
    ``target_chunks / 6`` documents give about the asked number of chunks.
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


def query_latency(settings: Settings, repeats: int = 5) -> dict[str, float]:
    services = build_services(settings, with_needs=False)
    try:
        retriever = Retriever(services)
        retriever.search(QUERIES[0])  # warm-up: model load, first scan
        timings: dict[str, list[float]] = {"dense": [], "sparse": [], "hybrid": []}
        for _ in range(repeats):
            for query in QUERIES:
                for mode in timings:
                    t0 = time.perf_counter()
                    # The keys of `timings` are the retriever's modes; mypy sees str.
                    retriever.search(query, mode=mode)  # type: ignore[arg-type]
                    timings[mode].append((time.perf_counter() - t0) * 1000)
    finally:
        services.close()
    return {f"{mode}_p50_ms": statistics.median(v) for mode, v in timings.items()} | {
        f"{mode}_p95_ms": sorted(v)[int(0.95 * (len(v) - 1))] for mode, v in timings.items()
    }


def run(label: str, settings: Settings) -> dict[str, object]:
    report: IngestReport = run_ingest(settings, rebuild=True)
    if not report.ok:
        raise SystemExit("ingest failed: " + "; ".join(report.failures))
    size = dir_size(settings.qdrant_path)
    result: dict[str, object] = {
        "corpus": label,
        "documents": report.documents,
        "pages": report.pages,
        "chunks": report.chunks,
        "seconds": round(report.seconds, 1),
        "pages_per_s": round(report.pages / report.seconds, 2),
        "chunks_per_s": round(report.chunks / report.seconds, 2),
        "disk_mb": round(size / 1e6, 1),
    }
    result |= {k: round(v, 1) for k, v in query_latency(settings).items()}
    return result


def machine() -> str:
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--generated", type=int, default=0, help="also a generated corpus of N chunks"
    )
    parser.add_argument(
        "--write", action="store_true", help="append the figures to docs/benchmarks.md"
    )
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(
            _env_file=None, data_dir=Path(tmp) / "sample", manifest=REPO / "corpus_manifest.yaml"
        )  # type: ignore[call-arg]  # _env_file: a pydantic-settings init arg mypy's plugin omits
        results.append(run("sample", base))
        print(json.dumps(results[-1], ensure_ascii=False))
        if args.generated:
            manifest = generate_corpus(Path(tmp), args.generated)
            generated = Settings(
                _env_file=None, data_dir=Path(tmp) / "generated", manifest=manifest
            )  # type: ignore[call-arg]  # _env_file: a pydantic-settings init arg mypy's plugin omits
            results.append(run(f"generated ({args.generated} chunks asked)", generated))
            print(json.dumps(results[-1], ensure_ascii=False))
    if args.write:
        columns = list(results[0])
        lines = [
            "",
            f"### Run {time.strftime('%Y-%m-%d %H:%M')} on {machine()}",
            "",
            "| " + " | ".join(columns) + " |",
            "|" + "---|" * len(columns),
            *("| " + " | ".join(str(r[c]) for c in columns) + " |" for r in results),
        ]
        with (REPO / "docs" / "benchmarks.md").open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
