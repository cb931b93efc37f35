"""Each loader on files generated in tmp_path, plus the sample corpus through the manifest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.loaders import SUPPORTED_FORMATS, LoadFailure, load_source
from ingest.manifest import load_manifest
from tests.utils.documents import REPO_ROOT, entry, write_docx, write_jsonl, write_pdf


def _only_failure(result) -> LoadFailure:
    assert not result.documents
    assert len(result.failures) == 1
    return result.failures[0]


# -- PDF --------------------------------------------------------------------------------------


def test_pdf_pages_keep_their_numbers_and_swedish_letters(tmp_path: Path) -> None:
    write_pdf(tmp_path / "r.pdf", ["Första sidan om stöd.", "Andra sidan: åtgärder för barn."])
    result = load_source(entry("r.pdf"), tmp_path)
    assert not result.failures
    (doc,) = result.documents
    assert doc.doc_id == "test-source"
    assert doc.has_page_numbers
    assert [p.number for p in doc.pages] == [1, 2]
    assert "Första sidan om stöd." in doc.pages[0].text
    assert "åtgärder" in doc.pages[1].text
    assert doc.metadata == {"source_id": "test-source", "path": "r.pdf", "format": "pdf"}
    assert not doc.warnings


def test_pdf_page_without_text_layer_gives_a_warning_not_a_gap(tmp_path: Path) -> None:
    write_pdf(tmp_path / "s.pdf", ["Text på sida ett.", None, "Text på sida tre."])
    (doc,) = load_source(entry("s.pdf"), tmp_path).documents
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.warnings == ["sida 2 saknar textlager (inskannad sida?)"]


def test_pdf_with_no_text_at_all_fails(tmp_path: Path) -> None:
    write_pdf(tmp_path / "scan.pdf", [None, None])
    failure = _only_failure(load_source(entry("scan.pdf"), tmp_path))
    assert "saknar textlager" in failure.reason


def test_encrypted_pdf_fails_clearly(tmp_path: Path) -> None:
    write_pdf(tmp_path / "secret.pdf", ["Hemlig text."], user_password="hemligt")
    failure = _only_failure(load_source(entry("secret.pdf"), tmp_path))
    assert failure.reason == "krypterad PDF (lösenord krävs)"
    assert failure.line() == "secret.pdf: krypterad PDF (lösenord krävs)"


def test_pdf_encrypted_with_empty_password_opens(tmp_path: Path) -> None:
    write_pdf(tmp_path / "open.pdf", ["Öppen text trots kryptering."], user_password="")
    (doc,) = load_source(entry("open.pdf"), tmp_path).documents
    assert "Öppen text" in doc.pages[0].text


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(None, id="truncated"),
        pytest.param(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", id="garbage"),
        pytest.param(b"this is not a pdf at all", id="not-a-pdf"),
    ],
)
def test_corrupt_pdf_fails_without_exception(tmp_path: Path, content: bytes | None) -> None:
    if content is None:
        good = write_pdf(tmp_path / "good.pdf", ["En sida med text."] * 3).read_bytes()
        content = good[: len(good) // 3]
    (tmp_path / "bad.pdf").write_bytes(content)
    failure = _only_failure(load_source(entry("bad.pdf"), tmp_path))
    assert failure.path == "bad.pdf"
    assert "PDF" in failure.reason


def test_empty_file_fails(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert _only_failure(load_source(entry("empty.pdf"), tmp_path)).reason == "filen är tom"


# -- text, Markdown ---------------------------------------------------------------------------


def test_markdown_keeps_headings_and_takes_its_title(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text("# Rutin för orosanmälan\n\n## Steg 1\n\nText.\n", "utf-8")
    (doc,) = load_source(entry("n.md"), tmp_path).documents
    assert doc.pages[0].text.startswith("# Rutin för orosanmälan\n\n## Steg 1")
    assert doc.title == "Testkälla"  # a single-file source keeps the manifest's title


def test_text_with_bom_and_utf16_decode(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("\ufeffSärskilt stöd\r\n".encode())
    (tmp_path / "b.txt").write_bytes("Särskilt stöd\n".encode("utf-16"))
    for name in ("a.txt", "b.txt"):
        (doc,) = load_source(entry(name), tmp_path).documents
        assert doc.pages[0].text == "Särskilt stöd\n"


def test_undecodable_bytes_fail_instead_of_mojibake(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("Socialtjänsten behöver stöd".encode("latin-1"))
    failure = _only_failure(load_source(entry("latin1.txt"), tmp_path))
    assert failure.reason == "inte giltig UTF-8-text"


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    assert _only_failure(load_source(entry("nope.txt"), tmp_path)).line() == (
        "nope.txt: filen saknas"
    )
    (tmp_path / "data.xyz").write_text("x", "utf-8")
    assert "okänt format '.xyz'" in _only_failure(load_source(entry("data.xyz"), tmp_path)).reason


def test_unreadable_file_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.txt").write_text("hemligt", "utf-8")
    if os.geteuid() != 0:
        (tmp_path / "locked.txt").chmod(0)
    else:  # root reads everything; simulate the permission error instead

        def deny(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(Path, "read_bytes", deny)
    failure = _only_failure(load_source(entry("locked.txt"), tmp_path))
    assert failure.reason == "filen kan inte läsas (behörighet saknas)"


# -- HTML, DOCX -------------------------------------------------------------------------------

HTML = """<!doctype html><html><head><title>Stöd till familjehem | Kommunen</title>
<style>.x{}</style><script>var tracking = 1;</script></head><body>
<header><a href="/">Logga</a> <form><input name="q"></form></header>
<nav><ul><li>Start</li><li>Om oss</li></ul></nav>
<div id="cookie-banner">Vi använder kakor</div>
<div class="breadcrumbs">Start &gt; Familjehem</div>
<main><h1>Stöd till familjehem</h1>
<p>Familjehem får
   handledning varje månad.</p>
