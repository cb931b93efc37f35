"""Write requirements.lock: the exact versions of every package that ``.[test]`` needs, as
installed in this environment (the one the tests ran in).

Only the dependency closure of kunskapsassistenten[test] is written, not everything that
happens to be installed, so a tool added by hand (pip-audit, say) does not end up pinned.
``make install`` installs with ``-c requirements.lock``; ``pip-audit -r requirements.lock``
audits it where a vulnerability database is reachable.

    .venv/bin/python scripts/lock_requirements.py   # or: make lock
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "kunskapsassistenten"
EXTRAS = ("test",)
OUT = Path(__file__).resolve().parent.parent / "requirements.lock"


def closure(project: str, extras: tuple[str, ...]) -> dict[str, str]:
    """Canonical name → installed version, for the project's requirements, recursively."""
    found: dict[str, str] = {}
    todo: list[tuple[str, tuple[str, ...]]] = [(project, extras)]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while todo:
        name, wanted = todo.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        dist = metadata.distribution(name)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not any(
                req.marker.evaluate({**default_environment(), "extra": extra})
                for extra in ("", *wanted)
            ):
                continue
            key = canonicalize_name(req.name)
            try:
                version = metadata.version(req.name)
            except metadata.PackageNotFoundError:
                continue  # an optional dependency this platform does not install
            found[key] = version
            todo.append((req.name, tuple(sorted(req.extras))))
    found.pop(canonicalize_name(project), None)
    return found


def main() -> int:
    pins = closure(PROJECT, EXTRAS)
    header = [
        "# Exact versions the tests ran with (Python "
        f"{sys.version_info.major}.{sys.version_info.minor}); written by "
        "scripts/lock_requirements.py.",
        "# make install uses it as a constraints file; audit it with "
        "`pip-audit -r requirements.lock`.",
    ]
    lines = [f"{name}=={version}" for name, version in sorted(pins.items())]
    OUT.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")
    print(f"{OUT.name}: {len(lines)} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
