"""The assistant's own search and judge over a real (tiny) index: the support it offers a
need, and the loop that flags open needs new material answers (`possibly_answered_by`)."""

from __future__ import annotations

from pathlib import Path

from assistant.needs.support import find_support, recheck
from assistant.services import build_services
from ingest.pipeline import run_ingest
from tests.conftest import make_settings

RIKSNORM = (
    "# Riksnormen\n\nRiksnormen för försörjningsstöd beräknas utifrån hushållets storlek och "
    "barnens ålder. Socialstyrelsen räknar varje år fram riksnormens belopp, som gäller i "
    "hela landet.\n"
)
OROSANMALAN = (
    "# Orosanmälan\n\nEn orosanmälan görs till socialnämnden när man misstänker att ett barn "
    "far illa. Den som arbetar inom skolan, vården eller socialtjänsten är skyldig att göra "
    "en orosanmälan.\n"
)


def _corpus(root: Path, docs: dict[str, str]) -> Path:
    entries = []
    for name, text in docs.items():
        (root / f"{name}.md").write_text(text, encoding="utf-8")
        entries.append(
            f"  - id: {name}\n    title: {name.capitalize()}\n    path: {name}.md\n"
            "    doc_type: kunskapsstod\n    publisher: Testkommunen\n"
            "    areas: [overgripande]\n    published: 2024-01-02\n"
        )
    manifest = root / "manifest.yaml"
    manifest.write_text("sources:\n" + "".join(entries), encoding="utf-8")
    return manifest


def test_new_material_flags_the_open_needs_it_answers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", manifest=_corpus(tmp_path, {"riksnorm": RIKSNORM}))
    assert run_ingest(settings).ok
    services = build_services(settings)
    store = services.needs
    assert store is not None
    try:
        ask = {"language": "sv", "reason": "no_evidence", "top_sources": [],
               "index_version": "i", "app_version": "a"}  # fmt: skip
        riksnorm = store.log_question(
            question="Hur beräknas riksnormen för försörjningsstöd?", session_id="a", **ask
        ).need_id
        oro = store.log_question(
            question="När ska man göra en orosanmälan om ett barn?", session_id="b", **ask
        ).need_id
        offer = find_support("Hur beräknas riksnormen för försörjningsstöd?", services)
        assert offer is not None and offer.doc_id == "riksnorm" and "Riksnormen" in offer.quote
        assert find_support("Hur beräknas riksnormen?", services, only_docs={"other"}) is None

        first = recheck(store, services)  # the first check sees every document as new
        assert [need for need, _ in first] == [riksnorm]
        flagged = store.get_need(riksnorm).possibly_answered_by
        assert [(p.doc_id, p.status) for p in flagged] == [("riksnorm", "answered")]
        assert "försörjningsstöd" in flagged[0].quote
        assert store.get_need(oro).possibly_answered_by == []
        assert recheck(store, services) == []  # nothing new: nothing asked, nothing flagged
    finally:
        services.close()

    # A second document arrives: only it is searched, and it answers the other need.
    _corpus(tmp_path, {"riksnorm": RIKSNORM, "orosanmalan": OROSANMALAN})
    report = run_ingest(settings)
    assert report.ok and report.new == 1
    services = build_services(settings)
    store = services.needs
    assert store is not None
    try:
        second = recheck(store, services)
        assert [(need, o.doc_id) for need, o in second] == [(oro, "orosanmalan")]
        assert len(store.get_need(riksnorm).possibly_answered_by) == 1  # not flagged again
        done = store.confirm_answered(oro, "orosanmalan", actor="ann")
        assert done.status == "besvarad" and done.answer_url == "dokument:orosanmalan"
        assert done.possibly_answered_by == []
        kept = store.dismiss_possible_answer(riksnorm, "riksnorm", actor="ann")
        assert kept.status == "ny" and kept.possibly_answered_by == []
    finally:
        services.close()


def test_a_question_of_an_answered_need_points_to_the_new_support(tmp_path: Path) -> None:
    from assistant.answering import answer

    settings = make_settings(tmp_path / "data", manifest=_corpus(tmp_path, {"riksnorm": RIKSNORM}))
    assert run_ingest(settings).ok
    services = build_services(settings)
    store = services.needs
    assert store is not None
    question = "Hur fördelas ansvaret för tolk vid möten med döva vårdnadshavare?"
    try:
        first = answer(question, services=services, session_id="a")
        assert first.status == "declined" and first.need_id and first.notice is None
        for change in (
            {"status": "granskad"},
            {"status": "bekraftat_behov"},
            {"status": "vidarebefordrad", "forwarded_to": "SKR"},
            {"status": "besvarad", "answer_url": "https://kunskapsguiden.se/tolk"},
        ):
            store.update_need(first.need_id, change, actor="ann")  # fmt: skip
        again = answer(question, services=services, session_id="b")
        assert again.status == "declined" and again.need_id == first.need_id
        assert again.notice == (
            "Frågan har besvarats av ett nytt kunskapsstöd: https://kunskapsguiden.se/tolk"
        )
    finally:
        services.close()
