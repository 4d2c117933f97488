"""A call with categories, quotas and a two-stage score, end to end in headless Chromium: staff
set up 书面评审 60 % + 现场答辩 40 %, a 为老服务 quota of one project and a matching-funds bonus;
an organisation bids three projects from a phone; staff screen, finance approve, experts score
the written stage; staff shortlist, schedule the defence and draw its panel; experts score on
their phones; the room's screen announces each score; the ranking skips the second 为老服务 bid
(its category is full) and funds the cheaper 儿童关爱 bid below it. Screenshots go to OUTDIR.

Usage: python3 tests/browser/stages.py GONGYI_BINARY OUTDIR"""
import sys

from playwright.sync_api import sync_playwright

from harness import DESK, PHONE, Harness

h = Harness(sys.argv[1], sys.argv[2], prefix="stages-")
base, start, shot, fits, login, expect = h.base, h.start, h.shot, h.fits, h.login, h.expect

# Title → (category, requested, matching funds, written score, defence score)
BIDS = {
    "银龄食堂助餐服务": ("elderly", "100000.00", "0", "90", "90"),
    "长者智能手机课堂": ("elderly", "60000.00", "0", "85", "85"),
    "四点半课堂儿童陪伴": ("children", "50000.00", "20000.00", "80", "80"),
}


def score_everything(browser, stage, column):
    """Every expert accepts and scores each of their assignments in `stage` on a phone."""
    scored = 0
    for n in range(1, 6):
        expert = login(browser.new_context(**PHONE), f"expert{n}")
        expert.goto(base + "/review")
        while expert.locator(".card", has_text=stage).locator("button:has-text('确认无利益冲突')").count():
            expert.locator(".card", has_text=stage).locator("button:has-text('确认无利益冲突')").first.click()
            expert.wait_for_load_state()
        while True:
            card = expert.locator(".card", has_text=stage).filter(has=expert.locator("a.button:text-is('评分')"))
            if card.count() == 0:
                break
            title = next(t for t in BIDS if t in card.first.inner_text())
            card.first.locator("a.button:text-is('评分')").click()
            expert.wait_for_selector("input[name^=score_]")
            for field in expert.locator("input[name^=score_]").all():
                field.fill(BIDS[title][column])
            fits(expert)
            if scored == 0:
                shot(expert, f"score-{stage}")
            expert.click("button[value=submit]")
            expect(expert, "已提交")
            scored += 1
            expert.goto(base + "/review")
    return scored


