#!/usr/bin/env python3
"""`gongyi import organisations` on a registry file of ROWS rows (default 10,000): the dry run
and the real import timed, on a fresh SQLite database or on DATABASE_URL (a PostgreSQL database
the caller made empty). Usage: python3 bench/import.py BIN [ROWS]"""
import csv, os, subprocess, sys, tempfile, time

CH = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

def uscc(n):
    body = "5234020%010d" % n
    body = body[:8] + "MJ" + body[10:]
    s = sum(CH.index(c) * w for c, w in zip(body, W))
    return body + CH[(31 - s % 31) % 31]

def main():
    binary, rows = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    d = tempfile.mkdtemp(prefix="gongyi-import-")
    path = os.path.join(d, "registry.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["序号", "名称", "统一社会信用代码", "类型", "登记日期", "住所区划", "联系人", "联系电话"])
        for i in range(rows):
            w.writerow([i + 1, f"鸠江区第{i}号社会服务中心", uscc(500000 + i), ["社会团体", "民办非企业单位", "基金会"][i % 3],
                        f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9}", "340207101001", "王芳", "0553-1234567"])
    env = dict(os.environ, GONGYI_DATA_DIR=os.path.join(d, "data"), GONGYI_AUDIT_KEY="bench",
               GONGYI_DATABASE_URL=os.environ.get("DATABASE_URL", f"sqlite://{d}/gongyi.db"))
    subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
    for args in (["--dry-run"], []):
        t = time.monotonic()
        out = subprocess.run([binary, "import", "organisations", path, *args], env=env, capture_output=True, text=True)
        took = time.monotonic() - t
        print(f"{' '.join(args) or 'import':10s} {rows} rows: {took:.2f} s, exit {out.returncode}: {out.stdout.strip().splitlines()[-1]}")
    print(env["GONGYI_DATABASE_URL"].split(":")[0])

main()
