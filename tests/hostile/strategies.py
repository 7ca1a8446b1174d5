"""Hypothesis strategies for what hostile or broken clients send."""

from __future__ import annotations

from hypothesis import strategies as st

INJECTION = ["'; DROP TABLE conversation; --", "1 OR 1=1", "\" OR \"\"=\"", "<script>alert(1)</script>",
             "<img src=x onerror=alert(1)>", "{{7*7}}", "${jndi:ldap://x}", "%s%s%s%n", "../../../../etc/passwd",
             "\\x00", "<b>未闭合", "&lt;&amp;", "/start g-../../etc", "/start g-" + "a" * 200]
ODD = ["\u200b\u200c\u200d\ufeff", "\u202e\u0645\u0631\u062d\u0628\u0627", "שלום עולם", "👶🏻🍼" * 50,
       "\x00\x01\x02\x1b[31m", "\r\n\t\v\f", "ｆｕｌｌ　ｗｉｄｔｈ", "宝宝\u0301发烧", "𠀀𪚥" * 10, "\ud7ff\ue000"]
BUTTONS = ["a:", "a:nope", "a:../x", "cmd:", "cmd:nope", "lang:xx", "f:", "f:t:", "f:t:night", "f:a:-1",
           "f:a:99999999999", "f:page:-5", "c:", "c:ok", "c:cat:nope", "c:dist:", "c:when:", "c:edit:x",
           "c:support:TY-00000000-AAAAAAAA", "c:contact:", "c:photos:done", "x:y:z", ":", "::::", "-", "."]

texts = st.one_of(
    st.text(max_size=300),
    st.sampled_from(INJECTION + ODD),
    st.lists(st.sampled_from(INJECTION + ODD + ["宝宝发烧", "产假", "投诉", "/find", "/complain"]), max_size=6)
    .map(" ".join),
    st.builds(lambda s, n: s * n, st.sampled_from(["宝", "a", "👶", "\u200b", "发烧 "]), st.integers(1, 65536 // 4)),
)
button_codes = st.one_of(st.sampled_from(BUTTONS), st.from_regex(r"[A-Za-z0-9:_.-]{1,64}", fullmatch=True))
