#!/usr/bin/env python3
"""Loads a page in headless Chromium through ChromeDriver (WebDriver over HTTP on 127.0.0.1),
waits until the page sets document.body.dataset.verdict, and prints "<verdict> <#result text>".

    python3 scripts/browser_verify.py URL

Uses only the standard library. Unlike --dump-dom with a virtual time budget, the page's clock runs
in real time, so the verification time it reports is real. Exit 0 when a verdict was read, 2 when
the browser could not be driven or the page never reported.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}").get("value")


def main():
    if len(sys.argv) != 2:
        print("usage: browser_verify.py URL", file=sys.stderr)
        return 2
    url = sys.argv[1]
    for exe in (CHROMEDRIVER, CHROMIUM):
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            print(f"browser-verify: {exe} not found (install chromium and chromium-driver)", file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix="browser-verify-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(tmp, "chromedriver.log"), "w")
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=log, stderr=log)
    session = None
    try:
        deadline = time.time() + 20
        while True:
            try:
                if call(base, "GET", "/status", timeout=2).get("ready"):
                    break
            except OSError:
                pass
            if time.time() > deadline or driver.poll() is not None:
                print("browser-verify: chromedriver did not start", file=sys.stderr)
                return 2
            time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": FLAGS + [f"--user-data-dir={os.path.join(tmp, 'profile')}"]}}}}
        session = call(base, "POST", "/session", caps, timeout=60)["sessionId"]
        call(base, "POST", f"/session/{session}/url", {"url": url}, timeout=60)
        script = {"script": "return [document.body ? (document.body.dataset.verdict || '') : '',"
                            " (document.querySelector('#result') || {}).textContent || ''];", "args": []}
        deadline = time.time() + 60
        while time.time() < deadline:
            verdict, result = call(base, "POST", f"/session/{session}/execute/sync", script)
            if verdict:
                print(verdict, " ".join(result.split()))
                return 0
            time.sleep(0.1)
        print("browser-verify: the page never reported a verdict", file=sys.stderr)
        return 2
    except (OSError, KeyError, TypeError, ValueError) as e:
        print(f"browser-verify: driving Chromium failed: {e}", file=sys.stderr)
        return 2
    finally:
        if session:
            try:
                call(base, "DELETE", f"/session/{session}", timeout=10)
            except OSError:
                pass
        driver.terminate()
        try:
            driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
