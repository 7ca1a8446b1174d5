"""Typed place names → a point: exact Chinese names, pinyin (so homophone typos still match) and fuzzy spelling."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from locator.geo import haversine_m

DATA = Path(__file__).with_name("data") / "gazetteer.yaml"
PLACE_WORDS = DATA.with_name("place_words.yaml")
SPECIFICITY = {"district": 1, "subdistrict": 2, "landmark": 3}
_SUFFIXES = ("街道", "镇", "乡", "区", "县")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z]+")
FUZZY_LATIN = 88
FUZZY_PINYIN = 90
#: Equally good matches further apart than this are different places: the finder asks which one.
AMBIGUOUS_M = 1_000.0


@dataclass(frozen=True)
class Place:
    """A named point; `accuracy` is seat, subdistrict, district or point (see gazetteer.yaml)."""

    name: str
    kind: str  # district | subdistrict | landmark
    district: str  # the district's name (itself for a district)
    district_code: str
    lat: float
    lon: float
    accuracy: str
    aliases: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Match:
    place: Place
    key: str  # the name or alias that matched
    score: float  # 100 exact, lower for fuzzy


def fold(text: str) -> str:
    """NFKC, lower case, simplified Chinese, punctuation and spaces to single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _CJK.search(text):
        import zhconv  # ~0.13 s to import (it loads pkg_resources): only once a place name is folded

        text = zhconv.convert(text, "zh-cn")
    return re.sub(r"[\W_]+", " ", text).strip()


