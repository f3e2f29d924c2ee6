"""Browser fixtures: the built web app, the real app server, headless Debian Chromium, screenshots."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, ROOT, ensure_web_built, missing_reason, running_app

OUTPUT_ROOT = ROOT / "test-output" / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = missing_reason()
    for item in items:
        if "browser" in item.keywords and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def web_dist() -> None:
    try:
        ensure_web_built()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def app_url(web_dist: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app in local mode (auth off) with a fresh data folder."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    with running_app(data_dir, data_dir / "server.log") as url:
        yield url


# Module scope, not session: the sync Playwright API keeps an asyncio loop running in the main thread
# while it is open, which breaks every later test that runs an event loop (asyncio.run, anyio tests).
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest, output_dir: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context; on failure the page as it was is saved as failure.png."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    if request.node.stash.get(CALL_FAILED, False):
        pg.screenshot(path=str(output_dir / "failure.png"), full_page=True)
    context.close()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """test-output/e2e/<test name>/ (gitignored), emptied first."""
    folder = OUTPUT_ROOT / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture
def shot(page, output_dir: Path) -> Callable[[str], Path]:  # type: ignore[no-untyped-def]
    """shot("step") saves NN-step.png of the whole page under the test's output folder."""
    counter = {"n": 0}

    def take(step: str, target=None) -> Path:  # type: ignore[no-untyped-def]
        counter["n"] += 1
        path = output_dir / f"{counter['n']:02d}-{step}.png"
        if target is None:
            page.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path

    return take
