"""Export needs for the regional (RSS) and national (SKR) compilation, as CSV or XLSX.

Columns follow what SKR's model "Lokala behov av kunskap" compiles per need. CSV uses ``;``
and a byte-order mark, which is what Swedish Excel opens correctly; cells that would start a
formula are prefixed with ``'`` (questions are user input: no CSV injection).

Privacy: an export leaves the municipality, and a rare question can identify a person even
when redacted. So a need is exported only when at least ``needs.export_min_sessions`` (k)
distinct chat sessions raised it, or an analyst has rewritten its formulation (then it
quotes no one), or a document states it (``kunskap needs mine``: a published text, not a
person). A need that passes without k sessions is exported without its example questions,
which are still someone's own words; a document-born need shows its passages instead.
Every need found in a document is exported with its source (title, document id, page).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING, Literal, NamedTuple

from assistant.needs.schemas import REJECT_REASONS, STATUSES, NeedFilter, NeedPublic
from kunskap.text import strip_control

if TYPE_CHECKING:
    from assistant.needs.store import NeedsStore

COLUMNS = [
    "verksamhetsområde",
    "behov (formulering)",
    "målgrupp",
    "typ av kunskapsstöd som saknas",
    "antal frågor",
    "antal sessioner",
    "exempel",
    "första",
    "senaste",
    "status",
    "kommentar",
]
Cell = str | int


class Selection(NamedTuple):
    exported: list[NeedPublic]
    withheld: list[NeedPublic]


def enough_sessions(need: NeedPublic, min_sessions: int) -> bool:
    return need.session_count >= min_sessions


def may_leave(need: NeedPublic, min_sessions: int) -> bool:
    """Whether a need may reach an export to the regional or national level."""
    return enough_sessions(need, min_sessions) or need.rewritten or bool(need.documents)


def select_for_export(
    store: NeedsStore, flt: NeedFilter | None = None, *, min_sessions: int | None = None
) -> Selection:
    k = store.settings.needs.export_min_sessions if min_sessions is None else min_sessions
    needs = store.list_needs(flt or NeedFilter(limit=10000))
    return Selection(
        [n for n in needs if may_leave(n, k)], [n for n in needs if not may_leave(n, k)]
    )


def export_rows(
    store: NeedsStore, flt: NeedFilter | None = None, *, min_sessions: int | None = None
) -> list[list[Cell]]:
    k = store.settings.needs.export_min_sessions if min_sessions is None else min_sessions
    rows: list[list[Cell]] = []
    for need in select_for_export(store, flt, min_sessions=k).exported:
        detail = store.get_need(need.id)
        comment = [n.text for n in detail.notes]
        status = STATUSES.get(need.status, need.status)
        if need.status == "avvisad" and need.reject_reason:
            status += f" ({REJECT_REASONS.get(need.reject_reason, need.reject_reason)})"
        if need.status == "vidarebefordrad" and need.forwarded_to:
            status += f" (till {need.forwarded_to})"
        if need.answer_url:
            comment.append(f"Kunskapsstöd: {need.answer_url}")
        for doc in need.documents:
            where = f", s. {doc.page}" if doc.page else (f", {doc.section}" if doc.section else "")
            comment.append(f"Källa: {doc.title} ({doc.doc_id}{where})")
        if enough_sessions(need, k):
            examples = need.examples
        else:
            examples = [f"”{doc.quote}”" for doc in need.documents[:3]]
        rows.append(
            [
                need.area_label,
                need.representative,
                need.target_group or "",
                need.support_type or "",
                need.question_count,
                need.session_count,
                " | ".join(examples),
                _day(need.first_seen),
                _day(need.last_seen),
                status,
                " | ".join(comment),
            ]
        )
    return rows


def _day(value: dt.datetime) -> str:
    return value.date().isoformat()


def _safe(cell: Cell) -> Cell:
    if isinstance(cell, str):
        # The store strips control characters on the way in; rows stored before it did
        # must not carry a NUL into the file either.
        cell = strip_control(cell)
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + cell
    return cell


def to_csv(rows: list[list[Cell]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_safe(c) for c in row])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[list[Cell]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Kunskapsbehov"
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_safe(c) for c in row])
    widths = [28, 60, 24, 30, 12, 14, 80, 12, 12, 22, 50]
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_bytes(
    store: NeedsStore, fmt: Literal["csv", "xlsx"], flt: NeedFilter | None = None
) -> bytes:
    rows = export_rows(store, flt)
    return to_csv(rows) if fmt == "csv" else to_xlsx(rows)


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
