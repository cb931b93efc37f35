"""The vector index measured side by side per engine: load, disk, memory, reopen, latency, recall.

    python -m ingest.benchmark --synthetic 1000 20000 100000 --json
    python -m ingest.benchmark --generated 2000 --json
    python -m ingest.benchmark --serve 100000 --json   # peak RSS of `kunskap serve`
    python -m ingest.benchmark --synthetic 1000 20000 --write   # also rewrite docs/benchmarks.md

Engines: ``edge`` (Qdrant Edge, the embedded default), ``local`` (qdrant-client's local mode,
the embedded engine before Edge), ``edge-hnsw`` (Edge with an HNSW graph built at the end
of the load whatever the size, to measure graph search and its recall against exact).

``--synthetic N``: points shaped like real ones (384-dim unit vectors drawn around 256
centres, ~60-term sparse vectors over a Zipf vocabulary with the IDF modifier, payload with
areas and a ~1 kB text), written through ``VectorIndex.upsert`` in the ingest's batch size.
``--generated N``: about N chunks of real text (sentences of the sample corpus shuffled into
documents) through the real ingest (cleaning, chunking, e5 embedding) into Edge; the
same points are then copied into the other engines. Reports the share of ingest time spent
outside the embedding model.
``--real-vectors N``: N short real texts (sentences of the sample corpus, then SuperLim 2
sentences) embedded with e5, to measure graph (HNSW) recall against exact on real vectors.
``--serve N``: N points copied from an ingested data dir (real payloads and sparse vectors,
dense vectors near the real ones) and ``kunskap serve`` started over them as a user starts
it; reports its peak RSS and POST /api/ask latency.

Each engine and size runs in two fresh subprocesses (load, then reopen + queries), so peak
RSS is that engine's alone. Queries go through ``VectorIndex.query`` exactly as
``Retriever`` sends them (prefetch 40 + 40, every fused candidate returned). This is a
benchmark, not a test: nothing here asserts a speed.
"""
