"""The social-welfare fund in a browser (issue 25), run inside the year's walk once a project is
funded: district staff set up a fund inside its host charity and seat its committee (activation
refused until five voting members and a supervisor), plan the year, file a campaign (refused
before its ten days' lead time), finance records gifts on a phone (one anonymous) and gets their
receipt numbers, staff record a committee-approved grant to the funded project (refused above the
balance first) that becomes its matching money, publish the disclosure PDF, and the public page
shows masked names and finds a gift by its receipt number."""
from harness import DESK, PHONE


def run(h, browser, project_title):
    base, shot, fits, login, expect = h.base, h.shot, h.fits, h.login, h.expect
    staff = login(browser.new_context(**DESK), "staff")
    staff.goto(base + "/staff/welfare")
    expect(staff, "设立公益基金")
    staff.fill("#name", "鸠江区敬老助餐公益基金")
    staff.select_option("#region_code", "340207000000")
    staff.fill("#host_name", "芜湖市鸠江区慈善会")
    staff.fill("#host_uscc", "53340207MJ1000001J")
    staff.fill("#host_certificate_no", "皖民募字〔2025〕018号")
    staff.fill("#host_certificate_until", "2029-12-31")
    staff.fill("#purpose", "为高龄独居老人助餐项目筹集配套资金")
    staff.click("form[action='/staff/welfare'] button")
    expect(staff, "基金已设立")
    fund_url = staff.url.split("?")[0]
    fund_id = fund_url.rstrip("/").split("/")[-1]
    # Four voting members and a supervisor: saved, but the fund cannot start.
    people = [("王建国", "charity"), ("李秀英", "donor_rep"), ("张海", "town"), ("周丽", "community"),
              ("刘芳", "supervisor"), ("陈志强", "enterprise")]
    for i, (name, role) in enumerate(people[:5], start=1):
        staff.fill(f"#mn{i}", name)
        staff.select_option(f"#mr{i}", role)
    staff.click(f"form[action='/staff/welfare/{fund_id}/committee'] button")
    expect(staff, "名单已保存")
    staff.click("button:has-text('启用基金')")
    expect(staff, "不少于 5 人")
    shot(staff, "welfare-committee-refused")
    staff.fill("#mn6", people[5][0])
    staff.select_option("#mr6", people[5][1])
    staff.click(f"form[action='/staff/welfare/{fund_id}/committee'] button")
    expect(staff, "名单已保存")
    staff.click("button:has-text('启用基金')")
    expect(staff, "基金已启用")
    # The year's plan and a campaign, refused before its lead time, then filed.
    staff.click("summary:has-text('制定或修改年度计划')")
    staff.fill("#ptarget", "200000.00")
    staff.fill("#pchannels", "微信公众号、社区募捐箱")
    staff.click(f"form[action='/staff/welfare/{fund_id}/plans'] button")
    expect(staff, "年度募集计划已保存")
    staff.click("summary:has-text('登记募捐活动')")
    staff.fill("#ctitle", "春季敬老助餐募捐")
    staff.fill("#cfiling", "皖民备〔2027〕0310号")
    staff.fill("#cfiled", "2027-03-10")
    staff.fill("#cstarts", "2027-03-15")
    staff.fill("#cends", "2027-06-30")
    staff.fill("#ctarget", "50000.00")
    staff.click(f"form[action='/staff/welfare/{fund_id}/campaigns'] button")
    expect(staff, "备案后满 10 日")
    shot(staff, "welfare-campaign-refused")
    staff.fill("#cstarts", "2027-03-20")
    staff.click(f"form[action='/staff/welfare/{fund_id}/campaigns'] button")
    expect(staff, "募捐活动已登记")

    # Finance records two gifts on a phone; each gets the next receipt number.
    fin = login(browser.new_context(**PHONE), "finance")
    fin.goto(fund_url)
    expect(fin, "登记一笔捐赠")
    fits(fin)
    receipts = []
    for name, amount, anonymous in (("张三明", "1000.00", False), ("李四", "500.00", True)):
        fin.fill("#dname", name)
        fin.fill("#damount", amount)
        fin.select_option("#dchannel", "transfer")
        fin.select_option("#dcampaign", label="春季敬老助餐募捐")
        if anonymous:
            fin.check("input[name=anonymous]")
        fin.click(f"form[action='/staff/welfare/{fund_id}/donations'] button")
        expect(fin, "捐赠已登记")
        receipts.append(fin.inner_text(".notice").split("收据编号 ")[1].rstrip("。").strip())
    assert receipts[0].endswith("-2027-000001") and receipts[1].endswith("-2027-000002"), receipts
    fits(fin)
    shot(fin, "welfare-donations-phone")
    fin.context.close()

    # The committee's grant to the funded project: above the balance refused, then recorded.
    staff.goto(fund_url)
    staff.click("summary:has-text('登记一笔使用')")
    staff.select_option("#gto", "project")
    value = staff.locator("#gproject option", has_text=project_title).first.get_attribute("value")
    staff.select_option("#gproject", value)
    staff.fill("#gamount", "2000.00")
    staff.fill("#gminutes", "基金管委〔2027〕1号")
    staff.fill("#gvotes", "4")
    staff.click(f"form[action='/staff/welfare/{fund_id}/grants'] button")
    expect(staff, "可用余额")
    shot(staff, "welfare-grant-refused")
    staff.fill("#gamount", "1200.00")
    staff.click(f"form[action='/staff/welfare/{fund_id}/grants'] button")
    expect(staff, "基金使用已登记")
    project = staff.request.get(f"{base}/api/v1/projects/{value}").json()
    assert project["welfare_matching"] == "1200.00", project
    staff.goto(f"{base}/projects/{value}")
    expect(staff, "其中社会公益基金 1,200.00 元")
    # The disclosure: published as a PDF whose hash the platform knows.
    staff.goto(fund_url)
    staff.fill("#xfrom", "2027-03-20")
    staff.fill("#xto", "2027-03-25")
    staff.click(f"form[action='/staff/welfare/{fund_id}/disclosures'] button")
    expect(staff, "信息公开已发布")
    shot(staff, "welfare-disclosed")
    href = staff.get_attribute("a:has-text('2027-03-20 至 2027-03-25')", "href")
    r = staff.request.get(base + href)
    assert r.ok and r.body()[:5] == b"%PDF-", r.headers
    import hashlib
    sha = hashlib.sha256(r.body()).hexdigest()
    v = staff.request.get(f"{base}/api/v1/documents/verify?sha256={sha}").json()
    assert v["kind"] == "welfare_disclosure", v
    open(f"{h.out}/welfare-disclosure.pdf", "wb").write(r.body())
    staff.context.close()

    # The public page on a phone: masked names, the chart, the receipt lookup.
    public = browser.new_context(**PHONE).new_page()
    public.goto(f"{base}/welfare/{fund_id}")
    expect(public, "年度募集目标与已筹")
    text = public.inner_text("main")
    assert "张*明" in text and "爱心人士" in text and "张三明" not in text and "李四" not in text, text
    public.fill("#receipt", receipts[1])
    public.click("button:has-text('查询')")
    expect(public, "感谢您的爱心")
    assert "爱心人士" in public.inner_text(".notice")
    fits(public)
    shot(public, "welfare-public")
    public.context.close()
    return fund_id
