"""A month of volunteer points in one village, in headless Chromium on a phone (issue 24): the
village worker writes next month's catalogue (a bad value refused first), adds participants and files one activity for twenty of them, reviews them first;
the town's staff review them second; after the month the worker posts them and the public board
shows masked names and prints the sheet; a resident objects on the board and the worker upholds
it, reversing one claim; after the window the worker exchanges points for goods and gets a code.

Usage: python3 tests/browser/points.py GONGYI_BINARY OUTDIR"""
import sys

from playwright.sync_api import sync_playwright

from harness import DESK, PHONE, Harness

h = Harness(sys.argv[1], sys.argv[2], prefix="points-")
base, shot, fits, login, expect = h.base, h.shot, h.fits, h.login, h.expect
VILLAGE = "340207101001"

h.start("demo", "2027-03-10T09:00:00+08:00")
try:
    with sync_playwright() as p:
        browser = h.launch(p)
        worker = login(browser.new_context(**PHONE), "cunwei")
        worker.goto(base + "/points")
        expect(worker, "活动积分申报")
        fits(worker)
        shot(worker, "village-page")
        # Next month's catalogue, typed as lines: a value outside 3/5/10/15/20 is refused and kept.
        worker.click("summary:has-text('制定')")
        worker.fill("#items", "PA01,平安建设,夜间治安巡逻,5,8\nXC01,理论宣讲,政策宣讲进小区,4")
        worker.fill("#cnote", "四月重点：防汛巡查")
        worker.click("form[action='/points/catalogue'] button")
        expect(worker, "分值只能是")
        fits(worker)
        shot(worker, "catalogue-refused")
        worker.fill("#items", "PA01,平安建设,夜间治安巡逻,5,8\nFX01,平安建设,汛期巡堤,10,4\nXC01,理论宣讲,政策宣讲进小区,10,2")
        worker.click("form[action='/points/catalogue'] button")
        expect(worker, "积分项目清单已保存")
        cat = worker.request.get(f"{base}/api/v1/points/catalogues/{VILLAGE}/2027-04").json()
        assert cat["in_force"]["month"] == "2027-04" and len(cat["in_force"]["items"]) == 3, cat
        for i in range(16):
            worker.click("summary:has-text('添加参与人')")
            worker.fill("#pname", f"志愿者{i + 1:02d}号")
            worker.fill("#tags", "平安志愿者")
            worker.click("form[action='/points/participants'] button")
            expect(worker, "已添加参与人")
        worker.select_option("#item_code", "PA01")
        worker.fill("#activity_date", "2027-03-09")
        boxes = worker.locator("input[name=participant]")
        assert boxes.count() == 20, boxes.count()
        for i in range(boxes.count()):
            boxes.nth(i).check()
        shot(worker, "activity-twenty")
        worker.click("form[action='/points/activity'] button")
        expect(worker, "活动积分已申报")
        assert "待审核（20）" in worker.inner_text("main")
        fits(worker)
        for _ in range(20):
            worker.locator("button:has-text('初审通过')").first.click()
            expect(worker, "审核已记录")
        assert worker.locator("button:has-text('初审通过')").count() == 0
        shot(worker, "first-reviews-done")
        town = login(browser.new_context(**DESK), "shenxiang")
        town.goto(f"{base}/points?region={VILLAGE}")
        for _ in range(20):
            town.locator("button:has-text('复审通过')").first.click()
            expect(town, "审核已记录")
        shot(town, "second-reviews-done")
        browser.close()

    h.start("demo", "2027-04-02T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        worker = login(browser.new_context(**PHONE), "cunwei")
        worker.goto(base + "/points")
        worker.fill("#month", "2027-03")
        worker.click("form[action='/points/postings'] button")
        expect(worker, "志愿服务积分公示")
        assert "张*明" in worker.inner_text("main") and "张三明" not in worker.inner_text("main")
        fits(worker)
        shot(worker, "board")
        public = browser.new_context(**PHONE).new_page()
        public.goto(f"{base}/points/board/{VILLAGE}/2027-03")
        expect(public, "欧**明")
        fits(public)
        shot(public, "board-public")
        public.click("summary:has-text('提出异议')")
        public.fill("#otext", "志愿者16号当晚不在村里，没有参加巡逻。")
        shot(public, "objection-form")
        public.click("form[action$='/objections'] button")
        expect(public, "异议已收到")
        fits(public)
        pdf = public.request.get(base + public.locator("a:has-text('打印公示表')").first.get_attribute("href"))
        assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"
        worker.goto(base + "/points")
        expect(worker, "公示异议（1）")
        worker.select_option("select[name=claim_id]", label="志愿者16号 · 夜间治安巡逻 · 5 分")
        worker.fill("input[name=note][id^=dnote]", "经核实属实，撤销该条积分。")
        fits(worker)
        shot(worker, "objection-decision")
        worker.click("button:has-text('异议成立')")
        expect(worker, "异议已处理")
        browser.close()

    h.start("demo", "2027-04-06T09:00:00+08:00")
    with sync_playwright() as p:
        browser = h.launch(p)
        worker = login(browser.new_context(**PHONE), "cunwei")
        worker.goto(base + "/points")
        text = worker.inner_text("main")
        assert "志愿者16号" in text
        # The upheld objection took 志愿者16号's points back; the others' are spendable now.
        assert worker.locator("#participant_id option", has_text="志愿者16号（可用 0 分）").count() == 1
        assert worker.locator("#participant_id option", has_text="志愿者15号（可用 5 分）").count() == 1
        worker.select_option("#participant_id", label="张三明（可用 5 分）")
        worker.select_option("#store_item_id", index=0)
        worker.fill("#qty", "1")
        shot(worker, "exchange-form")
        worker.click("form[action='/points/exchanges'] button")
        expect(worker, "兑换码")
        fits(worker)
        shot(worker, "exchanged")
        browser.close()
    print("points: 1 passed, 0 failed")
finally:
    h.stop()
