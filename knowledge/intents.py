"""What a message asks for besides an article: smalltalk, the finder, a complaint, or nothing we do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from knowledge.memo import Recent
from knowledge.normalize import Normalizer, fold, load_yaml

#: Characters (after cleaning) a part of a message needs to count as a question of its own.
MIN_QUESTION = 4


def _pattern(rule: str | dict) -> str:
    """An out-of-scope rule is a pattern (its name is the reason) or {reason, pattern}."""
    return rule if isinstance(rule, str) else str(rule["pattern"])


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class OutOfScope:
    reason: str  # "adult", "dose", "diagnosis" (medical: see a doctor / 12320) or "unrelated"


class IntentDetector:
    """Rules from data/intents.yaml, applied to cleaned text (folded, fillers and punctuation out)."""

    def __init__(self, table: dict, normalizer: Normalizer) -> None:
        self.clean = normalizer.clean
        self.smalltalk = re.compile("^(?:" + "|".join(table["smalltalk"]["whole"]) + ")$")
        self.facility = _any(table["facility_search"])
        self.facility_not = _any(table["facility_not"])
        self.grievance = re.compile(table["complaint_grievance"])
        self.hotline_question = re.compile(table["hotline_question"])
        self.complaint_story = re.compile(table["complaint_story"]["pattern"])
        self.complaint_story_from = int(table["complaint_story"]["min_length"])
        self.complaint = _any(table["complaint"])
        self.complaint_not = _any(table["complaint_not"])
        self.medical = [(name if isinstance(rule, str) else rule["reason"], re.compile(_pattern(rule)))
                        for name, rule in table["out_of_scope"].items()]
        self.unrelated = _any(table["unrelated"])
        self.childcare = re.compile(table["childcare_markers"])
        self.question_breaks = re.compile(table["question_breaks"])
        self.question_form = re.compile(table["question_form"])
        self._intents: Recent[str | None] = Recent()

    @classmethod
    @cache
    def default(cls) -> IntentDetector:
        return cls(load_yaml("intents.yaml"), Normalizer.default())

    def intent(self, text: str) -> str | None:
        """"smalltalk", "facility_search", "complaint" or None (a question for the knowledge base)."""
        return self._intents(text, self._intent)

    def _intent(self, text: str) -> str | None:
        cleaned = self.clean(text)
        raw = cleaned.replace(" ", "")
        if not raw or self.smalltalk.match(raw) or self.smalltalk.match(cleaned):
            return "smalltalk"
        if self.grievance.search(cleaned) and not self.hotline_question.search(cleaned):
            return "complaint"
        if self.complaint.search(cleaned) and not self.complaint_not.search(cleaned):
            return "complaint"
        if self.facility.search(cleaned) and not self.facility_not.search(cleaned):
            return "facility_search"
        if len(raw) >= self.complaint_story_from and self.complaint_story.search(fold(text)):
            return "complaint"
        return None

    def out_of_scope(self, text: str) -> OutOfScope | None:
        """A medical question we must not answer, or a topic far from childcare."""
        cleaned = self.clean(text)
        for name, pattern in self.medical:
            if pattern.search(cleaned):
                return OutOfScope(name)
        if self.unrelated.search(cleaned) and not self.childcare.search(cleaned):
            return OutOfScope("unrelated")
        return None

    def is_question(self, text: str) -> bool:
        """The message asks something (a question mark, a question word), rather than stating or naming."""
        return bool(self.question_form.search(fold(text).strip()))

    def questions(self, text: str) -> list[str]:
        """The questions a message asks, split where it turns to another ("…？还有…"); one part for most."""
        parts = [p.strip(" ，,。.!！") for p in self.question_breaks.split(text)]
        return [p for p in parts if len(self.clean(p).replace(" ", "")) >= MIN_QUESTION]
