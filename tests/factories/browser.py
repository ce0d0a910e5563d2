"""Debian's Chromium driven by Playwright: where it is, how it starts, and signing in to the admin."""

from factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"


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
