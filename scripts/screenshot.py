"""Screenshot pages of a running mnist-dash in headless Chromium: python scripts/screenshot.py URL OUT.png [wait-text]."""

import sys

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    url, out = sys.argv[1], sys.argv[2]
    wait_text = sys.argv[3] if len(sys.argv) > 3 else None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": int(sys.argv[4]) if len(sys.argv) > 4 else 1800})
        page.goto(url)
        page.wait_for_selector("[data-testid='stApp']")
        if wait_text:
            page.get_by_text(wait_text).first.wait_for(timeout=30000)
        page.wait_for_timeout(2500)
        page.screenshot(path=out)
        browser.close()


if __name__ == "__main__":
    main()
