//! 创新奖励公告: the innovation award notice of a year's fund.

use super::layout::{table, Align, Column, Doc};

pub struct AwardLine {
    pub region: String,
    pub title: String,
    pub citation: String,
    /// Already formatted (50,000.00).
    pub amount: String,
}

pub struct AwardDoc {
    pub title: String,
    pub paragraph: String,
    pub lines: Vec<AwardLine>,
    pub total: String,
    pub authority: String,
    pub issued_on: String,
    /// The audit chain head at publication.
    pub audit_head: String,
}

pub fn render(n: &AwardDoc) -> Vec<u8> {
    let mut doc = Doc::with_title(&n.title);
    doc.space(10.0);
    doc.paragraph(&n.paragraph, 10.5, Align::Left);
    doc.space(10.0);
    let cols = [
        Column { header: "序号", width: 26.0, align: Align::Center },
        Column { header: "获奖地区", width: 80.0, align: Align::Left },
        Column { header: "创新实践", width: 120.0, align: Align::Left },
        Column { header: "奖励事由", width: 181.88, align: Align::Left },
        Column { header: "奖励金额(元)", width: 74.0, align: Align::Right },
    ];
    let mut rows: Vec<Vec<String>> = n
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![(i + 1).to_string(), l.region.clone(), l.title.clone(), l.citation.clone(), l.amount.clone()]
        })
        .collect();
    let bold = vec![rows.len()];
    rows.push(vec![String::new(), "合计".into(), String::new(), String::new(), n.total.clone()]);
    table(&mut doc, &cols, &rows, &bold, 9.0);
    doc.sign_off(&n.authority, &n.issued_on, &n.audit_head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_award_and_the_total() {
        let doc = AwardDoc {
            title: "2026年度基层治理创新奖励公告".into(),
            paragraph: "现予公告。".into(),
            lines: (0..40)
                .map(|i| AwardLine {
                    region: format!("沈巷镇第{i}村"),
                    title: "“小区议事厅”居民协商机制".into(),
                    citation: "以议事厅为平台，推动居民自治，解决加装电梯、停车难等问题，形成可复制的经验。".repeat(2),
                    amount: "20,000.00".into(),
                })
                .collect(),
            total: "800,000.00".into(),
            authority: "鸠江区民政局".into(),
            issued_on: "2026年11月26日".into(),
            audit_head: "cd".repeat(32),
        };
        let pdf = render(&doc);
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.len() < 200_000, "subset font keeps it small: {}", pdf.len());
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        for want in ["基层治理创新奖励公告", "沈巷镇第39村", "800,000.00", "鸠江区民政局", "第1页"]
        {
            assert!(text.contains(want), "{want} missing");
        }
    }
}
