"""The whole year in a real browser (headless Chromium, phone-sized where the user would be on a
phone): staff publish a call with a district and two town pools; an organisation registers and
bids; staff screen, finance approve, experts score, staff decide; the public opens the notice
and downloads its PDF; the project is signed and paid its first tranche. The server is a
training database started three times with a later GONGYI_NOW, as a training run moves its clock.
A screenshot of each step goes to OUTDIR.

Usage: python3 tests/browser/year.py GONGYI_BINARY OUTDIR USCC
(needs `pip install playwright` and Debian's chromium)."""
import os
import sys

from playwright.sync_api import sync_playwright

import welfare_steps
from harness import DESK, PHONE, Harness

binary, out, uscc = sys.argv[1], sys.argv[2], sys.argv[3]
h = Harness(binary, out)
base, start, shot, fits, login, expect = h.base, h.start, h.shot, h.fits, h.login, h.expect
work = h.work

try:
    # --- 1 March 2027: the call is published, an organisation registers and bids --------------
    start("demo", "2027-03-01T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        phone, desk = PHONE, DESK
        h.prepare_year(browser)

        # Residents' needs first: 沈巷社区's worker registers a demand from the 议事会 on a phone and
        # escalates it; 沈巷镇 accepts it; the district draws the year's topic from it.
        cun = login(browser.new_context(**phone), "cunwei")
        cun.goto(base + "/demands")
        cun.select_option("#channel", "meeting")
        cun.fill("#category", "养老服务")
        cun.fill("#text", "议事会上居民反映：高龄独居老人多，希望有人定期上门探访、就近助餐。")
        cun.fill("#reporter_name", "王阿姨")
        fits(cun)
        shot(cun, "demand-form")
        cun.click("button:has-text('登记')")
        expect(cun, "诉求已登记")
        cun.fill("#note-escalated", "村里缺少专业力量，上报镇里。")
        cun.click("button:has-text('上报镇街')")
        expect(cun, "已处理")
        fits(cun)
        shot(cun, "demand-escalated")
        town = login(browser.new_context(**desk), "shenxiang")
        town.goto(base + "/demands?status=escalated")
        town.click("text=议事会上居民反映")
        town.click("button:has-text('受理')")
        expect(town, "已处理")
        town.context.close()
        staff = login(browser.new_context(**desk), "staff")
        staff.goto(base + "/topics")
        staff.fill("#year", "2027")
        staff.fill("#title", "高龄独居老人关爱")
        staff.fill("#description", "上门探访、就近助餐")
        staff.select_option("#region_code", label="沈巷镇")
        staff.check("input[name=demand_ids] >> nth=0")
        staff.click("button:has-text('形成选题')")
        expect(staff, "选题已形成")
        shot(staff, "topic")

        staff.goto(base + "/staff/calls/new")
        staff.fill("#year", "2027")
        staff.fill("#title", "鸠江区2027年度公益创投项目（全年流程）")
        staff.fill("#announcement", "面向本区登记的社会组织公开征集公益服务项目。")
        staff.fill("#opens_at", "2027-03-01T08:00")
        staff.fill("#closes_at", "2027-03-10T17:00")
        staff.fill("#project_start", "2027-04-01")
        staff.fill("#project_end", "2027-12-31")
        staff.fill("#reference_prefix", "QN")  # the demo call of 2027 numbers its bids JJ-2027-…
        staff.fill("#min_grant", "20000.00")
        staff.fill("#max_grant", "200000.00")
        staff.fill("#pool_district", "1000000.00")
        staff.fill("#pool_340207101000", "200000.00")
        staff.fill("#pool_340207102000", "250000.00")
        # The standard 申报书 is preselected; the screener's checklist is typed one item per line.
        assert staff.input_value("#dossier") == "standard"
        staff.fill("#screening_checklist", "登记证书在有效期内\n（可选）有同类项目经验")
        staff.check("input[name=topics] >> nth=0")
        staff.check("input[name=topic_required]")
        shot(staff, "call-form")
        staff.click("form.stack button[type=submit]")
        staff.wait_for_selector("text=发布招标公告")
        call_id = staff.url.split("?")[0].rstrip("/").split("/")[-1]
        staff.click("button:has-text('发布招标公告')")
        h.confirm(staff, "confirm-publish")
        expect(staff, "已发布")
        shot(staff, "call-published")

        # Side by side, 沈巷镇's own staff run a round on the town's fund, on a phone.
        town = login(browser.new_context(**phone), "shenxiang")
        town.goto(base + "/staff/calls/new")
        for sel, value in [("#year", "2027"), ("#title", "沈巷镇2027年社区微创投"),
                           ("#announcement", "沈巷镇面向辖区社会组织征集社区微公益项目。"),
                           ("#opens_at", "2027-03-01T08:00"), ("#closes_at", "2027-03-10T17:00"),
                           ("#project_start", "2027-04-01"), ("#project_end", "2027-12-31"),
                           ("#reference_prefix", "SXW"), ("#min_grant", "10000.00"), ("#max_grant", "50000.00"),
                           ("#pool_340207101000", "100000.00")]:
            town.fill(sel, value)
        town.click("form.stack button[type=submit]")
        expect(town, "发布招标公告")
        town.click("button:has-text('发布招标公告')")
        h.confirm(town)
        expect(town, "已发布")
        fits(town)
        shot(town, "town-call-published")
        town.goto(base + "/staff/funds?year=2027")
        expect(town, "沈巷镇2027年公益创投专项资金")
        fits(town)
        shot(town, "town-funds")
        town.context.close()

        org_ctx = browser.new_context(**phone)
        org = org_ctx.new_page()
        org.goto(base + "/register")
        org.fill("#name", "鸠江区全年流程互助会")
        org.fill("#uscc", uscc)
        org.select_option("#org_type", "social_group")
        org.fill("#registered_on", "2021-03-04")
        org.select_option("#region_code", "340207101001")
        org.fill("#contact_name", "李四")
        org.fill("#contact_phone", "0553-5812345")
        org.fill("#email", "year@example.cn")
        org.fill("#login", "yearorg")
        org.fill("#password", "year-pass-2027")
        org.click("button[type=submit]")
        expect(org, "注册申请已提交")
        fits(org)
        shot(org, "registered")
        staff.goto(base + "/staff/organisations")
        staff.locator("tr", has_text="鸠江区全年流程互助会").locator("button", has_text="认证通过").click()
        expect(staff, "已认证通过")

        org = login(org_ctx, "yearorg", "year-pass-2027")
        org.goto(f"{base}/calls/{call_id}")
        fits(org)
        shot(org, "call-on-phone")
        org.click("text=在线申报")
        org.wait_for_selector("#requested_amount")
        # A refused form keeps its work: ten budget lines (one amount mistyped) and an over-long
        # 项目简介 come back as typed, each error beside its field, rows counted from 1.
        org.fill("#title", "“银龄互助”居家养老服务")
        org.fill("#summary", "长" * 7500)
        org.fill("#requested_amount", "100000.00")
        org.click("button:has-text('增加 5 行预算')")
        expect(org, "第 10 行")
        for i in range(10):
            org.select_option(f"#line_category_{i}", "activity")
            org.fill(f"#line_item_{i}", f"活动{i + 1}")
            org.fill(f"#line_amount_{i}", "1O000" if i == 9 else "10000.00")
        org.click("form.stack > .actions button:has-text('保存草稿')")
        expect(org, "请修改以下")
        assert org.input_value("#line_item_9") == "活动10" and org.input_value("#line_amount_9") == "1O000"
        assert len(org.input_value("#summary")) == 7500, "the long text is kept"
        assert org.locator("#line_amount_9 + .field-error").count() == 1, "the error sits beside the amount"
        assert org.locator("#summary + .field-error").count() == 1, "the error sits beside the summary"
        assert "第 10 行" in org.inner_text(".errors"), org.inner_text(".errors")
        fits(org)
        shot(org, "bid-form-refused")
        for i in range(2, 10):
            org.select_option(f"#line_category_{i}", "")
            org.fill(f"#line_item_{i}", "")
            org.fill(f"#line_amount_{i}", "")
        org.select_option("#pool_id", label="沈巷镇公益创投资金（200,000.00 元）")
        org.fill("#title", "“银龄互助”居家养老服务")
        org.fill("#summary", "为独居老人提供探访、助餐与互助小组服务。")
        org.select_option("#service_region_code", "340207101001")
        org.select_option("#topic_id", label="高龄独居老人关爱")
        org.fill("#beneficiary_kind", "独居老人")
        org.fill("#beneficiary_count", "120")
        org.fill("#start_date", "2027-04-01")
        org.fill("#end_date", "2027-12-31")
        org.fill("#requested_amount", "100000.00")
        org.select_option("select[name=line_category_0]", "personnel")
        org.fill("input[name=line_item_0]", "社工补贴")
        org.fill("input[name=line_amount_0]", "30000.00")
        org.select_option("select[name=line_category_1]", "activity")
        org.fill("input[name=line_item_1]", "助餐与探访活动")
        org.fill("input[name=line_amount_1]", "70000.00")
        org.fill("input[name=ms_title_0]", "中期评估")
        org.fill("input[name=ms_due_0]", "2027-08-01")
        # The 申报书, section by section, and an output indicator.
        for key, text in [("org_profile", "本会成立于2021年，长期开展社区互助服务。"),
                          ("need", "沈巷镇独居老人约300人，日常照料与陪伴不足。"),
                          ("goals", "一年内为120位独居老人提供每周探访与助餐。"),
                          ("activities", "组建互助小组，每周探访，每月集中助餐两次。"),
                          ("team", "社工2名、志愿者30名。"), ("outcomes", "老人孤独感量表得分下降20%。"),
                          ("sustainability", "与村委会共建互助站，项目结束后由志愿者持续运营。")]:
            org.fill(f"#sec_{key}", text)
        org.fill("#out_indicator_0", "服务人次")
        org.fill("#out_target_0", "5000")
        org.fill("#out_unit_0", "人次")
        fits(org)
        shot(org, "bid-form")
        org.click("form.stack > .actions button:has-text('保存草稿')")
        expect(org, "已保存草稿")
        bid_url = org.url.split("?")[0]
        # Two of the four required documents from the profile (单位资料), kept for every bid
        # until they expire; the certificate runs out within 30 days and the workbench says so.
        pdf = os.path.join(h.work, "doc.pdf")
        open(pdf, "wb").write(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        org.goto(h.base + "/organisation/documents")
        for kind, until in [("registration_certificate", "2027-03-20"), ("charter", "")]:
            org.select_option("#type", kind)
            org.fill("#valid_until", until)
            org.set_input_files("#file", pdf)
            org.click("button:has-text('上传')")
            expect(org, "已保存到单位资料")
        expect(org, "即将到期")
        fits(org)
        shot(org, "org-documents")
        org.goto(h.base + "/workbench")
        expect(org, "登记证书（即将到期）")
        org.goto(bid_url)
        expect(org, "登记证书（已有）")
        # The other two on the bid itself, each named from the call's list.
        for name in ["上年度年报", "承诺书"]:
            org.fill("#kind", name)
            org.set_input_files("#file", pdf)
            org.click("button:has-text('上传附件')")
            expect(org, f"{name}：doc.pdf")
        expect(org, "章程：doc.pdf")
        fits(org)
        shot(org, "bid-dossier")
        org.click("button:has-text('提交申报')")
        expect(org, "已提交，回执已发送")
        bid_id = org.url.split("/bids/")[1].split("?")[0].split("/")[0]
        fits(org)
        shot(org, "bid-submitted")
        browser.close()

    # --- 11 March: the deadline has passed: screening, finance, the draw, scores, the decision ---
    start("serve", "2027-03-11T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        phone, desk = PHONE, DESK
        staff = login(browser.new_context(**desk), "staff")
        staff.goto(f"{base}/bids/{bid_id}")
        # The checklist: the mandatory item ok, the optional one not.
        staff.check("input[name=chk_item1][value=ok]")
        staff.check("input[name=chk_item2][value=fail]")
        staff.fill("input[name=chk_note_item2]", "首次承接同类项目")
        staff.select_option("#outcome", "eligible")
        staff.click("button:has-text('提交审查结论')")
        expect(staff, "审查通过")
        shot(staff, "screened")
        fin = login(browser.new_context(**desk), "finance")
        fin.goto(f"{base}/bids/{bid_id}")
        fin.fill("#approved_amount", "90000.00")
        fin.fill("#fnote", "活动费核减 10,000 元")
        fin.click("button:has-text('保存核定金额')")
        expect(fin, "90,000.00")
        shot(fin, "finance")
        staff.goto(f"{base}/staff/calls/{call_id}")
        staff.click("summary:has-text('抽取评审专家')")
        staff.fill("#k", "3")
        staff.click("button:has-text('随机抽取')")
        expect(staff, "已随机抽取评审专家")
        shot(staff, "draw")
        scored = 0
        for n in range(1, 6):
            expert = login(browser.new_context(**phone), f"expert{n}")
            expert.goto(base + "/review")
            if expert.locator("button:has-text('确认无利益冲突')").count() == 0:
                continue
            expert.click("button:has-text('确认无利益冲突')")
            expert.click("a.button:text-is('评分')")
            expert.wait_for_selector("input[name^=score_]")
            for i, field in enumerate(expert.locator("input[name^=score_]").all()):
                field.fill(["85", "88", "80", "86", "90"][i % 5])
            expert.fill("#comment", "需求明确，方案可行。")
            fits(expert)
            if scored == 0:
                shot(expert, "review-on-phone")
            expert.click("button[value=submit]")
            expect(expert, "已提交")
            scored += 1
        assert scored == 3, f"{scored} experts were drawn"
        staff.goto(f"{base}/staff/calls/{call_id}/ranking")
        expect(staff, "拟资助")
        shot(staff, "ranking")
        staff.click("button:has-text('确定资助结果并发布公示')")
        h.confirm(staff, "confirm-decide")
        expect(staff, "评审结果公示")
        shot(staff, "decided")

        public = browser.new_context(**phone).new_page()
        public.goto(base + "/")
        public.click("a[href^='/notices/']:has-text('全年流程')")
        expect(public, "“银龄互助”居家养老服务")
        fits(public)
        shot(public, "public-notice")
        # The link the public clicks; fetched with the page's own cookies (headless Chromium
        # would open a PDF inline rather than fire a download).
        href = public.get_attribute("a:has-text('下载公示文件（PDF）')", "href")
        r = public.request.get(base + href)
        assert r.ok and r.headers["content-type"] == "application/pdf", r.headers
        assert r.body()[:5] == b"%PDF-", "the notice downloads as a PDF"
        open(f"{out}/notice.pdf", "wb").write(r.body())
        notice_path = public.url.replace(base, "")
        browser.close()

    # --- 25 March: the notice period is over: finalise, sign, pay the first tranche ------------
    start("serve", "2027-03-25T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        desk = DESK
        staff = login(browser.new_context(**desk), "staff")
        staff.goto(f"{base}/staff/calls/{call_id}")
        staff.click("button:has-text('公示期满')")
        h.confirm(staff, "confirm-finalize")
        expect(staff, "资助结果已确定")
        # 项目优化: finance approved 90,000 of the 100,000 asked; the organisation re-budgets on
        # its phone before the agreement can be signed.
        org = login(browser.new_context(**PHONE), "yearorg", "year-pass-2027")
        org.goto(base + "/projects")
        org.click("text=“银龄互助”居家养老服务")
        expect(org, "项目优化")
        org.fill("#line_amount_0", "27000.00")
        org.fill("#line_amount_1", "63000.00")
        org.fill("#reason", "按核定金额减少助餐场次")
        fits(org)
        shot(org, "rebudget")
        org.click("button:has-text('保存调整后的预算')")
        expect(org, "预算已按核定金额调整")
        # The public needs board names the topic with the project funded for it.
        needs = browser.new_context(**PHONE).new_page()
        needs.goto(base + "/needs")
        expect(needs, "高龄独居老人关爱")
        expect(needs, "“银龄互助”居家养老服务")
        assert "王阿姨" not in needs.content(), "never the reporter"
        fits(needs)
        shot(needs, "needs-board")
        needs.context.close()
        staff.goto(base + "/projects")
        staff.click("text=“银龄互助”居家养老服务")
        staff.click("button:has-text('登记')")
        expect(staff, "已签订")
        project_url = staff.url
        shot(staff, "signed")
        fin = login(browser.new_context(**desk), "finance")
        fin.goto(project_url)
        fin.fill("input[name=amount] >> nth=0", "45000.00")
        fin.fill("input[name=reference] >> nth=0", "国库集中支付 2027-0001")
        fin.click("button:has-text('登记拨付') >> nth=0")
        h.confirm(fin, "confirm-payment")
        expect(fin, "45,000.00")
        shot(fin, "paid")
        # A third-party evaluator (the demo's 皖江社会服务评估中心) will score the evaluations.
        staff.goto(project_url)
        staff.select_option("#evaluator", label="第三方评估 皖江社会服务评估中心")
        staff.click("button:has-text('委托')")
        expect(staff, "已委托第三方评估")
        # The social-welfare fund pays the funded project matching money (issue 25).
        fund_id = welfare_steps.run(h, browser, "“银龄互助”居家养老服务")

        # Every page as every role, on a phone and a desktop (issue 21): looked at, none too wide.
        project = project_url.replace(base, "")
        c = f"/staff/calls/{call_id}"
        pages = 0
        pages += h.tour(browser, None, None, ["/", "/board", "/awards", "/verify", f"/calls/{call_id}", notice_path,
                                              "/login", "/register", "/forgot-password"])
        pages += h.tour(browser, "staff", "demo2026", [
            "/workbench", "/staff/calls", c, f"{c}/bids", f"{c}/bids?status=all", f"{c}/ranking", f"/bids/{bid_id}",
            "/staff/calls/new", "/staff/organisations", "/projects", project, "/staff/dashboard", "/staff/funds",
            "/staff/awards", "/staff/meetings", notice_path, "/account/password", "/staff/welfare",
            f"/staff/welfare/{fund_id}"])
        pages += h.tour(browser, "shenxiang", "demo2026", ["/workbench", "/staff/calls", "/projects",
                                                           "/staff/dashboard", "/staff/funds"])
        pages += h.tour(browser, "finance", "demo2026", ["/workbench", "/staff/calls", f"{c}/bids", f"/bids/{bid_id}",
                                                         "/projects", project, "/staff/dashboard", "/staff/welfare",
                                                         f"/staff/welfare/{fund_id}"])
        pages += h.tour(browser, "expert1", "demo2026", ["/workbench", "/review"])
        pages += h.tour(browser, "pinggu", "demo2026", ["/workbench", "/projects", project])
        pages += h.tour(browser, "cunwei", "demo2026", ["/workbench", "/demands", "/demands?status=registered", "/points"])
        pages += h.tour(browser, None, None, ["/needs", "/points/board/340207101001/2027-01", "/welfare",
                                              f"/welfare/{fund_id}"])
        pages += h.tour(browser, "shenxiang", "demo2026", ["/demands", "/topics", "/points", "/points/stats"])
        pages += h.tour(browser, "yearorg", "year-pass-2027", ["/workbench", f"/calls/{call_id}", f"/bids/{bid_id}",
                                                               "/projects", project, "/organisation/documents"])
        pages += h.tour(browser, "admin", "demo2026", ["/workbench", "/admin/users", "/admin/calendar",
                                                       "/admin/outbox"])
        print(f"year: toured {pages} page views")
        browser.close()
    # --- 10 August: the mid-term evaluation, reported on a phone, verified, the second tranche ----
    start("serve", "2027-08-10T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        org = login(browser.new_context(**PHONE), "yearorg", "year-pass-2027")
        org.goto(project_url)
        mid = org.locator("form:has(h3:has-text('提交“中期评估”报告'))").first
        mid.locator("textarea[name=text]").fill("已开展探访 860 人次、集中助餐 9 次。")
        mid.locator("input[name=actual_personnel]").fill("15000.00")
        mid.locator("input[name=actual_activity]").fill("40000.00")
        mid.locator("button:has-text('提交报告')").click()
        expect(org, "报告已提交")
        fits(org)
        # The third-party evaluator finds it on its 工作台 and scores it on a phone, on the call's
        # indicators: the grade (良好) follows from the total, 85.5.
        ev = login(browser.new_context(**PHONE), "pinggu")
        ev.goto(base + "/workbench")
        expect(ev, "第三方评估打分")
        ev.click("a:has-text('第三方评估打分')")
        check = ev.locator("form:has(h3:has-text('第三方评估：“中期评估”'))").first
        for key, pts in [("implementation", "27"), ("management", "18"), ("finance", "15"), ("outcomes", "25.5")]:
            check.locator(f"input[name=pts_{key}]").fill(pts)
        fits(ev)
        shot(ev, "evaluator-scores")
        check.locator("button:has-text('提交核验')").click()
        expect(ev, "已核验")
        expect(ev, "总分 85.5")
        # Staff publish the mid-term results; the public reads them on the call's page.
        staff = login(browser.new_context(**DESK), "staff")
        staff.goto(f"{base}/staff/calls/{call_id}")
        staff.click("button:has-text('发布中期评估结果公示')")
        expect(staff, "评估结果公示已发布")
        public = browser.new_context(**PHONE).new_page()
        public.goto(f"{base}/calls/{call_id}")
        expect(public, "中期评估结果公示")
        expect(public, "85.5")
        fits(public)
        shot(public, "evaluation-notice")
        href = public.get_attribute("a:has-text('下载公示（PDF）')", "href")
        r = public.request.get(base + href)
        assert r.ok and r.body()[:5] == b"%PDF-", "the evaluation notice downloads as a PDF"
        open(f"{out}/evaluation-notice.pdf", "wb").write(r.body())
        # A change request on the phone (项目变更): the team changes; staff approve it.
        org.goto(project_url)
        org.click("summary:has-text('申请项目变更')")
        org.select_option("#ckind", "team")
        org.fill("#cdesc", "社工张三调岗，由持证社工李四接任项目主管。")
        fits(org)
        shot(org, "change-request")
        org.click("button:has-text('提交变更申请')")
        expect(org, "变更申请已提交")
        staff.goto(project_url)
        change = staff.locator("form[action$='/decision']").first
        change.locator("textarea[name=note]").fill("同意，请更新人员名单。")
        change.locator("button:has-text('提交审核')").click()
        expect(staff, "已审核")
        fin = login(browser.new_context(**DESK), "finance")
        fin.goto(project_url)
        fin.fill("input[name=amount] >> nth=0", "27000.00")
        fin.fill("input[name=reference] >> nth=0", "国库集中支付 2027-0088")
        fin.click("button:has-text('登记拨付') >> nth=0")
        h.confirm(fin)
        expect(fin, "72,000.00")
        browser.close()

    # --- 10 January 2028: the final evaluation, the final accounts, 结项 with a refund ----------
    start("serve", "2028-01-10T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        org = login(browser.new_context(**PHONE), "yearorg", "year-pass-2027")
        org.goto(project_url)
        final = org.locator("form:has(h3:has-text('提交“结项评估”报告'))").first
        final.locator("textarea[name=text]").fill("全年探访 5,120 人次，助餐 24 次，目标全部完成。")
        final.locator("button:has-text('提交报告')").click()
        expect(org, "报告已提交")
        staff = login(browser.new_context(**DESK), "staff")
        staff.goto(project_url)
        check = staff.locator("form:has(h3:has-text('核验“结项评估”'))").first
        check.locator("select[name=grade]").select_option("合格")
        check.locator("button:has-text('提交核验')").click()
        expect(staff, "已核验")
        # The organisation files its final accounts on the phone: 70,000 spent of 72,000 paid.
        org.goto(project_url)
        org.fill("#acc_personnel", "20000.00")
        org.fill("#acc_activity", "50000.00")
        org.fill("#cnote", "结余 2,000 元按协议退回。")
        fits(org)
        shot(org, "closure-form")
        org.click("button:has-text('提交决算')")
        expect(org, "决算已提交")
        staff.goto(project_url)
        expect(staff, "应退回结余资金")
        staff.fill("#refund_reference", "非税收入缴款书 2028-0003")
        staff.fill("#refunded_on", "2028-01-09")
        staff.click("button:has-text('确认结项')")
        expect(staff, "项目已结项")
        shot(staff, "completed")
        org.goto(project_url)
        expect(org, "已结项")
        fits(org)
        shot(org, "completed-phone")
        org.goto(base + "/board")
        expect(org, "已结项")
        browser.close()

    # Leave the year's database beside the screenshots: bench/public_json.sh loads its notice.
    import shutil
    import sqlite3
    src = sqlite3.connect(f"{work}/gongyi.db")
    dst = sqlite3.connect(f"{out}/gongyi.db")
    src.backup(dst)
    dst.close()
    src.close()
    shutil.copytree(f"{work}/data", f"{out}/data", dirs_exist_ok=True)
    print("year: 1 passed, 0 failed")
finally:
    h.stop()
