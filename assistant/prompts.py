"""Prompt templates live as files in prompts/; each is checked against its allowed variables
when loaded, so a typo in a template fails at start-up, not in the middle of an answer."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

# Every template and exactly the variables it must use.
TEMPLATE_VARIABLES: dict[str, frozenset[str]] = {
    "answer_system": frozenset({"refusal", "language_name"}),
    "answer_user": frozenset({"sources", "question"}),
    "condense": frozenset({"history", "question"}),
    "judge": frozenset({"question", "passages"}),
    "source": frozenset({"n", "title", "doc_type_label", "location", "text"}),
}


class PromptError(ValueError):
    pass


@dataclass(frozen=True)
class Prompt:
    name: str
    template: str

    def render(self, **values: object) -> str:
        missing = TEMPLATE_VARIABLES[self.name] - values.keys()
        if missing:
            raise PromptError(f"prompt '{self.name}' needs {sorted(missing)}")
        return self.template.format(**values)


def template_variables(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def parse_prompt(name: str, template: str) -> Prompt:
    if name not in TEMPLATE_VARIABLES:
        raise PromptError(f"unknown prompt '{name}'")
    try:
        used = template_variables(template)
    except ValueError as exc:  # unbalanced braces
        raise PromptError(f"prompt '{name}': {exc}") from None
    allowed = TEMPLATE_VARIABLES[name]
    if used - allowed:
        raise PromptError(f"prompt '{name}' uses unknown variables {sorted(used - allowed)}")
    if allowed - used:
        raise PromptError(f"prompt '{name}' does not use {sorted(allowed - used)}")
    return Prompt(name, template)


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    path = directory / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt file {path} is missing") from None
    return parse_prompt(name, text)


def load_all(directory: Path = PROMPTS_DIR) -> dict[str, Prompt]:
    return {name: load_prompt(name, directory) for name in TEMPLATE_VARIABLES}
