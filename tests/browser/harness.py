"""What the whole-run browser scripts share: a training server on a SQLite file that can be
restarted with a later GONGYI_NOW, numbered screenshots, the phone-width check, logging in and
waiting for a text (with a screenshot and the page's text when it never comes)."""
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True)
DESK = dict(viewport={"width": 1280, "height": 900})
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Harness:
    def __init__(self, binary, out, prefix=""):
        self.binary, self.out, self.prefix = os.path.abspath(binary), out, prefix
        os.makedirs(out, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="gongyi-browser.")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.work, "server.log"), "ab")
        self.server = None
        self.step = 0

    def start(self, command, now):
        """(Re)starts the server on the same training database with its clock at `now`."""
        self.stop()
        env = dict(os.environ, GONGYI_BIND=f"127.0.0.1:{self.port}",
                   GONGYI_DATABASE_URL=f"sqlite://{self.work}/gongyi.db", GONGYI_DATA_DIR=f"{self.work}/data",
                   GONGYI_TRAINING="1", GONGYI_NOW=now)
        self.server = subprocess.Popen([self.binary, command], cwd=self.work, env=env, stdout=self.log,
                                       stderr=self.log)
        for _ in range(150):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(open(os.path.join(self.work, "server.log")).read())

    def memory(self):
        """The server's resident memory now and at its peak, in MiB (Linux)."""
        try:
            status = open(f"/proc/{self.server.pid}/status").read()
        except (OSError, AttributeError):
            return None
        kb = {l.split(":")[0]: int(l.split()[1]) for l in status.splitlines() if l.startswith(("VmRSS", "VmHWM"))}
        return kb.get("VmRSS", 0) // 1024, kb.get("VmHWM", 0) // 1024

    def stop(self):
        if self.server:
            mem = self.memory()
            if mem:
                print(f"server memory before stopping: RSS {mem[0]} MiB, peak {mem[1]} MiB", flush=True)
            self.server.terminate()
            self.server.wait(10)
            self.server = None

    def launch(self, p):
        return p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

    def shot(self, page, name):
        self.step += 1
        page.screenshot(path=f"{self.out}/{self.prefix}{self.step:02d}-{name}.png", full_page=True)

    @staticmethod
    def fits(page):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 391, f"{page.url} is {width}px wide on a 390px phone"

    def login(self, ctx, who, password="demo2026"):
        page = ctx.new_page()
        page.goto(self.base + "/login")
        page.fill("#login", who)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/workbench")
        return page

    def prepare_year(self, browser, year="2027"):
        """What an office does before a year's first call: the admin loads the year's working-day
        calendar, and staff raise the demo's funds so a second round of calls fits beside the
        demo's (each fund's amount form, in the page's order: district, 沈巷镇, 二坝镇)."""
        admin = self.login(browser.new_context(**DESK), "admin")
        admin.goto(f"{self.base}/admin/calendar?year={year}")
        admin.fill("#csv", f"date,kind,name\n{year}-01-01,holiday,元旦\n{year}-10-01,holiday,国庆节\n")
        admin.click("button:has-text('导入')")
        self.expect(admin, "日历已导入")
        self.shot(admin, "calendar-loaded")
        staff = self.login(browser.new_context(**DESK), "staff")
        staff.goto(f"{self.base}/staff/funds?year={year}")
        for i, amount in enumerate(["3000000.00", "1000000.00", "1000000.00"]):
            form = staff.locator("form[action$='/amount']").nth(i)
            form.locator("input[name=amount]").fill(amount)
            form.locator("button").click()
            self.expect(staff, "已保存")
        self.shot(staff, "funds-raised")
        staff.context.close()
        admin.context.close()

    def confirm(self, page, name=None):
        """The second step of an irreversible action: the confirmation page, then its button."""
        self.expect(page, "请确认")
        if page.viewport_size["width"] <= 390:
            self.fits(page)
        if name:
            self.shot(page, name)
        page.click("main form button:has-text('确认')")

    def expect(self, page, text):
        try:
            page.wait_for_selector(f"text={text}", timeout=10000)
        except Exception:
            page.screenshot(path=f"{self.out}/{self.prefix}FAILED.png", full_page=True)
            print(page.url, page.inner_text("main") if page.locator("main").count() else page.content()[:3000])
            raise

    def tour(self, browser, who, password, paths):
        """Every page of `paths` as `who` (None: the public) on a phone and a desktop: no server
        error, nothing wider than the phone, a screenshot of each to look at."""
        os.makedirs(f"{self.out}/tour", exist_ok=True)
        seen = 0
        for name, kind in (("phone", PHONE), ("desk", DESK)):
            ctx = browser.new_context(**kind)
            page = self.login(ctx, who, password) if who else ctx.new_page()
            for path in paths:
                r = page.goto(self.base + path)
                assert r is not None and r.status < 500, f"{who} {path}: {r and r.status}"
                if name == "phone":
                    self.fits(page)
                slug = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
                page.screenshot(path=f"{self.out}/tour/{who or 'public'}-{slug}-{name}.png", full_page=True)
                seen += 1
            ctx.close()
        return seen
