"""The README's picture of a report: the top of a district report (督导意见) from `make audit`'s output, as
headless Chromium shows it on a 1280-pixel screen (the browser tests' client, tests/output/chromium.py).

    make audit && .venv/bin/python docs/img/screenshot.py out/大东区.html docs/img/district-report.png
"""
from __future__ import annotations

import base64
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tests", "output"))
from chromium import Chromium, find_chromium  # noqa: E402

WIDTH, HEIGHT = 1280, 1000


def main(page: str, png: str) -> int:
    binary = find_chromium()
    if binary is None:
        print("no chromium on this machine (make browser installs it as root)", file=sys.stderr)
        return 2
    browser = Chromium(binary)
    try:
        browser.viewport(WIDTH, HEIGHT)
        report = browser.open("file://" + urllib.parse.quote(os.path.abspath(page)))
        if report["errors"]:
            print(f"{page}: the page reported errors: {report['errors']}", file=sys.stderr)
            return 1
        shot = browser.call("Page.captureScreenshot", session=True, format="png",
                            clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT, "scale": 1})
    finally:
        browser.close()
    with open(png, "wb") as handle:
        handle.write(base64.b64decode(shot["data"]))
    print(f"wrote {png} ({WIDTH}x{HEIGHT}) from {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]) if len(sys.argv) == 3 else (print(__doc__, file=sys.stderr) or 2))
