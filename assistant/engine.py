"""The assistant: a question (and the conversation so far) → an `Answer` with its evidence.

    understand (frame) → apply the conversation → route → execute with exact arithmetic → compose

Table questions never load a model; narrative questions use the hybrid retriever, loaded on first need.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant import across, conversation, headings, operations
from assistant import answer as compose
from assistant.catalog import Catalog, Entry, Member
from assistant.errors import IndexDamagedError, IndexMissingError
from assistant.glossary import definitions
from assistant.index import open_live
from assistant.manifest import PASSAGE_FILES, damaged, read_manifest
from assistant.recall import STATES, Remembered, snapshot
from assistant.records import Answer, Citation, Document
from assistant.resolve import (
    Item,
    fact_item,
    member_cell,
    qualified_rows,
    resolve,
    row_total,
    same_item,
    text_facts,
    within,
)
from assistant.scope import Clarify, Last, Refusal, Scope, choose
from assistant.scope import wording as scope_words
from assistant.store import Store
from assistant.understand import (
    GENERIC_WORDS,
    Frame,
    Lexicon,
    Mention,
    aliases,
    locates,
    mask_item_words,
    normalise,
    understand,
    unit_core,
    wording,
)

MAX_QUESTION = 500
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")  # a bracketed alternative name: （杭州市预警信息发布中心）
SECTION_NAMES = ("主要职能", "机构设置", "名词解释", "预算编制说明", "其他相关情况说明")


HANDLERS = {
    "sum": operations.sum_of,
    "difference": operations.difference,
    "share": operations.share,
    "shares": operations.shares,
    "multiple": operations.multiple,
    "rank": operations.rank,
    "breakdown": operations.breakdown,
    "per_month": operations.per_month,
    "prior": operations.prior,
    "balance": operations.balance,
    "average": operations.average,
    "count": operations.count,
    "code": operations.code,
}


@dataclass
class Context:
    """What a conversation has established: the last items, operation, mentions and document."""

    items: list[Item] = field(default_factory=list)
    history_items: list[Item] = field(default_factory=list)
    op: str = "lookup"
    whole: Item | None = None
    mentions: list[Mention] = field(default_factory=list)
    located: Mention | None = None  # the last row named, whose columns follow-ups may ask for
    frame: Frame | None = None  # the last question as understood
    parent: Item | None = None  # the item a 其中…呢 question looked within
    document: str = ""


@dataclass
class Conversation:
    """A conversation's state: the item context of the document last answered from, the scope of the last
    answered turn and the last question that named an item (re-asked when only the unit or year changes)."""

    context: Context = field(default_factory=Context)
    last: Last = field(default_factory=Last)
    question: str = ""  # the last question that named an item, unit names taken out
    turns: list[tuple[str, str]] = field(default_factory=list)  # (document, question) of answered turns
    ranked: tuple[str, ...] = ()  # the documents of the last ranking over several units (第二呢？)


class Assistant:
    """Answers questions about the documents of one index: one unit, several, or all of them."""

    def __init__(self, store: Store, build_dir: Path | None = None, default_document: str | None = None):
        self.store = store
        self.build_dir = build_dir
        rows = store.documents()
        if not rows:
            raise IndexMissingError("the index holds no documents; build it with `budget-qa index`")
        self.catalog = Catalog.from_rows(rows, store.unit_table_rows())
        self._docs: dict[str, Document] = {}
        self._lexicons: dict[str, Lexicon] = {}
        wanted = default_document or os.environ.get("BUDGET_QA_DOCUMENT", "")
        if wanted not in self.catalog.entries:
            wanted = ""  # an unknown configured default: as if none were set
        self.default: str | None = wanted or (rows[0]["id"] if len(rows) == 1 else None)
        self._retriever: Any = None
        self._retriever_error = ""
        self._paths: dict[str, list[Any]] | None = None  # passages by document, for the headings they print
        self.states: Remembered[tuple[str, tuple[str, ...]], Conversation] = Remembered(
            STATES
        )  # per conversation

    @classmethod
    def open(cls, index_dir: str | Path = "index", default_document: str | None = None) -> Assistant:
        """The assistant over the live build, checked first (`integrity.verify_build`): a damaged build is one
        `IndexDamagedError` line naming the fix; a build made before manifests opens with a warning."""
        build, store = open_live(index_dir)
        return cls(store, build, default_document)

    # documents, loaded on first use
    @property
    def docs(self) -> dict[str, Document]:
        """Every document (loads all of them: for listings, not for answering)."""
        return {k: self.doc(k) for k in self.catalog.entries}

    def doc(self, doc_id: str) -> Document:
        if doc_id not in self._docs:
            self._docs[doc_id] = self.store.load_document(doc_id)
        return self._docs[doc_id]

    def glossary(self, doc_id: str) -> dict[str, str]:
        """The terms a document's 名词解释 defines, each with its one-line definition."""
        section = self.doc(doc_id).section("名词解释") if doc_id in self.catalog.entries else None
        return definitions(section.text) if section else {}

    def lexicon(self, doc_id: str) -> Lexicon:
        if doc_id not in self._lexicons:
            self._lexicons[doc_id] = Lexicon(self.doc(doc_id))
        return self._lexicons[doc_id]

    # public API
    def ask(self, question: Any, history: list[str] | None = None, document: str | None = None) -> Answer:
        """Answer one question; `history` holds the earlier user turns of the conversation, oldest first;
        `document` (optional) is the document the conversation is about until a question names another."""
        started = time.perf_counter()
        earlier = tuple(history or [])
        kept = all(isinstance(q, str) for q in (*earlier, question))  # only text is a key
        state = self._state_after(earlier, document, kept)
        result = self._answer(question, state)
        result.citations = [self._printed(c) for c in result.citations]
        if kept:
            self.states.put((document or "", (*earlier, question)), snapshot(state))
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def _state_after(self, history: tuple[Any, ...], document: str | None, keyed: bool) -> Conversation:
        """The conversation's state after its earlier questions: the one kept when this conversation was
        last answered (a copy), else every earlier question answered again."""
        kept = self.states.get((document or "", history)) if history and keyed else None
        if kept is not None:
            return snapshot(kept)
        state = Conversation()
        if document and document in self.catalog.entries:
            key = self.catalog.entries[document].key
            state.last = Last((document,), (key.unit,), key.year)
        for earlier in history:
            self._answer(earlier, state)
        return state

    def _printed(self, citation: Citation) -> Citation:
        """A text citation names the headings printed above it: those of the passage holding its line (a
        figure stated in the text), else the section's printed title (预算编制说明（二、…情况说明））."""
        if (
            citation.source != "text"
            or "（" in citation.section
            or citation.document not in self.catalog.entries
        ):
            return citation
        passage = next(
            (
                c
                for c in self._passages().get(citation.document, [])
                if c.section == citation.section and c.line_start <= citation.line <= c.line_end and c.path
            ),
            None,
        )
        if passage is not None:
            return replace(citation, section=headings.label(citation.section, passage.path.split(" · ")))
        return headings.cite_printed(self.doc(citation.document), citation)

    def _passages(self) -> dict[str, list[Any]]:
        """The narrative passages by document: the retriever's when loaded, else read once from the build
        (no model is loaded for this)."""
        if self._paths is None:
            chunks = self._retriever.chunks if self._retriever is not None else self._read_passages()
            self._paths = {}
            for chunk in chunks:
                self._paths.setdefault(chunk.document, []).append(chunk)
        return self._paths

    def _read_passages(self) -> list[Any]:
        from assistant.retrieval import CHUNKS_FILE, read_chunks

        path = self.build_dir / CHUNKS_FILE if self.build_dir else None
        try:
            return read_chunks(path) if path is not None and path.exists() else []
        except IndexDamagedError:
            return []  # reported where the passages are searched

    def documents(self) -> list[dict[str, Any]]:
        return self.store.documents()

    # the pipeline: validate → non-questions → scope → one document or several
    def _answer(self, question: Any, state: Conversation) -> Answer:
        problem = _check_input(question)
        if problem:
            return compose.refusal(problem, self._suggestions(state))
        q = normalise(str(question))
        reply = conversation.reply(q, str(question))
        if reply:
            return compose.refusal(reply, self._suggestions(state))
        scope = (
            Scope(state.ranked, q, corpus=True)  # 那第二呢？ / 那人员经费呢？ after a ranking over units
            if self._continues_ranking(q, state)
            else choose(q, state.last, self.catalog, self.default, self._mentioned(state))
        )
        if isinstance(scope, Refusal):
            return compose.refusal(scope.reason, self._suggestions(state))
        if isinstance(scope, Clarify):
            return self._agreeing(scope, state) or compose.clarify(scope.reason, scope.candidates)
        if scope.catalog_question:
            return self._catalogue(scope)
        if scope.member_listing and (listing := self._member_listing(scope, state)) is not None:
            return listing
        if scope.members:
            return self._in_members(scope, state)
        pair = _pair_documents(scope, state, self.catalog)
        if pair:
            same_unit = len({self.catalog.entries[d].key.unit for d in pair}) == 1
            scope = replace(scope, documents=pair, series=same_unit)
        if len(scope.documents) == 1 and not scope.corpus:
            return self._one_document(str(question), scope, state)
        return self._across(_numerator_first(scope, q, self.catalog), state)

    def _catalogue(self, scope: Scope) -> Answer:
        """Which units, years and documents the index holds (restricted to the years or district asked)."""
        held = set(scope.documents)
        listing = []
        for unit in self.catalog.listing():
            docs = [d for d in unit["documents"] if d["id"] in held]
            if docs:
                listing.append({**unit, "documents": docs})
        years = sorted({d["year"] for u in listing for d in u["documents"]})
        filtered = len(held) < len(self.catalog.entries)
        return compose.catalogue(listing, years, scope.units, filtered)

    def _member_listing(self, scope: Scope, state: Conversation) -> Answer | None:
        """The budget units a department budget lists, each cited by its row of a table of units, with the
        passage of its 机构设置 that names them; the passage alone when no table lists them by unit; None
        when neither does."""
        entry = self.catalog.entries[scope.documents[0]]
        members = self.catalog.members.get(entry.id, [])
        passage = _units_passage(self._passages().get(entry.id, []), members)
        if not members and passage is None:
            return None
        rows = [(m, member_cell(self.doc(entry.id), m)) for m in members]
        state.last = Last((entry.id,), (entry.key.unit,), entry.key.year)
        if passage is None:
            return compose.member_listing(entry, rows)
        section = headings.label(passage.section, passage.path.split(" · "))
        cite = Citation(
            "text", entry.id, section=section, quote=passage.text, line=passage.line_start, page=passage.page
        )
        listing = compose.member_listing(entry, rows, cite)
        offices = _offices_passage(self._passages().get(entry.id, []), passage, scope.question)
        return _with_offices(listing, entry.id, offices) if offices is not None else listing

    def _in_members(self, scope: Scope, state: Conversation) -> Answer:
        """A question about budget units inside one department budget: the department's items, each taken
        from the unit's row; refused when no table lists the figure by unit."""
        doc = self.doc(scope.documents[0])
        entry = self.catalog.entries[doc.id]
        state.context = Context(document=doc.id)
        frame = understand(scope.question, self.lexicon(doc.id), doc)
        if not frame.mentions and state.question:  # 那气象服务中心呢？: the last question, asked of the unit
            frame = understand(state.question, self.lexicon(doc.id), doc)
        items = [] if frame.refuse else self._items(frame, doc, state.context)
        names = "、".join(f"「{m.label}」" for m in scope.members)
        if not items and not frame.refuse and frame.wants_text and all(m.own for m in scope.members):
            own = self._text_answer(frame, doc)  # 局本级设了哪些内设机构: the department's own passage
            if own is not None:
                state.last = Last((doc.id,), (entry.key.unit,), entry.key.year)
                return own
        if not items:
            reason = frame.refuse or f"没有看懂要问{names}的哪一项"
            return compose.refusal(reason, self._named(doc.id, operations.suggestions(doc)))
        state.last = Last((doc.id,), (entry.key.unit,), entry.key.year)
        state.question = frame.question
        pair: list[Item] | None = None
        if len(scope.members) > 1:
            parts = [(m, within(doc, items[0], m)) for m in scope.members]
            pair = _compared_members(frame, parts)
            if pair is None and any(item is not None for _, item in parts):
                return compose.by_member(entry.key.label(), doc.id, items[0], parts)
        mapped = pair or [within(doc, i, scope.members[0]) for i in items]
        missing = next((i for i, m in zip(items, mapped, strict=False) if m is None), None)
        if missing is not None:
            return compose.refusal(
                f"{entry.key.label()}没有按单位列出「{missing.label}」，无法给出{names}的数字",
                self._named(doc.id, operations.suggestions(doc)),
            )
        found = pair or _member_operands(frame, items, [m for m in mapped if m is not None], entry.key.unit)
        if found is None:
            return compose.refusal(f"没有找到{names}的合计", self._named(doc.id, operations.suggestions(doc)))
        result = self._execute(frame, doc, found, state.context)
        if result.route != "refuse":
            result.text = (
                f"{entry.key.label()}中{names}行：\n\n{result.text}\n\n（依据：{entry.key.label()}）"
            )
        result.document = doc.id
        return result

    def _agreeing(self, clarify: Clarify, state: Conversation) -> Answer | None:
        """部门预算 and 单位预算 of one department that state the same figure: no need to ask which."""
        if len(clarify.documents) < 2 or not clarify.question:
            return None
        term = _year_free(clarify.question)
        figures = [self._figure(self.catalog.entries[d], term) for d in clarify.documents]
        values = {(f.item.value, f.item.unit) for f in figures if f.item is not None}
        if len(values) != 1 or any(f.item is None for f in figures):
            return None
        answer = compose.across(across.run("list", term, figures), None, "")
        answer.text += "\n\n（两份预算的数字相同）"
        state.question = term
        state.last = Last(clarify.documents, (figures[0].entry.key.unit,), figures[0].entry.key.year)
        return answer

    def _continues_ranking(self, q: str, state: Conversation) -> bool:
        """A follow-up to a ranking over units that names no unit and no year continues over those units."""
        if (
            not state.ranked
            or re.search(r"20\d\d|去年|今年|上年", mask_item_words(q))
            or self.catalog.find(q)
        ):
            return False
        return bool(re.search(across.wording()["next_in_ranking"], q))

    def _mentioned(self, state: Conversation) -> Any:
        """Whether the documents of the conversation (or the default) mention a name in their text."""
        docs = state.last.documents or ((self.default,) if self.default else ())
        return lambda name: any(name in self.lexicon(d).full_text for d in docs)

    def _suggestions(self, state: Conversation) -> list[str]:
        doc_id = state.last.documents[0] if state.last.documents else self.default
        if not doc_id:
            return _catalogue_suggestions(self.catalog)
        return self._named(doc_id, operations.suggestions(self.doc(doc_id)))

    def _named(self, doc_id: str, questions: list[str]) -> list[str]:
        """Questions about one document, naming it when the index holds others (so each stands alone)."""
        if len(self.catalog.entries) < 2:
            return questions
        name = self.catalog.naming(self.catalog.entries[doc_id])
        return [f"{name}预算里{q}" if q.startswith("什么是") else f"{name}的{q}" for q in questions]

    def _one_document(self, question: str, scope: Scope, state: Conversation) -> Answer:
        doc = self.doc(scope.documents[0])
        if state.context.document != doc.id:
            state.context = Context(document=doc.id)  # never carry a cell into another document
        asked = state.question if scope.switch and state.question else _unit_free(question, scope)
        result = self._answer_in(asked, doc, state.context)
        result.document = doc.id
        if result.route in ("refuse", "clarify"):
            return result
        if state.context.frame is not None and state.context.frame.mentions:
            state.question = re.sub(f"{doc.year}年度?", "", asked)  # the year belongs to the scope
        state.turns.append((doc.id, asked))
        entry = self.catalog.entries[doc.id]
        state.last = Last((doc.id,), (entry.key.unit,), entry.key.year)
        if len(self.catalog.entries) > 1:
            result.text += f"\n\n（依据：{entry.key.label()}）"
        return result

    def _answer_in(self, question: str, doc: Document, context: Context) -> Answer:
        frame = understand(question, self.lexicon(doc.id), doc)
        if frame.refuse:
            return compose.refusal(frame.refuse, self._named(doc.id, operations.suggestions(doc)))
        if not frame.mentions and not frame.wants_text and conversation.small_talk(frame.question):
            return compose.refusal(
                conversation.wording()["small_talk"], self._named(doc.id, operations.suggestions(doc))
            )
        return self._route(frame, doc, context)

    # several documents
    def _across(self, scope: Scope, state: Conversation) -> Answer:
        if not scope.documents:
            return compose.refusal("没有符合条件的预算文件", _catalogue_suggestions(self.catalog))
        term = _year_free(scope.question)
        if not self._names_item(term, scope.documents[0]):  # 两家合计多少？ / 2025年呢？比2023年多多少？
            if state.question:
                term = _year_free(state.question) + term
            elif not _what(re.sub(across.wording()["op_words"], "", term)):
                term = across.wording()["whole"] + term  # 万里街道2024年比2023年增加多少: the whole budget
        op = across.detect(scope.question, scope.series, scope.corpus)
        if op in ("series", "list", "compare") and self._per_document(term, scope.documents[0]):
            return self._each(scope, state, term)
        figures = self._figures([self.catalog.entries[d] for d in scope.documents], term)
        result = across.run(op, scope.question, figures, scope.years)
        if not any(f.item for f in figures) and (op != "count" or result.order == "having"):
            what = _what(term)
            return compose.refusal(
                f"所问单位的预算中没有找到「{what}」" if what else "没有看懂要比较的项目",
                self._suggestions(state),
            )
        unit = "万元" if re.search(r"万元", scope.question) else "亿元" if "亿元" in scope.question else None
        answer = compose.across(result, unit, "")
        if result.op == "series":
            self._check_stated_change(result, answer)
        _remember_across(state, result, term)
        return answer

    def _check_stated_change(self, result: across.Result, answer: Answer) -> None:
        """Two consecutive years: the later budget's own statement of the change (比2024年预算增加…) is a
        cross-check of the difference of the two documents, said to agree or not."""
        if len(result.ties) != 2 or result.difference is None:
            return
        first, last = result.ties
        if last.entry.key.year != first.entry.key.year + 1 or last.item is None:
            return
        doc = self.doc(last.entry.id)
        stated = [
            f
            for f in text_facts(doc, normalise(last.item.label), change=True)
            if str(first.entry.key.year) in f.column and f.unit in ("元", "万元", "亿元")
        ]
        if stated:
            answer.text += "\n\n" + compose.stated_change(stated[0], result.difference)
            answer.citations.append(compose.cite_fact(doc.id, stated[0]))

    def _per_document(self, term: str, doc_id: str) -> bool:
        """项目支出占总支出的比重，2023年和2025年各是多少: a computation within each document."""
        doc = self.doc(doc_id)
        frame = understand(term, self.lexicon(doc_id), doc)
        pair = re.search(conversation.wording()["pair"] + "|合计|一共|总和", term)
        return frame.op == "share" and len(frame.mentions) >= 2 and not pair

    def _each(self, scope: Scope, state: Conversation, term: str) -> Answer:
        """The same single-document answer in each document of the scope, each under its unit and year."""
        entries = [self.catalog.entries[d] for d in scope.documents]
        answers = [self._answer_in(term, self.doc(e.id), Context(document=e.id)) for e in entries]
        state.question = term
        state.last = Last(tuple(scope.documents), tuple(dict.fromkeys(e.key.unit for e in entries)), None)
        return compose.each(list(zip(entries, answers, strict=True)))

    def _names_item(self, question: str, doc_id: str) -> bool:
        doc = self.doc(doc_id)
        frame = understand(question, self.lexicon(doc_id), doc)
        return bool(frame.mentions) or frame.wants_text

    def _figures(self, entries: list[Entry], term: str) -> list[across.Figure]:
        """Each document's figure for the term: understood in the first document that has it, then found
        at the same place (table, row, column) in the others; understood afresh where the place differs."""
        out: list[across.Figure] = []
        probe: Item | None = None
        for entry in entries:
            item = same_item(self.doc(entry.id), probe) if probe is not None else None
            figure = across.Figure(entry, item) if item is not None else self._figure(entry, term)
            if probe is None and figure.item is not None:
                probe = figure.item
            out.append(figure)
        return out

    def _figure(self, entry: Entry, term: str) -> across.Figure:
        """One document's figure for the term asked about: its first item, resolved in that document."""
        doc = self.doc(entry.id)
        frame = understand(term, self.lexicon(entry.id), doc)
        if frame.refuse or not frame.mentions:
            return across.Figure(entry, None)
        counted = frame.op == "count" or bool(re.search(across.wording()["counted"], term))
        frame.followup, frame.order, frame.top, frame.nth = "", None, None, None
        for op in ("count", "lookup") if counted else ("lookup",):
            frame.op = op  # 几辆车: counts are stated in the text; amounts come from the tables
            items = self._items(frame, doc, Context(document=doc.id))
            if items:
                return across.Figure(entry, items[0])
        return across.Figure(entry, None)

    def _route(self, frame: Frame, doc: Document, context: Context) -> Answer:
        last = context.frame
        if frame.nth and not frame.mentions and last is not None and last.op == "rank":
            frame.table_hint, frame.level, frame.mentions = last.table_hint, last.level, last.mentions
            frame.op, frame.order = "rank", frame.order or last.order  # 第二呢？ after a ranking
        context.frame = frame
        if doc.year - 1 in frame.years and frame.op in ("lookup", "count"):
            frame.op = "prior"  # a figure of the prior year: only the text's comparison can tell
        if frame.followup == "other-item" and context.op == "define" and not frame.wants_figure:
            frame.wants_text = True  # 那项目支出预算呢？ after a definition: another definition
        if frame.unknown and not frame.mentions and not frame.wants_text:
            return compose.refusal(
                f"文件中没有「{frame.unknown}」这一项", self._named(doc.id, operations.suggestions(doc))
            )
        result = self._route_items(frame, doc, context)
        if frame.unknown and frame.op == "sum" and result.route != "refuse":
            result.text += f"\n\n（文件中没有「{frame.unknown}」这一项，未计入。）"
        return result

    def _route_items(self, frame: Frame, doc: Document, context: Context) -> Answer:
        items = self._items(frame, doc, context)
        if (
            items
            and frame.op in ("lookup", "count")
            and all(i.unit != "元" for i in items)
            and re.search(wording()["count_listed"], frame.question)
        ):  # 设了哪些处室: what the text counts, with the passage that lists them
            frame.op, frame.wants_text = "count", True
        if frame.op in ("lookup", "list") and _whole_then_its_parts(doc, frame, items):
            frame.op, items = "breakdown", items[:1]  # 公车预算多少？买车和运行费各多少: with its parts
        if frame.wants_text and not frame.mentions and context.items:
            frame.question = normalise(context.items[0].label) + frame.question  # 它是怎么定义的？
        passage_first = bool(re.search(wording()["passage_first"], frame.question))
        if items and frame.op == "count" and any(i.unit != "元" for i in items):
            money = [
                i for i in items if i.unit == "元"
            ]  # 公车运行费多少？有几辆车？: the amount from its table
            figure = (
                operations.lookup(frame, doc, money)
                if money
                else self._figure_beside_count(frame, doc, context)
            )
            counts = [i for i in items if i.unit != "元"]
            counted = self._execute(frame, doc, counts, context)  # a count the text states answers 几辆/几台
            if figure is not None:
                return self._hybrid(counted, figure)
            listed = frame.wants_text and re.search(wording()["count_listed"], frame.question)
            passage = self._text_answer(frame, doc, items) if listed else None  # 有几个内设机构？都有哪些
            return self._hybrid(passage, counted) if passage is not None else counted
        if (
            frame.op == "breakdown"
            and frame.wants_text
            and items
            and (all(i.unit != "元" for i in items) or not operations.parts_of(doc, items[0], frame))
        ):  # 内设机构有哪些: a count stated in the text is listed by its passage, not broken down
            frame.op = (
                "lookup"  # 因公出国费花在哪些方面: nothing to break down; the passage says what it covers
            )
        if items and frame.op not in ("lookup", "count", "prior", "list") and not passage_first:
            result = self._execute(frame, doc, items, context)  # arithmetic, ranking, breakdown: the tables
            defines = re.search(wording()["definition"], frame.question)
            if result.route != "refuse" and (
                defines or frame.op == "breakdown" and self._defined(frame, doc)
            ):
                prefer = (
                    None if defines else "名词解释"
                )  # 基本支出预算包括哪两部分: the parts and the definition
                text = self._text_answer(frame, doc, items, prefer=prefer, listed=False)
                return self._hybrid(text, result) if text is not None else result
            return result
        if frame.op == "prior" and items and frame.mentions:
            stated = self._execute(frame, doc, items, context)
            if stated.route != "refuse" and (_gives_reason(stated) or not re.search(_WHY, frame.question)):
                return stated  # the figure and the sentence that states its change, not the whole passage
        if frame.wants_text and (text := self._text_answer(frame, doc, items)) is not None:
            _remember_text(context, frame, items)
            if items and frame.wants_figure or _budget_change_asked(frame, doc, items):
                return self._hybrid(text, self._execute(frame, doc, items, context))
            return text
        if not items and frame.level and frame.table_hint and frame.op in ("breakdown", "lookup", "list"):
            frame.op = "rank"  # 按功能分类的四个大类各安排了多少: every row of that level, in order
        if items or frame.op in ("balance", "rank", "average", "prior"):
            return self._execute(frame, doc, items, context)
        worded = len(re.findall(r"[\u4e00-\u9fff]|[a-z]{3,}", frame.question)) >= 2
        if worded and not frame.wants_figure and (text := self._text_answer(frame, doc, items)) is not None:
            _remember_text(context, frame, items)
            return text
        return compose.refusal(
            "文件中没有找到与问题对应的数字或说明", self._named(doc.id, operations.suggestions(doc))
        )

    def _figure_beside_count(self, frame: Frame, doc: Document, context: Context) -> Answer | None:
        """公务用车运行费预算多少？有几辆公务车？: the clause asking an amount is answered from the tables too."""
        counted = dict(wording()["ops"])["count"]
        for clause in re.finditer(r"[^?？;；。，,]+", frame.question):
            text = clause.group(0)
            if re.search(counted, text) or not re.search(wording()["figure"], text):
                continue
            named = [m for m in frame.mentions if clause.start() <= m.start and m.end <= clause.end()]
            asked = replace(frame, op="lookup", mentions=named)
            money = [i for i in self._items(asked, doc, context) if i.unit == "元"] if named else []
            if money:
                return operations.lookup(asked, doc, money)
        return None

    def _items(self, frame: Frame, doc: Document, context: Context) -> list[Item]:
        """Resolve mentions, filling in from the conversation where the question leans on it."""
        if frame.row_columns and frame.mentions:
            row = frame.mentions[0]
            items = [i for c in frame.row_columns if (i := resolve(doc, row, frame, column=c)) is not None]
            if frame.op == "share" and len(items) == 1 and (whole := resolve(doc, row, frame)) is not None:
                items.append(whole)
            elif frame.op in ("lookup", "breakdown") and len(items) > 1:
                frame.op = "list"  # 资源勘探工业信息等支出按基本支出和项目支出怎么分
            return _dedupe(items)
        if frame.op in ("sum", "difference", "multiple", "rank", "list") and (
            qualified := qualified_rows(doc, frame.question)
        ):
            return qualified  # 拱北海关和珠海边检总站的春节慰问金: one row for each qualifier
        placed = [
            (m.start, i) for m in frame.mentions if (i := self._resolve(doc, m, frame, context)) is not None
        ]
        named = _named_parts(doc, frame, [i for _, i in placed], context)
        if (
            named
            and frame.op == "share"
            and len(named) >= 2
            and re.search(r"各占|分别占|各自占", frame.question)
        ):
            frame.op = (
                "shares"  # 政府采购预算总额是多少？货物、服务各占多少: each part and its share of the whole
            )
            return _dedupe([i for _, i in placed[:1]] + [i for _, i in sorted(named, key=lambda pi: pi[0])])
        if named:  # mentions come ordered by understanding; parts named in passing go where they stand
            placed = sorted(placed + named, key=lambda pi: pi[0])
            at = frame.question.find("占")
            if frame.op == "share" and at > 0 and len(placed) >= 2:
                before = [p for p in placed if p[0] < at]
                after = [p for p in placed if p[0] > at]
                if before:  # 政府采购预算中，服务类占政府采购预算的比例: the part stands next to 占
                    whole = after[0] if after else (before[-2] if len(before) > 1 else None)
                    placed = [before[-1]] + ([whole] if whole else [])
            if frame.op == "lookup":
                placed = named  # 政府采购预算中货物类是多少: the part named, not the whole that locates it
        items = _dedupe([_money_fact(doc, i, frame) for _, i in placed])
        if (
            len(items) == 1
            and frame.op in ("lookup", "sum", "difference")
            and re.search(r"除了|除去|刨去|扣掉", frame.question)
            and (whole := operations.default_whole(doc, items[0])) is not None
        ):
            frame.op, items = "difference", [whole, items[0]]  # 除了人员经费，剩下的支出一共多少
        if frame.op == "lookup" and len(items) == 2 and len(frame.mentions) == 2 and items[0].primary:
            code = items[0].primary.table.rows[items[0].primary.row].code
            inner = resolve(doc, frame.mentions[1], frame, under=code) if code else None
            if inner is not None and locates(frame.question, *frame.mentions, adjacent=True):
                items = [items[0], inner]  # 城乡社区管理事务行政运行: the 行政运行 under that 款
        if (
            frame.op == "lookup"
            and len(items) == 2
            and (
                _is_under(items[1], items[0])
                or len(frame.mentions) == 2
                and locates(frame.question, *frame.mentions)
            )
        ):
            items = items[1:]  # 住房保障支出里购房补贴多少: the item inside the one that locates it
        prev = context.items
        if (
            frame.op == "share"
            and prev
            and len(items) == 1
            and re.search(
                r"占(它|这个|这项|其|该项)(?!的?[\u4e00-\u9fff]{0,6}(支出|收入|经费|预算|费))", frame.question
            )
        ):
            column = aliases()["columns"].get(frame.mentions[0].surface) if frame.mentions else None
            part = (
                resolve(doc, context.located, frame, column=column)
                if column and context.located
                else items[0]
            )
            return [part, prev[0]] if part else items  # 项目支出占它多少: that row's 项目支出 over that row
        if frame.followup == "pair" and len(items) < 2 and len(context.history_items) >= 2:
            items = context.history_items[-2:]
            if frame.reverse:
                items = items[::-1]
            if frame.op == "lookup":
                frame.op = "sum"
        elif frame.followup == "convert" and not items and prev:
            items = prev[-1:]
        elif (
            frame.followup == "other-item"
            and items
            and frame.op == "lookup"
            and context.op not in ("lookup", "define")
        ):
            frame.op = context.op
            if context.op == "share" and context.whole is not None:
                items = items[:1] + [context.whole]
        elif frame.followup in ("reuse", "other-item", "child") and prev:
            if (
                not items
                and (
                    frame.op in ("sum", "difference", "multiple")
                    or frame.op == "rank"
                    and "哪个" in frame.question
                )
                and len(context.history_items) >= 2
            ):
                items = context.history_items[-2:]  # 加起来是多少？ after two items
            elif not items and frame.op != "lookup":
                items = prev[:1] if frame.op in ("share", "breakdown", "per_month", "prior", "rank") else prev
            elif not items and frame.op == "lookup" and len(frame.question) <= 12:
                items = prev
            elif (
                frame.op == "share"
                and len(items) == 1
                and _whole_only(frame)
                or frame.op in ("difference", "multiple", "sum")
                and len(items) == 1
            ):
                items = prev[:1] + items
        if frame.followup == "child" and prev:
            context.parent = prev[0]  # 其中津贴补贴呢？ is within 工资福利支出
        elif frame.mentions and frame.followup not in ("other-item", "reuse"):
            context.parent = None
        if (
            frame.op == "share"
            and len(items) == 1
            and context.parent is not None
            and items[0] is not context.parent
        ):
            items = items + [context.parent]  # 占比呢？ after 其中…呢: the share of the whole it was within
        return items

    def _resolve(self, doc: Document, mention: Mention, frame: Frame, context: Context) -> Item | None:
        column = aliases()["columns"].get(mention.surface)
        last = context.items[0].primary if context.items else None
        on_columns = last is not None and last.column not in ("合计", "预算数") and len(frame.mentions) == 1
        if (
            column
            and context.located
            and (frame.followup == "child" or frame.followup == "other-item" and on_columns)
        ):
            return resolve(doc, context.located, frame, column=column)  # 其中项目支出呢？ then 那基本支出呢？
        if frame.followup == "child" and context.items:
            parent = context.items[0]
            for child in operations.children_items(doc, parent):
                if mention.surface in normalise(child.label):
                    return child
        return resolve(doc, mention, frame)

    def _execute(self, frame: Frame, doc: Document, items: list[Item], context: Context) -> Answer:
        op = frame.op
        handler = HANDLERS.get(op, operations.lookup)
        result = handler(frame, doc, items)
        if result.route != "refuse":
            context.op = op if result.formula or op in ("lookup", "count") else context.op
            context.items = items
            context.mentions = frame.mentions or context.mentions
            rows = [m for m in frame.mentions if any(t.kind == "row" for t in m.targets)]
            context.located = rows[0] if rows else context.located
            context.history_items = (
                context.history_items + [i for i in items if i not in context.history_items]
            )[-4:]
            if op == "share" and len(items) > 1:
                context.whole = items[1]
        return result

    # narrative
    def warm_up(self) -> None:
        """Load the narrative retriever and its model now rather than on the first passage question."""
        retriever = self.retriever()
        if retriever is not None:
            retriever.search("名词解释", k=1, document=self.default or next(iter(self.catalog.entries)))

    def retriever(self) -> Any:
        """The narrative retriever, loaded on first need. Passages the manifest counts but that cannot be read
        are an `IndexDamagedError`; a build without passages (or made before manifests) answers from its tables
        and says so once; vectors that cannot be searched (no embedding model) leave BM25, and say so."""
        if self._retriever is None and not self._retriever_error:
            try:
                from assistant.retrieval import load_retriever

                dense = os.environ.get("BUDGET_QA_DENSE", "1") != "0"
                self._retriever = load_retriever(self.build_dir, dense=dense) if self.build_dir else None
                self._check_retriever(dense)
            except IndexDamagedError:
                raise
            except Exception as err:  # noqa: BLE001 - retrieval is optional; the tables still answer
                self._retriever_error = f"{type(err).__name__}: {err}"
                logging.getLogger("assistant").warning(
                    "narrative search is unavailable, so mandates and definitions cannot be answered "
                    "(%s); rebuild the index with `budget-qa index --force`",
                    err,
                )
        return self._retriever

    def _check_retriever(self, dense: bool) -> None:
        """The passages loaded are those the manifest counts; vectors it counts but that cannot be searched are
        reported (narrative search then ranks by BM25 alone)."""
        manifest = read_manifest(self.build_dir) if self.build_dir else None
        retriever = self._retriever
        if manifest is None or retriever is None:
            return
        if len(retriever.chunks) != manifest.passages:
            path = self.build_dir / PASSAGE_FILES[0]
            found = f"{len(retriever.chunks):,} passages, the manifest says {manifest.passages:,}"
            self._retriever = None
            raise IndexDamagedError(damaged(path, found))
        if dense and manifest.vectors and not retriever.dense_available:
            logging.getLogger("assistant").warning(
                "the narrative vectors cannot be searched (%s), so passages are ranked by BM25 alone; "
                "check the deployment with `budget-qa doctor`",
                retriever.dense_error,
            )

    def _defined(self, frame: Frame, doc: Document) -> bool:
        """Whether the question names a term the document's 名词解释 defines (基本支出预算, 财政拨款收入)."""
        retriever = self.retriever()
        if retriever is None:
            return False
        terms = {
            normalise(c.heading) for c in retriever.chunks if c.document == doc.id and c.section == "名词解释"
        }
        return any(t and t in frame.question for t in terms)

    def _text_answer(
        self,
        frame: Frame,
        doc: Document,
        items: list[Item] | None = None,
        prefer: str | None = None,
        listed: bool = True,
    ) -> Answer | None:
        """The passages answering a question; `listed`: with the list a passage leads into (not where they
        only accompany a table's figures)."""
        retriever = self.retriever()
        if retriever is None:
            return None
        query = _without_unit(frame.question, doc)  # the unit's own name matches every passage
        hits = retriever.search(query, k=3, document=doc.id)
        # passages that name the item asked about come first, then the section the wording points to
        names = {m.surface for m in frame.mentions if not m.fuzzy}
        ranked = retriever.rank(query, k=8, document=doc.id)
        naming = [h for h in ranked if any(n and n in normalise(h.chunk.text) for n in names)]
        general_mandate = not names and bool(re.search(wording()["mandate"], frame.question))
        if general_mandate:  # 这个单位是做什么的 / 办公室负责什么工作: every 职能 item
            hits = _mandate(retriever, doc.id, frame.question) or hits
        if not hits and not naming:
            return None  # nothing relevant: refuse rather than quote something unrelated
        named_section = next((sec for sec in SECTION_NAMES if sec in frame.question), None)
        wanted = (
            prefer
            or named_section
            or ("主要职能" if general_mandate else None)
            or next(
                (sec for pattern, sec in wording()["sections"] if re.search(pattern, frame.question)), None
            )
        )
        pool = naming or hits
        preferred = [h for h in (naming or ranked) if h.chunk.section == wanted]
        if prefer and not preferred:  # 三公经费预算各多少: the definition of 三公经费, though not of its 预算
            preferred = [h for h in ranked if h.chunk.section == wanted]
        if preferred:
            pool = preferred + [h for h in pool if h not in preferred]
        hits = pool
        best = hits[0]
        chosen = [best] + [h for h in hits[1:3] if h.chunk.section == best.chunk.section and _close(h, best)]
        if best.chunk.section == "主要职能" and general_mandate:
            chosen = _mandate(retriever, doc.id, frame.question)
        chosen = _with_units(retriever, chosen, frame.question)
        chosen = _with_list(retriever, chosen) if listed else chosen
        parts = []
        cites = []
        group = None
        for hit in chosen:
            c = hit.chunk
            if (c.section, c.heading) != group:
                group = (c.section, c.heading)
                parts.append(f"**{c.section}" + (f" · {c.heading}" if c.heading else "") + "**")
            parts.append(compose.quote_block(c.text))
            section = headings.label(c.section, c.path.split(" · "))
            cites.append(
                Citation("text", doc.id, section=section, quote=c.text, line=c.line_start, page=c.page)
            )
        where = headings.label(best.chunk.section, best.chunk.path.split(" · "))
        text = "\n\n".join(parts) + f"\n\n来源：{doc.unit_name}{doc.year}年{doc.kind}「{where}」"
        return Answer(text, "text", cites)

    def _hybrid(self, text: Answer, table: Answer) -> Answer:
        return Answer(
            table.text + "\n\n" + text.text,
            "hybrid",
            table.citations + text.citations,
            table.values,
            table.formula,
        )


