//! 协议书: the funding agreement of a project, issued when the call's results are final.

use super::layout::{table, Align, Column, Doc, MARGIN, PAGE_W};

pub struct AgreementDoc {
    pub agreement_no: String,
    pub call_title: String,
    /// 甲方: the issuing authority.
    pub authority: String,
    /// 乙方 and its 统一社会信用代码, contact and telephone.
    pub organisation: String,
    pub uscc: String,
    pub contact: String,
    pub project: String,
    pub pool: String,
    /// 2027-04-01 至 2027-12-31
    pub period: String,
    /// Figures (90,000.00) and 大写 (玖万元整).
    pub amount: String,
    pub amount_capitals: String,
    /// (第 1 批, 50%, 45,000.00, condition)
    pub tranches: Vec<[String; 4]>,
    /// (what is reported, due date)
    pub reports: Vec<[String; 2]>,
    pub issued_on: String,
    pub audit_head: String,
}

/// The duties both sides sign up to; `{authority}` is filled in.
const DUTIES: [&str; 6] = [
    "乙方按申报书和本协议实施项目，资助资金专款专用，不得挪作他用；预算科目之间的调整须事先书面报告甲方并经同意。",
    "项目团队、服务地点、服务对象或实施进度需要变更的，乙方应提前向甲方书面申请，经同意后方可实施。",
    "乙方在项目宣传和成果材料中应注明“{authority}公益创投资助项目”字样。",
    "甲方及其委托的第三方有权对项目实施和资金使用进行监督检查和评估，乙方应如实提供资料、配合检查。",
    "乙方未按期报告、评估不合格或违反本协议的，甲方可暂停拨付、终止协议并追回已拨付的相应资金。",
    "本协议一式两份，甲乙双方各执一份，自双方签字盖章之日起生效。",
];

fn heading(doc: &mut Doc, text: &str) {
    doc.space(8.0);
    doc.ensure(60.0);
    doc.paragraph(text, 12.0, Align::Left);
    doc.space(2.0);
}

pub fn render(a: &AgreementDoc) -> Vec<u8> {
    let title = "公益创投项目资助协议书";
    let mut doc = Doc::new(title);
    let w = doc.content_width();
    doc.space(32.0);
    let y = doc.y;
    doc.text_in(title, MARGIN, w, y, 18.0, Align::Center);
    doc.space(20.0);
    let y = doc.y;
    doc.text_in(&format!("协议编号：{}", a.agreement_no), MARGIN, w, y, 10.5, Align::Right);
    doc.space(8.0);
    doc.paragraph(&format!("甲方（资助方）：{}", a.authority), 10.5, Align::Left);
    doc.paragraph(&format!("乙方（承接方）：{}", a.organisation), 10.5, Align::Left);
    doc.paragraph(&format!("统一社会信用代码：{}    联系人：{}", a.uscc, a.contact), 10.5, Align::Left);
    doc.space(6.0);
    doc.paragraph(
        &format!(
            "根据《{}》招标公告及评审结果公示，乙方申报的项目获得资助。为明确双方权利义务，经协商一致，订立本协议。",
            a.call_title
        ),
        10.5,
        Align::Left,
    );
    heading(&mut doc, "一、项目");
    doc.paragraph(&format!("项目名称：{}", a.project), 10.5, Align::Left);
    doc.paragraph(&format!("资金来源：{}", a.pool), 10.5, Align::Left);
    doc.paragraph(&format!("执行期：{}", a.period), 10.5, Align::Left);
    heading(&mut doc, "二、资助金额");
    doc.paragraph(
        &format!("甲方资助乙方人民币 {} 元（大写：人民币{}）。", a.amount, a.amount_capitals),
        10.5,
        Align::Left,
    );
    heading(&mut doc, "三、拨付方式");
    let cols = [
        Column { header: "批次", width: 60.0, align: Align::Center },
        Column { header: "比例", width: 50.0, align: Align::Right },
        Column { header: "金额(元)", width: 100.0, align: Align::Right },
        Column { header: "拨付条件", width: 271.88, align: Align::Left },
    ];
    let rows: Vec<Vec<String>> = a.tranches.iter().map(|t| t.to_vec()).collect();
    table(&mut doc, &cols, &rows, &[], 9.5);
    heading(&mut doc, "四、报告与评估");
    let cols = [
        Column { header: "报告事项", width: 331.88, align: Align::Left },
        Column { header: "截止日期", width: 150.0, align: Align::Center },
    ];
    let rows: Vec<Vec<String>> = a.reports.iter().map(|r| r.to_vec()).collect();
    table(&mut doc, &cols, &rows, &[], 9.5);
    heading(&mut doc, "五、双方责任");
    for (i, d) in DUTIES.iter().enumerate() {
        let text = format!("{}. {}", i + 1, d.replace("{authority}", &a.authority));
        if i + 1 == DUTIES.len() {
            // The last clause goes with the signatures: they never stand alone on a page.
            let lines = super::layout::wrap(&text, w, 10.5).len() as f32;
            doc.ensure(lines * 10.5 * 1.6 + SIGNATURES_H);
        }
        doc.paragraph(&text, 10.5, Align::Left);
    }
    signatures(&mut doc, a);
    doc.set_last_page_note(format!("生成时审计链头：{}", a.audit_head));
    doc.finish()
}

