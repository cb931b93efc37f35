"""Does the material already answer a need? The assistant's own search and judge decide.

Used where SKR's model sets aside needs an existing knowledge support meets (moment 4,
``rounds.compile_round``) and where new material may answer open needs after an ingest.
The need's formulation is asked as a question: the same retrieval, the same judge
(``assistant.judge``: ``RulesJudge`` by default, ``LLMJudge`` with
``KUNSKAP_ANSWER_JUDGE=llm``) as a chat question gets, so a need is offered a support
exactly when the assistant would answer it from that support.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import TYPE_CHECKING

from assistant.needs.schemas import SupportOffer

if TYPE_CHECKING:
    from assistant.needs.store import NeedsStore
    from assistant.services import Services


def find_support(
    text: str, services: Services, *, only_docs: Collection[str] | None = None
) -> SupportOffer | None:
    """The passage that answers (or partly answers) ``text``, or None. With ``only_docs``,
    only passages of those documents count (new or changed material)."""
    from assistant.answering import find_evidence, judge_for
    from assistant.intake import QuestionError

    try:
        evidence = find_evidence(text, services=services)
    except QuestionError:  # not a question the assistant takes (empty, no letters)
        return None
    if only_docs is not None:
        hits = [h for h in evidence.hits if h.doc_id in only_docs]
        if not hits:
            return None
        evidence = dataclasses.replace(evidence, hits=hits)
    judgement = judge_for(services).judge(evidence)
    if judgement.status not in ("answered", "partial") or not judgement.passages:
        return None
    passage = judgement.passages[0]
    hit = evidence.hits[passage.hit_rank]
    return SupportOffer(
        doc_id=hit.doc_id,
        title=hit.title,
        quote=passage.text[:1000],
        page=hit.page,
        status=judgement.status,
        confidence=round(judgement.confidence, 3),
    )


def support_finder(services: Services) -> SupportFinder:
    return lambda text: find_support(text, services)


def indexed_documents(services: Services) -> dict[str, str]:
    """Every ingested document and its content hash, read from the index's payloads."""
    collection = services.settings.collection_name()
    out: dict[str, str] = {}
    for record in services.index.scroll(collection, fields=["doc_id", "doc_hash"]):
        doc_id, doc_hash = record.payload.get("doc_id"), record.payload.get("doc_hash")
        if isinstance(doc_id, str) and isinstance(doc_hash, str):
            out[doc_id] = doc_hash
    return out


def recheck(
    store: NeedsStore, services: Services, *, doc_hashes: dict[str, str] | None = None
) -> list[tuple[str, SupportOffer]]:
    """Flag every open need that a passage of a new or changed document answers.

    New or changed: the index's content hash differs from the one the register recorded at
    its last check (the first check sees every document as new). Returns what was flagged.
    """
    hashes = indexed_documents(services) if doc_hashes is None else doc_hashes
    changed = store.changed_documents(hashes)
    flagged: list[tuple[str, SupportOffer]] = []
    if changed:
        for need_id, text in store.open_needs():
            offer = find_support(text, services, only_docs=changed)
            if offer is not None:
                store.flag_possibly_answered(need_id, offer)
                flagged.append((need_id, offer))
    store.remember_documents(hashes)
    return flagged


if TYPE_CHECKING:
    from assistant.needs.rounds import SupportFinder
