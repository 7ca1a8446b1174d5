"""Emergencies are caught first, in many phrasings; a missed emergency is the worst defect."""

from __future__ import annotations

import pytest

from knowledge.emergency import EmergencyDetector

CALL_120 = [
    "宝宝不喘气了怎么办", "孩子没有呼吸了", "孩子突然没气了", "娃呼吸停了", "宝宝憋得脸发紫",
    "孩子嘴唇发紫喘不上气", "孩子脸色青紫", "婴儿呼吸困难，胸口凹陷", "宝宝喝奶呛到了，脸都紫了",
    "孩子高烧抽搐了", "宝宝抽筋了 眼睛往上翻", "娃突然抽风了怎么办", "孩子惊厥了", "小孩全身僵直抖个不停",
    "宝宝叫不醒", "孩子昏迷了", "孩子摔倒后晕过去了", "宝宝软绵绵的叫不醒", "娃没反应了",
    "孩子误吞了纽扣电池", "宝宝把磁铁吞下去了", "孩子吃了大人的降压药", "娃喝了洗衣液", "宝宝误食了老鼠药",
    "孩子偷吃了好几片药", "孩子舔了消毒液", "家里煤气泄漏孩子头晕",
    "孩子被开水烫伤了一大片", "宝宝脸被热油烫伤", "开水泼到孩子身上了", "孩子触电了",
    "孩子从床上摔下来头着地，吐了两次", "宝宝磕到后脑勺，现在一直想睡觉", "孩子从窗户掉下去了",
    "孩子掉进水池里了", "宝宝溺水了", "孩子手被割破血止不住", "吃了花生后嘴唇肿了喘不上气",
    "孩子吃果冻噎住了", "花生卡在喉咙里了", "宝宝被葡萄卡住了说不出话",
    "宝宝突然没有反应，嘴唇发青", "救命 孩子不呼吸了",
    "寶寶不呼吸了", "孩子抽搐了！！！", "宝 宝 抽 搐 了",
    "孩子发高烧到40度，刚才突然两眼上翻，手脚一抽一抽的", "孩子把奶奶的降糖药吃了两片",
    "她突然两眼发直往上翻，牙关咬紧，手脚一直抖，叫她也没反应",
    "发现他把爷爷放在茶几上的降压药瓶子打开了，地上散了好几片，不知道吃了几片，现在看着没事还在玩",
    "宝宝四个月发烧两天，身上出了好多按了也不褪色的紫红色小点点，囟门好像鼓起来了",
    "刚刚把一瓶84消毒液打翻了，嘴巴周围都是，好像喝了几口",
    "暖瓶拽倒了，开水泼在胸口和胳膊上，脱衣服的时候皮都跟着掉了，起了好大的泡",
    "拉肚子吐了三天，今天一整天都没有尿，哭也没有眼泪，眼窝凹下去了",
    "My baby is not breathing", "my son stopped breathing", "baby turning blue", "She's having a seizure",
    "my toddler is convulsing", "baby is unresponsive", "my daughter won't wake up",
    "he swallowed a button battery", "my baby swallowed a magnet", "my toddler ate some pills",
    "she drank bleach", "baby is choking", "my son hit his head and is vomiting", "my child fell out of the window",
    "severe burn on his arm", "baby fell into the pool",
]
CALL_110 = [
    "我看到托育园老师在打孩子", "保姆虐待孩子", "托育园阿姨掐我家宝宝", "监控里看到老师踢孩子",
    "孩子在托育所被老师打了", "怀疑孩子被性侵", "有人把孩子抱走了", "孩子丢了找不到",
    "老师体罚孩子关小黑屋", "园长扇了孩子耳光",
    "背上有好几处青紫，问他他说是老师打的", "接孩子时发现腿上有淤青，孩子说是老师掐的",
    "看监控回放，保姆把九个月的宝宝使劲摔在床上，还用手捂他的嘴不让哭",
    "The teacher is hitting my child", "I think the nanny is abusing my baby", "my child is missing",
]
NOT_EMERGENCY = [
    "产假有多少天", "宝宝发烧38度怎么办", "热性惊厥是什么", "怎么预防孩子误吞电池",
    "宝宝拉肚子怎么办", "孩子摔了一跤，哭了一会儿现在玩得很好", "宝宝打嗝怎么办", "卡介苗是出生就打吗",
    "打疫苗后会抽搐吗", "托育机构的监控录像要保存多久", "宝宝呛奶怎么办", "怎么预防溺水",
    "How long is maternity leave?", "how to prevent choking", "what is a febrile seizure",
    "宝宝一哭就脸红憋气，哭得很厉害怎么办", "如果宝宝被东西噎住了，家长应该怎么急救",
    "宝宝发烧39.3度，吃了退烧药能退到37度多，过四五个小时又烧上来，精神还可以",
    "去年发烧的时候抽过一次，说是热性惊厥，这次又发烧38.9了，现在没抽，怎么预防再抽",
    "每天傍晚开始哭，腿蜷着脸憋得通红，是肠绞痛吗", "老人说维生素D吃多了会中毒，让停了，一天补多少合适",
    "后来看到新闻说孩子在浴盆里溺水，很后怕，洗澡的时候要注意什么", "这么小的孩子要怎么防溺水",
    "宝宝叫名字没反应，也不看人，会不会是自闭症", "孩子被狗咬了要打狂犬疫苗吗",
    "我要投诉一家托育机构", "育儿补贴每年能领多少钱", "宝宝的疫苗本丢了怎么办", "孩子的接种证丢了能补办吗",
]


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return EmergencyDetector.default()


@pytest.mark.parametrize("text", CALL_120)
def test_medical_emergencies_call_120(detector: EmergencyDetector, text: str) -> None:
    found = detector.detect(text)
    assert found is not None, text
    assert found.call == "120", (text, found)


@pytest.mark.parametrize("text", CALL_110)
def test_abuse_and_danger_call_110(detector: EmergencyDetector, text: str) -> None:
    found = detector.detect(text)
    assert found is not None and found.call == "110", (text, found)


@pytest.mark.parametrize("text", NOT_EMERGENCY)
def test_questions_about_a_topic_are_not_emergencies(detector: EmergencyDetector, text: str) -> None:
    assert detector.detect(text) is None, text
