from pathlib import Path

import pytest

from assistant.models import REFUSAL_SV
from assistant.prompts import PromptError, load_all, parse_prompt


def test_shipped_prompts_load_and_render() -> None:
    prompts = load_all()
    system = prompts["answer_system"].render(refusal=REFUSAL_SV, language_name="svenska")
    assert REFUSAL_SV in system
    assert "[n]" in system


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Källor: {sources} Fråga: {question} {secret}", "unknown variables"),
        ("Källor: {sources}", "does not use"),
        ("Källor: {sources {question}", "answer_user"),
    ],
)
def test_bad_template_is_rejected(template: str, message: str) -> None:
    with pytest.raises(PromptError, match=message):
        parse_prompt("answer_user", template)


def test_missing_prompt_file(tmp_path: Path) -> None:
    from assistant.prompts import load_prompt

    with pytest.raises(PromptError, match="missing"):
        load_prompt("condense", tmp_path)


def test_render_requires_every_variable() -> None:
    prompt = load_all()["condense"]
    with pytest.raises(PromptError, match="needs"):
        prompt.render(question="och för barn?")
