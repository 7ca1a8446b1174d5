"""Homophone and look-alike typos of words the knowledge base knows, corrected before retrieval.

Parents type with pinyin input (发稍 for 发烧: same toneless sound, wrong pick) or handwriting input
(发绕: the recogniser's look-alike). A stretch of the question that appears nowhere in the articles'
own text, and that differs from one known word (a synonym or keyword) in a single character
that sounds or looks the same, is read as that word. Correct text is left alone: a stretch the
articles use, or one overlapping a known word already in the question, is never touched, and a
typo that could be two different words is left as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge.features import STOP_CHARS, char_pinyin
from knowledge.normalize import LongestMatch, fold

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
#: Lengths of the words corrected, longest first.
LENGTHS = (4, 3, 2)


class TypoFixer:
    """Built from the articles' text (what is known), the words to correct to, and data/typos.yaml."""

    def __init__(self, known_texts: Iterable[str], words: Iterable[str], table: dict) -> None:
        self.bigrams: set[str] = set()
        for text in known_texts:
            for run in _CJK_RUN.findall(fold(text)):
                self.bigrams.update(run[i:i + 2] for i in range(len(run) - 1))
        targets = {w for w in (fold(str(w)) for w in words)
                   if len(w) in LENGTHS and _CJK_RUN.fullmatch(w)}
        self.bigrams.update(w[i:i + 2] for w in targets for i in range(len(w) - 1))
        self.known = LongestMatch(targets)
        self.look = {c: str(group) for group in table.get("look_alike") or [] for c in str(group)}
        # Each word once per position, with that position left open: "发?" and "?烧" for 发烧.
        self.open: dict[str, list[str]] = {}
        for word in sorted(targets):
            for i in range(len(word)):
                self.open.setdefault(f"{word[:i]}?{word[i + 1:]}", []).append(word)

    def __call__(self, text: str) -> str:
        """`text` with each unknown stretch that is a one-character slip of a known word corrected."""
        folded = fold(text)
        out, last = [], 0
        for run in _CJK_RUN.finditer(folded):
            fixed = self._run(run.group(0))
            if fixed != run.group(0):
                out += [folded[last:run.start()], fixed]
                last = run.end()
        return "".join(out) + folded[last:] if out else text

    def _run(self, run: str) -> str:
        taken = [False] * len(run)
        for start, end in self.known.spans(run):
            taken[start:end] = [True] * (end - start)
        chars = list(run)
        for length in LENGTHS:
            for i in range(len(run) - length + 1):
                window = "".join(chars[i:i + length])
                if any(taken[i:i + length]) or self._is_known(window):
                    continue
                word = self._correction(window, run[i - 1:i], run[i + length:i + length + 1])
                if word is not None:
                    chars[i:i + length] = list(word)
                    taken[i:i + length] = [True] * length
        return "".join(chars)

    def _is_known(self, window: str) -> bool:
        return all(window[i:i + 2] in self.bigrams for i in range(len(window) - 1))

    def _correction(self, window: str, before: str, after: str) -> str | None:
        """The one known word `window` is a slip of, or None (none, or more than one).

        A slip at the window's edge must fit its neighbour outside once corrected (烧怎 in 发烧怎么办, or the
        end of the run): a correct word the articles happen not to use rarely does (排挤针对 is not 排几针对).
        A character that already makes a known pair with that neighbour is right where it is (消炎 in
        消炎水). Nor is a particle or pronoun (也, 就) a slip, and a word whose other characters are only
        those (吐了 for 涂了) is too little to go on.
        """
        found = set()
        for i, typed in enumerate(window):
            if typed in STOP_CHARS or all(c in STOP_CHARS for c in window[:i] + window[i + 1:]):
                continue
            for word in self.open.get(f"{window[:i]}?{window[i + 1:]}", ()):
                if word != window and self._confusable(typed, word[i]) and self._fits(window, word, i, before, after):
                    found.add(word)
        return found.pop() if len(found) == 1 else None

    def _fits(self, window: str, word: str, i: int, before: str, after: str) -> bool:
        """`word[i]`, typed otherwise in `window`, fits the neighbour outside the window on its side (if it is
        at an edge) better than what was typed."""
        edges = ((i == 0, before, before + word[0], before + window[0]),
                 (i == len(word) - 1, after, word[-1] + after, window[-1] + after))
        for at_edge, neighbour, meant, typed in edges:
            if at_edge and neighbour and (typed in self.bigrams
                                          or (neighbour not in STOP_CHARS and meant not in self.bigrams)):
                return False
        return True

    def _confusable(self, typed: str, meant: str) -> bool:
        if typed in self.look and meant in self.look[typed]:
            return True
        sound = char_pinyin(typed)
        return bool(sound) and sound == char_pinyin(meant)
