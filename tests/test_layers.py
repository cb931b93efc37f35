"""Imports point one way: kunskap/ ← ingest/ ← assistant/ ← evals/ (docs/architecture.md).

Every import in every module is read from the syntax tree, those inside functions and
``TYPE_CHECKING`` blocks included, so a lazy import cannot slip an upward dependency past.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Lower number, lower layer: a module may import its own layer and the ones below it.
LAYERS = {"kunskap": 0, "ingest": 1, "assistant": 2, "evals": 3}
# The console script composes every part's commands (each registers its own); it sits on
# top although it lives in kunskap/, and nothing imports it.
COMPOSITION_ROOT = "kunskap.cli"


def imported_modules(source: str, module: str) -> set[str]:
    """The absolute names of the modules ``source`` (the module ``module``) imports."""
    package = module.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package, or one above it
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
    return names


def upward_imports(source: str, module: str) -> list[str]:
    """``module`` → ``imported`` for each import of a higher layer than ``module``'s."""
    own = LAYERS[module.split(".", 1)[0]]
    return sorted(
        f"{module} → {name}"
        for name in imported_modules(source, module)
        if LAYERS.get(name.split(".", 1)[0], -1) > own
    )


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in LAYERS:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            found.append((".".join(p for p in parts if p != "__init__"), path))
    return found


def test_the_check_finds_an_upward_import_wherever_it_is_written() -> None:
    lazy = "def f():\n    from assistant.retrieval import Retriever\n"
    guarded = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import evals.harness\n"
    assert upward_imports(lazy, "ingest.cli") == ["ingest.cli → assistant.retrieval"]
    assert upward_imports(guarded, "kunskap.settings") == ["kunskap.settings → evals.harness"]
    assert upward_imports("from .pipeline import run_ingest\n", "ingest.cli") == []
    assert upward_imports("from ingest.sparse import query_vector\n", "assistant.retrieval") == []


def test_no_module_imports_a_higher_layer() -> None:
    found = modules()
    assert len(found) > 50  # every package was read
    upward = [
        line
        for module, path in found
        if module != COMPOSITION_ROOT
        for line in upward_imports(path.read_text(encoding="utf-8"), module)
    ]
    assert upward == []


def test_nothing_imports_the_console_script() -> None:
    importers = [
        module
        for module, path in modules()
        if COMPOSITION_ROOT in imported_modules(path.read_text(encoding="utf-8"), module)
    ]
    assert importers == []