def _with_units(retriever: Any, chosen: list[Any], question: str) -> list[Any]:
    """机构设置 asked together with its units (设了哪些内设机构？有没有下属单位): the passage of the same
    document stating the units (本部门无下属单位) joins the offices' passage when none chosen states them."""
    from assistant.retrieval import Hit

    asked = set(re.findall(wording()["units_passage"], question)) - {"本级"}  # 局本级 names the unit
    best = chosen[0].chunk if chosen else None
    missing = {w for w in asked if not any(w in h.chunk.text for h in chosen)}
    if best is None or best.section != "机构设置" or not missing:
        return chosen
    shown = {h.chunk.id for h in chosen}
    stating = [
        c
        for c in retriever.chunks
        if c.document == best.document and c.section == "机构设置" and c.id not in shown
        if any(w in c.text for w in missing)
    ]
    return chosen + [Hit(c, 1.0, None, None) for c in stating[:1]]


def _mandate(retriever: Any, document: str, question: str) -> list[Any]:
    """Every 职能 item, in document order; only one office's when the question names it."""
    from assistant.retrieval import Hit

    chunks = [c for c in retriever.chunks if c.document == document and c.section == "主要职能"]
    headings = {c.heading for c in chunks if c.heading}
    named = [h for h in headings if re.sub(r"主要职能.*$", "", normalise(h)) in question and "主要职能" in h]
    if named:
        longest = max(named, key=len)
        chunks = [c for c in chunks if c.heading == longest]
    chunks.sort(key=lambda c: c.line_start)
    return [Hit(c, 1.0, None, None) for c in chunks]


