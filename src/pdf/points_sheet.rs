//! 积分公示表: a village's posted month for its notice board, names masked, with the objection
//! window and the day the points become spendable.

use super::layout::{table, Align, Column, Doc};

pub struct Row {
    /// Masked: 张*明.
    pub name: String,
    pub month_points: i64,
    pub total_points: i64,
}

pub struct PointsSheetDoc {
    pub title: String,
    pub paragraph: String,
    pub rows: Vec<Row>,
    pub authority: String,
    pub issued_on: String,
    /// The hash of the posting's audit record.
    pub audit_head: String,
}

pub fn render(n: &PointsSheetDoc) -> Vec<u8> {
    let mut doc = Doc::with_title(&n.title);
    doc.space(10.0);
    doc.paragraph(&n.paragraph, 10.5, Align::Left);
    doc.space(10.0);
    let cols = [
        Column { header: "序号", width: 40.0, align: Align::Center },
        Column { header: "姓名", width: 170.0, align: Align::Left },
        Column { header: "本月积分", width: 136.88, align: Align::Right },
        Column { header: "累计积分", width: 135.0, align: Align::Right },
    ];
    let rows: Vec<Vec<String>> = n
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| vec![(i + 1).to_string(), r.name.clone(), r.month_points.to_string(), r.total_points.to_string()])
        .collect();
    table(&mut doc, &cols, &rows, &[], 10.0);
    doc.sign_off(&n.authority, &n.issued_on, &n.audit_head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_month() {
        let n = PointsSheetDoc {
            title: "沈巷社区 2027-03 志愿服务积分公示".into(),
            paragraph: "异议期至 2027-04-05。".into(),
            rows: (0..60).map(|i| Row { name: format!("张*{i}"), month_points: 5, total_points: 10 }).collect(),
            authority: "沈巷社区居委会".into(),
            issued_on: "2027-04-02".into(),
            audit_head: "ab".repeat(32),
        };
        let pdf = render(&n);
        assert!(pdf.starts_with(b"%PDF"));
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        assert!(text.contains("张*59") && text.contains("累计积分") && text.contains("异议期"), "{text}");
    }
}
