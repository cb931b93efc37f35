"""The chat page loses every reference to another host, and gets a hash-based CSP."""

from __future__ import annotations

import re
from pathlib import Path

import chainlit

from assistant.api.security import CONTENT_SECURITY_POLICY, chat_page_policy
from assistant.chat.page import inline_script_hashes, localize_index_html

CHAINLIT_INDEX = Path(chainlit.__file__).parent / "frontend" / "dist" / "index.html"
OG_TAGS = """<meta property="og:image" content="https://chainlit-cloud.s3.eu-west-3.amazonaws.com/x.png">
    <meta property="og:url" content="https://github.com/Chainlit/chainlit">"""


def test_installed_chainlit_page_has_no_external_reference_after_rewrite() -> None:
    original = CHAINLIT_INDEX.read_text(encoding="utf-8")
    # The premise: Chainlit's page does load Google Fonts and KaTeX from a CDN.
    assert "fonts.googleapis.com" in original
    assert "cdn.jsdelivr.net" in original
    html = localize_index_html(original.replace("<!-- TAG INJECTION PLACEHOLDER -->", OG_TAGS))
    assert not re.search(r"https?://", html), html
    assert '<html lang="sv"' in html
    assert 'src="/assets/' in html  # the app's own bundle stays


def test_inline_scripts_are_allowed_by_hash_only() -> None:
    html = "<script>const global = globalThis;</script><script src='/a.js'></script>"
    hashes = inline_script_hashes(html)
    assert len(hashes) == 1 and hashes[0].startswith("'sha256-")
    policy = chat_page_policy(hashes)
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert hashes[0] in policy


def test_policies_allow_only_this_origin() -> None:
    for policy in (CONTENT_SECURITY_POLICY, chat_page_policy([])):
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["connect-src"] == "'self'"
        assert "http" not in policy
        assert "ws:" not in policy
