//! 评估结果公示: a call's verified mid-term or final grades, with the objection window.

use super::layout::{table, Align, Column, Doc};

pub struct Line {
    pub agreement_no: String,
    pub title: String,
    pub organisation: String,
    /// Already formatted (85.5), empty when graded without indicators.
    pub total: String,
    pub grade: String,
}

pub struct EvaluationNoticeDoc {
    pub title: String,
    pub paragraph: String,
    pub lines: Vec<Line>,
    pub authority: String,
    pub issued_on: String,
    /// The audit chain head at publication.
    pub audit_head: String,
}

pub fn render(n: &EvaluationNoticeDoc) -> Vec<u8> {
    let mut doc = Doc::with_title(&n.title);
    doc.space(10.0);
    doc.paragraph(&n.paragraph, 10.5, Align::Left);
    doc.space(10.0);
    let cols = [
        Column { header: "序号", width: 26.0, align: Align::Center },
        Column { header: "协议编号", width: 92.0, align: Align::Left },
        Column { header: "项目名称", width: 150.0, align: Align::Left },
        Column { header: "实施单位", width: 123.88, align: Align::Left },
        Column { header: "得分", width: 44.0, align: Align::Right },
        Column { header: "评估等次", width: 46.0, align: Align::Center },
    ];
    let rows: Vec<Vec<String>> = n
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.agreement_no.clone(),
                l.title.clone(),
                l.organisation.clone(),
                l.total.clone(),
                l.grade.clone(),
            ]
        })
        .collect();
    table(&mut doc, &cols, &rows, &[], 9.0);
    doc.sign_off(&n.authority, &n.issued_on, &n.audit_head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_grade_and_the_window() {
        let doc = EvaluationNoticeDoc {
            title: "2027年度公益创投项目中期评估结果公示".into(),
            paragraph: "公示期自 2027-08-11 起至 2027-08-17 24:00 止。".into(),
            lines: (0..30)
                .map(|i| Line {
                    agreement_no: format!("GY2027-{i:03}"),
                    title: "“银龄互助”社区居家养老服务".into(),
                    organisation: format!("芜湖市鸠江区第{i}社会工作服务中心"),
                    total: "85.5".into(),
                    grade: "良好".into(),
                })
                .collect(),
            authority: "鸠江区民政局".into(),
            issued_on: "2027年8月10日".into(),
            audit_head: "ab".repeat(32),
        };
        let pdf = render(&doc);
        assert!(pdf.starts_with(b"%PDF"));
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        for want in ["中期评估结果公示", "GY2027-029", "85.5", "良好", "2027-08-17", "鸠江区民政局"] {
            assert!(text.contains(want), "{want} missing");
        }
    }
}
