"""Turn the assistant's structured Answer into what the chat shows: message text and one
source card per citation. Pure functions, no Chainlit import, so they are unit-tested."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from assistant.chat.texts import SETTINGS_AREAS_ID, SETTINGS_DOC_TYPES_ID, label
from assistant.models import Answer, Citation, HistoryTurn, SearchFilters, SourceRef
from kunskap.domain import AREAS, DOC_TYPES

# How many earlier turns a follow-up question sees; enough to resolve "it"/"that", small
# enough to keep the stand-alone rewrite prompt short.
MAX_HISTORY_TURNS = 6


@dataclass(frozen=True)
class SourceCard:
    """One citation as a Chainlit side element. ``name`` equals the ``[n]`` in the answer
    text: Chainlit turns every occurrence of an element's name into a link that opens it."""

    name: str
    content: str


def reference(n: int) -> str:
    return f"[{n}]"


def citation_link(citation: SourceRef) -> str | None:
    """The source's address; a PDF opens at the cited page (``#page=`` is honoured by the
    PDF viewers in Chromium, Firefox and Safari)."""
    if not citation.url:
        return None
    parts = urlsplit(citation.url)
    if parts.scheme not in ("http", "https"):
        # Only web links: a file: or javascript: URL from a manifest must not become a link.
        return None
    if citation.page and parts.path.lower().endswith(".pdf") and not parts.fragment:
        return f"{citation.url}#page={citation.page}"
    return citation.url


def open_document_link(citation: SourceRef, language: str) -> str | None:
    """ "Öppna dokumentet (s. N)": our own copy of the document, at the quote's page (PDF)
    or with the quote highlighted (other formats); opens in a new tab, beside the chat."""
    if not citation.file_url or not citation.file_url.startswith("/api/sources/"):
        return None
    text = label(language, "open_document")
    if citation.page:
        text += f" ({label(language, 'page_short')} {citation.page})"
    return f"[{text}](<{citation.file_url}>)"


def citation_location(citation: SourceRef, language: str) -> str | None:
    if citation.page:
        if citation.page_end and citation.page_end != citation.page:
            where = f"{label(language, 'pages')} {citation.page}–{citation.page_end}"
        else:
            where = f"{label(language, 'page')} {citation.page}"
        if citation.page_estimated:
            where += f" ({label(language, 'page_estimated')})"
        return where
    if citation.section:
        return f"{label(language, 'section')}: {citation.section}"
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _escape_markdown(text: str) -> str:
    # Titles and quotes come from documents; keep their characters literal.
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def source_card(citation: Citation, language: str) -> SourceCard:
    # The reference leads the heading: Chainlit opens all new source cards stacked in one
    # panel when an answer arrives, so each card must say which [n] it belongs to.
    ref = _escape_markdown(reference(citation.n))
    lines = [f"### {ref} {_escape_markdown(_one_line(citation.title))}", ""]
    if citation.publisher:
        lines.append(
            f"**{label(language, 'publisher')}:** {_escape_markdown(citation.publisher)}  "
        )
    lines.append(f"**{label(language, 'doc_type')}:** {citation.doc_type_label}  ")
    location = citation_location(citation, language)
    if location:
        lines.append(f"**{_escape_markdown(location)}**  ")
    lines += ["", f"**{label(language, 'quote')}:**", ""]
    lines.append("> " + _escape_markdown(_one_line(citation.quote)))
    lines.append("")
    opener = open_document_link(citation, language)
    if opener:
        lines.append(opener)
        lines.append("")
    link = citation_link(citation)
    if link:
        lines.append(f"[{label(language, 'link')}](<{link}>)")
    else:
        lines.append(f"*{label(language, 'no_link')}*")
    return SourceCard(name=reference(citation.n), content="\n".join(lines))


def _kind_and_place(source: SourceRef, language: str) -> str:
    """The type of source and the place in it ("FoU-rapport, sida 11"); a section that
    only repeats the title is left out."""
    parts = [source.doc_type_label]
    if source.section and not source.page and _one_line(source.section) == _one_line(source.title):
        source = source.model_copy(update={"section": None})
    location = citation_location(source, language)
    if location:
        parts.append(_escape_markdown(location[:1].lower() + location[1:]))
    return ", ".join(parts)


def source_line(citation: Citation, language: str) -> str:
    """A one-line summary under the answer, so the type of each source is seen at once."""
    title = _escape_markdown(_one_line(citation.title))
    return f"- {reference(citation.n)} {title} – {_kind_and_place(citation, language)}"


def nearest_line(source: SourceRef, language: str) -> str:
    """A document the search found closest when nothing answered, linked when it can be."""
    title = _escape_markdown(_one_line(source.title))
    link = citation_link(source)
    return f"- {f'[{title}](<{link}>)' if link else title} – {_kind_and_place(source, language)}"


def message_text(answer: Answer) -> str:
    """The full text of the assistant's message once the answer is complete."""
    language = answer.language
    parts = [answer.answer.strip()]
    if answer.notice:
        parts.append(f"*{answer.notice}*")
    if answer.status == "partial":
        parts.insert(0, f"**{label(language, 'status_partial')}**")
    if not answer.answered:
        if answer.need_id is None:
            parts.append(label(language, "need_not_saved"))
        parts.append(label(language, "unanswered_hint"))
        if answer.nearest_sources:
            lines = [f"**{label(language, 'nearest')}**"]
            lines += [nearest_line(source, language) for source in answer.nearest_sources]
            parts.append("\n".join(lines))
    if answer.citations:
        # A partial answer's quotes are sourced like an answer's.
        lines = [f"**{label(language, 'sources')}**"]
        lines += [source_line(c, language) for c in answer.citations]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def source_cards(answer: Answer) -> list[SourceCard]:
    return [source_card(c, answer.language) for c in answer.citations]


def filters_from_settings(values: Mapping[str, Any]) -> SearchFilters | None:
    """Chat settings → SearchFilters; unknown values are dropped (they come from the browser)."""
    areas = [a for a in values.get(SETTINGS_AREAS_ID) or [] if a in AREAS]
    doc_types = [d for d in values.get(SETTINGS_DOC_TYPES_ID) or [] if d in DOC_TYPES]
    if not areas and not doc_types:
        return None
    return SearchFilters.model_validate({"areas": areas or None, "doc_types": doc_types or None})


def describe_filters(filters: SearchFilters | None, language: str) -> str | None:
    if filters is None:
        return None
    names = [AREAS[a] for a in filters.areas or []]
    names += [DOC_TYPES[d] for d in filters.doc_types or []]
    return f"{label(language, 'filters_active')}: {', '.join(names)}."


def extend_history(history: list[HistoryTurn], answer: Answer) -> list[HistoryTurn]:
    """The conversation so far plus this turn, trimmed to the last turns that matter.

    The stand-alone question (``answer.question``), not the raw one, is kept: without an
    LLM a follow-up is resolved by prefixing the previous user turn, so "och för barn då?"
    must not become that previous turn. Refusals are kept too; a follow-up may rephrase one.
    """
    turns = [
        *history,
        HistoryTurn(role="user", content=answer.question),
        HistoryTurn(role="assistant", content=answer.answer),
    ]
    return turns[-2 * MAX_HISTORY_TURNS :]
