#!/usr/bin/env python3
"""Restore drill on a throw-away federation (loopback only, bounded in time).

Starts a 长春 city node and a 德惠 county node from BIN on 127.0.0.1 (ephemeral ports, a temporary
data directory, the date pinned), links them, forwards a few cases, backs up the node named by
--lose (the city by default) with `reviewctl backup`, lets CASES more cases flow both ways
(forwards, supplement requests and answers, opinions, launches), then destroys that node's
database, restores it with `reviewctl restore`, restarts it and waits for the resync. Prints the figures — backup size and time,
restore time, resync time, messages resent, differences between each tier's cases before the
loss and after the resync — and exits 1 on any difference. Never touches a real node.
Run through deploy/restore-drill.sh.
"""
import argparse
import copy
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
TODAY = "2026-03-02"
FINDING = {"code": "wording-nonstandard", "itemIndex": 0, "element": "penalty", "path": "serviceItems[0].penalty",
           "message": "【处罚】请写明作出处罚的部门"}


def fail(message):
    sys.exit(f"restore-drill: {message}")


class Node:
    def __init__(self, bin_dir, work, node_id, tier, name):
        self.bin, self.node_id, self.tier = bin_dir, node_id, tier
        self.data = work / node_id
        self.data.mkdir(parents=True)
        self.config = self.data / "node.json"
        self.settings = {"nodeId": node_id, "name": name, "tier": tier, "host": "127.0.0.1", "port": 0,
                         "dataDirectory": str(self.data), "configDirectory": str(ROOT / "Config"),
                         "logLevel": "warning", "retryMaxSeconds": 0.5}
        self.config.write_text(json.dumps(self.settings, ensure_ascii=False))
        self.process = None
        self.start()
        # Restarts keep the port, so that the peer's link stays valid.
        self.settings["port"] = self.port
        self.config.write_text(json.dumps(self.settings, ensure_ascii=False))

    def start(self):
        port_file = self.data / "node.port"
        if port_file.exists():
            port_file.unlink()
        environment = dict(os.environ, REVIEW_TODAY=TODAY)
        log = open(self.data / "node.log", "ab")
        self.process = subprocess.Popen([str(self.bin / f"{self.tier}-node"), "--config", str(self.config)],
                                        stdout=log, stderr=log, env=environment)
        deadline = time.time() + 30
        while time.time() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                self.port = int(port_file.read_text())
                self.api = f"http://127.0.0.1:{self.port}/api/v1"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        fail(f"node {self.node_id} did not start; see {self.data / 'node.log'}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def ctl(self, *arguments):
        result = subprocess.run([str(self.bin / "reviewctl"), *arguments], capture_output=True, text=True)
        if result.returncode != 0:
            fail(f"reviewctl {' '.join(arguments)}: {result.stderr.strip()}")
        return result.stdout

    def user(self, name, role, unit=None):
        arguments = ["user", "add", "--data-dir", str(self.data), "--name", name, "--role", role] + (["--unit", unit] if unit else [])
        return self.ctl(*arguments).strip()

    def call(self, method, path, token, body=None, raw=None, headers=None, expect=(200, 201)):
        data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
        request = urllib.request.Request(self.api + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + token)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code in expect:
                return json.loads(error.read())
            fail(f"{method} {self.api}{path}: HTTP {error.code} {error.read().decode()[:300]}")


def wait_for(what, check, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--lose", choices=("city", "county"), default="city", help="which node's database is destroyed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args()
    if not 10 <= options.cases <= 500:
        fail("--cases must be between 10 and 500")
    bin_dir = pathlib.Path(options.bin)
    work = pathlib.Path(tempfile.mkdtemp(prefix="restore-drill-"))
    nodes = []
    try:
        city = Node(bin_dir, work, "220100", "city", "长春市政务服务和数字化建设管理局")
        nodes.append(city)
        county = Node(bin_dir, work, "220183", "county", "德惠市政务服务和数字化建设管理局")
        nodes.append(county)
        for a, b in ((city, county), (county, city)):
            card = work / f"card-{b.node_id}.json"
            card.write_text(b.ctl("link", "export", "--node-config", str(b.config), "--base-url", f"http://127.0.0.1:{b.port}"))
            a.ctl("link", "import", "--node-config", str(a.config), str(card))
        city_reviewer = city.user("市审查员", "cityReviewer")
        county_reviewer = county.user("县审查员", "countyReviewer")
        drafter = county.user("起草员", "drafter", "德惠市科学技术局")

        form = json.loads((ROOT / "Config" / "examples" / "launch-clean.json").read_text(encoding="utf-8"))
        for material in form["materials"]:
            content = ("示例材料:" + material["title"]).encode()
            material["sha256"] = hashlib.sha256(content).hexdigest()
            county.call("POST", "/materials", drafter, raw=content, headers={"X-Content-SHA256": material["sha256"]})
        answer = copy.deepcopy(form)
        answer["serviceItems"][0]["penalty"] = "由德惠市科学技术局依照《财政违法行为处罚处分条例》处理"

        def ready(count):
            ids = []
            for _ in range(count):
                cid = county.call("POST", "/cases", drafter, body=form)["case"]["id"]
                county.call("POST", f"/cases/{cid}/accept", county_reviewer)
                county.call("POST", f"/cases/{cid}/complete-preliminary", county_reviewer, body={"conclusion": "初审通过"})
                county.call("POST", f"/cases/{cid}/forward", county_reviewer)
                ids.append(cid)
            return ids

        def count(node, token, state):
            return len(node.call("GET", f"/cases?state={state}", token)["cases"])

        def queue(node, token):
            return sum(link["queueDepth"] for link in node.call("GET", "/federation/status", token)["links"])

        def settled():
            return queue(city, city_reviewer) == 0 and queue(county, county_reviewer) == 0

        def snapshot(node, token, ids):
            result = {}
            for cid in ids:
                detail = node.call("GET", f"/cases/{cid}", token)
                detail.pop("events", None)
                detail.pop("deliveryFailures", None)
                detail.pop("deliveryWaits", None)
                result[cid] = json.dumps(detail, sort_keys=True, ensure_ascii=False)
            return result

        early = ready(5)
        wait_for("the first cases at the city", lambda: count(city, city_reviewer, "finalReview") == 5)
        city.call("POST", f"/cases/{early[0]}/supplement-notice", city_reviewer, body={"findings": [FINDING]})
        wait_for("quiet queues", settled)

        victim, peer = (city, county) if options.lose == "city" else (county, city)
        backup = work / f"{options.lose}-backup.zip"
        started = time.monotonic()
        victim.ctl("backup", "--data-dir", str(victim.data), "--to", str(backup))
        backup_seconds = time.monotonic() - started
        backup_bytes = backup.stat().st_size
        victim.ctl("backup", "verify", str(backup))

        n = options.cases
        ids = ready(n)
        wait_for("the cases at the city", lambda: count(city, city_reviewer, "finalReview") == n + 4)
        supplements, answers, opinions = ids[: 2 * n // 5], ids[: n // 5], ids[2 * n // 5: 4 * n // 5]
        for cid in supplements:
            city.call("POST", f"/cases/{cid}/supplement-notice", city_reviewer, body={"findings": [FINDING]})
        wait_for("the supplement requests at the county", lambda: count(county, county_reviewer, "citySupplementRequested") == len(supplements) + 1)
        for cid in answers + [early[0]]:
            county.call("POST", f"/cases/{cid}/resubmit", drafter, body=answer)
        for index, cid in enumerate(opinions):
            body = {"outcome": "passed"} if index % 2 == 0 else {
                "outcome": "notPassed", "requiredChanges": [{"itemIndex": 0, "element": "consultation", "change": "补充咨询时间"}]}
            city.call("POST", f"/cases/{cid}/opinion", city_reviewer, body=body)
        passed = opinions[::2]
        wait_for("the opinions at the county", lambda: count(county, county_reviewer, "opinionPassed") == len(passed))
        for cid in passed[: len(passed) // 2]:
            county.call("POST", f"/cases/{cid}/launch", drafter, body={"launchDate": "2026-04-01"})
        wait_for("quiet queues", settled)
        every = early + ids
        before = (snapshot(city, city_reviewer, every), snapshot(county, county_reviewer, every))

        # The loss: the database is gone (the key survives).
        victim.kill()
        for name in ("node.sqlite", "node.sqlite-wal", "node.sqlite-shm"):
            path = victim.data / name
            if path.exists():
                path.unlink()
        started = time.monotonic()
        victim.ctl("restore", str(backup), "--data-dir", str(victim.data), "--node-id", victim.node_id)
        restore_seconds = time.monotonic() - started
        started = time.monotonic()
        victim.start()
        done = f"resync with {peer.node_id}: complete"
        wait_for("the resync", lambda: done in victim.ctl("status", "--data-dir", str(victim.data)))
        wait_for("quiet queues", settled)
        resync_seconds = time.monotonic() - started
        line = next(l for l in victim.ctl("status", "--data-dir", str(victim.data)).splitlines() if l.startswith(done))
        figures = json.loads(line.split("complete ", 1)[1])
        after = (snapshot(city, city_reviewer, every), snapshot(county, county_reviewer, every))
        differences = [(tier, cid) for index, tier in enumerate(("city", "county")) for cid in every if before[index][cid] != after[index][cid]]

        print(f"cases: {len(early)} before the backup, {n} after it ({len(supplements)} supplement requests, {len(answers) + 1} answers, "
              f"{len(opinions)} opinions, {len(passed) // 2} launches)")
        print(f"lost:     the {options.lose}'s database ({victim.node_id})")
        print(f"backup:   {backup_bytes} bytes in {backup_seconds:.2f} s (reviewctl backup, node running)")
        print(f"restore:  {restore_seconds:.2f} s (reviewctl restore, node stopped)")
        print(f"resync:   {resync_seconds:.2f} s from start to quiet queues; resent by the {'county' if options.lose == 'city' else 'city'} "
              f"{figures['resent']}, the {options.lose}'s own sent back {figures['echoed']}, applied {figures['applied']}, gaps {len(figures['gaps'])}")
        print(f"differences after the resync: {len(differences)}" + "".join(f"\n  {tier} {cid}" for tier, cid in differences[:10]))
        return 1 if differences or figures["gaps"] else 0
    finally:
        for node in nodes:
            node.stop()
        if options.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
