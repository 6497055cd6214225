#!/usr/bin/env python3
"""Look at the console as a person would: drive headless Chromium through chromedriver's plain
WebDriver HTTP API (standard library only), run a few steps, save screenshots.

usage: look.py URL OUT_PREFIX [STEP ...]
steps: wait:MS | key:KEY (sent to the page) | click:X,Y (in the map canvas) | js:CODE | shot:NAME
       | type:CSS=TEXT | clickel:CSS | move:X,Y | wheel:X,Y,DY | drag:X0,Y0,X1,Y1 | pinch:X,Y,D0,D1 | logs | sh:COMMAND (e.g. stop or start the service mid-session)
A live EventSource never lets Chromium's --virtual-time-budget finish, hence WebDriver.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

PORT = int(os.environ.get("LOOK_PORT", "9515"))


def req(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    r = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    r.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(r, timeout=60) as resp:
        return json.loads(resp.read())


def main():
    url, prefix, steps = sys.argv[1], sys.argv[2], sys.argv[3:]
    driver = subprocess.Popen(
        ["chromedriver", f"--port={PORT}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        for _ in range(50):
            try:
                req("GET", "/status")
                break
            except Exception:
                time.sleep(0.1)
        profile = tempfile.mkdtemp()
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
            "--window-size=" + os.environ.get("LOOK_SIZE", "1920,1080"), "--hide-scrollbars",
            "--force-device-scale-factor=" + os.environ.get("LOOK_DPR", "1")]},
            "goog:loggingPrefs": {"browser": "ALL"}}}}
        sid = req("POST", "/session", caps)["value"]["sessionId"]
        s = f"/session/{sid}"
        req("POST", f"{s}/url", {"url": url})
        for step in steps or ["wait:4000", "shot:main"]:
            kind, _, arg = step.partition(":")
            if kind == "wait":
                time.sleep(int(arg) / 1000)
            elif kind == "shot":
                png = req("GET", f"{s}/screenshot")["value"]
                path = f"{prefix}-{arg}.png"
                with open(path, "wb") as f:
                    f.write(base64.b64decode(png))
                print(path)
            elif kind == "logs":
                for entry in req("POST", f"{s}/se/log", {"type": "browser"})["value"]:
                    print(entry.get("level"), entry.get("message", "")[:300])
            elif kind == "sh":
                subprocess.run(arg, shell=True, check=False)
            elif kind == "js":
                print(req("POST", f"{s}/execute/sync", {"script": arg, "args": []})["value"])
            elif kind == "key":
                keys = {"Escape": "\ue00c", "ArrowUp": "\ue013", "ArrowDown": "\ue015", "ArrowLeft": "\ue012",
                        "ArrowRight": "\ue014", "Enter": "\ue007"}.get(arg, arg)
                req("POST", f"{s}/actions", {"actions": [{"type": "key", "id": "kb", "actions": [
                    {"type": "keyDown", "value": keys}, {"type": "keyUp", "value": keys}]}]})
            elif kind == "click":
                x, y = (int(v) for v in arg.split(","))
                el = req("POST", f"{s}/element", {"using": "css selector", "value": "#map-canvas"})["value"]
                eid = list(el.values())[0]
                rect = req("GET", f"{s}/element/{eid}/rect")["value"]
                req("POST", f"{s}/actions", {"actions": [{"type": "pointer", "id": "m", "parameters": {"pointerType": "mouse"},
                    "actions": [{"type": "pointerMove", "x": int(rect["x"]) + x, "y": int(rect["y"]) + y},
                                {"type": "pointerDown", "button": 0}, {"type": "pause", "duration": 50},
                                {"type": "pointerUp", "button": 0}]}]})
            elif kind == "move":
                x, y = (int(v) for v in arg.split(","))
                el = req("POST", f"{s}/element", {"using": "css selector", "value": "#map-canvas"})["value"]
                rect = req("GET", f"{s}/element/{list(el.values())[0]}/rect")["value"]
                req("POST", f"{s}/actions", {"actions": [{"type": "pointer", "id": "m", "parameters": {"pointerType": "mouse"},
                    "actions": [{"type": "pointerMove", "x": int(rect["x"]) + x, "y": int(rect["y"]) + y}]}]})
            elif kind == "wheel":
                x, y, dy = (int(v) for v in arg.split(","))
                el = req("POST", f"{s}/element", {"using": "css selector", "value": "#map-canvas"})["value"]
                rect = req("GET", f"{s}/element/{list(el.values())[0]}/rect")["value"]
                req("POST", f"{s}/actions", {"actions": [{"type": "wheel", "id": "w", "actions": [
                    {"type": "scroll", "x": int(rect["x"]) + x, "y": int(rect["y"]) + y, "deltaX": 0, "deltaY": dy}]}]})
            elif kind == "drag":
                x0, y0, x1, y1 = (int(v) for v in arg.split(","))
                el = req("POST", f"{s}/element", {"using": "css selector", "value": "#map-canvas"})["value"]
                rect = req("GET", f"{s}/element/{list(el.values())[0]}/rect")["value"]
                ox, oy = int(rect["x"]), int(rect["y"])
                req("POST", f"{s}/actions", {"actions": [{"type": "pointer", "id": "m", "parameters": {"pointerType": "mouse"},
                    "actions": [{"type": "pointerMove", "x": ox + x0, "y": oy + y0}, {"type": "pointerDown", "button": 0},
                                {"type": "pointerMove", "x": ox + x1, "y": oy + y1, "duration": 300},
                                {"type": "pointerUp", "button": 0}]}]})
            elif kind == "pinch":
                x, y, d0, d1 = (int(v) for v in arg.split(","))
                el = req("POST", f"{s}/element", {"using": "css selector", "value": "#map-canvas"})["value"]
                rect = req("GET", f"{s}/element/{list(el.values())[0]}/rect")["value"]
                ox, oy = int(rect["x"]) + x, int(rect["y"]) + y
                fingers = []
                for n, sign in (("f1", -1), ("f2", 1)):
                    fingers.append({"type": "pointer", "id": n, "parameters": {"pointerType": "touch"}, "actions": [
                        {"type": "pointerMove", "x": ox + sign * d0, "y": oy}, {"type": "pointerDown", "button": 0},
                        {"type": "pointerMove", "x": ox + sign * d1, "y": oy, "duration": 400},
                        {"type": "pointerUp", "button": 0}]})
                req("POST", f"{s}/actions", {"actions": fingers})
            elif kind == "clickel":
                el = req("POST", f"{s}/element", {"using": "css selector", "value": arg})["value"]
                req("POST", f"{s}/element/{list(el.values())[0]}/click", {})
            elif kind == "type":
                css, _, text = arg.partition("=")
                el = req("POST", f"{s}/element", {"using": "css selector", "value": css})["value"]
                req("POST", f"{s}/element/{list(el.values())[0]}/value", {"text": text})
        req("DELETE", s)
    finally:
        driver.terminate()
        driver.wait()


if __name__ == "__main__":
    main()
