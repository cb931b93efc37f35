"""Schema migrations: each step upgrades a register that already holds data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from assistant.needs.database import MIGRATIONS, make_engine, upgrade


def _upgrade_to(engine: object, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # type: ignore[attr-defined]  # an Engine
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def test_rewritten_is_backfilled_from_the_audit_trail(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    _upgrade_to(engine, "0001")
    with engine.begin() as conn:
        for need_id in ("a", "b"):
            conn.execute(
                text(
                    "INSERT INTO needs (id, representative, area, areas, status, reasons, "
                    "question_count, session_count, first_seen, last_seen, centroid_n, locked, "
                    "created_at, updated_at) VALUES (:id, 'x', 'osaker', '{}', 'ny', '{}', 1, 1, "
                    "'2026-01-01', '2026-01-01', 1, 0, '2026-01-01', '2026-01-01')"
                ),
                {"id": need_id},
            )
        conn.execute(
            text(
                "INSERT INTO audit_log (need_id, actor, action, detail, at) VALUES "
                "('a', 'ann', 'update', :rep, '2026-01-02'), "
                "('b', 'ann', 'update', :grp, '2026-01-02')"
            ),
            {"rep": '{"field": "representative"}', "grp": '{"field": "target_group"}'},
        )
    upgrade(engine)
    with engine.connect() as conn:
        got = dict(conn.execute(text("SELECT id, rewritten FROM needs")).all())
    assert got == {"a": 1, "b": 0}
    engine.dispose()