@cache
def place_words() -> tuple[str, ...]:
    """Words that stand where a place would but are none (托育机构, 附近, 兰州, ...), folded, longest first."""
    raw = yaml.load(PLACE_WORDS.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    words = {fold(w) for group in raw.values() for w in group}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def mask_place_words(folded: str) -> str:
    """`folded` with every place word blanked out (same length, so positions still line up)."""
    for word in place_words():
        if word in folded:
            folded = folded.replace(word, " " * len(word))
    return folded


def is_place_word(text: str) -> bool:
    """True if `text` names nothing but place words ("托育机构", "我家附近", "daycare near me")."""
    folded = fold(text)
    return bool(folded) and not mask_place_words(folded).strip()


def _latin_key(text: str) -> str:
    return "".join(_LATIN.findall(fold(text)))


def _syllables(text: str) -> list[str]:
    from pypinyin import lazy_pinyin  # its phrase table takes ~0.2 s to import: only when matching places

    return [s.lower() for s in lazy_pinyin(text)]


class Gazetteer:
    """Districts, subdistricts/towns and landmarks with every name people might type for them."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.places: list[Place] = []
        self.districts: dict[str, Place] = {}
        subs: dict[str, Place] = {}
        for d in raw["districts"]:
            district = Place(d["name"], "district", d["name"], d["code"], d["lat"], d["lon"], "seat",
                             tuple(d.get("aliases", ())))
            self.districts[district.district_code] = district
            self.places.append(district)
            for s in d.get("subdistricts", ()):
                has_point = "lat" in s
                place = Place(s["name"], "subdistrict", district.name, district.district_code,
                              s["lat"] if has_point else district.lat, s["lon"] if has_point else district.lon,
                              s.get("accuracy", "subdistrict" if has_point else "district"),
                              tuple(s.get("aliases", ())))
                subs[place.name] = place
                self.places.append(place)
        for lm in raw.get("landmarks", ()):
            district = self.districts[lm["district"]]
            anchor = subs.get(lm.get("near", ""), district)
            lat, lon = lm.get("lat", anchor.lat), lm.get("lon", anchor.lon)
            accuracy = lm.get("accuracy") or ("subdistrict" if "near" in lm else anchor.accuracy)
            self.places.append(Place(lm["name"], "landmark", district.name, district.district_code, lat, lon,
                                     accuracy, tuple(lm.get("aliases", ()))))
        self._index()

    @classmethod
    def load(cls, path: Path = DATA) -> Gazetteer:
        return cls(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))

    @staticmethod
    @cache
    def default() -> Gazetteer:
        return Gazetteer.load()

    def _index(self) -> None:
        self._zh: dict[str, list[Place]] = {}
        self._latin: dict[str, list[Place]] = {}
        for place in self.places:
            names = [place.name, *place.aliases]
            for suffix in _SUFFIXES:  # 酒泉路街道 → 酒泉路, unless short and generic (西路) or a district's name
                short = place.name.removesuffix(suffix)
                if short != place.name and short not in self._zh and (
                        len(short) >= 3 or (len(short) == 2 and not short.endswith("路"))):
                    names.append(short)
            for name in names:
                if _CJK.search(name):
                    key = fold(name).replace(" ", "")
                    self._zh.setdefault(key, []).append(place)
                    self._latin.setdefault("".join(_syllables(key)), []).append(place)
                else:
                    self._latin.setdefault(_latin_key(name), []).append(place)
        # Chinese names by their first syllable, as (name order, name, syllables): the sound match looks only at
        # names starting with the syllable at hand, not at every name for every position of the text.
        self._by_first_syllable: dict[str, list[tuple[int, str, list[str]]]] = {}
        for order, key in enumerate(self._zh):
            seq = _syllables(key)
            if len(seq) >= 2:
                self._by_first_syllable.setdefault(seq[0], []).append((order, key, seq))
        self._latin_keys = [k for k in self._latin if len(k) >= 5]

    def find(self, text: str) -> Match | None:
        """The most specific place named in `text` (a whole sentence is fine), or None."""
        found = self.candidates(text)
        return found[0] if found else None

    def candidates(self, text: str) -> list[Match]:
        """The place named in `text`, best first: one match, several when equally good matches lie more than
        AMBIGUOUS_M apart (the family must say which), none when only place words (托育机构, 附近) are named."""
        folded = fold(text)
        compact = folded.replace(" ", "")
        words_only = set(place_words())
        hits: list[tuple[int, int, float, Place, str]] = []  # (start, end, score, place, key)
        for key, places in self._zh.items():
            at = compact.find(key)
            if at >= 0 and key not in words_only:
                hits.extend((at, at + len(key), 100.0, p, key) for p in places)
        # sound-alikes and fuzzy spellings only where no place word stands (托育机构 once sounded like 金沟)
        masked = mask_place_words(compact)
        runs = [(m.start(), m.group()) for m in re.finditer(r"[\u4e00-\u9fff]+", masked)]
        sounds = []
        for start, run in runs:
            syllables = _syllables(run)
            if len(syllables) == len(run):
                hits += self._sound_hits([(start + i, c) for i, c in enumerate(run)], syllables)
                sounds.append("".join(syllables))
        words = _LATIN.findall(folded)
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                joined = "".join(words[i:i + n])
                hits.extend((-1, -1, 100.0, p, joined) for p in self._latin.get(joined, ()))
        if not hits:
            hits = self._fuzzy(_LATIN.findall(mask_place_words(folded)), sounds)
        return self._ranked(hits)

    def _sound_hits(self, cjk: list[tuple[int, str]], syllables: list[str]) -> list[tuple[int, int, float, Place, str]]:
        """Names that sound like a run of the text (homophone typos: 西关 typed 西官), each at its first
        occurrence, in name order. `cjk` is each Chinese character with its position, `syllables` their sounds."""
        first_at: dict[str, tuple[int, int, int]] = {}  # name -> (name order, start, end)
        for i, syllable in enumerate(syllables):
            for order, key, seq in self._by_first_syllable.get(syllable, ()):
                if key not in first_at and syllables[i:i + len(seq)] == seq:
                    first_at[key] = (order, cjk[i][0], cjk[i + len(seq) - 1][0] + 1)
        return [(start, end, 99.0, p, key)
                for key, (_, start, end) in sorted(first_at.items(), key=lambda item: item[1][0])
                for p in self._zh[key]]

    def _fuzzy(self, words: list[str], sounds: list[str]) -> list[tuple[int, int, float, Place, str]]:
        """Near spellings of Latin words (one or two) and of each Chinese run's pinyin (`sounds`)."""
        found: list[tuple[int, int, float, Place, str]] = []
        candidates = ["".join(words[i:i + n]) for n in (1, 2) for i in range(len(words) - n + 1)]
        for query in candidates + sounds:
            if len(query) < 5:
                continue
            is_pinyin = query in sounds
            scorer = fuzz.partial_ratio if is_pinyin else fuzz.ratio
            cutoff = FUZZY_PINYIN if is_pinyin else FUZZY_LATIN
            for key, score, _ in process.extract(query, self._latin_keys, scorer=scorer, score_cutoff=cutoff,
                                                 limit=3):
                if is_pinyin and len(key) < 6:
                    continue
                found.extend((-1, -1, float(score), p, key) for p in self._latin[key])
        return found

    @staticmethod
    def _ranked(hits: list[tuple[int, int, float, Place, str]]) -> list[Match]:
        """The best hit, or all equally good ones when they are different places far apart."""
        if not hits:
            return []
        inside = [h for h in hits if h[0] >= 0 and any(
            o[0] >= 0 and o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)]
        kept = sorted((h for h in hits if h not in inside),
                      key=lambda h: (h[2], SPECIFICITY[h[3].kind], len(h[4])), reverse=True)
        _, _, score, best, key = kept[0]
        rank = (score, SPECIFICITY[best.kind], len(key))
        matches = [Match(best, key, score)]
        for _, _, score, place, key in kept[1:]:
            if (score, SPECIFICITY[place.kind], len(key)) != rank:
                break
            if all(haversine_m(m.place.lat, m.place.lon, place.lat, place.lon) > AMBIGUOUS_M for m in matches):
                matches.append(Match(place, key, score))
        return matches

    def district(self, name_or_code: str) -> Place | None:
        """A district by code, name or alias."""
        if name_or_code in self.districts:
            return self.districts[name_or_code]
        match = self.find(name_or_code)
        return self.districts[match.place.district_code] if match else None

    def nearest_district(self, lat: float, lon: float) -> Place:
        """The district whose seat is closest: a stand-in for boundaries we do not have."""
        return min(self.districts.values(), key=lambda d: haversine_m(lat, lon, d.lat, d.lon))

    def neighbours(self, code: str, count: int = 2) -> list[Place]:
        """The districts whose seats are nearest to this one's."""
        here = self.districts[code]
        others = [d for d in self.districts.values() if d.district_code != code]
        return sorted(others, key=lambda d: haversine_m(here.lat, here.lon, d.lat, d.lon))[:count]
