"""The needs database: the engine and the schema migrations.

The engine never puts SQL parameters (question text) into error messages, and on SQLite it
takes the write lock at the start of each transaction so that concurrent writers wait
instead of failing. Migrations run in code (``upgrade``), not from an alembic.ini.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (``alembic upgrade head``), in code."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def make_engine(url: str) -> Engine:
    """An engine that never puts SQL parameters (question text) into error messages."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, hide_parameters=True, connect_args={"timeout": 30, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers work while one process writes; busy_timeout makes concurrent
            # writers wait instead of failing with "database is locked".
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # Take the write lock at the start: a deferred transaction that reads and then
            # writes can fail at once with SQLITE_BUSY, which busy_timeout cannot cure.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True)


def persistent_secret(path: Path) -> bytes:
    """A random secret kept in the data dir (created once, readable by the owner only)."""
    if path.exists():
        return path.read_bytes().strip()
    value = secrets.token_hex(32).encode()
    try:
        fd = path.open("xb")  # exclusive: two processes starting at once keep one secret
    except FileExistsError:
        return path.read_bytes().strip()
    with fd:
        fd.write(value)
    path.chmod(0o600)
    return value
