//! 招标公告: the tender announcement of a call, generated when it is published.

use super::layout::{table, Align, Column, Doc, MARGIN};

pub struct AnnouncementDoc {
    pub title: String,
    /// 「彩票公益金资助—中国福利彩票」 for 福彩 calls.
    pub mark: Option<String>,
    /// The call's own announcement text.
    pub intro: String,
    /// (pool name, level label, budget formatted)
    pub pools: Vec<(String, String, String)>,
    pub total_budget: String,
    /// Numbered sections after the pools: (heading, paragraph).
    pub sections: Vec<(String, String)>,
    /// (criterion, weight, max score)
    pub criteria: Vec<(String, String, String)>,
    /// (category, max projects, max amount) when the call has categories.
    pub categories: Vec<(String, String, String)>,
    pub contact: String,
    /// Amendments and answers so far: (heading, text); each one makes a new version.
    pub amendments: Vec<(String, String)>,
    pub authority: String,
    pub issued_on: String,
    pub audit_head: String,
}

fn heading(doc: &mut Doc, text: &str) {
    doc.space(8.0);
    doc.ensure(60.0);
    doc.paragraph(text, 12.0, Align::Left);
    doc.space(2.0);
}

pub fn render(n: &AnnouncementDoc) -> Vec<u8> {
    let mut doc = Doc::with_title(&n.title);
    let w = doc.content_width();
    if let Some(m) = &n.mark {
        doc.space(18.0);
        let y = doc.y;
        doc.text_in(m, MARGIN, w, y, 10.5, Align::Center);
    }
    if !n.amendments.is_empty() {
        doc.space(16.0);
        let y = doc.y;
        let v = format!("（第 {} 版，含更正公告及答疑 {} 则）", n.amendments.len() + 1, n.amendments.len());
        doc.text_in(&v, MARGIN, w, y, 9.0, Align::Center);
    }
    doc.space(10.0);
    for para in n.intro.split('\n').filter(|p| !p.trim().is_empty()) {
        doc.paragraph(para.trim(), 10.5, Align::Left);
        doc.space(4.0);
    }
    heading(&mut doc, "一、资金安排");
    let cols = [
        Column { header: "资金池", width: 260.0, align: Align::Left },
        Column { header: "级别", width: 100.0, align: Align::Center },
        Column { header: "预算(元)", width: 121.88, align: Align::Right },
    ];
    let mut rows: Vec<Vec<String>> = n.pools.iter().map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()]).collect();
    let bold = vec![rows.len()];
    rows.push(vec!["合计".into(), String::new(), n.total_budget.clone()]);
    table(&mut doc, &cols, &rows, &bold, 9.5);
    let mut no = 1;
    let numerals = ["二", "三", "四", "五", "六", "七", "八", "九", "十"];
    let mut next = |t: &str| {
        let s = format!("{}、{t}", numerals.get(no - 1).copied().unwrap_or("十"));
        no += 1;
        s
    };
    for (h, p) in &n.sections {
        heading(&mut doc, &next(h));
        doc.paragraph(p, 10.5, Align::Left);
    }
    heading(&mut doc, &next("评审标准"));
    let cols = [
        Column { header: "评分项", width: 281.88, align: Align::Left },
        Column { header: "权重", width: 100.0, align: Align::Right },
        Column { header: "满分", width: 100.0, align: Align::Right },
    ];
    let rows: Vec<Vec<String>> = n.criteria.iter().map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()]).collect();
    table(&mut doc, &cols, &rows, &[], 9.5);
    if !n.categories.is_empty() {
        heading(&mut doc, &next("项目类别"));
        let cols = [
            Column { header: "类别", width: 241.88, align: Align::Left },
            Column { header: "资助项目数上限", width: 120.0, align: Align::Right },
            Column { header: "资助金额上限(元)", width: 120.0, align: Align::Right },
        ];
        let rows: Vec<Vec<String>> =
            n.categories.iter().map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()]).collect();
        table(&mut doc, &cols, &rows, &[], 9.5);
    }
    if !n.amendments.is_empty() {
        heading(&mut doc, &next("更正公告及答疑"));
        for (h, t) in &n.amendments {
            doc.paragraph(h, 10.5, Align::Left);
            doc.paragraph(t, 10.5, Align::Left);
            doc.space(4.0);
        }
    }
    // The contact section and the 落款 stay together (the block once spilled onto an almost
    // empty last page).
    let contact_lines = super::layout::wrap(&n.contact, w, 10.5).len() as f32;
    doc.keep_with_sign_off(8.0 + 12.0 * 1.6 + 2.0 + contact_lines * 10.5 * 1.6);
    heading(&mut doc, &next("联系方式"));
    doc.paragraph(&n.contact, 10.5, Align::Left);
    doc.sign_off(&n.authority, &n.issued_on, &n.audit_head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announces_pools_dates_rubric_and_the_lottery_mark() {
        let doc = AnnouncementDoc {
            title: "鸠江区2026年度公益创投项目招标公告".into(),
            mark: Some("彩票公益金资助—中国福利彩票".into()),
            intro: "为培育发展社会组织，现开展2026年度公益创投活动。\n欢迎申报。".into(),
            pools: vec![
                ("区级公益创投资金".into(), "区级".into(), "1,000,000.00".into()),
                ("沈巷镇公益创投资金".into(), "镇街".into(), "200,000.00".into()),
            ],
            total_budget: "1,200,000.00".into(),
            sections: vec![("申报条件".into(), "已登记的社会组织，每个组织最多申报 2 个项目。".into())],
            criteria: vec![("项目必要性".into(), "20".into(), "100".into())],
            categories: vec![("为老服务".into(), "4".into(), "400,000.00".into())],
            contact: "鸠江区民政局社会组织管理科".into(),
            amendments: vec![("更正公告第1号（2026-01-25）".into(), "申报截止时间延长至 2026-03-15 17:00。".into())],
            authority: "鸠江区民政局".into(),
            issued_on: "2026年1月20日".into(),
            audit_head: "ef".repeat(32),
        };
        let pdf = render(&doc);
        assert!(pdf.starts_with(b"%PDF"));
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        for want in [
            "招标公告",
            "彩票公益金资助—中国福利彩票",
            "一、资金安排",
            "1,200,000.00",
            "二、申报条件",
            "三、评审标准",
            "项目必要性",
            "四、项目类别",
            "为老服务",
            "五、更正公告及答疑",
            "更正公告第1号",
            "第2版",
            "六、联系方式",
            "鸠江区民政局",
        ] {
            assert!(text.contains(want), "{want} missing from {text}");
        }
    }
}
