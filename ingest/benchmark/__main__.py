"""``python -m ingest.benchmark``: see the package docstring."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from kunskap.settings import Settings

from . import __doc__ as DESCRIPTION
from .engines import bench_engines, worker_load, worker_query
from .output import machine, markdown
from .real_text import bench_generated, bench_real_vectors
from .serve import bench_serve


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, engine, root, n = sys.argv[2:6]
        extra = Path(sys.argv[6]) if len(sys.argv) > 6 else None
        if kind == "load":
            print(json.dumps(worker_load(engine, Path(root), int(n), extra)))
        else:
            print(json.dumps(worker_query(engine, Path(root), int(n), extra)))
        return
    parser = argparse.ArgumentParser(
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--synthetic", type=int, nargs="*", default=[], metavar="N")
    parser.add_argument("--generated", type=int, default=0, metavar="N")
    parser.add_argument(
        "--real-vectors", type=int, default=0, metavar="N",
        help="N short real texts embedded with e5: graph recall against exact on real vectors",
    )  # fmt: skip
    parser.add_argument(
        "--serve", type=int, default=0, metavar="N",
        help="peak RSS and /api/ask latency of `kunskap serve` over N copied real chunks",
    )  # fmt: skip
    parser.add_argument(
        "--data-dir", type=Path, default=None,
        help="the ingested data dir --serve copies from (default: the configured one)",
    )  # fmt: skip
    parser.add_argument("--engines", default="local,edge", help="comma list: local,edge,edge-hnsw")
    parser.add_argument("--json", action="store_true", help="print one JSON list on stdout")
    parser.add_argument("--write", action="store_true", help="print a Markdown table too")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.synthetic:
            rows += bench_engines(f"synthetic {n}", n, engines, Path(tmp))
        if args.generated:
            rows += bench_generated(args.generated, engines, Path(tmp))
        if args.real_vectors:
            rows += bench_real_vectors(args.real_vectors, engines, Path(tmp))
        if args.serve:
            source = args.data_dir or Settings().data_dir
            rows.append(bench_serve(args.serve, source, Path(tmp)))
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows}, ensure_ascii=False, indent=1))
    if args.write or not args.json:
        print(f"\nMachine: {machine()}\n\n{markdown(rows)}")


if __name__ == "__main__":
    main()
