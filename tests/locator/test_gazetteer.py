"""Typed places: Chinese names and aliases, pinyin, homophone and spelling typos, whole sentences."""

from __future__ import annotations

import pytest
import yaml

from locator.demo import records, rows
from locator.gazetteer import PLACE_WORDS, Gazetteer, is_place_word


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


@pytest.mark.parametrize(("text", "name"), [
    ("城关", "城关区"), ("城关区", "城关区"), ("chengguan", "城关区"), ("Chengguan District", "城关区"),
    ("chengguan qu", "城关区"), ("城官区", "城关区"), ("chenguan", "城关区"),
    ("七里河西站附近", "西站街道"), ("七里和", "七里河区"), ("qilhe", "七里河区"),
    ("anning", "安宁区"), ("安宁", "安宁区"), ("安宁堡", "安宁堡街道"),
    ("西关十字", "西关十字"), ("Xiguan Shizi", "西关十字"), ("西关十子", "西关十字"),
    ("兰州大学", "兰州大学"), ("兰洲大学", "兰州大学"), ("正宁路", "正宁路"), ("张掖路步行街", "张掖路步行街"),
    ("兰州西站", "兰州西站"), ("lanzhou west station", "兰州西站"), ("东方红广场", "东方红广场"),
    ("新区", "兰州新区"), ("东岗西路", "东岗西路街道"), ("honggu", "红古区"), ("榆中", "榆中县"),
    ("帮我找城关区的托儿所", "城关区"), ("find a half-day place for my 14-month-old near 西关十字", "西关十字"),
    ("城關區", "城关区"),
])
def test_finds(gaz: Gazetteer, text: str, name: str) -> None:
    match = gaz.find(text)
    assert match is not None and match.place.name == name


@pytest.mark.parametrize("text", ["附近的托儿所", "find daycare near me", "半日托", "hello", ""])
def test_no_place_named(gaz: Gazetteer, text: str) -> None:
    assert gaz.find(text) is None


def test_points_carry_their_accuracy(gaz: Gazetteer) -> None:
    xiguan = gaz.find("西关十字")
    zhangye = gaz.find("张掖路街道")
    assert xiguan and zhangye and (xiguan.place.lat, xiguan.place.lon) == (zhangye.place.lat, zhangye.place.lon)
    assert xiguan.place.accuracy == "subdistrict"
    peili = gaz.find("培黎街道")
    assert peili and peili.place.accuracy == "district"  # no point of its own: the district seat
    assert gaz.find("省政府").place.accuracy == "point"  # type: ignore[union-attr]


def test_neighbours_and_nearest_district(gaz: Gazetteer) -> None:
    assert gaz.neighbours("620102")[0].name == "七里河区"
    assert gaz.nearest_district(36.50, 103.66).name == "兰州新区"


def test_demo_set_is_deterministic_and_labelled() -> None:
    assert records() == records()
    demo = rows()
    assert len(demo) == 300 and len({r["registry_id"] for r in demo}) == 300
    assert {r["district"] for r in demo} == {"城关区", "七里河区", "西固区", "安宁区", "红古区", "永登县", "皋兰县",
                                            "榆中县", "兰州新区"}
    for r in demo:
        assert r["demo"] and r["source"] == "synthetic demo data" and r["name"].startswith("示例·")
        assert r["name"].endswith("（演示）") and all(r[k] is not None for k in (
            "address", "subdistrict", "nature", "hours", "fee_min", "fee_max", "phone", "capacity",
            "places_free", "places_updated", "verified_on", "min_age_months", "max_age_months"))


def _sound_hits_by_definition(gaz: Gazetteer, cjk: list[tuple[int, str]],
                              syllables: list[str]) -> list[tuple[int, int, float, object, str]]:
    """The plain definition: every name of two or more syllables, at the first run of the text that sounds like it."""
    from locator.gazetteer import _syllables

    hits = []
    for key in gaz._zh:
        seq = _syllables(key)
        for i in range(len(syllables) - len(seq) + 1):
            if len(seq) >= 2 and syllables[i:i + len(seq)] == seq:
                hits += [(cjk[i][0], cjk[i + len(seq) - 1][0] + 1, 99.0, p, key) for p in gaz._zh[key]]
                break
    return hits


def test_sound_matching_finds_what_the_plain_definition_finds(gaz: Gazetteer) -> None:
    import random

    from locator.gazetteer import _syllables

    names = list(gaz._zh)
    rng = random.Random(7)
    texts = ["我在西官十子附近上班", "七里和区哪里有托育", "兰洲大学旁边", "城官区城关区", "宝宝13个月想找半日托"]
    joiners = ["附近", "旁边的", "和", ""]
    texts += ["".join(rng.choice(names) + rng.choice(joiners) for _ in range(3)) for _ in range(40)]
    for text in texts:
        cjk = list(enumerate(text))
        syllables = _syllables(text)
        assert gaz._sound_hits(cjk, syllables) == _sound_hits_by_definition(gaz, cjk, syllables), text


def _all_place_words() -> list[str]:
    raw = yaml.safe_load(PLACE_WORDS.read_text(encoding="utf-8"))
    return [w for group in raw.values() for w in group]


@pytest.mark.parametrize("word", _all_place_words())
def test_a_place_word_is_never_a_place(gaz: Gazetteer, word: str) -> None:
    assert is_place_word(word)
    assert gaz.candidates(word) == [], word
    assert gaz.find(f"找{word}") is None and gaz.find(f"我想找{word}") is None


@pytest.mark.parametrize("text", ["找托育机构", "附近的托育机构", "我想找托育机构", "我家附近的托儿所",
                                  "这边有幼儿园吗", "兰州的托育", "托育机构", "daycare near me"])
def test_looking_for_care_names_no_place(gaz: Gazetteer, text: str) -> None:
    assert gaz.find(text) is None


@pytest.mark.parametrize(("text", "name"), [("兰州西站附近的托育机构", "兰州西站"), ("西官的托儿所", "西关十字"),
                                            ("七里河附近的幼儿园", "七里河区"), ("我家在安宁堡附近", "安宁堡街道")])
def test_places_beside_place_words_still_match(gaz: Gazetteer, text: str, name: str) -> None:
    match = gaz.find(text)
    assert match is not None and match.place.name == name


def test_an_ambiguous_name_gives_every_place_with_its_district() -> None:
    raw = {"districts": [
        {"code": "620121", "name": "永登县", "lat": 36.7344, "lon": 103.2599,
         "subdistricts": [{"name": "城关镇", "lat": 36.73, "lon": 103.26}]},
        {"code": "620123", "name": "榆中县", "lat": 35.8445, "lon": 104.1122,
         "subdistricts": [{"name": "城关镇", "lat": 35.85, "lon": 104.11}]}]}
    gaz = Gazetteer(raw)
    found = gaz.candidates("城关镇的托儿所")
    assert sorted((m.place.name, m.place.district) for m in found) == [("城关镇", "榆中县"), ("城关镇", "永登县")]
    assert [m.place.name for m in gaz.candidates("永登县")] == ["永登县"]
