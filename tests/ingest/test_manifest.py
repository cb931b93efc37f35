from pathlib import Path

import pytest

from ingest.manifest import ManifestError, load_manifest
from tests.conftest import SAMPLE_MANIFEST

ENTRY = """
  - id: {id}
    title: Titel
    path: a.txt
    doc_type: {doc_type}
    publisher: GR
    areas: [{area}]
    published: 2024-01-02
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_sample_manifest_is_valid_and_every_path_exists() -> None:
    manifest = load_manifest(SAMPLE_MANIFEST)
    assert len(manifest.sources) == 6
    for source in manifest.sources:
        assert source.resolved_path(manifest.base_dir).exists(), source.path
        assert source.license and source.attribution


def test_unknown_area_names_entry_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:" + ENTRY.format(id="x1", doc_type="faq", area="barn"))
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    message = str(err.value)
    assert "source 'x1' (#1)" in message and "field 'areas" in message and "\n" not in message


def test_bad_doc_type_is_one_clear_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:" + ENTRY.format(id="x2", doc_type="blogg", area="aldre"))
    with pytest.raises(ManifestError, match=r"source 'x2' \(#1\): field 'doc_type'"):
        load_manifest(path)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    entry = ENTRY.format(id="dup", doc_type="faq", area="aldre")
    with pytest.raises(ManifestError, match=r"source 'dup' \(#2\): field 'id': duplicate id"):
        load_manifest(write(tmp_path, "sources:" + entry + entry))


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"not valid YAML \(line \d+\)"):
        load_manifest(write(tmp_path, "sources:\n  - id: [unclosed\n"))


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="manifest not found"):
        load_manifest(tmp_path / "nope.yaml")


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    body = "sources:" + ENTRY.format(id="x3", doc_type="faq", area="aldre") + "    colour: red\n"
    with pytest.raises(ManifestError, match=r"field 'colour'"):
        load_manifest(write(tmp_path, body))


@pytest.mark.parametrize(
    "url", ["javascript:alert(4)", "data:text/html,<b>x</b>", "file:///etc/passwd", "//x.se/a",
            "http:/x.se", "https://x.se/a b"],
)  # fmt: skip
def test_only_http_urls_are_accepted(tmp_path: Path, url: str) -> None:
    entry = ENTRY.format(id="x1", doc_type="faq", area="barn_och_unga") + f"    url: '{url}'\n"
    with pytest.raises(ManifestError, match=r"field 'url'.*http"):
        load_manifest(write(tmp_path, "sources:" + entry))


def test_http_and_https_urls_are_kept(tmp_path: Path) -> None:
    entries = [
        ENTRY.format(id=f"x{i}", doc_type="faq", area="barn_och_unga") + f"    url: {url}\n"
        for i, url in enumerate(["http://example.se/a", "HTTPS://example.se/b?c=1#d"])
    ]
    manifest = load_manifest(write(tmp_path, "sources:" + "".join(entries)))
    assert [s.url for s in manifest.sources] == [
        "http://example.se/a",
        "HTTPS://example.se/b?c=1#d",
    ]


WEB = """
  - id: {id}
    title: Titel
    doc_type: kunskapsstod
    publisher: Socialstyrelsen
    areas: [aldre]
"""


def test_a_web_source_is_one_url_or_a_list_of_urls(tmp_path: Path) -> None:
    from ingest.web_sources import page_doc_ids

    body = (
        "sources:"
        + WEB.format(id="en") + "    url: https://kunskapsguiden.se/stod/hembesok\n"
        + WEB.format(id="flera") + "    urls:\n"
        "      - https://kunskapsguiden.se/a/om-stodet/\n"
        "      - https://socialstyrelsen.se/b/om-stodet\n"
        "      - https://sbu.se/\n"
        + ENTRY.format(id="fil", doc_type="faq", area="aldre")
        + "    url: https://example.se/fil\n"
    )  # fmt: skip
    en, flera, fil = load_manifest(write(tmp_path, body)).sources
    assert en.is_web and en.pages == ["https://kunskapsguiden.se/stod/hembesok"]
    assert page_doc_ids(en) == {"https://kunskapsguiden.se/stod/hembesok": "en"}
    assert flera.is_web and len(flera.pages) == 3
    ids = list(page_doc_ids(flera).values())
    assert ids[0] == "flera/om-stodet" and ids[1].startswith("flera/om-stodet-")
    assert ids[2] == "flera/start" and len(set(ids)) == 3
    # A file with the publisher's address is a file source: nothing is fetched.
    assert not fil.is_web and fil.pages == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("", "give 'path'"),
        ("    path: a.txt\n    urls: [https://x.se/a]\n", "not both"),
        ("    urls: ['javascript:alert(1)']\n", "http"),
        ("    urls: [https://x.se/a, https://x.se/a]\n", "twice"),
        ("    urls: []\n", "urls"),
    ],
)
def test_a_web_source_that_is_neither_or_both_is_one_clear_line(
    tmp_path: Path, extra: str, message: str
) -> None:
    with pytest.raises(ManifestError, match=rf"source 'w' \(#1\).*{message}") as err:
        load_manifest(write(tmp_path, "sources:" + WEB.format(id="w") + extra))
    assert "\n" not in str(err.value)
