#!/usr/bin/env python3
"""Feed a running cityops service with a small labelled-SYNTHETIC picture for looking at the console.

Not the simulator (crates/cityops-sim is): a dev aid for the UI. Files inspector reports, hotline
orders and video detections at random points in Qingdao's urban districts, advances some cases
through the loop (accept, register, dispatch, feedback), then keeps a few trucks moving with GPS
fixes so the live stream has something to say.

usage: demo_feed.py --server http://127.0.0.1:8480 --token TOKEN [--cases 400] [--seconds 0]
Standard library only. Deterministic for a given --seed.
"""
import argparse
import json
import math
import random
import sys
import time
import urllib.error
import urllib.request

# Urban centres (lon, lat, spread in degrees): 市南/市北/李沧/崂山/城阳/黄岛/即墨/胶州/平度/莱西.
CENTRES = [
    (120.38, 36.07, 0.03), (120.37, 36.10, 0.03), (120.42, 36.16, 0.03), (120.47, 36.11, 0.04),
    (120.39, 36.30, 0.05), (120.18, 35.96, 0.06), (120.45, 36.39, 0.05), (120.03, 36.28, 0.05),
    (119.96, 36.78, 0.05), (120.52, 36.86, 0.04),
]


def call(args, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(args.server + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + args.token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return {"error": json.loads(e.read() or b"{}")}


def point(rng):
    lon, lat, s = rng.choice(CENTRES)
    return lon + rng.gauss(0, s), lat + rng.gauss(0, s * 0.8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="http://127.0.0.1:8480")
    ap.add_argument("--token", required=True)
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seconds", type=int, default=0, help="keep trucks moving this long")
    ap.add_argument("--seed", type=int, default=20261129)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    cat = call(args, "GET", "/api/v1/catalogue")
    matters = [c["key"] for c in cat if c["key"]["kind"] == "matter" and not c.get("qingdao_local")]
    video = [c["key"] for c in cat if c.get("video_ai")] or matters
    comps = [c["key"] for c in cat if c["key"]["kind"] == "component" and not c.get("qingdao_local")]
    ids = []
    for i in range(args.cases):
        lon, lat = point(rng)
        r = rng.random()
        if r < 0.5:
            body = [{"report_id": f"SYN-INS-{args.seed}-{i}", "inspector_id": f"SYN-I{i % 40:03d}",
                     "type_key": rng.choice(matters if rng.random() < 0.7 else comps), "lon": lon, "lat": lat,
                     "description": "合成数据 synthetic", "media": [f"synthetic://photo/{i}.jpg"]}]
            res = call(args, "POST", "/api/v1/feeds/inspector", body)
        elif r < 0.8:
            body = [{"order_no": f"SYN-12345-{args.seed}-{i}", "demand": "complaint", "type_key": rng.choice(matters),
                     "lon": lon, "lat": lat, "address": "", "description": "合成数据 synthetic"}]
            res = call(args, "POST", "/api/v1/feeds/hotline", body)
        else:
            body = [{"detection_id": f"SYN-VID-{args.seed}-{i}", "camera_id": f"CAM-SYN-{i % 60:04d}",
                     "type_key": rng.choice(video), "confidence": 0.95, "lon": lon, "lat": lat,
                     "snapshot": f"synthetic://snapshot/{i}.jpg"}]
            res = call(args, "POST", "/api/v1/feeds/video", body)
        for item in (res or {}).get("items", []) if isinstance(res, dict) else []:
            if item.get("case_id"):
                ids.append(item["case_id"])
    print(f"filed {len(ids)} cases", file=sys.stderr)
    # Advance a share of them through the loop.
    steps = ["accept", "register", "dispatch", "feedback", "verify", "close"]
    for cid in ids:
        depth = rng.choice([0, 0, 1, 2, 3, 3, 4, 6])
        for action in steps[:depth]:
            body = {"action": action, "note": "synthetic"}
            if action == "dispatch":
                p = call(args, "GET", f"/api/v1/cases/{cid}/dispatch-proposal")
                if "unit" not in p:
                    break
                body["unit_code"] = p["unit"]["code"]
            res = call(args, "POST", f"/api/v1/cases/{cid}/actions", body)
            if "error" in res:
                print(f"case {cid} {action}: {res['error']}", file=sys.stderr)
                break
    print("advanced", file=sys.stderr)
    # Trucks.
    trucks = [[f"鲁B-SYN{n:03d}", *point(rng), rng.uniform(0, 360)] for n in range(25)]
    end = time.time() + args.seconds
    k = 0
    while True:
        fixes = []
        for t in trucks:
            t[3] += rng.uniform(-25, 25)
            step = 0.0006
            t[1] += step * math.sin(math.radians(t[3]))
            t[2] += step * math.cos(math.radians(t[3]))
            fixes.append({"fix_id": f"SYN-GPS-{args.seed}-{t[0]}-{k}", "vehicle_id": t[0], "lon": t[1], "lat": t[2],
                          "speed_kmh": rng.uniform(10, 40), "heading_deg": t[3] % 360,
                          "at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600))})
        res = call(args, "POST", "/api/v1/feeds/gps", fixes)
        if k == 0 and isinstance(res, dict) and "error" in res:
            print(f"gps: {res['error']}", file=sys.stderr)
        k += 1
        if time.time() >= end:
            break
        time.sleep(2)


if __name__ == "__main__":
    main()
