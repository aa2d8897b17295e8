#!/usr/bin/env python3
"""Tests the verification page (web/) in headless Chromium, serving a copy of web/ alone (built by
scripts/wasm-build.sh: the page's copy of the package is web/vendor/zkml-verifier):

    python3 scripts/browser_page_test.py [--screenshots DIR]

- the MNIST fixture (tests/fixtures/mlp/mnist_mlp.vk, .proof, .digest), picked in the file inputs
  with the digest typed in, verifies: the badge says "valid", the sentence names the model and its
  shortened digest "(pinned)", the full digest is shown, the prediction is the argmax's label
  ("Predicted class: 2") or its index when the key has no labels, the input is drawn on a canvas,
  the dev-SRS warning shows; on a desktop (1280 px) and a phone (390 px) viewport, neither of which
  scrolls sideways (document.documentElement.scrollWidth <= window.innerWidth); a full-page
  screenshot of each goes to DIR (default: a temporary directory, removed) as page-desktop.png and
  page-phone.png;
- without the digest: "(not pinned)" and the warning to compare the digest;
- a model without labels or an image-like input (the deep MLP fixture): "output index N", no image;
- a proof made with a changed weight: the badge says "invalid", with the code INVALID_PROOF;
- the .wasm missing (HTTP 404), or the package's script missing: the page shows an error, visibly.

Drives Debian's chromium through chromedriver with the helpers of scripts/browser_verify.py
(CHROMIUM and CHROMEDRIVER override where they are found). Exit status 0 when every check holds, 1
when one fails, 2 when the browser could not be driven.
"""
import argparse
import base64
import functools
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_verify as bv  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEB = os.path.join(ROOT, "web")
MLP = os.path.join(ROOT, "tests", "fixtures", "mlp")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the WebDriver element reference key
TIMEOUT = 60  # seconds for the page to reach a state


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)
    print(f"  ok: {what}")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    """Serves `directory` alone on a free 127.0.0.1 port; returns (server, base URL)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def site_copy(tmp, name, drop=()):
    """A copy of web/ (what a deployment serves), less the paths in `drop`."""
    site = os.path.join(tmp, name)
    shutil.copytree(WEB, site, ignore=shutil.ignore_patterns("README.md"))
    for rel in drop:
        path = os.path.join(site, rel)
        (shutil.rmtree if os.path.isdir(path) else os.remove)(path)
    return site


class Page:
    def __init__(self, base, session):
        self.base, self.s = base, f"/session/{session}"

    def cdp(self, cmd, params=None):
        return bv.call(self.base, "POST", self.s + "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def js(self, script, *args):
        return bv.call(self.base, "POST", self.s + "/execute/sync", {"script": script, "args": list(args)}, timeout=45)

    def viewport(self, width, height, scale, mobile):
        self.cdp("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})

    def open(self, url):
        bv.call(self.base, "POST", self.s + "/url", {"url": url}, timeout=TIMEOUT)

    def element(self, css):
        return bv.call(self.base, "POST", self.s + "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css, text):
        bv.call(self.base, "POST", f"{self.s}/element/{self.element(css)}/value", {"text": text})

    def click(self, css):
        bv.call(self.base, "POST", f"{self.s}/element/{self.element(css)}/click", {})

    def wait(self, script, what):
        deadline = time.monotonic() + TIMEOUT
        while True:
            value = self.js(script)
            if value:
                return value
            if time.monotonic() > deadline:
                status = self.js("return document.querySelector('#result').textContent")
                raise CheckFailed(f"timed out waiting for {what} (the page says: {status})")
            time.sleep(0.1)

    def visible_text(self, css):
        """The text of `css` when it is rendered (not hidden, non-empty box), else None."""
        return self.js("const e = document.querySelector(arguments[0]);"
                       "if (!e || e.closest('[hidden]')) return null;"
                       "const r = e.getBoundingClientRect();"
                       "return r.width > 0 && r.height > 0 ? e.textContent.replace(/\\s+/g, ' ').trim() : null;", css)

    def no_sideways_scroll(self):
        return self.js("return [document.documentElement.scrollWidth, window.innerWidth]")

    def screenshot(self, path):
        height = self.js("return Math.ceil(document.documentElement.scrollHeight)")
        metrics = self.js("return [window.innerWidth, window.innerHeight, window.devicePixelRatio]")
        width, old_height, scale = metrics
        self.viewport(width, max(height, old_height), scale, width < 500)
        data = self.cdp("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        self.viewport(width, old_height, scale, width < 500)
        print(f"  screenshot: {path}")


def verify_files(page, url, vk, proof, digest=None):
    """Loads the page, picks the files, types the digest, presses Verify; returns zkmlResult."""
    page.open(url)
    page.wait("return document.querySelector('#result').textContent !== 'Loading the verifier…'", "the verifier to load")
    page.type("#vk-file", vk)
    page.type("#proof-file", proof)
    if digest:
        page.type("#digest-input", digest)
    page.wait("return !document.querySelector('#verify').disabled", "the Verify button")
    page.click("#verify")
    page.wait("return document.body.dataset.verdict || ''", "a verdict")
    return page.js("return window.zkmlResult")


def argmax(values):
    return max(range(len(values)), key=lambda i: (values[i], -i))


def check_valid_model(page, r, digest, pinned, name):
    check(r["verdict"] == "valid", f"verdict valid ({r.get('error')})")
    check(page.visible_text("#badge") == "valid", "the badge says valid")
    short = f"{digest[:6]}…{digest[-6:]}"
    model = f"the model “{name}”" if name else "a model"
    sentence = (f"This output was computed by {model} whose digest is {short} "
                f"({'pinned' if pinned else 'not pinned'}).")
    check(page.visible_text("#sentence") == sentence, f"the sentence: {sentence}")
    check(page.visible_text("#full-digest-value") == digest, "the full digest is shown")
    warning = page.visible_text("#pin-warning")
    if pinned:
        check(warning is None, "no warning about the digest when it is pinned")
    else:
        check(warning is not None and "any model verifies its own proofs" in warning
              and "compare the digest" in warning.lower(), "the warning to compare the digest")
    if r["srs"] == "dev":
        dev = page.visible_text("#warning")
        check(dev is not None and "development SRS" in dev, "the dev-SRS warning")
    top = argmax(r["outputs"][0])
    labels = r.get("labels") or []
    expected = (f"Predicted class: {labels[top]}" if len(labels) == len(r["outputs"][0])
                else f"Largest output: output index {top} (the key carries no class labels)")
    check(page.visible_text("#prediction") == expected, f"the prediction: {expected}")
    return top


def run(base, session, tmp, shots):
    page = Page(base, session)
    digest = open(os.path.join(MLP, "mnist_mlp.digest")).readline().strip().lower()
    vk, proof = os.path.join(MLP, "mnist_mlp.vk"), os.path.join(MLP, "mnist_mlp.proof")
    expected = json.load(open(os.path.join(MLP, "mnist_mlp.expected.json")))["output_data"][0]

    site = site_copy(tmp, "site")
    server, url = serve(site)
    try:
        for label, (width, height, scale, mobile), shot in [
            ("desktop, 1280 px", (1280, 900, 1, False), "page-desktop.png"),
            ("phone, 390 px", (390, 844, 2, True), "page-phone.png"),
        ]:
            print(f"mnist_mlp, digest pinned ({label}), serving {site} alone")
            page.viewport(width, height, scale, mobile)
            r = verify_files(page, f"{url}/index.html", vk, proof, digest)
            top = check_valid_model(page, r, digest, True, "mnist_mlp")
            check(top == argmax(expected), "the predicted class is the float model's")
            canvas = page.js("const c = document.querySelector('#input-canvas');"
                             "return c.closest('[hidden]') ? null : [c.width, c.height, c.getBoundingClientRect().width]")
            check(canvas is not None and canvas[0] == canvas[1] and canvas[0] % 28 == 0 and canvas[0] >= 112,
                  f"the 28 x 28 input drawn on a canvas, scaled up by a whole factor ({canvas})")
            check(r["image"] == {"width": 28, "height": 28, "channels": 1}, f"image geometry {r['image']}")
            sw, iw = page.no_sideways_scroll()
            check(sw <= iw, f"no horizontal overflow (scrollWidth {sw} <= innerWidth {iw})")
            page.screenshot(os.path.join(shots, shot))

        print("mnist_mlp, no digest (phone)")
        r = verify_files(page, f"{url}/index.html", vk, proof)
        check_valid_model(page, r, digest, False, "mnist_mlp")
        sw, iw = page.no_sideways_scroll()
        check(sw <= iw, f"no horizontal overflow (scrollWidth {sw} <= innerWidth {iw})")
        page.screenshot(os.path.join(shots, "page-phone-unpinned.png"))

        print("deep MLP: no name, no labels, 16 inputs (desktop)")
        page.viewport(1280, 900, 1, False)
        deep_digest = open(os.path.join(MLP, "deep_mlp.digest")).readline().strip().lower()
        r = verify_files(page, f"{url}/index.html", os.path.join(MLP, "deep_mlp.vk"),
                         os.path.join(MLP, "deep_mlp.proof"), deep_digest)
        check_valid_model(page, r, deep_digest, True, r.get("modelName") or "")
        check(page.visible_text("#input-figure") is None, "no image for a 16-value input")

        print("a proof made with a changed weight")
        r = verify_files(page, f"{url}/index.html", vk, os.path.join(MLP, "wrong_weight.proof"), digest)
        check(r["verdict"] == "invalid" and r["code"] == "INVALID_PROOF", f"invalid, INVALID_PROOF ({r.get('code')})")
        check(page.visible_text("#badge") == "invalid", "the badge says invalid")
        sentence = page.visible_text("#sentence") or ""
        check(sentence.startswith("This proof does not verify: "), f"the sentence: {sentence}")
        check(page.visible_text("#code") == "INVALID_PROOF", "the code is shown")
        check(page.visible_text("#prediction") is None, "no prediction")
    finally:
        server.shutdown()

    for name, drop, pattern in [
        ("the .wasm missing (HTTP 404)", ["vendor/zkml-verifier/web/zkml_verifier_bg.wasm"], "404"),
        ("the package's script missing", ["vendor"], "cannot load the verifier's script"),
    ]:
        print(f"{name}: the page shows an error")
        site = site_copy(tmp, f"site-{len(drop[0])}", drop)
        server, url = serve(site)
        try:
            page.open(f"{url}/index.html")
            verdict = page.wait("return document.body.dataset.verdict || ''", "the page to report")
            check(verdict == "error", f"verdict error ({verdict})")
            result = page.visible_text("#result") or ""
            check("cannot load the verifier" in result and pattern in result, f"a visible error: {result}")
            check(page.visible_text("#badge") == "error", "the badge says error")
            check((page.visible_text("#sentence") or "").startswith("The verification could not run"),
                  "the sentence says the verification could not run")
            check(page.js("return document.querySelector('#verify').disabled"), "the Verify button stays disabled")
        finally:
            server.shutdown()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--screenshots", help="directory for page-desktop.png and page-phone.png")
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(WEB, "vendor", "zkml-verifier", "index.js")):
        print("browser-page-test: web/vendor/zkml-verifier is missing; build it with: bash scripts/wasm-build.sh",
              file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="browser-page-test-")
    shots = args.screenshots or tmp
    os.makedirs(shots, exist_ok=True)
    driver = session = None
    try:
        bv.check_executable(bv.CHROMEDRIVER, "chromedriver", "CHROMEDRIVER")
        bv.check_executable(bv.CHROMIUM, "chromium", "CHROMIUM")
        driver, base, log_path = bv.start_driver(tmp)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": bv.CHROMIUM, "args": bv.FLAGS + [f"--user-data-dir={os.path.join(tmp, 'profile')}"]}}}}
        try:
            session = bv.call(base, "POST", "/session", caps, timeout=60)["sessionId"]
        except (bv.WebDriverError, OSError, KeyError, TypeError) as e:
            raise bv.Failure(f"browser-page-test: cannot start {bv.CHROMIUM}: {e}\n{bv.log_tail(log_path)}") from None
        run(base, session, tmp, shots)
        print("browser page test: every check holds")
        return 0
    except CheckFailed as e:
        print(f"browser page test: FAILED: {e}", file=sys.stderr)
        return 1
    except bv.Failure as e:
        print(e, file=sys.stderr)
        return 2
    except (bv.WebDriverError, OSError, ValueError, KeyError) as e:
        print(f"browser-page-test: driving Chromium failed: {e}", file=sys.stderr)
        return 2
    finally:
        if session:
            try:
                bv.call(base, "DELETE", f"/session/{session}", timeout=15)
            except (OSError, bv.WebDriverError, ValueError):
                pass
        if driver:
            bv.stop_driver(driver)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
