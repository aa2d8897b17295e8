#!/usr/bin/env python3
"""Loads a page in headless Chromium through ChromeDriver (WebDriver over HTTP on 127.0.0.1),
waits until the page sets document.body.dataset.verdict, and prints one line of JSON:

    {"verdict": "valid" | "invalid" | "error", "summary": "<#result text>", "result": {...} | null}

where "result" is the page's window.zkmlResult (web/main.js: kind, modelDigest or vkDigest,
outputs, argmax, srs, pairings, ms, error).

    python3 scripts/browser_verify.py URL

Uses only the standard library. Unlike --dump-dom with a virtual time budget, the page's clock runs
in real time, so the verification time it reports is real.

Environment: CHROMEDRIVER (default: chromedriver on PATH, else /usr/bin/chromedriver) and CHROMIUM
(default: chromium on PATH, else /usr/bin/chromium).

Exit status: 0 when a verdict was read (whatever it is), 2 when the browser could not be driven or
the page never reported (the reason goes to stderr). ChromeDriver and the browser it started are
always stopped, also on errors and on SIGINT, SIGTERM or SIGHUP.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 20  # seconds for ChromeDriver to report ready
VERDICT_TIMEOUT = 60  # seconds for the page to set its verdict
POLL = 0.1  # seconds between polls of the page

# Returns the page's verdict ("" until it has one), its one-line summary and its structured result.
READ_PAGE = ("return [document.body ? (document.body.dataset.verdict || '') : '',"
             " (document.querySelector('#result') || {}).textContent || '',"
             " window.zkmlResult || null];")


class Failure(Exception):
    """A reason to give up, already worded for the user."""


class WebDriverError(Exception):
    """An error answer from ChromeDriver: `error` is the WebDriver error code."""

    def __init__(self, error, message):
        # ChromeDriver's messages often repeat the error code ("session not created: ...").
        super().__init__(message if message.startswith(error) else f"{error}: {message}" if message
                         else error)
        self.error = error


class Interrupted(BaseException):
    """Raised by the signal handler, so that the cleanup in `finally` runs."""


cleaning = False  # set while stopping ChromeDriver and the browser: a signal must not cut that short
pending = None  # a signal that arrived while cleaning


def on_signal(signum, _frame):
    global pending
    # One-shot: a second signal must not interrupt the cleanup that this one starts.
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    if cleaning:
        pending = signal.Signals(signum).name
    else:
        raise Interrupted(signal.Signals(signum).name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, timeout=30):
    """One WebDriver command; returns its `value` or raises WebDriverError / OSError."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"{}").get("value")
    except urllib.error.HTTPError as e:
        try:
            value = json.loads(e.read()).get("value") or {}
            error, message = value.get("error"), value.get("message") or ""
        except (OSError, ValueError, AttributeError):
            error = None
        if not error:
            raise WebDriverError(f"HTTP {e.code}", e.reason) from None
        # ChromeDriver appends a stack trace and system details after the first lines.
        message = " ".join(message.split("\n  (")[0].split("\nStacktrace:")[0].split())
        raise WebDriverError(error, message) from None


def log_tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return ""


def start_driver(tmp):
    """Starts ChromeDriver on a free 127.0.0.1 port; returns (process, base URL, log path)."""
    for attempt in range(3):  # the free port can be taken before ChromeDriver binds it
        port = free_port()
        log_path = os.path.join(tmp, f"chromedriver-{attempt}.log")
        with open(log_path, "w") as log:
            # Its own process group: the browser it starts stays in it, so that the group can be
            # stopped as a whole (stopping ChromeDriver alone leaves the browser running).
            driver = subprocess.Popen(
                [CHROMEDRIVER, f"--port={port}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while driver.poll() is None and time.monotonic() < deadline:
                try:
                    if (call(base, "GET", "/status", timeout=2) or {}).get("ready"):
                        return driver, base, log_path
                except (OSError, WebDriverError, ValueError):
                    pass
                time.sleep(POLL)
        except BaseException:
            stop_driver(driver)
            raise
        exited = driver.poll() is not None
        stop_driver(driver)
        if "bind" not in log_tail(log_path):
            break
    tail = log_tail(log_path)
    how = (f"exited with status {driver.returncode} before it was ready" if exited
           else f"did not become ready within {START_TIMEOUT} s")
    raise Failure(f"browser-verify: {CHROMEDRIVER} {how}" + (f"; its log ends with:\n{tail}" if tail else ""))


def stop_driver(driver):
    """Stops ChromeDriver and whatever is left of its process group (the browser)."""
    global cleaning
    was_cleaning, cleaning = cleaning, True
    try:
        stop_group(driver)
    finally:
        cleaning = was_cleaning
    if pending and not cleaning:
        raise Interrupted(pending)


def stop_group(driver):
    if driver.poll() is None:
        driver.terminate()
        try:
            driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver.kill()
            driver.wait()
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 0)):
        try:
            os.killpg(driver.pid, sig)
        except (ProcessLookupError, PermissionError):
            return  # nothing left in the group
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(driver.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)


def check_executable(path, what, variable):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise Failure(f"browser-verify: {what} not found at {path} (install it, or set {variable}="
                      f"/path/to/{what})")


def verify(url, tmp):
    global cleaning
    check_executable(CHROMEDRIVER, "chromedriver", "CHROMEDRIVER")
    check_executable(CHROMIUM, "chromium", "CHROMIUM")
    driver, base, log_path = start_driver(tmp)
    session = None
    try:
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": FLAGS + [f"--user-data-dir={os.path.join(tmp, 'profile')}"]}}}}
        try:
            session = call(base, "POST", "/session", caps, timeout=60)["sessionId"]
        except (WebDriverError, OSError, KeyError, TypeError) as e:
            tail = log_tail(log_path)
            raise Failure(f"browser-verify: cannot start {CHROMIUM} through ChromeDriver: {e}"
                          + (f"\nChromeDriver's log ends with:\n{tail}" if tail else "")) from None
        s = f"/session/{session}"
        call(base, "POST", s + "/url", {"url": url}, timeout=VERDICT_TIMEOUT)
        deadline = time.monotonic() + VERDICT_TIMEOUT
        result = ""
        while True:
            try:
                verdict, result, details = call(base, "POST", s + "/execute/sync",
                                                {"script": READ_PAGE, "args": []}, timeout=45)
            except WebDriverError as e:
                # The page's main thread can be busy in the (synchronous) verification.
                if e.error != "script timeout":
                    raise
                verdict = ""
            if verdict:
                return verdict, " ".join(result.split()), details
            if time.monotonic() >= deadline:
                status = " ".join(result.split())
                raise Failure(f"browser (Chromium): the page never reported a verdict within "
                              f"{VERDICT_TIMEOUT} s" + (f" (it says: {status})" if status else ""))
            time.sleep(POLL)
    except (WebDriverError, OSError, ValueError, TypeError) as e:
        raise Failure(f"browser-verify: driving Chromium failed: {e}") from None
    finally:
        cleaning = True
        if session:
            try:
                call(base, "DELETE", f"/session/{session}", timeout=15)
            except (OSError, WebDriverError, ValueError):
                pass
        stop_driver(driver)


def main():
    if len(sys.argv) != 2:
        print("usage: python3 scripts/browser_verify.py URL", file=sys.stderr)
        return 2
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    tmp = tempfile.mkdtemp(prefix="browser-verify-")
    try:
        verdict, summary, details = verify(sys.argv[1], tmp)
        print(json.dumps({"verdict": verdict, "summary": summary, "result": details}), flush=True)
        return 0
    except Failure as e:
        print(e, file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"browser-verify: interrupted ({e})", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
