#!/usr/bin/env python3
"""Drive one sample case through the local federation, printing each step.

A 德惠市科学技术局 drafter submits; the 德惠 reviewer finds a problem and sends a supplement
notice; the drafter corrects it; the case is forwarded to 长春; the city asks for a supplement;
the drafter answers through 德惠; the city issues the 标准化审查意见书, which the 德惠 drafter
receives; a second case goes through a failed opinion to launch, and ends as the city publishes it
to the portal (Art 14). Run by `deploy/local.sh demo` after `deploy/local.sh`.
"""
import copy
import json
import pathlib
import sys
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "local"
COUNTY = "http://127.0.0.1:8183/api/v1"
CITY = "http://127.0.0.1:8100/api/v1"


def tokens():
    table = {}
    for line in (DATA / "tokens.txt").read_text(encoding="utf-8").splitlines():
        node, role, name, token = line.split("\t")
        # Consultees are one per department: keyed by their unit.
        key = f"consultee:{name.split(' (')[-1].rstrip(')')}" if role == "consultee" else role
        table[(node, key)] = token
    return table


def call(base, method, path, token, body=None, raw=None, headers=None):
    data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            kind = response.headers.get("Content-Type", "")
            return json.loads(payload) if kind.startswith("application/json") else payload.decode()
    except urllib.error.HTTPError as error:
        sys.exit(f"demo: {method} {base}{path} failed: HTTP {error.code} {error.read().decode()}")


