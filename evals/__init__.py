"""Evaluation datasets (immutable, versioned) and the harness that scores the assistant."""

from pathlib import Path

# The store of passage vectors by content that the tests fill (tests/conftest.py takes it
# from here) and the evaluation reads: the eval's index and the needs finder's learned
# scorer embed through it.
STORE_DIR = Path(__file__).resolve().parent.parent / "build" / "embedding-store"
