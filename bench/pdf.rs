//! Renders a results notice of 60 and 1,000 rows and prints time, size and pages.

use gongyi::pdf::notice::{render, NoticeDoc, NoticeLine, PoolGroup};
use std::time::Instant;

fn doc(rows: usize) -> NoticeDoc {
    let group = |p: usize| PoolGroup {
        lines: (0..rows / 10)
            .map(|i| NoticeLine {
                title: format!("第{p}-{i}号“银龄互助”社区居家养老服务项目"),
                organisation: "鸠江区阳光社会工作服务中心".into(),
                pool: format!("第{p}资金池"),
                requested: "100,000.00".into(),
                proposed: "90,000.00".into(),
                score: "85.40".into(),
            })
            .collect(),
        subtotal_requested: "1,000,000.00".into(),
        subtotal_proposed: "900,000.00".into(),
    };
    NoticeDoc {
        title: "鸠江区2026年度公益创投项目评审结果公示".into(),
        mark: None,
        paragraph: "经申报、资格审查、预算审核和专家评审，现将拟资助项目予以公示。".into(),
        groups: (0..10).map(group).collect(),
        total_requested: "10,000,000.00".into(),
        total_proposed: "9,000,000.00".into(),
        authority: "芜湖市鸠江区民政局".into(),
        issued_on: "2026年3月2日".into(),
        audit_head: "0".repeat(64),
    }
}

fn main() {
    let _ = gongyi::pdf::font(); // parsed once per process, as in the server
    for rows in [60, 1000] {
        let d = doc(rows);
        let started = Instant::now();
        let bytes = render(&d);
        let took = started.elapsed();
        let pages = bytes.windows(10).filter(|w| w == b"/Type /Pag" || w == b"/Type/Page").count();
        println!(
            "{rows:>5} rows: {:>7.1} ms, {:>7} bytes (~{pages} page objects)",
            took.as_secs_f64() * 1000.0,
            bytes.len()
        );
    }
}
