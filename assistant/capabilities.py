"""What other systems may ask of the assistant, as plain functions over an `Assistant` (or the live one).

The JSON API, the MCP server and the LangChain tools all go through here: a request's scope (a document id,
or a unit and year) becomes one document of the catalogue; a figure, a computation or a passage search
becomes the same question the chat would answer, so every figure comes from the engine with its citations.
Results are JSON-ready dicts: the answer contract plus a `status` (answered, refused with its reason,
clarify with its candidates).
"""

from __future__ import annotations

from typing import Any, Literal

from assistant import headings
from assistant.catalog import Catalog
from assistant.engine import MAX_QUESTION
from assistant.errors import ScopeError
from assistant.records import Answer, Citation
from assistant.scope import Clarify, Last, Refusal, Scope, choose
from assistant.understand import normalise

Operation = Literal["sum", "difference", "share", "multiple"]
OPERATIONS: dict[str, str] = {
    "sum": "{items}一共多少？",
    "difference": "{a}比{b}多多少？",
    "share": "{a}占{b}的比例是多少？",
    "multiple": "{a}是{b}的几倍？",
}
NO_FIGURE = "文件中没有找到「{item}」的数字（文字说明可用 search_text 查找）"
NO_PASSAGE = "文件的文字部分没有与「{query}」相关的段落"
NO_SEARCH = "文字检索暂不可用（索引中没有文字段落），只能回答表格中的数字"
NOT_COMPUTED = "请给出一个计算问题（question），或者计算方式（operation）和至少两个项目（items）"


# scope: a document id, or a unit and year → one document
def scope_document(
    catalog: Catalog, document: str | None = None, unit: str | None = None, year: int | None = None
) -> str | None:
    """The one document a request is scoped to; None when it names none. ScopeError when the index does
    not hold what it names, or holds several documents for it."""
    if document:
        if unit or year is not None:
            raise ScopeError("document 与 unit/year 只能给出一种", "conflicting_scope")
        document = catalog.duplicates.get(document, document)
        if document not in catalog.entries:
            raise ScopeError(f"未收录文件「{document}」（已收录的文件见单位列表）", "unknown_document")
        return document
    if unit:
        return _unit_document(catalog, unit, year)
    if year is None:
        return None
    entries = catalog.documents(year=year)
    if not entries:
        raise ScopeError(f"未收录{year}年的预算", "unknown_year")
    if len(entries) > 1:
        hint = f"{year}年有{len(entries)}份预算（请给出 unit，或用 document 指定文件）"
        raise _several(catalog, hint, [e.id for e in entries])
    return entries[0].id


def _unit_document(catalog: Catalog, unit: str, year: int | None) -> str:
    """A unit (and year) named as a question names them, read by the engine's own scope rules (levels,
    kinds, years: 市财政局, 司法局部门预算, 万里街道2024年)."""
    q = normalise(unit)
    named = sorted({u for m in catalog.find(q) for u in m.units})
    if not named:
        raise ScopeError(f"未收录「{unit}」的预算", "unknown_unit")
    scope = choose(q + (f"{year}年" if year else ""), Last(), catalog, None)
    if isinstance(scope, Scope) and len(scope.documents) == 1 and not scope.corpus:
        entry = catalog.entries[scope.documents[0]]
        if year is not None and entry.key.year != year:  # the engine reads it as the budget's 上年
            held = "、".join(f"{y}年" for y in catalog.units[entry.key.unit].years)
            raise ScopeError(f"未收录{entry.key.unit}{year}年的预算（已收录：{held}）", "unknown_year")
        return entry.id
    if isinstance(scope, Refusal):
        unheld = year is None or isinstance(choose(q, Last(), catalog, None), Refusal)
        raise ScopeError(scope.reason, "unknown_unit" if unheld else "unknown_year")
    reason = scope.reason if isinstance(scope, Clarify) else f"「{unit}」指向多份预算"
    documents = scope.documents or tuple(e.id for u in named for e in catalog.documents(u, year))
    if len(named) > 1 and not (isinstance(scope, Clarify) and scope.documents):
        raise ScopeError(
            f"{reason}（unit 请写出全称，或用 document 指定文件）", "ambiguous_unit", tuple(named)
        )
    years = {catalog.entries[d].key.year for d in documents}
    hint = "请给出 year" if len(years) > 1 else "请在 unit 中写明部门预算或单位预算"
    raise _several(catalog, f"{reason}（{hint}，或用 document 指定文件）", list(documents))


def _several(catalog: Catalog, message: str, documents: list[str]) -> ScopeError:
    """A scope that holds several documents: the error lists each id with its unit, year and kind."""
    labels = tuple(f"{d}（{catalog.entries[d].key.label()}）" for d in sorted(documents))
    return ScopeError(message, "ambiguous_document", labels)


