//! The 工作台: what waits for the user, with counts, due dates and where to act — staff: bids to
//! screen, objections to answer, reports to verify, registrations to check; finance: budgets to
//! check and tranches to pay; experts: their panels with the call, due date and progress;
//! organisations: corrections asked, drafts before their deadline, each project's next step.

use super::{projects, Ctx};
use crate::clock::local_date;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::org_documents::Validity;
use crate::domain::state::BidStatus;
use crate::domain::Money;
use crate::error::AppResult;
use serde::Serialize;

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct WorkItem {
    /// `screen` · `objections` · `verify_reports` · `verify_organisations` · `check_budgets` ·
    /// `pay` · `review` · `correct` · `draft` · `project` · `renew_documents` · `close_projects` · `decide_changes` · `finance_changes` ·
    /// `evaluate` · `demands` · `accept_demands` · `points_review` · `points_objections` ·
    /// `welfare_disclosures`
    pub kind: &'static str,
    /// What to do, in Chinese.
    pub label: String,
    pub count: i64,
    /// The date by which it should be done, when there is one (`YYYY-MM-DD`).
    pub due: Option<String>,
    /// The page where it is done.
    pub link: String,
    /// Progress or amounts, in Chinese.
    pub detail: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct WorkList {
    pub items: Vec<WorkItem>,
    /// Everything waiting, summed.
    pub total: i64,
}

fn item(kind: &'static str, label: String, count: i64, link: String) -> WorkItem {
    WorkItem { kind, label, count, due: None, link, detail: None }
}

/// Volunteer points claims waiting for a review (`statuses`) and open objections to postings.
fn points_work(conn: &mut DbConn, prefix: &str, statuses: &[&str], items: &mut Vec<WorkItem>) -> AppResult<()> {
    let n = db::points::count_claims(conn, prefix, statuses)?;
    if n > 0 {
        let mut i = item("points_review", "审核志愿服务积分申报".into(), n, "/points".into());
        i.detail = Some("网格长初审、村（居）委会复审，两步须由不同的人完成".into());
        items.push(i);
    }
    let n = db::points::count_open_objections(conn, prefix)?;
    if n > 0 {
        let mut i = item("points_objections", "处理积分公示异议".into(), n, "/points".into());
        i.detail = Some("异议成立的撤销该条积分".into());
        items.push(i);
    }
    Ok(())
}

pub fn worklist(conn: &mut DbConn, ctx: &Ctx) -> AppResult<WorkList> {
    let a = ctx.require(&Role::ALL)?.clone();
    let scope = a.region_scope();
    let mut items = Vec::new();
    match a.role {
        Role::Staff => {
            for (call, title, closes, n) in db::worklist::bids_waiting(conn, &["submitted"], false, scope)? {
                let mut i = item("screen", format!("资格审查：{title}"), n, format!("/staff/calls/{call}/bids"));
                i.detail = Some(format!("申报截止 {}，截止后审查", crate::clock::local_display(closes.and_utc())));
                items.push(i);
            }
            for (notice, title, ends_on, n) in db::worklist::objections_waiting(conn, scope)? {
                let mut i = item("objections", format!("答复异议：{title}"), n, format!("/notices/{notice}"));
                i.due = Some(ends_on.to_string());
                i.detail = Some("异议答复前不能确定立项".into());
                items.push(i);
            }
            let reports = db::worklist::reports_waiting(conn, scope)?;
            if let Some((project, _, _, _)) = reports.first() {
                let mut i =
                    item("verify_reports", "核验项目报告".into(), reports.len() as i64, format!("/projects/{project}"));
                i.detail = Some(
                    reports.iter().take(5).map(|(_, no, t, _)| format!("{no}“{t}”")).collect::<Vec<_>>().join("、"),
                );
                items.push(i);
            }
            let changes = db::worklist::changes_waiting(conn, "pending", scope)?;
            if let Some((project, _)) = changes.first() {
                let mut i =
                    item("decide_changes", "审核项目变更".into(), changes.len() as i64, format!("/projects/{project}"));
                i.detail = Some(changes.iter().take(5).map(|(_, no)| no.clone()).collect::<Vec<_>>().join("、"));
                items.push(i);
            }
            let closing = db::worklist::closures_waiting(conn, scope)?;
            if let Some((project, _)) = closing.first() {
                let mut i =
                    item("close_projects", "办理结项".into(), closing.len() as i64, format!("/projects/{project}"));
                i.detail = Some(closing.iter().take(5).map(|(_, no)| no.clone()).collect::<Vec<_>>().join("、"));
                items.push(i);
            }
            // Demands escalated by the villages (the district's staff see every town's).
            let escalated = db::demands::count_by_status(conn, scope.unwrap_or(""))?;
            let n = escalated.iter().find(|(s, _)| s == "escalated").map_or(0, |w| w.1);
            if n > 0 {
                let mut i = item(
                    "accept_demands",
                    "受理村（社区）上报的群众诉求".into(),
                    n,
                    "/demands?status=escalated".into(),
                );
                i.detail = Some("5 个工作日内受理；可答复，或纳入年度选题".into());
                items.push(i);
            }
            points_work(conn, scope.unwrap_or(""), &["checked"], &mut items)?;
            // Quarterly disclosures of the social-welfare funds: due within two weeks, or late.
            let due = super::welfare::disclosures_due(conn, &a, local_date(ctx.now), 14)?;
            if let Some(first) = due.first() {
                let mut i = item(
                    "welfare_disclosures",
                    "公开社会公益基金募集和使用情况".into(),
                    due.len() as i64,
                    format!("/staff/welfare/{}", first.fund_id),
                );
                i.due = due.iter().map(|d| d.due).min().map(|d| d.to_string());
                i.detail = Some(
                    due.iter()
                        .map(|d| match d.late_days {
                            Some(days) => format!("{}（已逾期 {days} 天）", d.name),
                            None => d.name.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join("、"),
                );
                items.push(i);
            }
            let orgs = db::worklist::organisations_waiting(conn, scope)?;
            if orgs > 0 {
                items.push(item(
                    "verify_organisations",
                    "审核社会组织注册".into(),
                    orgs,
                    "/staff/organisations".into(),
                ));
            }
        }
        Role::Finance => {
            for (call, title, _, n) in db::worklist::bids_waiting(conn, &["eligible"], true, None)? {
                items.push(item("check_budgets", format!("预算审核：{title}"), n, format!("/staff/calls/{call}/bids")));
            }
            let changes = db::worklist::changes_waiting(conn, "awaiting_finance", None)?;
            if let Some((project, _)) = changes.first() {
                let mut i = item(
                    "finance_changes",
                    "审核预算调整".into(),
                    changes.len() as i64,
                    format!("/projects/{project}"),
                );
                i.detail = Some(changes.iter().take(5).map(|(_, no)| no.clone()).collect::<Vec<_>>().join("、"));
                items.push(i);
            }
            let tranches = db::projects::payable_tranches(conn, None)?;
            let open: Vec<&(i64, i64)> = tranches.iter().filter(|(amount, paid)| paid < amount).collect();
            if !open.is_empty() {
                let rest: i64 = open.iter().map(|(amount, paid)| amount - paid).sum();
                let mut i = item("pay", "拨付可拨付的批次".into(), open.len() as i64, "/projects?payable=1".into());
                i.detail = Some(format!("合计尚余 {} 元", Money::from_fen(rest).grouped()));
                items.push(i);
            }
        }
        Role::Reviewer => {
            let rows = db::worklist::assignments_of(conn, a.id)?;
            let mut calls: Vec<i64> = rows.iter().map(|r| r.0).collect();
            calls.dedup();
            for call in calls {
                let mine: Vec<_> = rows.iter().filter(|r| r.0 == call).collect();
                let done = mine.iter().filter(|r| r.3 == "submitted").count() as i64;
                let total = mine.len() as i64;
                if done == total {
                    continue;
                }
                let mut i = item("review", format!("评审：{}", mine[0].1), total - done, "/review".into());
                i.due = mine.iter().filter_map(|r| r.2).min().map(|d| d.to_string());
                i.detail = Some(format!("已提交 {done} / {total} 份评分"));
                items.push(i);
            }
        }
        Role::Org => {
            for b in super::bids::mine(conn, ctx)? {
                if BidStatus::NeedsCorrection.is(&b.status) {
                    let mut i = item("correct", format!("限期补正：{}", b.title), 1, format!("/bids/{}", b.id));
                    i.due = b.correction_due.map(|d| d.to_string());
                    i.detail = b.screening_note.clone();
                    items.push(i);
                } else if BidStatus::Draft.is(&b.status) {
                    let call = db::calls::find(conn, b.call_id)?;
                    if let Some(c) = call.filter(|c| c.closes_at.and_utc() > ctx.now) {
                        let mut i = item("draft", format!("草稿待提交：{}", b.title), 1, format!("/bids/{}", b.id));
                        // The last day a bid can go in: a deadline at 00:00 ends the day before.
                        let last = c.closes_at.and_utc() - chrono::Duration::seconds(1);
                        i.due = Some(local_date(last).to_string());
                        items.push(i);
                    }
                }
            }
            let f = projects::ProjectFilter {
                status: Some("active".into()),
                overdue: false,
                payable: false,
                after: None,
                limit: Some(100),
            };
            for p in projects::list(conn, ctx, &f)? {
                let next = p.milestones.iter().filter(|m| m.reportable).min_by_key(|m| m.due_date);
                let mut i =
                    item("project", format!("{}：{}", p.agreement_no, p.next_step), 1, format!("/projects/{}", p.id));
                i.due = next.map(|m| m.due_date.to_string());
                items.push(i);
            }
            // Profile documents to renew: expiring within 30 days or expired (the earliest first).
            if let Some(org) = ctx.actor().and_then(|a| a.organisation_id) {
                let docs = super::org_documents::list(conn, ctx, org)?;
                // Only the newest of each type counts: a renewed certificate silences the old one.
                let mut seen = std::collections::HashSet::new();
                let renew: Vec<_> = docs
                    .iter()
                    .filter(|d| seen.insert(d.kind.as_str()))
                    .filter(|d| d.validity != Validity::Valid)
                    .collect();
                if !renew.is_empty() {
                    let names: Vec<String> =
                        renew.iter().map(|d| format!("{}（{}）", d.type_label, d.validity_label)).collect();
                    let mut i = item(
                        "renew_documents",
                        "更新单位资料".into(),
                        renew.len() as i64,
                        "/organisation/documents".into(),
                    );
                    i.due = renew.iter().filter_map(|d| d.valid_until).min().map(|d| d.to_string());
                    i.detail = Some(names.join("、"));
                    items.push(i);
                }
            }
        }
        Role::Evaluator => {
            let waiting = db::worklist::evaluations_waiting(conn, a.id)?;
            if let Some((project, _, _, _)) = waiting.first() {
                let mut i =
                    item("evaluate", "第三方评估打分".into(), waiting.len() as i64, format!("/projects/{project}"));
                i.detail = Some(
                    waiting.iter().take(5).map(|(_, no, t, _)| format!("{no}“{t}”")).collect::<Vec<_>>().join("、"),
                );
                items.push(i);
            }
        }
        Role::Community => {
            let waiting = db::demands::count_by_status(conn, scope.unwrap_or("-"))?;
            let n = waiting.iter().find(|(s, _)| s == "registered").map_or(0, |w| w.1);
            if n > 0 {
                let mut i = item("demands", "处理群众诉求".into(), n, "/demands?status=registered".into());
                i.detail = Some("能就地解决的请登记解决情况，解决不了的上报镇街".into());
                items.push(i);
            }
            points_work(conn, scope.unwrap_or("-"), &["filed", "checked"], &mut items)?;
        }
        Role::Admin => {}
    }
    items.sort_by(|x, y| (x.due.is_none(), &x.due).cmp(&(y.due.is_none(), &y.due)));
    let total = items.iter().map(|i| i.count).sum();
    Ok(WorkList { items, total })
}
