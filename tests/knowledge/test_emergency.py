"""Emergencies are caught first, in many phrasings; a missed emergency is the worst defect.

Every phrase here is our own; none comes from an evaluation file. Each class of danger sign is
written several ways (colloquial, typo, English, with a question tail that must not hide it), and
ordinary questions on the same topics must not become emergencies.
"""

from __future__ import annotations

import pytest

from bot.i18n import default_catalog
from knowledge.emergency import TIERS, Emergency, EmergencyDetector
from tests.bot.helpers import Transcript

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

# Classes of danger sign, each in several phrasings; the category names the first steps shown.
CLASSES: dict[str, list[str]] = {
    "choking": [
        "孩子两岁，刚才吃葡萄突然不会说话了，手抓着脖子",
        "喂饭的时候呛着了，小脸憋得发紫哭不出声",
        "娃啃苹果噎着了，脸憋得通红咳不出来", "宝宝吃小番茄被卡住了", "娃吃面包哽住了", "吃东西的时候卡到了怎么急救",
        "如果孩子吃糖卡住了，大人应该怎么急救", "一岁宝宝吃馒头噎到了会怎么样",
        "婴儿喝奶时窒息了", "my toddler choked on a grape", "baby is choking on food, what do I do",
    ],
    "not_breathing": [
        "宝宝突然不呼吸了", "孩子没有心跳了", "宝宝哭着哭着就没气了，脸发紫", "塑料袋蒙在宝宝脸上了",
        "my baby stopped breathing",
    ],
    "breathing": [
        "my daughter is breathing really fast and her ribs are pulling in",
        "刚生下来的宝宝哭的时候嘴唇有点紫，会是什么原因", "宝宝嘴唇紫紫的是怎么回事", "娃的嘴巴周围发青",
        "孩子一哭就背过气去，脸都黑了", "娃哭得抽过去了，嘴唇乌紫", "孩子鼻翼一扇一扇的，喘得很厉害",
        "宝宝吸气的时候锁骨那里凹下去", "孩子呼吸很费劲", "哮喘又发作了，喘得说不出话", "my baby's lips look blue",
        "he holds his breath when crying and turns blue", "baby's nostrils flaring and ribs sucking in",
    ],
    "unconscious": ["刚才宝宝突然不动了，叫他没有反应", "my toddler is very floppy and won't respond"],
    "bleeding": ["孩子鼻血流了半个小时还止不住", "宝宝手指被门夹断了", "摔破了下巴，流了好多血"],
    "serious_injury": ["孩子在小区被电动车撞了", "衣柜倒了压在宝宝身上", "my son was hit by a car"],
    "locked_in": ["钥匙落车里，宝宝被锁在车里了", "my baby is locked in the car"],
    "anaphylaxis": ["my baby's lips and tongue are swelling after eating peanut butter",
                    "孩子吃东西过敏，嗓子发紧说不出话", "孩子被蜂蛰后全身起疙瘩，还说喘不上来"],
    "severe_illness": ["宝宝哭声很弱，不吃奶，皮肤发花", "宝宝脸色苍白，出冷汗，叫他也不太理",
                       "baby's soft spot is bulging and he has a fever"],
    "allergy": ["吃了虾以后嘴唇肿了，身上起风团", "宝宝吃了鸡蛋眼皮肿了，全身起红疹子"],
    "convulsion": [
        "娃刚才眼神发直，叫也不应，持续了一分钟左右",
        "孩子刚才抽搐还翻白眼，是怎么回事", "宝宝手脚一抽一抽的，眼睛往上翻", "娃反白眼身体发僵",
        "小孩突然抽风了", "发烧后抽筋了多久有反应", "my baby's eyes rolled back and she was jerking",
    ],
    "poisoning": [
        "my toddler drank some dishwasher liquid", "toddler found with an empty bottle of children's paracetamol",
        "孩子误吞异物了怎么办", "宝宝吞了一颗玻璃珠", "一岁半的娃把一整瓶维生素软糖吃了",
        "孩子偷吃了十几粒钙片", "宝宝误服了感冒药", "孩子把妈妈的药吃了", "宝宝吞下一枚硬币会一直留在肚子里吗",
        "孩子误吞了小螺丝多久会拉出来", "娃自己打开药瓶吃了好多片", "孩子吃了半板退烧药", "娃把外婆的降压药丸吃了两颗",
        "给宝宝喂错药了", "宝宝一下子吃了6粒维生素AD",
        "孩子捡到一颗药片吃了",
        "my toddler swallowed a coin", "she ate a handful of vitamin gummies",
        "he got into the medicine cabinet and took some tablets",
    ],
    "burn": ["my son pulled a pot of boiling water onto himself", "孩子烫伤了，整个手背都是水泡",
             "热水壶打翻了，孩子腿上起了好几个大水泡，面积挺大", "宝宝脸上被烫破皮了",
             "热汤洒了，孩子脖子和下巴起了好几个水泡", "孩子额头烫伤起泡",
             "小孩脸被热汤烫了怎么办", "boiling water spilled on her face"],
    "head_injury": [
        "the baby rolled off the bed onto the floor and hasn't stopped vomiting",
        "he banged his head and now has clear fluid coming from his nose",
        "我老公摇晃宝宝太用力了，现在宝宝一直吐，还很困", "托育园老师说孩子从滑梯上掉下来，现在头晕呕吐",
        "toddler fell off the slide and hit head, now throwing up",
        "孩子从沙发上摔下来磕到头，后来吐了", "宝宝撞到额头之后一直没精神想睡觉", "娃后脑勺着地，现在蔫蔫的",
        "she fell off the bed, hit her head and is very sleepy",
    ],
    "neck_injury": ["孩子从滑梯上摔下来伤到脖子了", "宝宝脖子扭伤了不能动", "窗帘绳缠住了宝宝的脖子",
                    "my son landed on his neck falling off the trampoline"],
    "infant_fever": [
        "出生二十来天的宝宝发烧了", "两个月宝宝烧到38度5", "满月的宝宝身上很烫，量了38.2", "新生儿发热怎么办",
        "宝宝才50天，发烧了要去医院吗", "my 6-week-old has a fever of 38.4", "newborn with a fever",
    ],
    "infant_unwell": [
        "新生儿10天，吃奶越来越少，老是睡",
        "新生儿嗜睡，叫也不怎么醒", "宝宝一个多月，这两天没精神不吃奶", "二十多天的宝宝不肯吃奶总是在睡",
        "满月宝宝蔫蔫的", "my 3-week-old is lethargic and not feeding",
    ],
    "fever_listless": [
        "孩子发烧一直睡觉，要紧吗", "娃烧到39度，蔫蔫的", "摸着额头滚烫，叫他也不理人",
        "小孩发热精神很差", "宝宝高烧没精神怎么回事",
        "退烧药吃了，还是发烧一直昏昏沉沉", "my toddler has a fever and is very listless",
        "fever and she is really hard to wake",
    ],
    "infant_breathing": [
        "刚出生半个月的宝宝呼吸不太顺畅，喉咙呼噜呼噜的", "两个月宝宝喘气很急", "新生儿呼吸急促是怎么回事",
        "my 5-week-old is breathing fast and grunting",
    ],
    "stool_blood": [
        "my 10 month old won't stop screaming and pulls legs to chest, and there's red jelly in the nappy",
        "三个月宝宝大便里有血丝", "宝宝拉血了", "孩子便血怎么办", "宝宝拉的屎带血是什么原因",
        "宝宝大便像果酱一样", "宝宝臭臭里有血丝", "九个月娃拉肚子还带血", "宝宝拉出来的是黑色柏油样大便",
        "新生儿大便是紫色的",
        "blood in my baby's poo", "my baby has bloody stools",
    ],
    "jaundice": [
        "宝宝黄疸，手心脚心都黄了", "黄痘宝宝脚底也黄了", "新生儿黄疸还特别嗜睡", "宝宝皮肤发黄，大便是灰白色的",
        "二十天的宝宝大便发白", "黄疸宝宝不肯吃奶", "宝宝黄胆，这两天特别嗜睡", "孩子眼睛发黄，大便颜色很浅",
        "my newborn's palms and soles are yellow",
        "jaundiced baby with pale stools",
    ],
    "no_urine": ["出生5天的宝宝2天没尿了", "新生儿这两天尿特别少，尿布几乎是干的", "宝宝一整天都没尿尿",
                 "新生儿尿不湿一天都是干的", "宝宝出生后到现在还没尿过",
                 "my newborn has had no wet nappies for a day"],
    "vomiting": ["娃今天吐了五六次，蔫蔫的不想动", "孩子一直吐，喝口水也吐",
                 "两个多月的宝宝每次吃完奶都喷射一样吐出来，体重一直不长",
                 "宝宝吐了绿色的水", "宝宝半夜吐的东西发绿", "孩子呕吐物是黄绿色的", "宝宝反复呕吐，脸色发灰",
                 "二十多天的宝宝喷射状吐奶", "my baby is vomiting green bile"],
    "facility_injury": [
        "孩子在托育园摔骨折了，老师没送医院", "宝宝在幼儿园摔得胳膊不能动，园里也没带去就医",
        "my son broke his arm at daycare and they didn't take him to a doctor",
    ],
    "fetal_movement": [
        "怀孕34周，这两天胎动比以前少了", "孕晚期胎动突然减少是怎么回事", "快生了，今天一上午没感觉到胎动",
        "孕8个月胎动不明显了", "今天一天都没怎么感觉到胎动", "I'm 36 weeks pregnant and the baby isn't moving as much",
        "reduced fetal movements at 33 weeks",
    ],
    "limb_injury": ["宝宝从床上掉下来，胳膊一动就哭", "孩子被门夹了手指，手指弯了", "she fell and won't move her arm",
                    "娃的手被抽屉夹了，骨头看着歪了"],
    "needs_doctor": ["孩子发烧39度，一直哭闹哄不好", "烧了六天了，眼睛发红，嘴唇也干裂了",
                     "宝宝的尿是红色的，还发烧", "孩子一直说肚子疼，右下腹疼得不让碰，还发烧"],
    "animal_bite": ["my daughter was bitten by a dog on the face",
                    "孩子被邻居家的狗咬了腿，伤口挺深的", "宝宝被猫抓到脸了，一直在流血",
                    "our dog bit my toddler on the face"],
    "pregnancy_warning": ["孕36周下身流血了", "羊水破了要马上去医院吗", "怀孕七个月突然头痛眼花",
                          "my waters broke at 35 weeks"],
    "foreign_body": ["孩子眼睛被消毒水溅到了", "娃把一粒花生米塞进鼻孔里了",
                     "小飞虫钻进孩子耳朵里了", "洗洁精溅进宝宝眼睛里",
                     "my toddler pushed a pea up his nose"],
    "groin": ["my baby's testicle looks swollen and very sore", "宝宝的疝气鼓出来揉不回去了，一直哭",
              "男宝阴囊突然肿起来发紫",
              "his hernia won't go back in and it's hard"],
    "crisis": [
        "I'm scared I'm going to shake my baby", "I feel like hurting myself since the baby was born",
        "带孩子太累了，我真的不想活了", "产后每天都觉得活着没意思", "我有时候想死，孩子怎么办",
        "单位不给产假，我都想轻生了", "这阵子老是想不开", "有时候觉得我要是死了大家都轻松", "真想一死了之",
        "I don't want to live anymore, the baby won't stop crying",
        "sometimes I want to kill myself", "最近脾气很差，控制不住想打孩子", "I'm afraid I will hurt my baby",
    ],
}
DOCTOR_NOW = {"allergy", "limb_injury", "animal_bite", "needs_doctor", "infant_fever", "infant_unwell",
              "fever_listless", "infant_breathing",
              "stool_blood", "jaundice", "no_urine", "vomiting", "facility_injury", "fetal_movement",
              "pregnancy_warning", "foreign_body", "groin"}

