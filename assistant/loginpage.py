"""The helpdesk's own login, logout and sessions on the FastAPI app, in front of the Gradio page.

GET /helpdesk/login is a Chinese form (no script); POST /helpdesk/login checks it through the throttled
`LoginGate` and opens a session (cookie `bqa-helpdesk`, HttpOnly, SameSite=Lax, path /helpdesk). A browser
gets pages and redirects; any other client (gradio_client, scripts) gets JSON: 200 `{"success": true}`,
400 wrong name or password, 429 wait or locked (with Retry-After), 503 too many logins at once.
/helpdesk/logout ends the session. `session_user` is the Gradio mount's `auth_dependency`.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.login import Busy, LoginGate, LoginPool, LoginSettings, Outcome
from assistant.sessions import SessionStore
from assistant.throttle import wait_text

COOKIE = "bqa-helpdesk"
PREFIX = "/helpdesk"
MAX_USER, MAX_PASSWORD = 128, 1024
WRONG = "用户名或密码不正确。"
BUSY = "登录请求过多，请稍后再试。"
BAD_FORM = "请求格式不正确：请填写用户名和密码。"
LOGGED_OUT = "已退出登录。"
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


def login_html(message: str = "", user: str = "") -> str:
    """The login page (Chinese, no script): the form, and `message` above it (escaped)."""
    note = f'<p class="note" role="alert">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>预算问答 · 服务台登录</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; background: #f3f4f6;
  margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }}
main {{ background: #fff; padding: 2em; border-radius: 8px; width: min(22em, 90vw);
  box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.25em; margin: 0 0 1em; }}
label {{ display: block; margin: .8em 0 .3em; }}
input {{ width: 100%; box-sizing: border-box; padding: .5em; font-size: 1em; }}
button {{ margin-top: 1.2em; width: 100%; padding: .6em; font-size: 1em; background: #1d4ed8; color: #fff;
  border: 0; border-radius: 4px; cursor: pointer; }}
.note {{ color: #b91c1c; }}
</style></head>
<body><main>
<h1>预算问答 · 服务台：请登录</h1>
{note}
<form method="post" action="{PREFIX}/login">
<label for="username">用户名</label>
<input id="username" name="username" autocomplete="username" required autofocus value="{html.escape(user)}">
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button>
</form>
</main></body></html>"""


def refusal(outcome: Outcome, now: float) -> tuple[int, str]:
    """(HTTP status, message) for a login that did not succeed."""
    verdict = outcome.verdict
    if not outcome.checked:
        if verdict.kind == "locked":
            return 429, f"登录失败次数过多，已暂时锁定，请 {wait_text(verdict, now)}后再试。"
        return 429, f"尝试过于频繁，请 {wait_text(verdict, now)}后再试。"
    if verdict.kind == "locked":
        return 400, f"{WRONG}登录失败次数过多，已暂时锁定，请 {wait_text(verdict, now)}后再试。"
    if verdict.kind == "wait":
        return 400, f"{WRONG}请 {wait_text(verdict, now)}后再试。"
    return 400, WRONG


def session_user(sessions: SessionStore) -> Callable[[Any], str | None]:
    """Gradio's `auth_dependency`: the user of the request's live session, else None (401)."""
    return lambda request: sessions.user(request.cookies.get(COOKIE))


def add_login_routes(app: Any, gate: LoginGate, pool: LoginPool, sessions: SessionStore) -> None:
    """GET/POST /helpdesk/login and GET/POST /helpdesk/logout; add them before mounting the helpdesk."""
    routes = LoginRoutes(gate, pool, sessions)
    app.add_api_route(f"{PREFIX}/login", routes.show, methods=["GET"], include_in_schema=False)
    app.add_api_route(f"{PREFIX}/login", routes.login, methods=["POST"], include_in_schema=False)
    app.add_api_route(f"{PREFIX}/logout", routes.logout, methods=["GET", "POST"], include_in_schema=False)


class LoginRoutes:
    """What the login and logout routes do."""

    def __init__(self, gate: LoginGate, pool: LoginPool, sessions: SessionStore):
        self.gate, self.pool, self.sessions = gate, pool, sessions
        self.settings: LoginSettings = gate.settings

    def show(self, request: Request) -> Response:
        if self.sessions.user(request.cookies.get(COOKIE)):
            return RedirectResponse(f"{PREFIX}/", status_code=303)
        return page(LOGGED_OUT if "out" in request.query_params else "")

    async def login(self, request: Request) -> Response:
        browser = "text/html" in request.headers.get("accept", "")
        try:
            form = await request.form(max_files=0, max_fields=8)
            user = str(form.get("username") or "").strip()[:MAX_USER]
            password = str(form.get("password") or "")[:MAX_PASSWORD]
        except Exception:  # not a form, a file in it, too many fields: one answer, nothing checked
            user, password = "", ""
        if not user or not password:
            return answer(browser, 400, BAD_FORM, user)
        address = request.client.host if request.client else "unknown"
        try:
            outcome = await self.decide(user, password, address)
        except Busy:
            return answer(browser, 503, BUSY, user, retry=1)
        if outcome.ok:
            return self.opened(request, browser, user)
        now = self.gate.clock()
        status, message = refusal(outcome, now)
        return answer(browser, status, message, user, retry=outcome.verdict.seconds(now))

    async def decide(self, user: str, password: str, address: str) -> Outcome:
        """A try that may not be checked now (throttled, or its account or address already being checked)
        is refused at once; only the others queue for a password check."""
        refused = await asyncio.to_thread(self.gate.precheck, user, address)
        if refused is not None:
            return refused
        with self.gate.checking(user, address) as refused:
            return refused or await self.pool.run(self.gate.attempt, user, password, address)

    def opened(self, request: Request, browser: bool, user: str) -> Response:
        """The answer to a right password: a new session in the cookie, then the helpdesk."""
        done = RedirectResponse(f"{PREFIX}/", status_code=303) if browser else JSONResponse({"success": True})
        done.set_cookie(
            COOKIE,
            self.sessions.open(user),
            max_age=int(self.settings.lifetime),
            path=PREFIX,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return done

    def logout(self, request: Request) -> Response:
        self.sessions.close(request.cookies.get(COOKIE))
        done = RedirectResponse(f"{PREFIX}/login?out=1", status_code=303)
        done.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="lax")
        return done


def page(message: str = "", user: str = "", status: int = 200) -> HTMLResponse:
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": PAGE_CSP}
    return HTMLResponse(login_html(message, user), status_code=status, headers=headers)


def answer(browser: bool, status: int, message: str, user: str = "", retry: int = 0) -> Response:
    """A refused login: the form again with the message for a browser, JSON for any other client."""
    headers = {"Retry-After": str(retry)} if retry else {}
    if browser:
        shown = page(message, user, status)
        shown.headers.update(headers)
        return shown
    body: dict[str, Any] = {"error": message, **({"retry_after": retry} if retry else {})}
    return JSONResponse(body, status, headers)


class LoginRedirect:
    """ASGI middleware: the helpdesk page without a live session redirects to the login form (Gradio
    itself would answer 401 in JSON)."""

    def __init__(self, app: Any, sessions: SessionStore):
        self.app, self.sessions = app, sessions

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.refused(scope):
            await RedirectResponse(f"{PREFIX}/login", status_code=303)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refused(self, scope: dict[str, Any]) -> bool:
        page = (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and scope["path"] in (PREFIX, f"{PREFIX}/")
        )
        return page and not self.sessions.user(Request(scope).cookies.get(COOKIE))