try:
    start("demo", "2027-03-01T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        h.prepare_year(browser)
        staff = login(browser.new_context(**DESK), "staff")
        staff.goto(base + "/staff/calls/new")
        for sel, value in [("#year", "2027"), ("#title", "鸠江区2027年度公益创投项目（两阶段评审）"),
                           ("#announcement", "书面评审与现场答辩相结合，分类别限额资助。"),
                           ("#opens_at", "2027-03-01T08:00"), ("#closes_at", "2027-03-10T17:00"),
                           ("#project_start", "2027-04-01"), ("#project_end", "2027-12-31"),
                           ("#reference_prefix", "LJ"), ("#min_grant", "20000.00"), ("#max_grant", "200000.00"),
                           ("#max_bids_per_org", "3"), ("#pool_district", "1000000.00"),
                           ("#pool_340207101000", "200000.00"), ("#pool_340207102000", "250000.00"),
                           ("input[name=cat_key_0]", "elderly"), ("input[name=cat_name_0]", "为老服务"),
                           ("input[name=cat_projects_0]", "1"), ("input[name=cat_key_1]", "children"),
                           ("input[name=cat_name_1]", "儿童关爱"),
                           ("input[name=stage1_name]", "书面评审"), ("input[name=stage1_weight]", "60"),
                           ("input[name=stage2_name]", "现场答辩"), ("input[name=stage2_weight]", "40"),
                           ("input[name=s2_key_0]", "presentation"), ("input[name=s2_name_0]", "现场陈述"),
                           ("input[name=s2_weight_0]", "50"), ("input[name=s2_key_1]", "answers"),
                           ("input[name=s2_name_1]", "答辩表现"), ("input[name=s2_weight_1]", "50"),
                           ("#bonus_per_amount", "10000.00"), ("input[name=bonus_points]", "1"),
                           ("input[name=bonus_max]", "10")]:
            staff.fill(sel, value)
        staff.select_option("#dossier", "")  # this call asks for no 申报书 sections (year.py does)
        shot(staff, "call-form")
        staff.click("form.stack button[type=submit]")
        staff.wait_for_selector("text=发布招标公告")
        call_id = staff.url.split("?")[0].rstrip("/").split("/")[-1]
        staff.click("button:has-text('发布招标公告')")
        h.confirm(staff)
        expect(staff, "已发布")

        org = login(browser.new_context(**PHONE), "yangguang")
        for title, (category, amount, matching, _, _) in BIDS.items():
            org.goto(f"{base}/calls/{call_id}/bid")
            org.wait_for_selector("#requested_amount")
            org.select_option("#pool_id", index=0)
            org.select_option("#category", category)
            org.fill("#title", title)
            org.fill("#summary", "面向社区居民的公益服务。")
            org.select_option("#service_region_code", "340207101001")
            org.fill("#beneficiary_kind", "社区居民")
            org.fill("#beneficiary_count", "80")
            org.fill("#start_date", "2027-04-01")
            org.fill("#end_date", "2027-12-31")
            org.fill("#requested_amount", amount)
            org.fill("#matching_funds", matching)
            org.select_option("select[name=line_category_0]", "activity")
            org.fill("input[name=line_item_0]", "服务活动")
            org.fill("input[name=line_amount_0]", amount)
            org.fill("input[name=ms_title_0]", "中期评估")
            org.fill("input[name=ms_due_0]", "2027-08-01")
            fits(org)
            org.click("form.stack button[type=submit]")
            expect(org, "已保存草稿")
            org.click("button:has-text('提交申报')")
            expect(org, "已提交，回执已发送")
        shot(org, "bid-submitted")
        browser.close()

    start("serve", "2027-03-11T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        staff = login(browser.new_context(**DESK), "staff")
        fin = login(browser.new_context(**DESK), "finance")
        staff.goto(f"{base}/staff/calls/{call_id}/bids")
        links = [a.get_attribute("href") for a in staff.locator("a[href^='/bids/']").all()]
        bid_urls = sorted({h.split("?")[0] for h in links if h.split("?")[0].count("/") == 2})
        assert len(bid_urls) == 3, bid_urls
        for url in bid_urls:
            staff.goto(base + url)
            staff.select_option("#outcome", "eligible")
            staff.click("button:has-text('提交审查结论')")
            expect(staff, "审查通过")
            fin.goto(base + url)
            fin.fill("#approved_amount", fin.input_value("#approved_amount") or "50000.00")
            fin.click("button:has-text('保存核定金额')")
            expect(fin, "核定金额")
        staff.goto(f"{base}/staff/calls/{call_id}")
        staff.click("summary:has-text('抽取评审专家')")
        staff.fill("#k", "3")
        staff.click("button:has-text('随机抽取')")
        expect(staff, "已随机抽取评审专家")
        assert score_everything(browser, "书面评审", 3) == 9

        staff.goto(f"{base}/staff/calls/{call_id}/stages")
        staff.fill("input[name=top_n]", "3")
        staff.click("button:has-text('确定入围名单并通知')")
        expect(staff, "入围名单已确定")
        staff.click("summary:has-text('安排答辩场次')")
        staff.fill("input[name=venue]", "区民政局三楼会议室")
        staff.fill("input[name=date]", "2027-03-12")
        for i, field in enumerate(staff.locator("input[name^=time_]").all()):
            field.fill(["09:00", "09:30", "10:00"][i])
        staff.click("button:has-text('安排并通知各单位')")
        expect(staff, "答辩场次已安排")
        staff.click("summary:has-text('抽取现场答辩评审专家')")
        staff.fill("#kdefence", "3")
        staff.click("button:has-text('抽取评审专家')")
        expect(staff, "评审专家已抽取")
        shot(staff, "shortlist-and-session")
        screen_url = base + staff.get_attribute("a:has-text('现场大屏')", "href")
        room = staff
        room.goto(screen_url)
        expect(room, "评分中")
        assert score_everything(browser, "现场答辩", 4) == 9
        room.goto(screen_url)
        expect(room, "90.00")
        shot(room, "room-screen")

        staff.goto(f"{base}/staff/calls/{call_id}/ranking")
        expect(staff, "该类别项目数已满")
        text = staff.inner_text("main")
        # 60 % × 80 + 40 % × 80 = 80, plus 2 points for 20,000 yuan of matching funds.
        assert "82.00" in text and "90.00" in text and "85.00" in text, text
        row = staff.locator("tr", has_text="四点半课堂儿童陪伴").first
        assert "拟资助" in row.inner_text(), row.inner_text()
        shot(staff, "ranking")
        staff.click("button:has-text('确定资助结果并发布公示')")
        h.confirm(staff)
        expect(staff, "评审结果公示")
        shot(staff, "decided")
        browser.close()
    print("stages: 1 passed, 0 failed")
finally:
    h.stop()