/// The signature block's height, the space above it included.
const SIGNATURES_H: f32 = 16.0 + 170.0;

/// Two columns, 甲方 and 乙方: a stamp box, the signature line and the date; kept on one page.
fn signatures(doc: &mut Doc, a: &AgreementDoc) {
    const H: f32 = SIGNATURES_H - 16.0;
    doc.space(16.0);
    doc.ensure(H);
    let top = doc.y;
    let half = (PAGE_W - 2.0 * MARGIN) / 2.0;
    for (i, (party, name)) in
        [("甲方（盖章）", a.authority.as_str()), ("乙方（盖章）", a.organisation.as_str())].into_iter().enumerate()
    {
        let x = MARGIN + i as f32 * half;
        doc.text_at(party, x, top - 14.0, 10.5);
        doc.text_in(name, x, half - 16.0, top - 30.0, 9.0, Align::Left);
        // The stamp goes in the box.
        doc.rect(x, top - 120.0, 110.0, 80.0, 0.5);
        doc.text_at("法定代表人或授权代表（签字）：", x, top - 140.0, 9.5);
        doc.text_at("日期：　　　年　　月　　日", x, top - 160.0, 9.5);
    }
    doc.y = top - H;
    let y = doc.y;
    doc.text_in(&format!("本协议由系统于{}生成", a.issued_on), MARGIN, PAGE_W - 2.0 * MARGIN, y, 8.0, Align::Left);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AgreementDoc {
        AgreementDoc {
            agreement_no: "JJXY-2027-001".into(),
            call_title: "鸠江区2027年度公益创投项目".into(),
            authority: "芜湖市鸠江区民政局".into(),
            organisation: "芜湖市鸠江区心语青少年服务中心".into(),
            uscc: "52340207MJ0001002R".into(),
            contact: "郑海涛 0553-5812345".into(),
            project: "“银龄互助”居家养老服务".into(),
            pool: "沈巷镇公益创投资金".into(),
            period: "2027-04-01 至 2027-12-31".into(),
            amount: "123,456.78".into(),
            amount_capitals: "壹拾贰万叁仟肆佰伍拾陆元柒角捌分".into(),
            tranches: vec![
                ["第 1 批".into(), "50%".into(), "61,728.39".into(), "签订协议后拨付".into()],
                ["第 2 批".into(), "50%".into(), "61,728.39".into(), "中期评估（2027-08-16）合格后拨付".into()],
            ],
            reports: vec![["中期评估报告".into(), "2027-08-16".into()], ["结项评估报告".into(), "2028-01-30".into()]],
            issued_on: "2027年3月25日".into(),
            audit_head: "cd".repeat(32),
        }
    }

    #[test]
    fn states_parties_money_in_capitals_tranches_duties_and_boxes() {
        let pdf = render(&sample());
        assert!(pdf.starts_with(b"%PDF"));
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        for want in [
            "公益创投项目资助协议书",
            "协议编号：JJXY-2027-001",
            "甲方（资助方）：芜湖市鸠江区民政局",
            "52340207MJ0001002R",
            "123,456.78",
            "壹拾贰万叁仟肆佰伍拾陆元柒角捌分",
            "中期评估（2027-08-16）合格后拨付",
            "结项评估报告",
            "芜湖市鸠江区民政局公益创投资助项目",
            "甲方（盖章）",
            "乙方（盖章）",
            "法定代表人或授权代表（签字）",
            &"cd".repeat(32),
        ] {
            assert!(text.contains(want), "missing {want} in {text}");
        }
    }
}
