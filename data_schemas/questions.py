"""The children's views question bank: stable question ids, their answer types, and validation of answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from .fields import bad_char_message

BANK_FILE = Path(__file__).with_name("views_questions.yaml")
PHASES = ("early_years", "primary", "secondary", "post16")
FREE_TEXT = ("text", "multiline")
MAX_ANSWER = 20_000


@dataclass(frozen=True)
class Question:
    """One question of the bank."""

    id: str
    phase: str
    text: str
    answer: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def is_free_text(self) -> bool:
        return self.answer in FREE_TEXT


@cache
def question_bank() -> dict[str, Question]:
    """All questions by id, options resolved from their answer type."""
    raw = yaml.safe_load(BANK_FILE.read_text(encoding="utf-8"))
    types = raw["answer_types"]
    bank = {}
    for entry in raw["questions"]:
        options = entry.get("options") or types.get(entry["answer"], {})
        bank[entry["id"]] = Question(entry["id"], entry["phase"], entry["text"], entry["answer"], dict(options))
    return bank


def questions_for(phase: str) -> list[Question]:
    """The default questions of one phase, in bank order."""
    return [q for q in question_bank().values() if q.phase == phase]


def check_answer(question: Question, value) -> str | None:
    """Why a value is not a valid answer to a question, or None."""
    if value is None:
        return None
    if question.answer == "tick":
        return None if isinstance(value, bool) else "Must be true or false."
    if not isinstance(value, str):
        return "Must be a string."
    if question.is_free_text:
        if len(value) > MAX_ANSWER:
            return f"Longer than maximum length {MAX_ANSWER}."
        return bad_char_message(value)
    if value == "" or value in question.options:
        return None
    return f"Must be one of: {', '.join(question.options)}."


def validate_answers(answers: dict) -> list[tuple[str, str]]:
    """(question id, message) for each unknown question or invalid answer."""
    bank = question_bank()
    problems = []
    for qid, value in answers.items():
        question = bank.get(qid)
        message = "Unknown question id." if question is None else check_answer(question, value)
        if message:
            problems.append((qid, message))
    return problems