_LEAD_IN = re.compile(r"[：:]\s*$")
_MAX_LISTED = 60


def _with_list(retriever: Any, chosen: list[Any]) -> list[Any]:
    """The passages chosen, with the list one of them leads into (…具体包括： / 分别为：): the passages printed
    after it under its heading, all in document order, so that 有哪些内设机构 shows every entry, not only the
    sentence announcing them."""
    lead = next((h.chunk for h in chosen if _leads_in(h.chunk)), None)
    listed = _listed_after(retriever, lead) if lead is not None else []
    if not listed:
        return chosen
    ids = {h.chunk.id for h in chosen}
    return sorted(chosen + [h for h in listed if h.chunk.id not in ids], key=lambda h: h.chunk.line_start)


def _leads_in(chunk: Any) -> bool:
    """A passage announcing what follows: it ends in a colon, or it is only the heading printed above the
    entries ((一)机关内设机构)."""
    heading = chunk.path.split(" · ")[-1].strip() if chunk.path else ""
    return bool(_LEAD_IN.search(chunk.text)) or bool(heading) and chunk.text.strip() == heading


def _listed_after(retriever: Any, lead: Any) -> list[Any]:
    """The passages printed after a lead-in under its heading, in document order."""
    from assistant.retrieval import Hit

    after = sorted(
        (
            c
            for c in retriever.chunks
            if c.document == lead.document
            and c.section == lead.section
            and c.line_start > lead.line_end
            and c.path.startswith(lead.path)
        ),
        key=lambda c: c.line_start,
    )
    return [Hit(c, 1.0, None, None) for c in after[:_MAX_LISTED]]