NOT_EMERGENCY = [
    "产假有多少天", "宝宝发烧38度怎么办", "热性惊厥是什么", "怎么预防孩子误吞电池",
    "宝宝拉肚子怎么办", "孩子摔了一跤，哭了一会儿现在玩得很好", "宝宝打嗝怎么办", "卡介苗是出生就打吗",
    "打疫苗后会抽搐吗", "托育机构的监控录像要保存多久", "宝宝呛奶怎么办", "怎么预防溺水",
    "How long is maternity leave?", "how to prevent choking", "what is a febrile seizure",
    "宝宝一哭就脸红憋气，哭得很厉害怎么办",
    "宝宝发烧39.3度，吃了退烧药能退到37度多，过四五个小时又烧上来，精神还可以",
    "去年发烧的时候抽过一次，说是热性惊厥，这次又发烧38.9了，现在没抽，怎么预防再抽",
    "每天傍晚开始哭，腿蜷着脸憋得通红，是肠绞痛吗", "老人说维生素D吃多了会中毒，让停了，一天补多少合适",
    "后来看到新闻说孩子在浴盆里溺水，很后怕，洗澡的时候要注意什么", "这么小的孩子要怎么防溺水",
    "宝宝叫名字没反应，也不看人，会不会是自闭症", "孩子被狗咬了要打狂犬疫苗吗",
    "我要投诉一家托育机构", "育儿补贴每年能领多少钱", "宝宝的疫苗本丢了怎么办", "孩子的接种证丢了能补办吗",
    # ordinary questions on the topics of the danger classes
    "宝宝发烧怎么办", "宝宝拉肚子吃什么", "婴儿吐奶怎么办", "宝宝多大可以吃鸡蛋", "预防溺水要注意什么",
    "怎么预防误吞电池", "一岁宝宝发烧38.5，精神挺好，能洗澡吗", "宝宝没发烧就是有点咳嗽", "孩子烧退了精神也好了",
    "宝宝趴着睡会窒息吗", "怎样防止宝宝吃东西噎着", "鱼肝油吃多了会不会中毒", "钙片一天吃几粒",
    "宝宝吃了退烧药多久起效", "给宝宝吃了妈咪爱还是拉", "新生儿黄疸多久能退", "黄疸值多少需要照蓝光",
    "宝宝大便有奶瓣正常吗", "吃了火龙果大便发红正常吗", "新生儿一直睡觉正常吗", "两个月宝宝一天睡多久",
    "宝宝摔到头要观察哪些症状", "婴儿头磕了一下会有事吗", "小孩烧伤面积怎么算", "孩子手指烫了个小泡怎么处理",
    "三个多月的宝宝厌奶怎么办", "新生儿手脚发紫正常吗", "宝宝脸上有一块青紫是磕的",
    "宝宝满月了能出门吗", "怀孕多少周开始有胎动", "胎动一般什么时候最明显",
    "今天带娃累死了", "想死你了宝贝", "孩子在幼儿园摔了一跤，老师给擦了药，没什么事",
    "夏天宝宝身上很热要开空调吗", "宝宝手心热是不是发烧", "孕期腿抽筋怎么办", "宝宝睡觉时突然抖一下",
    "宝宝睡觉翻白眼正常吗", "热性惊厥会遗传吗", "高热惊厥怎么预防", "新生儿吞了羊水怎么办", "宝宝吞咽困难",
    "宝宝大便绿色正常吗", "新生儿黄疸高怎么办", "宝宝尿黄是上火吗", "宝宝吃了药吐了要不要补", "胎动频繁是怎么回事",
    "笑死我了，宝宝会叫妈妈了", "烦死了，宝宝一直哭", "孩子死活不肯睡觉", "宝宝打完疫苗发烧38.5，精神还行",
    "怀孕期间牙龈出血怎么办", "宝宝耳朵进水了", "宝宝疝气怎么办", "新生儿体温36度正常吗", "宝宝的痰都咽下去了",
    "宝宝大便淡黄色正常吗", "成人剂量的退烧药孩子能吃吗", "宝宝腿上烫了个小水泡", "宝宝手指被门夹了一下，有点红",
    "吓死我了，宝宝差点摔下床", "宝宝不是发烧，就是有点没精神",
    "宝宝咳嗽2个月了，最近又发烧了", "掉了个馒头在地上，宝宝捡起来吃了又吐了", "烧了壶开水，宝宝在旁边一直睡",
    "宝宝脖子褶里红了是不是淹着了", "屏气发作会遗传吗", "are breath-holding spells harmful", "what is dry drowning",
    "宝宝拉肚子三天了，大便里没有血丝", "watery poos all day but no blood", "宝宝鼻塞，吃奶的时候喘不过来",
    "孩子发烧38.8，浑身没劲，腿疼",
    "can I end my maternity leave early", "is this houseplant poisonous to toddlers",
    "where can I get a car seat fitting",
    "我快累死了，宝宝一晚上醒五次",
    "宝宝鼻屎里带血丝", "新生儿第一天只尿了一次正常吗", "宝宝睡觉会不会被被子捂住口鼻", "新生儿鼻塞呼哧呼哧的",
    "一个多月的宝宝打嗝，不哭不闹的", "his tooth turned grey after he fell", "is this toy small enough to choke on",
    "my baby sometimes chokes on milk", "can a high fever cause a seizure",
    "my newborn girl has a little blood in her nappy",
    "what temperature is a fever for a toddler", "how do I stop my baby choking on food",
    "is it normal for a newborn to sleep a lot", "when do babies start moving in the womb",
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


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, texts in CLASSES.items() for t in texts])
def test_each_class_of_danger_sign_is_caught(detector: EmergencyDetector, category: str, text: str) -> None:
    found = detector.detect(text)
    assert found is not None, text
    assert found.category == category, (text, found)
    expected = "doctor" if category in DOCTOR_NOW else "crisis" if category == "crisis" else "call"
    assert found.tier == expected, (text, found)


