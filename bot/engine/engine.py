"""The conversation engine: `handle(inbound, state) -> (replies, new_state)`, no transport inside.

Order of concerns for every input: emergencies first, then typed button labels and command phrases
(they act like the button or command), global commands and buttons, then the active flow, then
intents (each starts the flow that declares it, or smalltalk), then the knowledge base. The engine
names no flow, command or intent of its own: flows declare them (see `bot.engine.flow.Flow`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.engine.flow import Expects, Flow, Turn
from bot.engine.render import article_reply, emergency_buttons
from bot.engine.types import Button, Inbound, InboundKind, Reply, State
from bot.i18n import LANGS, Catalog, normalize_lang, written_language
from bot.share import parse_payload
from knowledge.ages import child_age_months
from knowledge.base import KnowledgeBase
from knowledge.emergency import Emergency
from knowledge.model import Article
from knowledge.normalize import fold

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_ANSWERS = 2  # one message asking several things gets at most this many articles
CHILD_AGE = "child_age_months"  # state.memory key: the age (months) the parent last gave
CANCEL = "cancel"  # the global command that leaves any flow; typed phrases in the catalogue's `phrases_cancel`
#: An unreadable reply at a CHOICE step this short (characters, or Latin words) is taken as an answer attempt.
ATTEMPT_CHARS, ATTEMPT_WORDS = 12, 4
OFFERED = 40  # labels of the last reply's buttons remembered for typing them
MIN_PART = 2  # characters of a label typed at a choice step that may stand for the whole label


def label_key(text: str) -> str:
    """A typed text or a button label reduced to what matters for matching the two: folded, letters and digits."""
    return "".join(re.findall(r"\w+", fold(text)))


class Engine:
    """Stateless over chats: all memory is in the `State` passed in and returned."""

    def __init__(self, kb: KnowledgeBase, catalog: Catalog, flows: Iterable[Flow] = (),
                 public_url: str | None = None) -> None:
        self.kb = kb
        self.catalog = catalog
        self.public_url = public_url  # answers link to their guide page there; None: no link
        self.flows = {f.name: f for f in flows}
        self.by_prefix = {f.prefix: f for f in self.flows.values()}
        self.starts = {c: f for f in self.flows.values() for c in f.start_commands}
        self.by_command = {c: f for f in self.flows.values() for c in f.commands}
        self.by_intent = {i: c for f in self.flows.values() for i, c in f.intents.items()}
        self.phrases = self._phrases([CANCEL, *self.starts, *self.by_command])
        self.labels = self._labels()

    def _phrases(self, commands: Iterable[str]) -> dict[str, str]:
        """Typed phrases that act as a command (`phrases_<command>` lists in every language's catalogue)."""
        found: dict[str, str] = {}
        for command in commands:
            for lang in LANGS:
                for phrase in self.catalog.messages.get(lang, {}).get(f"phrases_{command}") or []:
                    found.setdefault(label_key(str(phrase)), command)
        return found

    def _labels(self) -> dict[str, str]:
        """The bot's own menu and cancel buttons in every language: typing a label presses the button."""
        found: dict[str, str] = {}
        for lang in LANGS:
            turn = Turn(Inbound.message(""), State(lang=lang), self.catalog)
            for button in [*self._menu_buttons(turn), self._cancel_button(turn)]:
                found.setdefault(label_key(button.label), button.data)
        return found

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
        if (flow := self.flows.get(state.flow or "")) is not None and replies:
            self._offer_cancel(turn, flow, replies[-1])
        state.offered = [[b.label, b.data] for r in replies for b in r.buttons][:OFFERED]
        return replies, state

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        inbound, state = turn.inbound, turn.state
        if inbound.kind is InboundKind.TEXT:
            if len(inbound.text) > MAX_TEXT:
                return [self._info(turn, "too_long", limit=MAX_TEXT)]
            turn.emergency = self.kb.emergency.detect(inbound.text)
            if (age := child_age_months(inbound.text)) is not None:
                state.memory[CHILD_AGE] = age  # red flags fit this child from now on
            if turn.emergency is None and (typed := self._typed(turn)) is not None:
                if not state.lang_set:  # a label or phrase is never a name: its language is the parent's
                    state.lang = written_language(inbound.text) or state.lang
                turn = Turn(typed, state, self.catalog, turn.chat_key)
                inbound = typed
        if inbound.kind is InboundKind.COMMAND:
            return await self._command(turn)
        if inbound.kind is InboundKind.BUTTON:
            return await self._button(turn)
        flow = self.flows.get(state.flow or "")
        if flow is not None and inbound.kind is InboundKind.TEXT:
            return await self._in_flow(flow, turn)
        if flow is not None and inbound.kind is not InboundKind.UNSUPPORTED:
            return await self._flow_input(flow, turn)
        if state.flow and flow is None:
            state.leave()  # a flow this build does not have (e.g. after a downgrade)
        if inbound.kind.value in self.by_intent:  # a flow takes this kind of input (a location: the finder)
            return await self._intent(turn, inbound.kind.value)
        if inbound.kind is not InboundKind.TEXT:
            kind = inbound.text if inbound.text in {"sticker", "voice", "video"} else (
                inbound.kind.value if inbound.kind in (InboundKind.PHOTO, InboundKind.LOCATION) else "other")
            return [self._info(turn, "unsupported", kind=turn.t(f"unsupported_kind_{kind}"))]
        return await self._text(turn)

    def _typed(self, turn: Turn) -> Inbound | None:
        """Typed text that is one of the bot's own button labels (the last reply's, the menu's) or a command
        phrase ("取消", "查进度"): the button pressed or the command sent, else None."""
        key = label_key(turn.inbound.text)
        if not key:
            return None
        offered = {label_key(label): data for label, data in turn.state.offered}
        data = offered.get(key) or self.labels.get(key)
        if data is not None:
            return Inbound(InboundKind.BUTTON, text=data, channel=turn.inbound.channel)
        if (command := self.phrases.get(key)) is not None:
            return Inbound(InboundKind.COMMAND, text=command, channel=turn.inbound.channel)
        return None

    async def _in_flow(self, flow: Flow, turn: Turn) -> list[Reply]:
        """Text while a flow is active: its answer, or a reason to leave it (see `Expects`)."""
        text, expects = turn.inbound.text, flow.expects(turn.state)
        if turn.emergency is not None and not flow.keeps_emergency:
            return await self._leave_for(flow, turn)
        if expects is Expects.TEXT or turn.emergency is not None:
            return await self._flow_input(flow, turn)
        asks = self.kb.intents.is_question(text)
        if expects is Expects.NAME:
            if asks and self.kb.decide(text).kind == "answer":
                return await self._leave_for(flow, turn)
            return await self._flow_input(flow, turn)
        if (pressed := self._part_of_label(turn, flow)) is not None:
            return await self._button(Turn(pressed, turn.state, turn.catalog, turn.chat_key))
        intent = self.kb.intents.intent(text)
        command = self.by_intent.get(intent or "")
        if command is not None:
            owner = self.starts.get(command) or self.by_command.get(command)
            if owner is flow:
                return await self._flow_input(flow, turn)
            return await self._leave_for(flow, turn)
        if asks:
            return await self._leave_for(flow, turn)
        if await flow.understands(turn) or self._attempt(text):
            return await self._flow_input(flow, turn)
        return await self._leave_for(flow, turn)

    @staticmethod
    def _part_of_label(turn: Turn, flow: Flow) -> Inbound | None:
        """At a choice step, part of exactly one of the step's button labels ("食品" for 食品安全): that button."""
        key = label_key(turn.inbound.text)
        if len(key) < MIN_PART:
            return None
        found = {data for label, data in turn.state.offered
                 if data.startswith(f"{flow.prefix}:") and key in label_key(label)}
        if len(found) != 1:
            return None
        return Inbound(InboundKind.BUTTON, text=found.pop(), channel=turn.inbound.channel)

    def _attempt(self, text: str) -> bool:
        """A short text that asks nothing the knowledge base answers: a try at answering the step."""
        cleaned = self.kb.intents.clean(text)
        words = cleaned.split()
        short = (len(words) <= ATTEMPT_WORDS if cleaned.isascii() else len(cleaned.replace(" ", "")) <= ATTEMPT_CHARS)
        return short and self.kb.decide(text).kind != "answer"

    async def _flow_input(self, flow: Flow, turn: Turn) -> list[Reply]:
        replies = await flow.on_input(turn)
        if turn.emergency and not any(r.kind == "emergency" for r in replies):
            replies.insert(0, self._emergency(turn, turn.emergency))
        return replies

    async def _leave_for(self, flow: Flow, turn: Turn) -> list[Reply]:
        """Leave the flow and route the message as if none were active; say the flow was left (after any
        emergency call, which always comes first)."""
        turn.state.leave()
        if not turn.state.lang_set:  # no longer an answer that may be a name: its language is the parent's
            turn.state.lang = written_language(turn.inbound.text) or turn.state.lang
        replies = await self._text(turn)
        at = next((i for i, r in enumerate(replies) if r.kind != "emergency"), len(replies))
        replies.insert(at, self._info(turn, "flow_left", flow=turn.t(flow.title)))
        return replies

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
        if intent is not None:
            return await self._intent(turn, intent)
        return self._answer_each(turn, text) or [self.ask(turn, text)]

    async def _intent(self, turn: Turn, intent: str) -> list[Reply]:
        """What a flow declared for this intent; without that flow, where else to turn (`hotline_<intent>`)."""
        command = self.by_intent.get(intent)
        if command in self.starts:
            return await self._start(self.starts[command], turn)
        if command in self.by_command:
            return await self._command(Turn(Inbound(InboundKind.COMMAND, text=command), turn.state, turn.catalog,
                                            turn.chat_key, turn.emergency))
        if f"hotline_{intent}" in self.catalog.keys(LANGS[0]):
            return [Reply(kind=intent, text=turn.t(f"hotline_{intent}"), score=1.0)]
        return self._answer_each(turn, turn.inbound.text) or [self.ask(turn, turn.inbound.text)]

    def _answer_each(self, turn: Turn, text: str) -> list[Reply]:
        """Two things asked in one message ("产假多少天？还有育儿补贴怎么领") get both answers, in the order asked;
        empty unless at least two parts each have a confident answer of their own."""
        parts = self.kb.questions(text)
        if not parts:
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

    async def _start(self, flow: Flow, turn: Turn) -> list[Reply]:
        """Enter `flow`, saying which other flow was left for it."""
        previous = self.flows.get(turn.state.flow or "")
        replies = await flow.start(turn)
        if previous is not None and previous is not flow:
            replies.insert(0, self._info(turn, "flow_left", flow=turn.t(previous.title)))
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
        if name == CANCEL:
            return [self._cancel(turn)]
        if (flow := self.starts.get(name)) is not None:
            return await self._start(flow, turn)
        if (flow := self.by_command.get(name)) is not None:
            previous = self.flows.get(state.flow or "")
            if previous is None or previous is flow:
                return await flow.on_input(turn)
            state.leave()  # another flow's command (status from inside the finder) leaves this one
            return [self._info(turn, "flow_left", flow=turn.t(previous.title)), *await flow.on_input(turn)]
        return [self._info(turn, "unknown_command")]

    def _cancel(self, turn: Turn) -> Reply:
        flow = self.flows.get(turn.state.flow or "")
        turn.state.leave()
        if flow is None:
            return self._info(turn, "nothing_to_cancel")
        return Reply(kind="smalltalk", text=turn.t("flow_cancelled", flow=turn.t(flow.title)),
                     buttons=self._menu_buttons(turn), score=1.0)

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
        if arg in LANGS:
            turn.state.lang, turn.state.lang_set = arg, True
            return Reply(kind="smalltalk", text=turn.t("lang_set"), buttons=self._menu_buttons(turn), score=1.0)
        return Reply(kind="smalltalk", text=turn.t("lang_prompt"), score=1.0,
                     buttons=[Button(self.catalog.get("lang_name", lang), f"lang:{lang}") for lang in LANGS])

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

    def menu(self, lang: str) -> list[Button]:
        """Every flow's entries in the main menu, in `lang`: what a channel shows before the first message."""
        turn = Turn(Inbound.message(""), State(lang=lang), self.catalog)
        return [b for f in self.flows.values() for b in f.menu_buttons(turn)]

    def _menu_buttons(self, turn: Turn) -> list[Button]:
        """Every flow's menu entries, then the next language."""
        other = LANGS[(LANGS.index(turn.lang) + 1) % len(LANGS)] if turn.lang in LANGS else LANGS[0]
        return [*self.menu(turn.lang), Button(self.catalog.get("lang_name", other), f"lang:{other}")]

    def _cancel_button(self, turn: Turn) -> Button:
        return Button(turn.t("btn_cancel"), f"cmd:{CANCEL}")

    def _offer_cancel(self, turn: Turn, flow: Flow, reply: Reply) -> None:
        """Every step of a flow shows a way out, unless the step offers its own cancel button."""
        own = (f"cmd:{CANCEL}", f"{flow.prefix}:{CANCEL}")
        if not any(b.data in own for b in reply.buttons):
            reply.buttons.append(self._cancel_button(turn))

