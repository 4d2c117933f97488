"""A district office's daily use without a technician, in headless Chromium (issue 21): the admin
resets a staff member's password on a desktop and the staff member, on a phone, must choose a new
one before anything else; a finance reviewer who forgot theirs asks on the login page, opens the
emailed link (the demo writes mail to DATA_DIR/outbox) and logs in with the new password; a used
link is refused. Screenshots go to OUTDIR.

Usage: python3 tests/browser/office.py GONGYI_BINARY OUTDIR"""
import email
import glob
import os
import re
import sys
import time

from playwright.sync_api import sync_playwright

from harness import DESK, PHONE, Harness

h = Harness(sys.argv[1], sys.argv[2], prefix="office-")
base, shot, fits, login, expect = h.base, h.shot, h.fits, h.login, h.expect


def reset_link(to):
    """The link in the newest .eml written to `to`."""
    for _ in range(100):
        for path in sorted(glob.glob(f"{h.work}/data/outbox/*.eml"), key=os.path.getmtime, reverse=True):
            m = email.message_from_binary_file(open(path, "rb"))
            if to in m["To"] and "重置密码" in str(email.header.make_header(email.header.decode_header(m["Subject"]))):
                body = m.get_payload(decode=True).decode("utf-8")
                return re.search(r"http://\S+/password-reset/[0-9a-f]{64}", body).group(0)
        time.sleep(0.2)
    raise SystemExit("no reset mail")


h.start("demo", "2026-12-01T09:00:00+08:00")
try:
    with sync_playwright() as p:
        browser = h.launch(p)
        # The admin resets a staff member's password; the temporary one is shown once.
        admin = login(browser.new_context(**DESK), "admin")
        admin.goto(base + "/admin/users")
        admin.locator("tr", has_text="shenxiang").locator("button:has-text('重置密码')").click()
        expect(admin, "只显示这一次")
        temporary = admin.inner_text("code").strip()
        shot(admin, "temporary-password")

        phone = browser.new_context(**PHONE).new_page()
        phone.goto(base + "/login")
        phone.fill("#login", "shenxiang")
        phone.fill("#password", temporary)
        phone.click("button[type=submit]")
        phone.wait_for_url("**/account/password")
        expect(phone, "临时密码")
        fits(phone)
        shot(phone, "must-change")
        phone.goto(base + "/staff/calls")
        phone.wait_for_url("**/account/password")  # nothing else until it is changed
        phone.fill("#current", temporary)
        phone.fill("#new", "沈巷镇民政-2027")
        phone.fill("#confirm", "沈巷镇民政-2028")
        phone.click("button:has-text('保存新密码')")
        expect(phone, "两次输入的新密码不一致")
        assert phone.evaluate("document.activeElement.id") == "confirm", "the field in error has the focus"
        fits(phone)
        shot(phone, "mismatch")
        phone.fill("#current", temporary)
        phone.fill("#new", "沈巷镇民政-2027")
        phone.fill("#confirm", "沈巷镇民政-2027")
        phone.click("button:has-text('保存新密码')")
        phone.wait_for_url("**/workbench?done=password")
        expect(phone, "新密码已保存")
        shot(phone, "changed")
        phone.context.close()
        login(browser.new_context(**PHONE), "shenxiang", "沈巷镇民政-2027").context.close()

        # Finance forgot their password: the login page's 忘记密码, the mailed link, a new password.
        fin = browser.new_context(**PHONE).new_page()
        fin.goto(base + "/login")
        fin.click("text=忘记密码")
        fin.fill("#login", "finance")
        fin.click("button:has-text('发送重置邮件')")
        expect(fin, "重置密码的邮件已经发出")
        fits(fin)
        shot(fin, "forgot-sent")
        link = reset_link("finance@demo.gongyi.local")
        fin.goto(link)
        expect(fin, "为账号 finance 设置新密码")
        fits(fin)
        shot(fin, "reset-form")
        fin.fill("#new", "财务审核-新密码-9")
        fin.fill("#confirm", "财务审核-新密码-9")
        fin.click("button:has-text('设置新密码')")
        fin.wait_for_url("**/login?done=reset")
        expect(fin, "新密码已设置")
        shot(fin, "reset-done")
        fin.goto(link)
        expect(fin, "已经使用过或已过期")
        shot(fin, "link-spent")
        login(browser.new_context(**PHONE), "finance", "财务审核-新密码-9").context.close()

        # Each role's work list on a phone: what waits for them, with counts (issue 21).
        for who, password in [("staff", "demo2026"), ("shenxiang", "沈巷镇民政-2027"), ("finance", "财务审核-新密码-9"),
                              ("expert1", "demo2026"), ("xinyu", "demo2026")]:
            page = login(browser.new_context(**PHONE), who, password)
            expect(page, "待办事项")
            assert "pending" not in page.inner_text("main"), f"{who}: status words are Chinese"
            fits(page)
            shot(page, f"worklist-{who}")
            page.context.close()
        browser.close()
finally:
    h.stop()
print("office: passwords and work lists passed")