def _without_unit(question: str, doc: Document) -> str:
    """A question for retrieval: the unit's name and the year are no help in telling passages apart."""
    core = unit_core(doc.unit_name)
    for size in range(len(core), max(3, (len(core) + 1) // 2) - 1, -1):  # most of the name, not a word of it
        part = next(
            (core[i : i + size] for i in range(len(core) - size + 1) if core[i : i + size] in question), ""
        )
        if part:
            question = question.replace(part, "")
            break
    return re.sub(r"20\d\d年度?", "", question) or question


def _kinds_of(item: Item) -> list[tuple[Item, str]]:
    """A table total's parts by kind, each with the kind's word (政府采购 → 服务 for C-服务)."""
    kinds = aliases()["categories"].get(item.primary.table.key, {}) if item.primary else {}
    parts = operations.kind_parts(item)
    return [(p, w) for p in parts for w in kinds if w in p.label]


def _named_parts(doc: Document, frame: Frame, found: list[Item], context: Context) -> list[tuple[int, Item]]:
    """Terms named by a distinctive part only: a sibling stated in the same sentence of the text (服务 for
    政府采购服务预算), or an item of the conversation so far (专项 for 中小企业发展专项)."""
    q = frame.question
    covered = [False] * len(q)
    for m in frame.mentions:
        for i in range(m.start, min(m.end, len(q))):
            covered[i] = True
    out: list[tuple[int, Item]] = []

    def free_at(word: str) -> int:
        at = q.find(word)
        return at if len(word) >= 2 and at >= 0 and not any(covered[at : at + len(word)]) else -1

    for item in found:
        out += [(at, part) for part, word in _kinds_of(item) if (at := free_at(word)) >= 0]
        if item.fact is None:
            continue
        group = [
            f for f in operations.sentence_facts(doc, item.fact) if not f.column and f.unit == item.fact.unit
        ]
        labels = [normalise(f.row_name) for f in group]
        # the parts' own words: the whole the sentence opens with (预算总额) shares no ending with them
        parts = [x for f, x in zip(group, labels, strict=True) if f is not item.fact]
        affixed = parts if len(parts) >= 2 else labels
        head, tail = _common_prefix(affixed), _common_prefix([x[::-1] for x in affixed])[::-1]
        for fact, label in zip(group, labels, strict=True):
            word = label[len(head) : len(label) - len(tail)]
            at = max(free_at(word), free_at(re.sub(r"类$", "", word)))  # 货物类项目 is named 货物
            if fact is not item.fact and at >= 0:
                out.append((at, fact_item(fact)))
    if not out and context.history_items:
        for item in context.history_items:
            label = normalise(item.label)
            for size in range(len(label) - 1, 1, -1):
                parts = [label[i : i + size] for i in range(len(label) - size + 1)]
                hit = next((p for p in parts if p not in GENERIC_WORDS and free_at(p) >= 0), None)
                if hit:
                    out.append((free_at(hit), item))
                    break
    return out


def _whole_then_its_parts(doc: Document, frame: Frame, items: list[Item]) -> bool:
    """The first term asked, then others each (各多少, 分别) or whether they are there at all (公车安排了多少？
    有没有买车的钱), that are all among its parts."""
    asked = r"各(是|为|自)?多少|分别|有没有|有无|是否有"
    if len(items) < 2 or not re.search(asked, frame.question) or items[0].primary is None:
        return False
    parts = {
        (p.primary.table.key, p.primary.row, p.primary.column)
        for _, p in operations.parts_of(doc, items[0], frame)
        if p.primary
    }
    return all(
        i.primary and (i.primary.table.key, i.primary.row, i.primary.column) in parts for i in items[1:]
    )


def _common_prefix(words: list[str]) -> str:
    if not words:
        return ""
    first = min(words)
    last = max(words)
    n = 0
    while n < len(first) and first[n] == last[n]:
        n += 1
    return first[:n]


def _is_under(child: Item, parent: Item) -> bool:
    """Whether a row lies under another by its code (221 02 03 under 221)."""
    for p in parent.cells:
        code = p.table.rows[p.row].code
        for c in child.cells:
            if code and c.table.key == p.table.key and c.table.rows[c.row].code.startswith(code + " "):
                return True
    return False


_WHY = r"为什么|为何|原因|怎么回事"


def _budget_change_asked(frame: Frame, doc: Document, items: list[Item]) -> bool:
    """部门预算为什么比2025年少了那么多: the change the text states for the budget as a whole, with the passage
    that explains it."""
    whole = frame.op == "prior" and not frame.mentions and not items
    return whole and operations.budget_change(doc) is not None


def _gives_reason(answer: Answer) -> bool:
    """Whether the sentences quoted for a change also say why (主要原因是…, 主要是…, 用于…)."""
    quotes = "".join(c.quote for c in answer.citations if c.source == "text")
    return bool(re.search(r"原因|主要是|主要用于|由于|因为|用于", quotes))


def _remember_text(context: Context, frame: Frame, items: list[Item]) -> None:
    context.op = "define"
    context.items = items or context.items
    context.mentions = frame.mentions or context.mentions


def _dedupe(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for i in items:
        key = (i.primary.table.key, i.primary.row, i.primary.column) if i.primary else (i.label, i.value)
        if all(
            ((o.primary.table.key, o.primary.row, o.primary.column) if o.primary else (o.label, o.value))
            != key
            for o in out
        ):
            out.append(i)
    return out


def _money_fact(doc: Document, item: Item, frame: Frame) -> Item:
    """A count stated in the text (项目共2个) next to its money (涉及资金196.00万元): the money when asked."""
    if item.fact is None or item.unit == "元":
        return item
    if not (
        frame.op in ("difference", "share", "sum", "multiple")
        or re.search(r"资金|金额|多少钱", frame.question)
    ):
        return item
    for fact in doc.text_facts:
        if fact.quote == item.fact.quote and fact.unit in ("万元", "元") and not fact.column:
            return fact_item(fact)
    return item


def _close(hit: Any, best: Any) -> bool:
    return getattr(hit, "score", 0) >= 0.85 * getattr(best, "score", 1)


def _whole_only(frame: Frame) -> bool:
    q = frame.question
    m = frame.mentions[0] if frame.mentions else None
    return m is not None and ("占" in q and q.find("占") < m.start or bool(re.match(r"(是|为)", q)))


def _check_input(question: Any) -> str:
    if not isinstance(question, str):
        return "问题需要是文字"
    q = question.strip()
    if not q:
        return "问题是空的，请输入一个关于预算的问题"
    if len(q) > MAX_QUESTION:
        return f"问题太长（{len(q)}字，上限{MAX_QUESTION}字），请精简后再问"
    if "\x00" in q or sum(1 for ch in q if ord(ch) < 32 and ch not in "\n\t") > 0:
        return "问题中含有无法识别的字符"
    if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", q):
        return "没有看懂这个问题，请用中文描述想了解的预算内容"
    return ""


def _unit_free(question: str, scope: Scope) -> str:
    """The question as the single-document pipeline reads it: unit names taken out (医保中心 is not 医保)."""
    return scope.question if scope.question != normalise(question) else question


def _year_free(question: str) -> str:
    words = re.compile(r"(20\d\d)年度?|[(（]20\d\d[)）]|去年|今年|上年|上一年|前年|本年")
    plain = mask_item_words(question)  # 上年结转 keeps its 上年
    cut = [m.span() for m in words.finditer(plain)]
    for start, end in reversed(cut):
        question = question[:start] + question[end:]
    return question


def _what(term: str) -> str:
    return re.sub(r"[的是多少呢吗？?。，,！!和与及、]|分别|各|哪个|哪家|最|谁", "", term)[:20]


def _pair_documents(scope: Scope, state: Conversation, catalog: Catalog) -> tuple[str, ...]:
    """两家合计多少？ after two units were asked about in turn, or 增加了多少？ after two years of one unit:
    both documents (a unit named among the two comes first: 审计局占两家合计的比例)."""
    if scope.corpus:
        return ()
    recent = list(dict.fromkeys(d for d, _ in reversed(state.turns)))[:2]
    if scope.named and len(scope.documents) == 1 and recent and scope.documents[0] not in recent[:1]:
        recent = [
            scope.documents[0],
            recent[0],
        ]  # 文旅执法总队呢？两家一共多少辆？ — the new unit and the last
    if len(recent) != 2 or scope.named and not set(scope.documents) < set(recent):
        return ()  # a unit named outside the last two is a new question
    words = conversation.wording()
    a, b = (catalog.entries[d].key for d in recent)
    years_of_one = a.unit == b.unit and a.year != b.year
    if not (
        re.search(words["pair"], scope.question)
        or years_of_one
        and re.search(words["change"], scope.question)
    ):
        return ()
    if scope.named:
        return tuple(scope.documents) + tuple(d for d in reversed(recent) if d not in scope.documents)
    return tuple(reversed(recent))


def _numerator_first(scope: Scope, q: str, catalog: Catalog) -> Scope:
    """文旅执法总队是退役军人服务中心的几倍: the unit before 是 comes first, whatever order they were named in."""
    m = re.search(r"是[^是，,。？?]{1,24}的(几|多少)倍", q)
    if not m or len(scope.documents) != 2:
        return scope
    before = [u for u in catalog.find(q[: m.start()]) if u.end == m.start()]
    if not before:
        return scope
    first = next((d for d in scope.documents if catalog.entries[d].key.unit in before[-1].units), None)
    if first is None or first == scope.documents[0]:
        return scope
    return replace(scope, documents=(first, *(d for d in scope.documents if d != first)))


def _units_passage(passages: list[Any], members: list[Member]) -> Any | None:
    """The passage of a document's 机构设置 that states its budget units: the one naming the most of the units
    its tables list (by their names without brackets), else the first that speaks of 预算单位 / 下属单位."""
    named = [
        (sum(normalise(_BRACKETED.sub("", m.name)) in normalise(p.text) for m in members), -n, p)
        for n, p in enumerate(passages)
        if p.section == "机构设置" and re.search(wording()["units_passage"], normalise(p.text))
    ]
    return max(named, key=lambda t: t[:2])[2] if named else None


def _offices_passage(passages: list[Any], units: Any, question: str) -> Any | None:
    """The 机构设置 passage naming the offices (内设处室18个…) when the question asks them beside the units
    (内设多少个处室？有哪些下属单位) and the units' passage is another one."""
    offices = wording()["offices"]
    if not re.search(offices, question) or re.search(offices, units.text):
        return None
    return next((p for p in passages if p.section == "机构设置" and re.search(offices, p.text)), None)


def _with_offices(listing: Answer, document: str, passage: Any) -> Answer:
    """The units' answer followed by the offices' passage, quoted and cited by its printed headings."""
    section = headings.label(passage.section, passage.path.split(" · "))
    cite = Citation(
        "text", document, section=section, quote=passage.text, line=passage.line_start, page=passage.page
    )
    body, cut, sources = listing.text.partition("\n\n来源：")
    text = f"{body}\n\n「{section}」写明：\n\n{compose.quote_block(passage.text)}"
    text += f"{cut}{sources}；「{section}」" if cut else f"\n\n来源：「{section}」"
    return replace(listing, text=text, route="hybrid", citations=[*listing.citations, cite])


def _compared_members(frame: Frame, parts: list[tuple[Member, Item | None]]) -> list[Item] | None:
    """Two budget units compared (谁的收入预算多？多多少？): their figures, the larger first, each from its
    own row; None for any other question or when a unit's row does not list the figure."""
    if frame.op != "difference" or len(parts) != 2 or any(item is None for _, item in parts):
        return None
    return sorted((item for _, item in parts if item is not None), key=lambda i: i.value, reverse=True)


def _member_operands(
    frame: Frame, items: list[Item], found: list[Item], department: str
) -> list[Item] | None:
    """The operands of a question about one budget unit: its items; for a share of one item, the whole is
    the unit's own row total when asked so (占其收入的比例; None when the row has none), else the
    department's figure, named as the department's (服务中心的收入占比)."""
    if frame.op != "share":
        return found
    if len(items) == 1 and re.search(scope_words()["member_whole"], frame.question):
        whole = row_total(found[0])
        return [found[0], whole] if whole is not None else None
    if len(items) > 1 and items[1].primary != items[0].primary:
        return found[:2]
    return [found[0], replace(items[-1], label=f"{department}{items[-1].label}")]


def _remember_across(state: Conversation, result: across.Result, term: str) -> None:
    """After an answer over several documents: the item asked, and the documents a follow-up continues
    with (the units compared or listed; none after a ranking or a count over the corpus)."""
    item = re.sub(across.wording()["not_item"], "", term)
    state.question = f"{item}是多少？" if item else term  # 那审计局呢？ asks that unit for the item alone
    state.context = Context()
    shown = [f for f in result.figures if f.item is not None][:12]
    state.turns += [(f.entry.id, term) for f in shown[:2]]
    kept = shown if result.op in ("list", "compare", "sum", "share", "series") else []
    state.ranked = tuple(f.entry.id for f in result.figures) if result.op == "rank" else ()
    state.last = Last(
        tuple(f.entry.id for f in kept),
        tuple(dict.fromkeys(f.entry.key.unit for f in kept)),
        kept[0].entry.key.year if kept else None,
    )


def _catalogue_suggestions(catalog: Catalog) -> list[str]:
    return [f"{catalog.example()}的项目支出是多少？", "收录了哪些单位？", "哪个单位的“三公”经费预算最多？"]