@pytest.mark.parametrize("text", NOT_EMERGENCY)
def test_questions_about_a_topic_are_not_emergencies(detector: EmergencyDetector, text: str) -> None:
    assert detector.detect(text) is None, text


@pytest.mark.parametrize(("text", "real"), [
    ("宝宝误吞了电池", True), ("怎么预防宝宝误吞电池", False),  # prevented
    ("孩子抽搐了", True), ("打完疫苗孩子会抽搐吗", False), ("孩子没有抽搐", False),  # feared, denied
    ("两个月宝宝发烧", True), ("两个月宝宝没发烧", False),
    ("宝宝抽搐了，以后怎么预防", True),  # a later "预防" does not undo the sign described first
    ("哺乳期妈妈发烧38.5度，宝宝两个月", False), ("妈妈发现两个月宝宝发烧了", True),  # whose sign it is
    ("我发烧了，一个月的宝宝会被传染吗", False), ("我闺女才一个月，发烧38度", True),
    ("担心宝宝把扣子吞下去", False), ("宝宝会不会是吞了什么东西，一直干呕", True),  # a fear, a suspicion
    ("孩子以前抽搐过", False), ("半小时以前吞了一颗磁力珠", True),  # a recent time is not the past
    ("孩子抽搐了会怎么样", True), ("宝宝噎到了怎么急救", True),
])
def test_only_the_words_around_a_mention_decide_whether_it_is_happening(
        detector: EmergencyDetector, text: str, real: bool) -> None:
    assert (detector.detect(text) is not None) is real, text


