//! 社会公益基金信息公开: a period's donations (names masked, anonymous donors as 爱心人士), the
//! uses with their committee decisions, and the balance at the period's end.

use super::layout::{table, Align, Column, Doc};
use crate::domain::Money;
use crate::service::welfare::{GrantView, PublicDonation};

pub struct DisclosureDoc {
    pub title: String,
    pub paragraph: String,
    pub donations: Vec<PublicDonation>,
    pub grants: Vec<GrantView>,
    pub received: Money,
    pub granted: Money,
    pub balance: Money,
    /// The host charity.
    pub authority: String,
    pub issued_on: String,
    /// The hash of the disclosure's audit record.
    pub audit_head: String,
}

pub fn render(n: &DisclosureDoc) -> Vec<u8> {
    let mut doc = Doc::with_title(&n.title);
    doc.space(10.0);
    doc.paragraph(&n.paragraph, 10.5, Align::Left);
    doc.space(10.0);
    doc.paragraph("一、捐赠收入", 12.0, Align::Left);
    doc.space(4.0);
    let cols = [
        Column { header: "收据编号", width: 112.0, align: Align::Left },
        Column { header: "捐赠人", width: 110.0, align: Align::Left },
        Column { header: "日期", width: 70.0, align: Align::Center },
        Column { header: "方式", width: 60.0, align: Align::Center },
        Column { header: "定向用途", width: 50.0, align: Align::Left },
        Column { header: "金额（元）", width: 79.88, align: Align::Right },
    ];
    let mut rows: Vec<Vec<String>> = n
        .donations
        .iter()
        .map(|d| {
            vec![
                d.receipt_no.clone(),
                d.donor.clone(),
                d.received_on.to_string(),
                d.channel_label.to_string(),
                d.restricted_to.clone().unwrap_or_else(|| "—".into()),
                d.amount.grouped(),
            ]
        })
        .collect();
    rows.push(vec!["合计".into(), String::new(), String::new(), String::new(), String::new(), n.received.grouped()]);
    let total = rows.len() - 1;
    table(&mut doc, &cols, &rows, &[total], 9.5);
    doc.space(10.0);
    doc.paragraph("二、基金使用", 12.0, Align::Left);
    doc.space(4.0);
    let cols = [
        Column { header: "用途", width: 90.0, align: Align::Left },
        Column { header: "项目或对象", width: 170.0, align: Align::Left },
        Column { header: "管委会决议", width: 80.0, align: Align::Left },
        Column { header: "决议日期", width: 62.0, align: Align::Center },
        Column { header: "金额（元）", width: 79.88, align: Align::Right },
    ];
    let mut rows: Vec<Vec<String>> = n
        .grants
        .iter()
        .map(|g| {
            let what = match (&g.project_title, &g.organisation) {
                (Some(t), Some(o)) => format!("{t}（{o}）"),
                _ => g.purpose.clone(),
            };
            vec![g.to_label.to_string(), what, g.minutes_ref.clone(), g.decided_on.to_string(), g.amount.grouped()]
        })
        .collect();
    rows.push(vec!["合计".into(), String::new(), String::new(), String::new(), n.granted.grouped()]);
    let total = rows.len() - 1;
    table(&mut doc, &cols, &rows, &[total], 9.5);
    doc.space(10.0);
    doc.paragraph(&format!("三、期末余额：{} 元", n.balance.grouped()), 12.0, Align::Left);
    doc.sign_off(&n.authority, &n.issued_on, &n.audit_head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn renders_a_quarter() {
        let on = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let n = DisclosureDoc {
            title: "鸠江区社会公益基金信息公开（2026-07-01 至 2026-09-30）".into(),
            paragraph: "本期共收到捐赠。".into(),
            donations: (0..80)
                .map(|i| PublicDonation {
                    receipt_no: format!("JJ01-2026-{i:06}"),
                    donor: if i % 2 == 0 { "爱心人士".into() } else { "张*明".into() },
                    amount: Money::yuan(100),
                    received_on: on,
                    channel_label: "银行转账",
                    restricted_to: None,
                    campaign: None,
                })
                .collect(),
            grants: vec![GrantView {
                id: 1,
                to: "project".into(),
                to_label: "公益创投项目配套资金",
                project_id: Some(1),
                project_title: Some("助老送餐".into()),
                organisation: Some("新雨社工".into()),
                amount: Money::yuan(5000),
                restriction: None,
                purpose: String::new(),
                minutes_ref: "基金管委〔2026〕3号".into(),
                decided_on: on,
                votes_for: Some(5),
            }],
            received: Money::yuan(8000),
            granted: Money::yuan(5000),
            balance: Money::yuan(3000),
            authority: "芜湖市慈善总会".into(),
            issued_on: "2026年10月8日".into(),
            audit_head: "ab".repeat(32),
        };
        let pdf = render(&n);
        assert!(pdf.starts_with(b"%PDF"));
        let Some(text) = crate::pdf::read_back(&pdf) else { return };
        for s in ["JJ01-2026-000079", "爱心人士", "张*明", "助老送餐", "期末余额", "3,000.00"] {
            assert!(text.contains(s), "{s} in {text}");
        }
    }
}
