"""The conversation engine: `handle(inbound, state) -> (replies, new_state)`, no transport inside.

Order of concerns for every input: emergencies first, then global commands and buttons, then the
active flow, then intents (finder, complaint, smalltalk), then the knowledge base.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.engine.flow import Flow, Turn
from bot.engine.render import article_reply, emergency_buttons
from bot.engine.types import Button, Inbound, InboundKind, Reply, State
from bot.i18n import Catalog, normalize_lang, written_language
from bot.share import parse_payload
from knowledge.ages import child_age_months
from knowledge.base import KnowledgeBase
from knowledge.emergency import Emergency
from knowledge.model import Article

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_ANSWERS = 2  # one message asking several things gets at most this many articles
CHILD_AGE = "child_age_months"  # state.memory key: the age (months) the parent last gave


class Engine:
    """Stateless over chats: all memory is in the `State` passed in and returned."""

    def __init__(self, kb: KnowledgeBase, catalog: Catalog, flows: Iterable[Flow] = (),
                 public_url: str | None = None) -> None:
        self.kb = kb
        self.catalog = catalog
        self.public_url = public_url  # answers link to their guide page there; None: no link
        self.flows = {f.name: f for f in flows}
        self.by_prefix = {f.prefix: f for f in self.flows.values()}
        self.by_command = {c: f for f in self.flows.values() for c in f.commands}

    async def handle(self, inbound: Inbound, state: State, chat_key: str = "") -> tuple[list[Reply], State]:
        """Replies to one inbound action and the chat's new state."""
        state = State.from_dict(state.to_dict())
        if not state.lang_set:  # an explicit choice (/lang, the web page's) always wins
            if inbound.lang_hint:
                state.lang = normalize_lang(inbound.lang_hint)
            if inbound.kind is InboundKind.TEXT and state.flow is None:  # a flow's answers may be names
                state.lang = written_language(inbound.text) or state.lang
        state.turns += 1
        turn = Turn(inbound, state, self.catalog, chat_key)
        replies = await self._dispatch(turn)
        return replies, state

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        inbound, state = turn.inbound, turn.state
        if inbound.kind is InboundKind.TEXT:
            if len(inbound.text) > MAX_TEXT:
                return [self._info(turn, "too_long", limit=MAX_TEXT)]
            turn.emergency = self.kb.emergency.detect(inbound.text)
            if (age := child_age_months(inbound.text)) is not None:
                state.memory[CHILD_AGE] = age  # red flags fit this child from now on
        if inbound.kind is InboundKind.COMMAND:
            return await self._command(turn)
        if inbound.kind is InboundKind.BUTTON:
            return await self._button(turn)
        flow = self.flows.get(state.flow or "")
        if flow is not None and inbound.kind is not InboundKind.UNSUPPORTED:
            replies = await flow.on_input(turn)
            if turn.emergency and not any(r.kind == "emergency" for r in replies):
                replies.insert(0, self._emergency(turn, turn.emergency))
            return replies
        if state.flow and flow is None:
            state.leave()  # a flow this build does not have (e.g. after a downgrade)
        if inbound.kind is InboundKind.LOCATION:
            return await self._start("finder", turn, "facility_hotline", "facility_search")
        if inbound.kind in (InboundKind.UNSUPPORTED, InboundKind.PHOTO):
            kind = inbound.text if inbound.text in {"sticker", "voice", "video"} else (
                "photo" if inbound.kind is InboundKind.PHOTO else "other")
            return [self._info(turn, "unsupported", kind=turn.t(f"unsupported_kind_{kind}"))]
        return await self._text(turn)

    async def _text(self, turn: Turn) -> list[Reply]:
        text = turn.inbound.text
        if turn.emergency:  # the call comes first; a matching article (e.g. "must I report abuse?") is a tap away
            reply = self._emergency(turn, turn.emergency)
            if turn.emergency.tier == "crisis":  # a parent at risk still asked something: answer it too
                return [reply, *(self._answer_each(turn, text) or [self.ask(turn, text)])]
            decision = self.kb.decide(text)
            if decision.kind == "answer":
                shown = {b.data for b in reply.buttons}  # the CPR button stays first
                reply.buttons += [Button(str(h.article.text("title", turn.lang)), f"a:{h.article.id}")
                                  for h in decision.hits[:2] if f"a:{h.article.id}" not in shown]
            return [reply]
        intent = self.kb.intents.intent(text)
        if intent == "smalltalk":
            return [self._smalltalk(turn)]
        if intent == "complaint":
            return await self._start("complaint", turn, "complaint_hotline", "complaint")
        if intent == "facility_search":
            return await self._start("finder", turn, "facility_hotline", "facility_search")
        return self._answer_each(turn, text) or [self.ask(turn, text)]

    def _answer_each(self, turn: Turn, text: str) -> list[Reply]:
        """Two things asked in one message ("产假多少天？还有育儿补贴怎么领") get both answers, in the order asked;
        empty unless at least two parts each have a confident answer of their own."""
        parts = self.kb.intents.questions(text)
        if len(parts) < 2:
            return []
        found: dict[str, float] = {}
        for part in parts:
            decision = self.kb.decide(part)
            if decision.kind == "answer" and decision.best and decision.best.article.id not in found:
                found[decision.best.article.id] = decision.best.score
        if len(found) < 2:
            return []
        turn.state.last_candidates = []
        return [self._article(turn, self.kb.articles[a], score) for a, score in list(found.items())[:MAX_ANSWERS]]

    def ask(self, turn: Turn, text: str) -> Reply:
        """Answer from the knowledge base, offer up to 3 choices, or fall back honestly."""
        decision = self.kb.decide(text)
        lang = turn.lang
        if decision.kind == "answer" and decision.best:
            turn.state.last_candidates = []
            reply = self._article(turn, decision.best.article, decision.best.score)
            close = [Button(str(h.article.text("title", lang)), f"a:{h.article.id}") for h in decision.hits[1:]]
            if close:  # a near tie: answer the best, offer the others first
                reply.buttons = (close + [b for b in reply.buttons if b not in close])[:4]
                reply.candidates = [h.article.id for h in decision.hits]
            return reply
        if decision.kind == "clarify":
            hits = decision.hits
            turn.state.last_candidates = [h.article.id for h in hits]
            buttons = [Button(str(h.article.text("title", lang)), f"a:{h.article.id}") for h in hits]
            text_out = (turn.t("clarify") if len(hits) > 1
                        else turn.t("clarify_one", title=hits[0].article.text("title", lang)))
            return Reply(kind="clarify", text=text_out, buttons=buttons, candidates=[h.article.id for h in hits],
                         score=hits[0].score)
        key = {"adult": "fallback_medical", "dose": "fallback_medical", "diagnosis": "fallback_medical",
               "unrelated": "fallback_unrelated", "older_child": "fallback_unrelated",
               }.get(decision.reason, "fallback_unknown")
        score = decision.best.score if decision.best else 0.0
        maybe = [Button(str(a.text("title", lang)), f"a:{a.id}") for a in self.kb.suggestions(decision)]
        return Reply(kind="fallback", text=turn.t(key), buttons=maybe + self._menu_buttons(turn), score=score,
                     data={"reason": decision.reason})

    async def _start(self, name: str, turn: Turn, hotline_key: str, kind: str) -> list[Reply]:
        flow = self.flows.get(name)
        if flow is None:
            return [Reply(kind=kind, text=turn.t(hotline_key), score=1.0)]
        replies = await flow.start(turn)
        if turn.emergency:
            replies.insert(0, self._emergency(turn, turn.emergency))
        return replies

    async def _command(self, turn: Turn) -> list[Reply]:
        name, args, state = turn.inbound.text, turn.inbound.args, turn.state
        if name == "start" and (parsed := parse_payload(args)) and (article := self.kb.get(parsed[0])):
            state.leave()
            return [self._article(turn, article)]
        if name in ("start", "menu"):
            state.leave()
            return [Reply(kind="smalltalk", text=turn.t("welcome"), buttons=self._menu_buttons(turn), score=1.0)]
        if name == "help":
            return [Reply(kind="smalltalk", text=turn.t("help"), buttons=self._menu_buttons(turn), score=1.0)]
        if name in ("about", "privacy"):
            return [self._info(turn, name)]
        if name == "lang":
            return [self._language(turn, args)]
        if name == "cancel":
            had = state.flow is not None
            state.leave()
            return [self._info(turn, "cancelled" if had else "nothing_to_cancel")]
        if name == "find":
            return await self._start("finder", turn, "facility_hotline", "facility_search")
        if name == "complain":
            return await self._start("complaint", turn, "complaint_hotline", "complaint")
        flow = self.by_command.get(name)
        if flow is not None:
            return await flow.on_input(turn)
        if name == "status":
            return [self._info(turn, "complaint_hotline")]
        return [self._info(turn, "unknown_command")]

    async def _button(self, turn: Turn) -> list[Reply]:
        data = turn.inbound.text
        prefix, _, value = data.partition(":")
        if prefix == "a":
            article = self.kb.get(value)
            if article is None:
                return [self.ask(turn, "")]
            turn.state.last_candidates = []
            return [self._article(turn, article)]
        if prefix == "cmd":
            if value == "ask":
                return [self._info(turn, "ask_prompt")]
            return await self._command(Turn(Inbound.message(f"/{value}"), turn.state, turn.catalog, turn.chat_key))
        if prefix == "lang":
            return [self._language(turn, value)]
        flow = self.by_prefix.get(prefix)
        if flow is not None:
            return await flow.on_input(turn)
        return [Reply(kind="smalltalk", text=turn.t("menu_prompt"), buttons=self._menu_buttons(turn))]

    def _language(self, turn: Turn, arg: str) -> Reply:
        arg = arg.strip().lower()
        if arg in ("zh", "en"):
            turn.state.lang, turn.state.lang_set = arg, True
            return Reply(kind="smalltalk", text=turn.t("lang_set"), buttons=self._menu_buttons(turn), score=1.0)
        return Reply(kind="smalltalk", text=turn.t("lang_prompt"), score=1.0,
                     buttons=[Button("中文", "lang:zh"), Button("English", "lang:en")])

    def _smalltalk(self, turn: Turn) -> Reply:
        cleaned = self.kb.intents.clean(turn.inbound.text)
        thanks = any(w in cleaned for w in ("谢", "thank", "thx"))
        text = turn.t("smalltalk_thanks") if thanks else turn.t("welcome")
        return Reply(kind="smalltalk", text=text, buttons=[] if thanks else self._menu_buttons(turn), score=1.0)

    def _article(self, turn: Turn, article: Article, score: float = 1.0) -> Reply:
        """The article as this chat's answer: its language, its child's age, a link to the guide page."""
        return article_reply(article, turn.lang, self.catalog, self.kb, score,
                             age_months=turn.state.memory.get(CHILD_AGE), public_url=self.public_url)

    def _emergency(self, turn: Turn, emergency: Emergency) -> Reply:
        header = turn.t(emergency.header, call=emergency.call)
        steps = turn.t(f"emergency_{emergency.category}")
        return Reply(kind="emergency", text=f"{header}\n{steps}", score=1.0,
                     buttons=emergency_buttons(steps, turn.lang, self.catalog, self.kb),
                     data={"category": emergency.category, "call": emergency.call})

    def _info(self, turn: Turn, key: str, **values: object) -> Reply:
        return Reply(kind="smalltalk", text=turn.t(key, **values), score=1.0)

    def _menu_buttons(self, turn: Turn) -> list[Button]:
        return [Button(turn.t("btn_find"), "cmd:find"), Button(turn.t("btn_complain"), "cmd:complain"),
                Button(turn.t("btn_status"), "cmd:status"), Button(turn.t("btn_lang"),
                                                                    "lang:en" if turn.lang == "zh" else "lang:zh")]
