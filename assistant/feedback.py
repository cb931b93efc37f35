"""Feedback on an answer: stored (redacted) by the needs store; thumbs down becomes a need."""

from __future__ import annotations

import logging

import kunskap
from assistant.models import FeedbackIn, FeedbackResult
from assistant.services import Services

log = logging.getLogger(__name__)


def record_feedback(services: Services, feedback: FeedbackIn) -> FeedbackResult:
    if services.needs is None:
        return FeedbackResult(stored=False)
    sources = [{"doc_id": doc_id, "title": "", "score": None} for doc_id in feedback.cited_doc_ids]
    return services.needs.record_feedback(
        feedback,
        top_sources=sources,
        index_version=services.settings.collection_name(),
        app_version=kunskap.__version__,
    )
