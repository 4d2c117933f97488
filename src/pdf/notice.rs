//! 评审结果公示: the results notice of a call.

use super::layout::{table, Align, Column, Doc, MARGIN};

pub struct NoticeLine {
    pub title: String,
    pub organisation: String,
    pub pool: String,
    /// Amounts and score already formatted (1,000,000.00 / 85.40).
    pub requested: String,
    pub proposed: String,
    pub score: String,
}

/// Rows grouped by pool, each pool with its subtotal line already formatted.
pub struct PoolGroup {
    pub lines: Vec<NoticeLine>,
    pub subtotal_requested: String,
    pub subtotal_proposed: String,
}

pub struct NoticeDoc {
    pub title: String,
    /// 「彩票公益金资助—中国福利彩票」 for 福彩 calls.
    pub mark: Option<String>,
    pub paragraph: String,
    pub groups: Vec<PoolGroup>,
    pub total_requested: String,
    pub total_proposed: String,
    pub authority: String,
    pub issued_on: String,
    /// The audit chain head at publication: rewriting history before it is detectable.
    pub audit_head: String,
}

pub fn render(n: &NoticeDoc) -> Vec<u8> {
    let mut doc = Doc::with_title(&n.title);
    let w = doc.content_width();
    if let Some(m) = &n.mark {
        doc.space(18.0);
        let y = doc.y;
        doc.text_in(m, MARGIN, w, y, 10.5, Align::Center);
    }
    doc.space(10.0);
    doc.paragraph(&n.paragraph, 10.5, Align::Left);
    doc.space(10.0);
    let cols = [
        Column { header: "序号", width: 26.0, align: Align::Center },
        Column { header: "项目名称", width: 112.0, align: Align::Left },
        Column { header: "申报单位", width: 92.0, align: Align::Left },
        Column { header: "资金池/实施镇街", width: 70.0, align: Align::Left },
        Column { header: "申请金额(元)", width: 64.0, align: Align::Right },
        Column { header: "拟资助金额(元)", width: 70.0, align: Align::Right },
        Column { header: "评审得分", width: 47.88, align: Align::Right },
    ];
    let mut rows = Vec::new();
    let mut bold = Vec::new();
    let mut no = 0;
    for g in &n.groups {
        for l in &g.lines {
            no += 1;
            rows.push(vec![
                no.to_string(),
                l.title.clone(),
                l.organisation.clone(),
                l.pool.clone(),
                l.requested.clone(),
                l.proposed.clone(),
                l.score.clone(),
            ]);
        }
        bold.push(rows.len());
        rows.push(vec![
            String::new(),
            "小计".into(),
            String::new(),
            g.lines.first().map(|l| l.pool.clone()).unwrap_or_default(),
            g.subtotal_requested.clone(),
            g.subtotal_proposed.clone(),
            String::new(),
        ]);
    }
    bold.push(rows.len());
    rows.push(vec![
        String::new(),
        "合计".into(),
        String::new(),
        String::new(),
        n.total_requested.clone(),
        n.total_proposed.clone(),
        String::new(),
    ]);
    table(&mut doc, &cols, &rows, &bold, 9.0);
    doc.sign_off(&n.authority, &n.issued_on, &n.audit_head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rows: usize) -> NoticeDoc {
        let lines = (0..rows)
            .map(|i| NoticeLine {
                title: format!("第{i}号“银龄互助”社区居家养老服务项目（含助餐、探访与应急联络）"),
                organisation: "鸠江区阳光社会工作服务中心".into(),
                pool: "沈巷镇公益创投资金".into(),
                requested: "100,000.00".into(),
                proposed: "90,000.00".into(),
                score: "85.40".into(),
            })
            .collect();
        NoticeDoc {
            title: "鸠江区2026年度公益创投项目评审结果公示".into(),
            mark: Some("彩票公益金资助—中国福利彩票".into()),
            paragraph: "经申报、资格审查、预算审核和专家评审，现将拟资助项目予以公示。".into(),
            groups: vec![PoolGroup { lines, subtotal_requested: "1.00".into(), subtotal_proposed: "2.00".into() }],
            total_requested: "3.00".into(),
            total_proposed: "4.00".into(),
            authority: "鸠江区民政局".into(),
            issued_on: "2026年3月2日".into(),
            audit_head: "ab".repeat(32),
        }
    }

    #[test]
    fn renders_chinese_that_reads_back() {
        let pdf = render(&sample(3));
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 200_000, "the font is subset: {} bytes", pdf.len());
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        // pdftotext drops the spaces between CJK glyphs; compare without whitespace.
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for want in [
            "评审结果公示",
            "彩票公益金资助—中国福利彩票",
            "鸠江区阳光社会",
            "90,000.00",
            "合计",
            "第1页共1页",
            "鸠江区民政局",
        ] {
            assert!(flat.contains(want), "{want} missing from:\n{text}");
        }
    }

    #[test]
    fn pages_grow_with_rows_and_footers_count_them() {
        let one = render(&sample(3));
        let many = render(&sample(60));
        let Some(text) = crate::pdf::read_back(&many) else { return };
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let pages = flat.matches("页共").count();
        assert!(pages >= 3, "60 wrapped rows take several pages: {pages}");
        assert!(flat.contains(&format!("第{pages}页共{pages}页")));
        assert_eq!(flat.matches("项目名称").count(), pages, "the header repeats on every page");
        assert!(many.len() > one.len());
        assert!(text.contains("第59号"));
    }
}