def state(base, cid, token):
    """The case's state, or None while the node does not have it yet."""
    request = urllib.request.Request(f"{base}/cases/{cid}")
    request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["case"]["state"]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def wait_for(what, check, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    sys.exit(f"demo: timed out waiting for {what} (see deploy/local.sh status and data/local/*/node.log)")


def element_names():
    """Element key → 要素 name, from the table in Config/README.md."""
    names = {}
    for line in (ROOT / "Config" / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 4 and cells[2].startswith("`") and cells[1] in ("文本信息", "申请办理", "兑现实施", "监管咨询"):
            names[cells[2].strip("`")] = cells[3]
    return names


def step(number, text):
    print(f"\n[{number}] {text}")


def main():
    t = tokens()
    drafter, county_reviewer = t[("220183", "drafter")], t[("220183", "countyReviewer")]
    city_reviewer = t[("220100", "cityReviewer")]
    form = json.loads((ROOT / "Config" / "examples" / "launch-clean.json").read_text(encoding="utf-8"))

    step(1, "德惠市科学技术局 uploads the five Art 5 materials and submits the draft")
    for material in form["materials"]:
        content = ("示例材料:" + material["title"]).encode()
        up = call(COUNTY, "POST", "/materials", drafter, raw=content, headers={"X-Content-SHA256": material["sha256"]})
        print(f"    uploaded {material['fileName']}: {up['bytes']} bytes, SHA-256 {up['sha256'][:16]}…")
    draft = copy.deepcopy(form)
    draft["serviceItems"][0]["redemptionContent"] = "按上一年度研发费用的一定比例给予补贴"
    case = call(COUNTY, "POST", "/cases", drafter, body=draft)["case"]
    cid = case["id"]
    print(f"    case {cid}: {case['title']} — {case['stateName']}")

    step(2, "德惠市政数局 accepts (Art 8 clock starts) and runs the standardization check")
    case = call(COUNTY, "POST", f"/cases/{cid}/accept", county_reviewer)["case"]
    print(f"    {case['stateName']}; due {case['dueOn']} ({case['remainingWorkdays']} working days left)")
    findings = call(COUNTY, "GET", f"/cases/{cid}/check", county_reviewer)["findings"]
    for finding in findings:
        print(f"    finding [{finding['code']}] {finding['message']}\n      建议:{finding.get('suggestion', '')}")

    step(3, "德惠 sends the one-shot supplement notice; the clock stops")
    case = call(COUNTY, "POST", f"/cases/{cid}/supplement-notice", county_reviewer, body={"findings": findings})["case"]
    print(f"    {case['stateName']}; clock stopped with {case['remainingWorkdays']} working days left")

    step(4, "the drafter corrects the element and resubmits; the clock runs again")
    result = call(COUNTY, "POST", f"/cases/{cid}/resubmit", drafter, body=form)
    for change in result["changes"]:
        print(f"    changed {change['path']}: {change['before']} → {change['after']}")
    print(f"    {result['case']['stateName']}; due {result['case']['dueOn']}")

    step(5, "德惠 completes the preliminary review and forwards the case to 长春市政数局 (signed, via the outbox)")
    call(COUNTY, "POST", f"/cases/{cid}/complete-preliminary", county_reviewer, body={"conclusion": "初审通过,报请长春市政数局审定"})
    case = call(COUNTY, "POST", f"/cases/{cid}/forward", county_reviewer)["case"]
    print(f"    德惠: {case['stateName']}")
    wait_for("the city to receive the case", lambda: state(CITY, cid, city_reviewer) == "finalReview")
    city_case = call(CITY, "GET", f"/cases/{cid}", city_reviewer)
    print(f"    长春: {city_case['case']['stateName']}, {len(city_case['materials'])} materials verified by SHA-256, due {city_case['case']['dueOn']}")

    step(6, "长春 asks for a supplement; the notice travels down to 德惠")
    city_finding = {"code": "element-incomplete", "itemIndex": 1, "element": "consultation", "path": "serviceItems[1].consultation",
                    "message": "【咨询】请补充咨询时间", "suggestion": "写明咨询时间,如工作日8:30-16:30"}
    call(CITY, "POST", f"/cases/{cid}/supplement-notice", city_reviewer, body={"findings": [city_finding]})
    wait_for("德惠 to receive the city's notice", lambda: state(COUNTY, cid, drafter) == "citySupplementRequested")
    notices = call(COUNTY, "GET", f"/cases/{cid}", drafter)["notices"]
    print(f"    德惠 drafter sees: {notices[-1]['findings'][0]['message']} (issued by the {notices[-1]['issuedBy']})")

    step(7, "the drafter answers through 德惠; the answer travels up to 长春")
    answered = copy.deepcopy(form)
    answered["serviceItems"][1]["consultation"][0]["unit"] = "德惠市就业服务局(工作日8:30-16:30)"
    call(COUNTY, "POST", f"/cases/{cid}/resubmit", drafter, body=answered)
    wait_for("the city to receive the answer", lambda: state(CITY, cid, city_reviewer) == "finalReview")
    print(f"    长春: revision {call(CITY, 'GET', f'/cases/{cid}', city_reviewer)['case']['currentRevision']} under final review")

    step(8, "长春市政数局 issues the 标准化审查意见书, signed with the city's key")
    call(CITY, "POST", f"/cases/{cid}/opinion", city_reviewer, body={
        "outcome": "passed",
        "requiredChanges": [{"itemIndex": 0, "element": "publicity", "change": "公示渠道增加“德惠市政务服务中心公告栏”"}],
        "remarks": "请在收到本意见书5个工作日内完成修改。"})
    wait_for("德惠 to receive the opinion", lambda: state(COUNTY, cid, drafter) in ("opinionPassed", "opinionNotPassed"))

    step(9, "the opinion as the 德惠 drafter receives it")
    detail = call(COUNTY, "GET", f"/cases/{cid}", drafter)
    opinion = detail["opinion"]
    number = f"{opinion['number']['prefix']}〔{opinion['number']['year']}〕{opinion['number']['sequence']}号"
    print(f"    标准化审查意见书 {number}")
    print(f"    致:{opinion['draftingUnit']}  政策:《{opinion['policyTitle']}》")
    print(f"    审查结论:{'通过' if opinion['outcome'] == 'passed' else '不通过'}  出具日期:{opinion['issuedOn']}")
    names = element_names()
    for change in opinion["requiredChanges"]:
        print(f"    修改要求:事项{change['itemIndex'] + 1}【{names.get(change['element'], change['element'])}】{change['change']}")
    print(f"    请于 {detail['case']['revisionDueOn']} 前完成修改(第九条)")
    print(f"    city signature fingerprint {detail['opinionSignature']['fingerprint']}; county share {detail['case'].get('countyWorkdays')} / city share {detail['case'].get('cityWorkdays')} working days")
    page = call(COUNTY, "GET", f"/cases/{cid}/opinion.html", drafter)
    out = DATA / f"opinion-{cid}.html"
    out.write_text(page, encoding="utf-8")
    print(f"    printable A4 page: {out}")

    launched = second_case(form, drafter, county_reviewer, city_reviewer)
    third_case(form, t, drafter, county_reviewer, city_reviewer)
    published(launched, t, city_reviewer)


def both(cid, drafter, city_reviewer):
    """The case's state at both tiers, as their users see it."""
    county = call(COUNTY, "GET", f"/cases/{cid}", drafter)["case"]
    city = call(CITY, "GET", f"/cases/{cid}", city_reviewer)["case"]
    return f"德惠: {county['stateName']} (revision {county['currentRevision']}) · 长春: {city['stateName']} (revision {city['currentRevision']})"


def number_of(opinion):
    return f"{opinion['number']['prefix']}〔{opinion['number']['year']}〕{opinion['number']['sequence']}号"


def second_case(form, drafter, county_reviewer, city_reviewer):
    """Art 9 across tiers: an opinion that does not pass, the drafter's disagreement, the city's
    coordination, the revision, the city's re-review and a new opinion, then the launch."""
    print("\n=== A second case: 审查未通过 → 不同意见 → 市级协调 → 修改 → 重新审查 → 通过 → 上线 ===")
    second = copy.deepcopy(form)
    second["policy"]["title"] = "德惠市支持中小微企业数字化转型若干措施"
    step(10, "a second 德惠 case: submitted, accepted, preliminary review completed, forwarded")
    cid = call(COUNTY, "POST", "/cases", drafter, body=second)["case"]["id"]
    call(COUNTY, "POST", f"/cases/{cid}/accept", county_reviewer)
    call(COUNTY, "POST", f"/cases/{cid}/complete-preliminary", county_reviewer, body={"conclusion": "初审通过,报请长春市政数局审定"})
    call(COUNTY, "POST", f"/cases/{cid}/forward", county_reviewer)
    wait_for("the city to receive the second case", lambda: state(CITY, cid, city_reviewer) == "finalReview")
    print(f"    {cid}: {both(cid, drafter, city_reviewer)}")

    step(11, "长春 issues an opinion that does not pass (审查未通过)")
    call(CITY, "POST", f"/cases/{cid}/opinion", city_reviewer, body={
        "outcome": "notPassed",
        "requiredChanges": [{"itemIndex": 0, "element": "redemptionCap", "change": "明确单户企业年度补贴上限"}]})
    wait_for("德惠 to receive the opinion", lambda: state(COUNTY, cid, drafter) == "opinionNotPassed")
    first = call(COUNTY, "GET", f"/cases/{cid}", drafter)["opinion"]
    print(f"    {number_of(first)}: 审查未通过 · {both(cid, drafter, city_reviewer)}")

    step(12, "the drafter does not fully accept it (Art 9); the disagreement reaches 长春, which issued the opinion")
    call(COUNTY, "POST", f"/cases/{cid}/disagreement", drafter, body={"reason": "补贴上限已在政策文件第五条规定,拟在办理要素中引用"})
    wait_for("the city to see the disagreement", lambda: state(CITY, cid, city_reviewer) == "disagreementRecorded")
    print(f"    {both(cid, drafter, city_reviewer)}")

    step(13, "长春 records the coordination result; it travels down to 德惠")
    call(CITY, "POST", f"/cases/{cid}/coordination", city_reviewer, body={"outcome": "经协调,在兑现限额要素中写明单户年度上限50万元"})
    wait_for("德惠 to receive the coordination", lambda: state(COUNTY, cid, drafter) == "revising")
    print(f"    协调结果:{call(COUNTY, 'GET', f'/cases/{cid}', drafter)['coordination']} · {both(cid, drafter, city_reviewer)}")

    step(14, "the drafter revises; the revision travels up; 长春 re-reviews it on a clock of its own (Art 8)")
    revised = copy.deepcopy(second)
    revised["serviceItems"][0]["redemptionCap"] = {"amount": {"value": 40, "unit": "万元"}}
    call(COUNTY, "POST", f"/cases/{cid}/revise", drafter, body=revised)
    wait_for("the city to hold the revision", lambda: call(CITY, "GET", f"/cases/{cid}", city_reviewer)["case"]["currentRevision"]
             == call(COUNTY, "GET", f"/cases/{cid}", drafter)["case"]["currentRevision"])
    case = call(CITY, "POST", f"/cases/{cid}/re-review", city_reviewer)["case"]
    wait_for("德惠 to wait for the new opinion", lambda: state(COUNTY, cid, drafter) == "forwarded")
    print(f"    re-review due {case['dueOn']} · {both(cid, drafter, city_reviewer)}")

    step(15, "长春 issues a new opinion that passes; it supersedes the first, which stays on record")
    call(CITY, "POST", f"/cases/{cid}/opinion", city_reviewer, body={"outcome": "passed"})
    wait_for("德惠 to receive the new opinion", lambda: state(COUNTY, cid, drafter) == "opinionPassed")
    for base, token, tier in ((COUNTY, drafter, "德惠"), (CITY, city_reviewer, "长春")):
        detail = call(base, "GET", f"/cases/{cid}", token)
        superseded = ", ".join(number_of(o) + "(已被替代)" for o in detail["supersededOpinions"])
        print(f"    {tier}: current {number_of(detail['opinion'])} 审查通过; {superseded}")

    step(16, "the drafter confirms the launch (Art 10); 长春 records it too")
    call(COUNTY, "POST", f"/cases/{cid}/launch", drafter, body={"launchDate": first["issuedOn"]})
    wait_for("the city to record the launch", lambda: state(CITY, cid, city_reviewer) == "launchConfirmed")
    print(f"    {both(cid, drafter, city_reviewer)}")
    return cid


def published(cid, t, city_reviewer):
    """Art 14: the launched item as 长春市政策服务网上大厅 receives it from the city's feed, signed."""
    step(20, "长春 publishes the launched item (Art 14); the portal pulls it from the feed, signed by the city")
    # A federation set up before the platform role existed has no platform token: the city reviewer reads the feed too.
    portal = t.get(("220100", "platform"), city_reviewer)
    entry = None
    after = 0
    while entry is None:
        page = call(CITY, "GET", f"/published?after={after}&limit=100", portal)
        entry = next((e for e in page["changes"] if e["document"]["caseId"] == cid), None)
        if not page["hasMore"]:
            break
        after = page["next"]
    if entry is None:
        print("    (not in the feed)")
        return
    document = entry["document"]
    shown = {key: document[key] for key in ("itemId", "version", "sequence", "change", "status", "effectiveOn", "launchDate", "policy", "opinion", "history", "publisher")}
    shown["serviceItems"] = [{"itemName": item.get("itemName"), "benefitType": item.get("benefitType"), "redemptionCap": item.get("redemptionCap")}
                             for item in document["serviceItems"]]
    shown["(30 elements per item)"] = "…"
    print("    " + json.dumps(shown, ensure_ascii=False, indent=2).replace("\n", "\n    "))
    signed = entry["signed"]
    print(f"    signed by node {signed['signerNodeId']} · signature {signed['signature'][:24]}… over {len(signed['document'])} base64 characters")
    mirror = ROOT / ".build" / "debug" / "published-mirror"
    if mirror.exists() and ("220100", "platform") in t:
        import subprocess
        database = DATA / "portal-mirror.sqlite"
        result = subprocess.run([str(mirror), "sync", "--url", CITY.removesuffix("/api/v1"), "--token", portal, "--database", str(database)],
                                capture_output=True, text=True)
        print(f"    reference consumer (published-mirror, every signature checked against 长春's keyring): {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()}")


def third_case(form, t, drafter, county_reviewer, city_reviewer):
    """Issue 18 and Art 6: a 上线意见征询 of four 德惠 departments before submission, whose record
    becomes materials (4) and (5); a 论证会 at the city, cited in the opinion."""
    consultees = {role_unit: token for (node, role_unit), token in t.items() if node == "220183" and role_unit.startswith("consultee:")}
    if len(consultees) < 4:
        print("\n(skipping the consultation: run deploy/local.sh again to create the 德惠 consultee accounts)")
        return
    token = {key.split(":", 1)[1]: value for key, value in consultees.items()}
    step(17, "上线意见征询: 德惠市科学技术局 asks 司法局, 财政局, 市场监管局 and 发改局 before submitting")
    draft = copy.deepcopy(form)
    draft["policy"]["title"] = "德惠市支持科技型企业研发投入补助办法"
    draft["materials"] = [m for m in form["materials"] if m["kind"] not in ("consultationRecord", "fairCompetitionAndFunding")]
    opened = call(COUNTY, "POST", "/consultations", drafter, body={"form": draft, "departments": [
        {"department": "德惠市司法局"}, {"department": "德惠市财政局", "topic": "funding"},
        {"department": "德惠市市场监督管理局", "topic": "fairCompetition"}, {"department": "德惠市发展和改革局"}]})
    consultation = opened["consultation"]
    cons_id = consultation["id"]
    print(f"    consultation {cons_id}: every department answers by {consultation['departments'][0]['dueOn']} (working days, configurable)")
    call(COUNTY, "POST", f"/consultations/{cons_id}/answer", token["德惠市司法局"], body={"answer": "agree"})
    call(COUNTY, "POST", f"/consultations/{cons_id}/answer", token["德惠市发展和改革局"], body={
        "answer": "agreeWithChanges", "changes": [{"itemIndex": 0, "element": "applicationWindow", "change": "申报时限写明起止日期"}]})
    call(COUNTY, "POST", f"/consultations/{cons_id}/answer", token["德惠市市场监督管理局"], body={
        "answer": "agree", "fairCompetition": {"conclusion": "noRestriction", "basis": "《公平竞争审查制度实施细则》第十三条"}})
    waiting = call(COUNTY, "GET", f"/consultations/{cons_id}", drafter)
    answered = [d for d in waiting["consultation"]["departments"] if d.get("answer")]
    print(f"    {len(answered)} of 4 answered; 发改局: 修改后同意 (事项1 申报时限); overdue now: {waiting['overdueDepartments'] or 'none'}")
    early = urllib.request.Request(f"{COUNTY}/cases", data=json.dumps({**draft, "consultationId": cons_id}, ensure_ascii=False).encode(), method="POST")
    early.add_header("Authorization", "Bearer " + drafter)
    early.add_header("Content-Type", "application/json")
    try:
        urllib.request.urlopen(early, timeout=30)
    except urllib.error.HTTPError as error:
        print(f"    submitting now is refused: HTTP {error.code} {json.loads(error.read())['error']['message']}")
    call(COUNTY, "POST", f"/consultations/{cons_id}/answer", token["德惠市财政局"], body={
        "answer": "agree", "funding": {"conclusion": "同意从市本级财政预算安排", "basis": "2026年部门预算", "source": "市本级财政预算", "amount": "300万元"}})
    done = call(COUNTY, "POST", f"/consultations/{cons_id}/responses", drafter, body={"department": "德惠市发展和改革局", "response": "已采纳,申报时限已写明起止日期"})
    print(f"    all answered; materials compiled: (4) SHA-256 {done['consultation']['recordSha256'][:16]}…, (5) SHA-256 {done['consultation']['opinionsSha256'][:16]}…")

    step(18, "the drafter submits with the consultation: materials (4) and (5) come without an upload")
    case = call(COUNTY, "POST", "/cases", drafter, body={**draft, "consultationId": cons_id})
    cid = case["case"]["id"]
    for material in case["materials"]:
        if material["kind"] in ("consultationRecord", "fairCompetitionAndFunding"):
            print(f"    {cid}: {material['title']} ({material['bytes']} bytes)")
    call(COUNTY, "POST", f"/cases/{cid}/accept", county_reviewer)
    call(COUNTY, "POST", f"/cases/{cid}/complete-preliminary", county_reviewer, body={"conclusion": "初审通过,报请长春市政数局审定"})
    call(COUNTY, "POST", f"/cases/{cid}/forward", county_reviewer)
    wait_for("the city to receive the case", lambda: state(CITY, cid, city_reviewer) == "finalReview")
    at_city = call(CITY, "GET", f"/cases/{cid}", city_reviewer)
    print(f"    长春 holds consultation {at_city['consultation']['id']} with {len(at_city['consultation']['departments'])} answers")

    step(19, "长春 convenes a 论证会 (Art 6): recorded on the case, the clock keeps running, cited in the opinion")
    due = at_city["case"]["dueOn"]
    call(CITY, "POST", f"/cases/{cid}/expert-sessions", city_reviewer, body={
        "form": "hearing", "heldOn": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600)),  # today in Beijing
        "participants": [{"name": "王敏", "unit": "德惠市科学技术局", "field": "drafting"},
                         {"name": "李强", "unit": "德惠市政务服务中心", "field": "administrativeApproval"},
                         {"name": "赵磊", "unit": "吉林大学", "field": "expert"}],
        "minutes": "逐项讨论申报条件与兑现方式。", "conclusions": "要素表述规范,同意上线。"})
    after = call(CITY, "GET", f"/cases/{cid}", city_reviewer)["case"]
    print(f"    due date before {due}, after {after['dueOn']} (unchanged)")
    call(CITY, "POST", f"/cases/{cid}/opinion", city_reviewer, body={"outcome": "passed", "requiredChanges": []})
    wait_for("德惠 to receive the opinion", lambda: state(COUNTY, cid, drafter) == "opinionPassed")
    opinion = call(COUNTY, "GET", f"/cases/{cid}/opinion", drafter)
    print(f"    {number_of(opinion)} 审查依据: {'; '.join(opinion.get('basis', []))}")


if __name__ == "__main__":
    main()
