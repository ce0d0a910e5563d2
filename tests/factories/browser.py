"""Debian's Chromium driven by Playwright: where it is, how it starts, signing in to the admin, and
axe-core's accessibility check (installed from npm by scripts/test.sh, injected by the test)."""

import json

from factories import PASSWORD, ROOT

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]


def sign_in(page, base: str, username: str) -> None:
    """Sign in through the admin's login page and wait for its menu."""
    page.goto(f"{base}/admin/")
    page.wait_for_selector("input[type=password]")
    page.fill("input[name=username]", username)
    page.fill("input[type=password]", PASSWORD)
    page.press("input[type=password]", "Enter")
    page.wait_for_selector("text=Học viên và đơn vị")


def axe_violations(page) -> list[str]:
    """axe-core's critical and serious violations on the page. The page's context must bypass the CSP
    (``bypass_csp=True``): the script is injected by the test, never fetched by the browser."""
    assert AXE.is_file(), f"{AXE} is missing: scripts/test.sh installs axe-core from npm"
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = json.loads(page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))"))
    return [f"{page.url} {rule['id']} ({rule['impact']}, {len(rule['nodes'])}): "
            f"{[node['html'][:160] for node in rule['nodes']][:6]}"
            for rule in result["violations"] if rule["impact"] in ("critical", "serious")]