<h2>Ersättning</h2><ul><li>Arvode</li><li>Omkostnad</li></ul>
<aside>Relaterade länkar</aside></main>
<footer>Kontakta oss · Twitter</footer></body></html>"""


def test_html_keeps_main_text_and_turns_headings_into_markdown(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text(HTML, "utf-8")
    (doc,) = load_source(entry("p.html"), tmp_path).documents
    text = doc.pages[0].text
    assert text.startswith("# Stöd till familjehem\n\nFamiljehem får handledning varje månad.")
    assert "## Ersättning" in text
    assert "- Arvode\n- Omkostnad" in text
    for furniture in ("Logga", "Om oss", "kakor", "Start >", "Relaterade", "Kontakta", "tracking"):
        assert furniture not in text


def test_html_title_comes_from_the_page_in_a_folder_source(tmp_path: Path) -> None:
    (tmp_path / "webb").mkdir()
    (tmp_path / "webb" / "p.html").write_text(HTML, "utf-8")
    (doc,) = load_source(entry("webb"), tmp_path).documents
    assert doc.doc_id == "test-source/p"
    assert doc.title == "Stöd till familjehem | Kommunen"


def test_docx_headings_lists_tables_and_title(tmp_path: Path) -> None:
    write_docx(
        tmp_path / "rutin.docx",
        [
            ("h1", "Rutin för hembesök"),
            ("p", "Besöket planeras i förväg."),
            ("h2", "Säkerhet"),
            ("li", "Gå alltid två"),
            ("table", "Roll|Ansvar\nHandläggare|Dokumentation"),
        ],
        title="Hembesök",
    )
    (tmp_path / "dir").mkdir()
    (tmp_path / "rutin.docx").rename(tmp_path / "dir" / "rutin.docx")
    (doc,) = load_source(entry("dir"), tmp_path).documents
    text = doc.pages[0].text
    assert "# Rutin för hembesök\n\nBesöket planeras i förväg.\n\n## Säkerhet" in text
    assert "- Gå alltid två" in text
    assert "Roll | Ansvar" in text and "Handläggare | Dokumentation" in text
    assert doc.title == "Hembesök"
    assert doc.metadata["format"] == "docx"


def test_broken_docx_fails(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_bytes(b"PK\x03\x04 not really a zip")
    assert "DOCX" in _only_failure(load_source(entry("x.docx"), tmp_path)).reason


# -- JSONL, folders ---------------------------------------------------------------------------


def test_jsonl_bad_line_and_duplicate_id_fail_alone(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "faq.jsonl",
        [
            {"id": "a", "text": "Svar A.", "link": "https://x.se/a", "source": "Socialstyrelsen",
             "category": "Frågor om LVU", "extra": 7},
            "{not json",
            "",
            {"id": "b", "text": "Svar B.", "title": "Egen titel"},
            {"id": "a", "text": "Dubblett."},
            {"text": "Utan id."},
        ],
    )  # fmt: skip
    result = load_source(entry("faq.jsonl"), tmp_path)
    assert [d.doc_id for d in result.documents] == ["a", "b"]
    a, b = result.documents
    assert a.title == "Frågor om LVU"
    assert a.metadata["url"] == "https://x.se/a"
    assert a.metadata["publisher"] == "Socialstyrelsen"
    assert a.metadata["section_hint"] == "Frågor om LVU"
    assert a.metadata["extra"] == 7
    assert a.metadata["path"] == "faq.jsonl" and a.metadata["format"] == "jsonl"
    assert b.title == "Egen titel"
    lines = [f.line() for f in result.failures]
    assert lines[0].startswith("faq.jsonl:2: ogiltig JSON")
    assert lines[1] == "faq.jsonl:5: id 'a' finns redan på rad 1"
    assert lines[2] == "faq.jsonl:6: fältet 'id' saknas"


def test_folder_loads_supported_files_sorted(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "b").mkdir(parents=True)
    (root / "z.txt").write_text("Z-text.", "utf-8")
    (root / "b" / "a.md").write_text("# A\n\nText.", "utf-8")
    (root / "notes.xyz").write_text("ignored", "utf-8")
    (root / ".hidden.txt").write_text("ignored", "utf-8")
    result = load_source(entry("src"), tmp_path)
    assert [d.doc_id for d in result.documents] == ["test-source/b/a", "test-source/z"]
    assert [d.metadata["path"] for d in result.documents] == ["src/b/a.md", "src/z.txt"]
    assert not result.failures


def test_sample_corpus_loads_without_failures() -> None:
    manifest = load_manifest(REPO_ROOT / "corpus_manifest.yaml")
    docs = []
    for source in manifest.sources:
        result = load_source(source, manifest.base_dir)
        assert not result.failures, [f.line() for f in result.failures]
        docs.extend(result.documents)
    assert len(docs) == 5 + 110
    assert {"pdf", "txt", "md", "html", "docx", "jsonl"} <= SUPPORTED_FORMATS
