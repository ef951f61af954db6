"""Portal fixtures.

* ``portal`` — the app in-process (``TestClient`` over HTTPS: the session cookie is
  ``Secure``) on a fresh SQLite database with the demo organisations and users;
  ``portal.client_for("demo.trader")`` is a signed-in client, ``portal.csrf(client)`` its
  CSRF token for form posts.
* ``live_node`` — a whole node (``singlewindow run``: API, exchange workers, simulated
  agencies except ``CUS5200``, whose officer decides in the portal) in its own process on a
  loopback port, for the browser tests; one per test module.
* ``browser`` — headless Chromium from Debian (``/usr/bin/chromium``, or ``SW_CHROMIUM``)
  driven by Playwright. Without it the browser tests are skipped with a message saying how to
  install it. ``signed_in_page(user)`` opens a page signed in through the login form;
  ``screenshot(page, name)`` saves ``test-artifacts/screenshots/<name>.png``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from singlewindow.demo.harness import NodeProcess
from singlewindow.demo.seed import (
    DemoPartner,
    DemoTrader,
    ensure_demo_partners,
    ensure_demo_traders,
)
from singlewindow.demo.users import DemoUser, ensure_demo_users
from singlewindow.identity import passwords
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.node import bootstrap

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


_LAST_STEP: dict[tuple[str, str], int] = {}


def fresh_code(user: DemoUser, node: str = "") -> str:
    """The user's TOTP code for a step not used yet on this node (a code is accepted once:
    a second sign-in within the same 30 s waits for the next step); "" without TOTP."""
    import time

    from singlewindow.identity import totp

    if user.totp_secret is None:
        return ""
    key = (node, user.username)
    while totp.current_step() <= _LAST_STEP.get(key, -1):
        time.sleep(0.5)
    step = totp.current_step()
    _LAST_STEP[key] = step
    return totp.code_at(user.totp_secret, step)


@dataclass
class Portal:
    settings: Settings
    db: Database
    app: Any
    traders: list[DemoTrader]
    partners: dict[str, DemoPartner]
    users: dict[str, DemoUser]
    clients: list[TestClient] = field(default_factory=list)

    def client(self) -> TestClient:
        """A client with no session (follows no redirects: tests look at them)."""
        c = TestClient(self.app, base_url="https://testserver", follow_redirects=False)
        c.__enter__()
        self.clients.append(c)
        return c

    def client_for(self, username: str) -> TestClient:
        """A client signed in as a demo user through the login form."""
        user = self.users[username]
        c = self.client()
        r = c.post(
            "/portal/login",
            data={
                "username": user.username,
                "password": user.password,
                "totp": fresh_code(user, str(id(self))),
            },
        )
        assert r.status_code == 303, r.text
        return c

    @staticmethod
    def csrf(client: TestClient) -> str:
        token = client.cookies.get("sw_csrf")
        assert token, "not signed in"
        return str(token)

    def close(self) -> None:
        for c in self.clients:
            c.__exit__(None, None, None)


@pytest.fixture
def portal(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    from singlewindow.app import create_app

    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=sqlite_url,
        run_workers=False,
        run_simulator=False,
    )
    db = Database(sqlite_url)
    with db.unit_of_work() as session:
        bootstrap(session, settings)
        traders = ensure_demo_traders(session, settings)
        partners = ensure_demo_partners(session)
        users = ensure_demo_users(session, settings, traders[0].code, partners["terminal"].code)
    p = Portal(
        settings, db, create_app(settings, db), traders, partners, {u.username: u for u in users}
    )
    yield p
    p.close()
    db.dispose()


# --- the browser ---


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("SW_CHROMIUM"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


NO_BROWSER = (
    "headless Chromium not found: install Debian's browser (`apt-get install chromium`, as root) "
    "or set SW_CHROMIUM to a Chromium binary; the browser tests were skipped"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module: Playwright's sync API keeps an event loop running in the thread while it is
    started, which would break later non-browser tests on the same worker (asyncio.run)."""
    path = chromium_path()
    if path is None:
        pytest.skip(NO_BROWSER)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev dependency
        pytest.skip("playwright is not installed: run `make setup`")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live_node() -> Iterator[NodeProcess]:
    node = NodeProcess(
        env={
            "SW_COOKIE_SECURE": "false",  # plain HTTP on loopback
            "SW_SIM_LATENCY_SECONDS": "0",
            "SW_SIM_REJECTION_RATE": "0",
            "SW_SIM_INSPECTION_RATE": "0",
            "SW_SIM_SEED": "6",
        }
    )
    node.prepare()
    node.start()
    yield node
    node.cleanup()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keeps each phase's report on the item, so that a fixture's teardown knows whether the
    test failed (``item.rep_call``)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "rep_call", None)
    return report is not None and report.failed


def _print_diagnostics(pages: list[Any], node: NodeProcess) -> None:
    """What a failed browser test leaves for whoever reads the CI log: where each page was,
    what it showed, and the end of the node's log."""
    for page in pages:
        try:
            body = page.locator("body").inner_text(timeout=2_000)
        except Exception as exc:  # a closed or crashed page still gets its line
            body = f"(no text: {exc})"
        print(f"--- page {page.url}\n{body[:3000]}")
    for log in (node.log_path, node.data_dir / "simulator.log" if node.data_dir else None):
        if log is not None and log.exists():
            tail = log.read_text(errors="replace").splitlines()[-80:]
            print(f"--- last lines of {log}\n" + "\n".join(tail))


@pytest.fixture
def signed_in_page(
    browser: Any, live_node: NodeProcess, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """``signed_in_page("demo.trader", lang="zh")``: a new browser context signed in through
    the login form (viewport of a laptop; ``tablet=True`` for 1024×768)."""
    contexts: list[Any] = []

    def open_page(
        username: str, *, lang: str = "zh", tablet: bool = False, bypass_csp: bool = False
    ) -> Any:
        user = next(u for u in live_node.users if u.username == username)
        context = browser.new_context(
            viewport={"width": 1024, "height": 768} if tablet else {"width": 1366, "height": 900},
            locale="zh-CN" if lang == "zh" else "en-US",
            base_url=live_node.base_url,
            bypass_csp=bypass_csp,  # only to inject a test tool (axe-core) into the page
        )
        contexts.append(context)
        context.add_cookies([{"name": "sw_lang", "value": lang, "url": live_node.base_url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/portal/login")
        page.fill("#username", user.username)
        page.fill("#password", user.password)
        code = fresh_code(user, live_node.base_url)
        if code:
            page.fill("#totp", code)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/portal/login" not in page.url, page.content()[:2000]
        return page

    yield open_page
    if _failed(request):
        _print_diagnostics([p for c in contexts for p in c.pages], live_node)
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    def take(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
