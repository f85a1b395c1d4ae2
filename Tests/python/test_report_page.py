"""report.html in a real headless browser (Debian's chromium and chromium-driver, driven by
selenium): no console errors, every figure loaded, nothing fetched from the network, links
that lead to files, nothing wider than a 1280-pixel window; the screenshots are kept under the
test output folder."""
import os
import re
import shutil
from urllib.parse import unquote, urlparse

import pytest

WIDTH = 1280


def find(*names):
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = find("chromium", "chromium-browser"), find("chromedriver")
    if not chromium or not driver:
        pytest.fail("the report test needs Debian's chromium and chromium-driver (scripts/install-deps.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)  # both paths given: nothing is downloaded
    yield session
    session.quit()


def test_report_page_loads_every_figure_without_errors(browser, report_dir, output_dir):
    page = os.path.join(report_dir, "report.html")
    html = open(page, encoding="utf-8").read()
    assert "<script" not in html.lower(), "the page must work without scripts"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the page must not load anything from the network"

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    browser.get("file://" + os.path.abspath(page))
    assert browser.title == "GEMBench report"
    problems = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert not problems, problems
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])")
    figures = [n for n in os.listdir(os.path.join(report_dir, "figures")) if n.endswith(".svg")]
    assert len(images) == len(figures)
    for alt, complete, width, height in images:
        assert alt and complete and width > 100 and height > 100, (alt, complete, width, height)
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(not name.startswith("http") for name in fetched), fetched

    # every link inside the page leads to an existing file (figures, run files) or an anchor of it
    links = browser.execute_script("return Array.from(document.links).map(a => a.href)")
    anchors = set(browser.execute_script("return Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
    assert any(link.endswith(".h5") for link in links) and any(link.endswith(".svg") for link in links)
    assert sum(link.endswith((".pdf", ".png")) for link in links) == 2 * len(figures), "each figure's PDF and PNG"
    for link in links:
        target = urlparse(link)
        assert target.scheme == "file", link
        if target.fragment:
            assert target.fragment in anchors, link
        else:
            assert os.path.isfile(unquote(target.path)), link

    # at 1280 pixels nothing scrolls sideways: not the page, and no figure inside its frame
    # (before, the metrics figure was up to 3,016 pixels wide and forgetting sat behind a scroll bar)
    assert browser.execute_script("return document.scrollingElement.scrollWidth") <= WIDTH
    wide = browser.execute_script("""return Array.from(document.querySelectorAll('body *'))
        .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth)
        .map(e => e.tagName + ' ' + (e.alt || e.id || '') + ': ' + e.scrollWidth + ' > ' + e.clientWidth)""")
    assert not wide, wide
    # each figure at its own size, not scaled down to fit
    sizes = browser.execute_script("return Array.from(document.images).map(i => [i.alt, i.width, i.naturalWidth])")
    assert all(abs(shown - natural) <= 1 for _, shown, natural in sizes), sizes

    browser.save_screenshot(os.path.join(output_dir, "report-top.png"))
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": WIDTH, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": False})
    shot = os.path.join(output_dir, "report.png")
    browser.save_screenshot(shot)
    assert os.path.getsize(shot) > 50_000