# results
def answer_result(answer: Answer) -> dict[str, Any]:
    """The answer contract with its status; a refusal carries its reason and suggested questions, a
    clarifying answer the documents it could mean."""
    data = answer.to_dict()
    if answer.route == "refuse":
        reason, _, rest = answer.text.partition("\n\n")
        return {"status": "refused", "reason": reason, "suggestions": _bullets(rest), **data}
    if answer.route == "clarify":
        reason = answer.text.split("\n")[0].rstrip("：。")
        return {"status": "clarify", "reason": reason, "candidates": _bullets(answer.text), **data}
    return {"status": "answered", **data}


def refusal(reason: str, candidates: tuple[str, ...] = ()) -> dict[str, Any]:
    """A refusal that did not come from the engine (a scope the index does not hold, nothing found)."""
    return {"status": "refused", "reason": reason, "candidates": list(candidates), "citations": []}


def _bullets(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


# the capabilities
def figure_question(item: str, column: str | None = None) -> str:
    """The question that asks for one figure: a table item, optionally one of its columns."""
    return f"{item}中{column}是多少？" if column else f"{item}是多少？"


def compute_question(operation: Operation, items: list[str]) -> str:
    """The question that asks for a computation over named items, in order."""
    if operation == "sum":
        return OPERATIONS["sum"].format(items="、".join(items[:-1]) + f"和{items[-1]}")
    return OPERATIONS[operation].format(a=items[0], b=items[1])


def lookup_figure(
    assistant: Any, item: str, column: str | None = None, document: str | None = None
) -> dict[str, Any]:
    """One figure (`value`) with its cells; refused when the documents hold no figure for the item."""
    result = answer_result(assistant.ask(figure_question(item, column), document=document))
    if result["status"] == "answered" and not result["values"]:
        return {**result, "status": "refused", "reason": NO_FIGURE.format(item=item)}
    if result["status"] == "answered":
        result["value"] = result["values"][0]  # the figure asked for (others are the parts it sums)
    return result


def compute(
    assistant: Any,
    question: str | None = None,
    operation: Operation | None = None,
    items: list[str] | None = None,
    document: str | None = None,
) -> dict[str, Any]:
    """A computation asked as a question, or as an operation over named items: the result (`value`), the
    operands (`values`), the formula and the citations of every operand."""
    if not question:
        if operation not in OPERATIONS or not items or len(items) < 2:
            return refusal(NOT_COMPUTED)
        question = compute_question(operation, items)
    result = answer_result(assistant.ask(question, document=document))
    if result["status"] == "answered" and result["formula"] and result["values"]:
        result["value"] = result["values"][-1]  # the result; the values before it are its operands
    return result


def passages(assistant: Any, query: str, k: int = 3, document: str | None = None) -> list[Any]:
    """The narrative passages that answer a query (retrieval hits, best first); [] when none does."""
    retriever = assistant.retriever()
    if retriever is None:
        return []
    return retriever.search(query, k=k, document=document or assistant.default)


def search_text(assistant: Any, query: str, k: int = 3, document: str | None = None) -> dict[str, Any]:
    """Passages of the narrative (职能, 名词解释, 编制说明 …), each with its section and citation."""
    query = query.strip()
    if not query or len(query) > MAX_QUESTION:
        return refusal(f"检索词需要 1–{MAX_QUESTION} 个字")
    if assistant.retriever() is None:
        return refusal(NO_SEARCH)
    hits = passages(assistant, query, k, document)
    if not hits:
        return refusal(NO_PASSAGE.format(query=query))
    found = [
        {
            "document": h.chunk.document,
            "unit": h.chunk.unit_name,
            "year": h.chunk.year,
            "section": h.chunk.section,
            "heading": h.chunk.heading,
            "printed_headings": h.chunk.path.split(" · ") if h.chunk.path else [],
            "item": h.chunk.item,
            "text": h.chunk.text,
            "citation": _cite(h.chunk).to_dict(),
        }
        for h in hits
    ]
    return {"status": "answered", "passages": found, "citations": [p["citation"] for p in found]}


def _cite(chunk: Any) -> Citation:
    """A passage cited as the answers cite it: its section with the headings its document printed."""
    return Citation(
        "text",
        chunk.document,
        section=headings.label(chunk.section, chunk.path.split(" · ")) if chunk.path else chunk.section,
        quote=chunk.text,
        line=chunk.line_start,
        page=chunk.page,
    )


def list_units(catalog: Catalog) -> dict[str, Any]:
    """The catalogue: each unit with its documents (id, year, kind) and the names it answers to."""
    listing = catalog.listing()
    return {
        "documents": sum(len(u["documents"]) for u in listing),
        "years": catalog.years(),
        "kinds": sorted({e.key.kind for e in catalog.entries.values()}),
        "units": listing,
        "duplicates": dict(sorted(catalog.duplicates.items())),
    }
