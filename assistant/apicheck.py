"""Is a Gradio API call one the mounted Blocks can run? Checked before Gradio sees it.

Gradio answers a call to an endpoint it does not have, an unknown `fn_index`, a wrong number of inputs or
an event it does not hold with an exception (a 500 and a traceback in the server log), and an input its
component refuses (a choice not offered, a file that is not an upload) with a traceback printed while the
queue runs it. Each check here says why such a call cannot run, as (HTTP status, Chinese message), or None
when Gradio can take it. `quiet_inputs` is the net under these checks: an input a component still refuses
becomes an error message to the caller and one log line.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("assistant.web")
Problem = tuple[int, str] | None

NOT_FOUND = "没有这个接口。"
NO_EVENT = "没有这个请求，或它已结束。"
NOT_JSON = "请求格式不正确：请求体应为 JSON 对象。"
NO_DATA = "请求格式不正确：缺少 data 列表。"
BAD_INPUT = "请求格式不正确：第 {n} 项输入不可用（{why}）。"


def named(blocks: Any, name: str) -> Any | None:
    """The endpoint a client may call by name (a public or undocumented one with a Python function)."""
    for fn in blocks.fns.values():
        if fn.api_name == name and fn.fn is not None and fn.api_visibility != "private":
            return fn
    return None


def api_inputs(fn: Any) -> list[Any]:
    """The inputs an API call sends by position (State inputs are the server's own)."""
    return [block for block in fn.inputs if not getattr(block, "skip_api", False)]


def call_problem(blocks: Any, name: str | None, body: Any) -> Problem:
    """A call by api name (/call, /run, /api) or, with `name` None, by `fn_index` (/queue/join)."""
    if not isinstance(body, dict):
        return 400, NOT_JSON
    index = body.get("fn_index")
    if name is not None and index is None:
        fn = named(blocks, name)
    elif isinstance(index, int) and not isinstance(index, bool):
        fn = blocks.fns.get(index)
    else:
        fn = None
    if fn is None:
        return 404, NOT_FOUND
    data = body.get("data")
    if not isinstance(data, list):
        return 422, NO_DATA
    if len(data) == len(fn.inputs):
        inputs = fn.inputs
    elif len(data) == len(api_inputs(fn)):
        inputs = api_inputs(fn)
    else:
        wanted = sorted({len(fn.inputs), len(api_inputs(fn))})
        return 422, f"请求格式不正确：data 应有 {'或'.join(map(str, wanted))} 项，收到 {len(data)} 项。"
    return inputs_problem(blocks, body.get("session_hash"), inputs, data)


def named_problem(blocks: Any, name: str, body: Any) -> Problem:
    """A call with its inputs by name (/call/v2/<name>: {"message": ...})."""
    if not isinstance(body, dict):
        return 400, NOT_JSON
    fn = named(blocks, name)
    endpoint = api_info(blocks)["named_endpoints"].get(f"/{name}")
    if fn is None or endpoint is None:
        return 404, NOT_FOUND
    params = endpoint["parameters"]
    names = [p["parameter_name"] for p in params]
    unknown = set(body) - set(names) - {"oauth_token"}
    missing = [
        p["parameter_name"]
        for p in params
        if not p["parameter_has_default"] and p["parameter_name"] not in body
    ]
    if unknown or missing or len(params) != len(api_inputs(fn)):
        return 422, f"请求格式不正确：参数应为 {'、'.join(names) or '（无）'}。"
    data = [body.get(p["parameter_name"], p.get("parameter_default")) for p in params]
    return inputs_problem(blocks, None, api_inputs(fn), data)


def api_info(blocks: Any) -> dict[str, Any]:
    """What the Blocks' API documents (endpoints and their parameters), worked out once."""
    if not hasattr(blocks, "_bqa_api_info"):
        blocks._bqa_api_info = blocks.get_api_info()
    return blocks._bqa_api_info


def component_problem(blocks: Any, body: Any) -> Problem:
    """A component function call (/component_server) must name a component's server function."""
    if not isinstance(body, dict):
        return 400, NOT_JSON
    block_id = body.get("component_id")
    block = blocks.blocks.get(block_id) if isinstance(block_id, int) else None
    fn = getattr(block, str(body.get("fn_name")), None) if block is not None else None
    return None if getattr(fn, "_is_server_fn", False) else (404, NOT_FOUND)


def inputs_problem(blocks: Any, session: Any, inputs: list[Any], data: list[Any]) -> Problem:
    """The first input its component would refuse (as the session sees the component, when it has one)."""
    state = (
        blocks.state_holder[session] if isinstance(session, str) and session in blocks.state_holder else None
    )
    for n, (block, value) in enumerate(zip(inputs, data, strict=True), start=1):
        if getattr(block, "stateful", False):
            continue
        if state is not None and block._id in state:
            block = state[block._id]
        why = value_problem(block, value)
        if why:
            return 422, BAD_INPUT.format(n=n, why=why)
    return None


def value_problem(block: Any, value: Any) -> str:
    """Why `block` would refuse `value` ("" when it takes it), for the components the app's endpoints use."""
    import gradio as gr

    if value is None:
        return ""
    if isinstance(block, gr.Textbox):
        return "" if isinstance(value, str) else "应为文本"
    if isinstance(block, gr.Dropdown):
        offered = [v for _, v in block.choices]
        values = value if isinstance(value, list) and block.multiselect else [value]
        ok = block.allow_custom_value or all(
            isinstance(v, str | int | float) and v in offered for v in values
        )
        return "" if ok else "不在可选项中"
    if isinstance(block, gr.Dataset):
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(block.raw_samples)
        return "" if ok else "没有这个示例"
    if isinstance(block, gr.File):
        return file_problem(block, value)
    return ""


def file_problem(block: Any, value: Any) -> str:
    """A file input must be an upload of this server (in Gradio's upload folder) of an accepted type."""
    from gradio.utils import get_upload_folder

    files = value if isinstance(value, list) and block.file_count != "single" else [value]
    for item in files:
        path = item.get("path") if isinstance(item, dict) else None
        if not isinstance(path, str) or not path:
            return "应为上传的文件"
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(Path(get_upload_folder()).resolve()):
            return "不是本服务器上传的文件"
        kinds = [t.lower() for t in block.file_types or []]
        if kinds and all(t.startswith(".") for t in kinds) and resolved.suffix.lower() not in kinds:
            return "文件类型不被接受"
    return ""


def event_known(blocks: Any, event_id: str) -> bool:
    """Gradio still holds this event (queued, running, or its result not yet read)."""
    queue = blocks._queue
    return event_id in queue.event_ids_to_events or any(
        event_id in ids for ids in queue.pending_event_ids_session.values()
    )


def stream_known(blocks: Any, session_hash: str) -> bool:
    """Gradio has messages waiting for this session (an open /queue/data stream can be served)."""
    return session_hash in blocks._queue.pending_messages_per_session


def quiet_inputs(blocks: Any) -> None:
    """An input a component of `blocks` refuses reaches the caller as an error message, and the log as one
    line, instead of a traceback printed by Gradio's queue."""
    from gradio.exceptions import Error

    original = blocks.preprocess_data

    async def preprocess_data(block_fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original(block_fn, *args, **kwargs)
        except Exception as err:
            reason = err.message if isinstance(err, Error) else f"{type(err).__name__}"
            log.info("input refused by %s: %s", block_fn.api_name or block_fn.name, str(reason)[:200])
            raise Error("请求格式不正确：输入不可用。", print_exception=False) from None

    blocks.preprocess_data = preprocess_data
