"""Every ``noqa`` and ``type: ignore`` says why (CONTRIBUTING.md): after it on its line, or
in a comment on the line just above."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDERS = ("kunskap", "ingest", "assistant", "evals", "scripts", "tests")
# The pragma, then (group "why") whatever follows it on the line.
PRAGMA = re.compile(
    r"#\s*(?:noqa(?::\s*[A-Z]+[0-9]+(?:,\s*[A-Z]+[0-9]+)*)?|type:\s*ignore(?:\[[^]]*\])?)(?P<why>.*)$"
)


def unexplained(lines: list[str]) -> list[int]:
    """1-based numbers of the lines whose suppression gives no reason."""
    found = []
    for n, line in enumerate(lines, start=1):
        match = PRAGMA.search(line)
        if not match:
            continue
        why = match.group("why").strip(" -#:")
        above = lines[n - 2].strip() if n > 1 else ""
        if not why and not above.startswith("#"):
            found.append(n)
    return found


def test_a_suppression_without_a_reason_is_found() -> None:
    assert unexplained(["x = f()  # type: ignore[arg-type]"]) == [1]
    assert unexplained(["import a  # noqa: F401"]) == [1]
    assert unexplained(["import a  # noqa: F401 - loaded before the clock starts"]) == []
    assert unexplained(["# mypy sees str here", "x = f()  # type: ignore[arg-type]"]) == []
    assert unexplained(["x = f()  # type: ignore[arg-type]  # app.state is untyped"]) == []


def test_every_suppression_says_why() -> None:
    missing = [
        f"{path.relative_to(REPO)}:{n}"
        for folder in FOLDERS
        for path in sorted((REPO / folder).rglob("*.py"))
        for n in unexplained(path.read_text(encoding="utf-8").splitlines())
    ]
    assert missing == []
