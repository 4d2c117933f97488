"""Browser smoke test: a phone-sized Chromium registers an organisation, staff verify it, the
organisation sees the result. Usage: python3 tests/browser/smoke.py http://127.0.0.1:8080 OUTDIR USCC
(needs `pip install playwright` and Debian's chromium; the server must run the demo data)."""
import sys
from playwright.sync_api import sync_playwright

base, out = sys.argv[1], sys.argv[2]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"])
    phone = dict(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True)

    org = browser.new_context(**phone).new_page()
    org.goto(base + "/register")
    org.fill("#name", "鸠江区浏览器测试互助会")
    org.fill("#uscc", sys.argv[3])
    org.select_option("#org_type", "social_group")
    org.fill("#registered_on", "2021-03-04")
    org.select_option("#region_code", "340207101001")
    org.fill("#contact_name", "李四")
    org.fill("#contact_phone", "0553-5812345")
    org.fill("#email", "browser@example.cn")
    org.fill("#login", "browserorg")
    org.fill("#password", "browser-pass-1")
    org.click("button[type=submit]")
    org.wait_for_selector("text=注册申请已提交")
    org.screenshot(path=f"{out}/1-registered.png", full_page=True)

    staff = browser.new_context(**phone).new_page()
    staff.goto(base + "/login")
    staff.fill("#login", "staff")
    staff.fill("#password", "demo2026")
    staff.click("button[type=submit]")
    staff.wait_for_url("**/workbench")
    staff.goto(base + "/staff/organisations")
    assert "鸠江区浏览器测试互助会" in staff.content()
    staff.screenshot(path=f"{out}/2-queue.png", full_page=True)
    row = staff.locator("tr", has_text="鸠江区浏览器测试互助会")
    row.locator("button", has_text="认证通过").click()
    staff.wait_for_selector("text=已认证通过")

    org.goto(base + "/login")
    org.fill("#login", "browserorg")
    org.fill("#password", "browser-pass-1")
    org.click("button[type=submit]")
    org.wait_for_url("**/workbench")
    org.wait_for_selector("text=已认证，可在招标公告发布后申报项目")
    org.screenshot(path=f"{out}/3-workbench.png", full_page=True)
    browser.close()
print("smoke: 1 passed, 0 failed")