def test_hearsay_never_hides_the_highest_risk_signs(detector: EmergencyDetector) -> None:
    assert detector.detect("看到新闻说孩子从楼上掉下来了，很后怕") is None
    found = detector.detect("看到新闻里有孩子出事，我家宝宝现在被果冻噎住了")
    assert found is not None and found.category == "choking"


@pytest.mark.parametrize("text", [
    "听说发烧抽风会烧坏脑子，我家娃刚才就抽搐了", "和别人家小孩一起玩，从滑梯上摔下来磕到头，回家吐了",
    "网上说黄疸到手心就要去医院，我家宝宝手心也黄了",
])
def test_a_parent_quoting_what_they_heard_still_describes_their_child(detector: EmergencyDetector, text: str) -> None:
    assert detector.detect(text) is not None, text


def test_every_category_and_tier_has_its_message_in_both_languages(detector: EmergencyDetector) -> None:
    catalog = default_catalog()
    for lang in ("zh", "en"):
        keys = catalog.keys(lang)
        for category in detector.categories:
            assert f"emergency_{category.name}" in keys, (lang, category.name)
        for tier in TIERS:
            assert Emergency("x", "120", tier).header in keys, (lang, tier)


def test_unknown_tier_is_refused() -> None:
    with pytest.raises(ValueError, match="tier"):
        EmergencyDetector({"frames": {"before": "x", "after": "x", "inside": "x", "adult": "x", "hearsay": "x"},
                           "categories": {"a": {"call": "120", "tier": "soon", "patterns": ["y"]}}})


async def test_see_a_doctor_now_leads_with_the_instruction() -> None:
    [reply] = await Transcript().say("一个半月的宝宝发烧38度")
    first = reply.text.splitlines()[0]
    assert reply.kind == "emergency" and reply.data["category"] == "infant_fever"
    assert first.startswith("⚠️") and "立即就医" in first and "120" in reply.text


async def test_see_a_doctor_now_in_english() -> None:
    [reply] = await Transcript(lang="en").say("there is blood in my baby's poo")
    assert reply.kind == "emergency" and reply.text.startswith("⚠️ See a doctor now")


async def test_a_parent_in_crisis_gets_the_lines_and_still_an_answer() -> None:
    replies = await Transcript().say("带孩子太累了，不想活了，产假到底有多少天")
    assert replies[0].kind == "emergency" and replies[0].data["category"] == "crisis"
    assert "120" in replies[0].text.splitlines()[0] and "12356" in replies[0].text
    assert len(replies) == 2 and replies[1].kind != "emergency"
