//! 申报书: a bid's application dossier as one printable document — the reference on every page,
//! the applicant, the sections, the output indicators, the budget, and the boxes for the legal
//! representative's signature and the organisation's stamp.

use super::layout::{table, Align, Column, Doc, MARGIN, PAGE_W};

pub struct DossierDoc {
    /// 申报编号, or 「草稿」 before submission.
    pub reference: String,
    pub call_title: String,
    pub title: String,
    pub organisation: String,
    pub uscc: String,
    pub contact: String,
    pub pool: String,
    pub period: String,
    pub requested: String,
    pub matching: String,
    pub summary: String,
    /// (section name, text); an empty text prints as 未填写.
    pub sections: Vec<(String, String)>,
    /// (indicator, target, unit)
    pub outputs: Vec<[String; 3]>,
    /// (category, item, amount)
    pub budget: Vec<[String; 3]>,
    pub budget_total: String,
    /// (due date, milestone)
    pub milestones: Vec<[String; 2]>,
}

fn heading(doc: &mut Doc, text: &str) {
    doc.space(8.0);
    doc.ensure(60.0);
    doc.paragraph(text, 12.0, Align::Left);
    doc.space(2.0);
}

pub fn render(d: &DossierDoc) -> Vec<u8> {
    let title = "公益创投项目申报书";
    let mut doc = Doc::new(title);
    doc.set_running_header(format!("申报编号：{}", d.reference));
    let w = doc.content_width();
    doc.space(28.0);
    let y = doc.y;
    doc.text_in(title, MARGIN, w, y, 18.0, Align::Center);
    doc.space(8.0);
    doc.paragraph(&d.call_title, 10.5, Align::Center);
    heading(&mut doc, "一、基本信息");
    let cols = [
        Column { header: "项目", width: 110.0, align: Align::Left },
        Column { header: "内容", width: 371.88, align: Align::Left },
    ];
    let rows: Vec<Vec<String>> = [
        ("项目名称", &d.title),
        ("申报单位", &d.organisation),
        ("统一社会信用代码", &d.uscc),
        ("联系人", &d.contact),
        ("申报资金池", &d.pool),
        ("执行期", &d.period),
        ("申请金额(元)", &d.requested),
        ("配套资金(元)", &d.matching),
        ("项目简介", &d.summary),
    ]
    .iter()
    .map(|(k, v)| vec![k.to_string(), v.to_string()])
    .collect();
    table(&mut doc, &cols, &rows, &[], 9.5);
    let numerals = ["二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"];
    let mut no = 0;
    let mut next = |t: &str| {
        let s = format!("{}、{t}", numerals.get(no).copied().unwrap_or("十"));
        no += 1;
        s
    };
    for (name, text) in &d.sections {
        heading(&mut doc, &next(name));
        let t = if text.trim().is_empty() { "未填写" } else { text.as_str() };
        for para in t.split('\n').filter(|p| !p.trim().is_empty()) {
            doc.paragraph(para.trim(), 10.5, Align::Left);
        }
    }
    heading(&mut doc, &next("产出指标"));
    let cols = [
        Column { header: "指标", width: 281.88, align: Align::Left },
        Column { header: "目标值", width: 120.0, align: Align::Right },
        Column { header: "单位", width: 80.0, align: Align::Left },
    ];
    table(&mut doc, &cols, &d.outputs.iter().map(|o| o.to_vec()).collect::<Vec<_>>(), &[], 9.5);
    heading(&mut doc, &next("预算明细"));
    let cols = [
        Column { header: "科目", width: 100.0, align: Align::Left },
        Column { header: "明细", width: 261.88, align: Align::Left },
        Column { header: "金额(元)", width: 120.0, align: Align::Right },
    ];
    let mut rows: Vec<Vec<String>> = d.budget.iter().map(|b| b.to_vec()).collect();
    let bold = vec![rows.len()];
    rows.push(vec!["合计".into(), String::new(), d.budget_total.clone()]);
    table(&mut doc, &cols, &rows, &bold, 9.5);
    heading(&mut doc, &next("进度安排"));
    let cols = [
        Column { header: "完成日期", width: 110.0, align: Align::Center },
        Column { header: "节点", width: 371.88, align: Align::Left },
    ];
    table(&mut doc, &cols, &d.milestones.iter().map(|m| m.to_vec()).collect::<Vec<_>>(), &[], 9.5);
    // The declaration, the signature and the stamp, kept together.
    doc.space(16.0);
    doc.ensure(150.0);
    doc.paragraph("本单位承诺：以上内容及所附材料真实、准确、完整，如有虚假，愿承担相应责任。", 10.5, Align::Left);
    let top = doc.y - 10.0;
    let half = (PAGE_W - 2.0 * MARGIN) / 2.0;
    doc.text_at("法定代表人（签字）：", MARGIN, top - 20.0, 10.5);
    doc.text_at("日期：　　　年　　月　　日", MARGIN, top - 50.0, 10.5);
    doc.text_at("申报单位（盖章）", MARGIN + half, top - 20.0, 10.5);
    doc.rect(MARGIN + half, top - 120.0, 110.0, 90.0, 0.5);
    doc.y = top - 125.0;
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_on_every_page_sections_outputs_budget_and_boxes() {
        let long = "社区独居老人日常照料与陪伴不足，需要建立持续的互助网络。".repeat(60);
        let d = DossierDoc {
            reference: "JJ-2027-0001".into(),
            call_title: "鸠江区2027年度公益创投项目".into(),
            title: "“银龄互助”居家养老服务".into(),
            organisation: "鸠江区全年流程互助会".into(),
            uscc: "52340207MJ0009902N".into(),
            contact: "李四 0553-5812345".into(),
            pool: "沈巷镇公益创投资金".into(),
            period: "2027-04-01 至 2027-12-31".into(),
            requested: "100,000.00".into(),
            matching: "0.00".into(),
            summary: "为独居老人提供探访、助餐与互助小组服务。".into(),
            sections: vec![("需求分析".into(), long), ("执行团队".into(), String::new())],
            outputs: vec![["服务人次".into(), "5000".into(), "人次".into()]],
            budget: vec![["人员费用".into(), "社工补贴".into(), "30,000.00".into()]],
            budget_total: "30,000.00".into(),
            milestones: vec![["2027-08-01".into(), "中期评估".into()]],
        };
        let pdf = render(&d);
        assert!(pdf.starts_with(b"%PDF"));
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        let pages = text.matches("申报编号：JJ-2027-0001").count();
        assert!(pages >= 2, "the reference on every page ({pages})");
        assert_eq!(pages, text.matches("共").count(), "as many references as page footers");
        for want in [
            "公益创投项目申报书",
            "二、需求分析",
            "三、执行团队",
            "未填写",
            "服务人次",
            "社工补贴",
            "法定代表人（签字）",
            "申报单位（盖章）",
        ] {
            assert!(text.contains(want), "missing {want}");
        }
    }
}
