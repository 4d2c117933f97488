//! The emails state changes cause. Queued in the caller's transaction; the worker sends them.
//! Plain-text Chinese. Mail to an address nobody has confirmed yet carries no user-supplied text.

use super::Ctx;
use crate::db::{self, DbConn};
use crate::domain::Money;
use crate::error::AppResult;

pub struct Mail {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
}

const SIGNATURE: &str = "\n\n——\n公益创投管理平台（本邮件由系统自动发送，请勿直接回复）";

pub fn queue(conn: &mut DbConn, ctx: &Ctx, m: Mail) -> AppResult<i64> {
    enqueue(conn, ctx, m, None)
}

/// Queues a mail about a bid: the worker re-checks the bid before sending
/// (`domain::outbox::cancel_reason`).
pub fn queue_about_bid(conn: &mut DbConn, ctx: &Ctx, bid_id: i64, m: Mail) -> AppResult<i64> {
    enqueue(conn, ctx, m, Some(bid_id))
}

fn enqueue(conn: &mut DbConn, ctx: &Ctx, m: Mail, bid_id: Option<i64>) -> AppResult<i64> {
    // Organisations loaded from the registry have no address until they claim an account:
    // nothing to send, and a blank recipient would only fail in the worker.
    if m.to.trim().is_empty() {
        return Ok(0);
    }
    let body = format!("{}{SIGNATURE}", m.body);
    Ok(db::outbox::enqueue(conn, m.kind, &m.to, &m.subject, &body, bid_id, crate::clock::db_time(ctx.now))?)
}

pub fn org_registration_received(to: &str) -> Mail {
    Mail {
        kind: "org_registration_received",
        to: to.into(),
        subject: "社会组织注册申请已收到".into(),
        body: "您好：\n\n您提交的社会组织注册申请已收到，民政部门工作人员将核验登记信息。\
               核验结果将通过邮件通知您，您也可以登录平台查看状态。\n\n\
               如非本人操作，请忽略本邮件。"
            .into(),
    }
}

pub fn org_verified(to: &str, org_name: &str) -> Mail {
    Mail {
        kind: "org_verified",
        to: to.into(),
        subject: "社会组织注册已通过审核".into(),
        body: format!("{org_name}：\n\n贵单位的注册信息已通过民政部门审核，现在可以登录平台参与公益创投项目申报。"),
    }
}

/// A change in the organisation's standing (年检, 等级, lists, penalties, debarment, suspension).
pub fn standing_recorded(to: &str, org_name: &str, what: &str, detail: &str) -> Mail {
    Mail {
        kind: "standing_recorded",
        to: to.into(),
        subject: format!("民政部门登记了贵单位的{what}信息"),
        body: format!(
            "{org_name}：\n\n民政部门在公益创投管理平台登记了贵单位的{what}信息：{detail}\n\n登录平台可在“工作台”查看本单位的全部登记信息；如有异议，请联系民政部门。"
        ),
    }
}

pub fn org_rejected(to: &str, org_name: &str, reason: &str) -> Mail {
    Mail {
        kind: "org_rejected",
        to: to.into(),
        subject: "社会组织注册未通过审核".into(),
        body: format!("{org_name}：\n\n贵单位的注册信息未通过审核。\n原因：{reason}\n\n请核对登记信息后联系民政部门。"),
    }
}

pub fn call_published(to: &str, org_name: &str, title: &str, closes_at: &str) -> Mail {
    Mail {
        kind: "call_published",
        to: to.into(),
        subject: format!("招标公告：{title}"),
        body: format!(
            "{org_name}：\n\n民政局已发布《{title}》。申报截止时间：{closes_at}。\n\n请登录平台查看招标公告全文并在线申报。"
        ),
    }
}

pub fn call_amended(to: &str, org_name: &str, title: &str, what: &str, body: &str) -> Mail {
    Mail {
        kind: "call_amended",
        to: to.into(),
        subject: format!("{what}：{title}"),
        body: format!("{org_name}：\n\n《{title}》发布了{what}：\n\n{body}\n\n更新后的招标公告可在平台下载。"),
    }
}

pub fn award_published(to: &str, region: &str, title: &str, amount: Money) -> Mail {
    Mail {
        kind: "award_published",
        to: to.into(),
        subject: format!("创新奖励已公布：{region}"),
        body: format!(
            "您好：\n\n{region}的创新实践《{title}》获得基层治理创新奖励 {} 元，奖励公告已在公益创投管理平台公布。",
            amount.grouped()
        ),
    }
}

pub fn bid_received(to: &str, org_name: &str, title: &str, reference: &str, resubmission: bool) -> Mail {
    let what = if resubmission { "补正材料" } else { "项目申报" };
    Mail {
        kind: "bid_received",
        to: to.into(),
        subject: format!("{what}已提交：{reference}"),
        body: format!(
            "{org_name}：\n\n贵单位的{what}《{title}》已成功提交，申报编号 {reference}。\n\n申报截止前可登录平台撤回。请妥善保存本邮件作为回执。"
        ),
    }
}

pub fn bid_withdrawn(to: &str, org_name: &str, title: &str, reference: &str) -> Mail {
    Mail {
        kind: "bid_withdrawn",
        to: to.into(),
        subject: format!("项目申报已撤回：{reference}"),
        body: format!("{org_name}：\n\n贵单位已撤回项目申报《{title}》（编号 {reference}）。"),
    }
}

/// A screener's outcome as the organisation is told it: the items to correct and by when.
pub struct Screened<'a> {
    pub outcome: &'a str,
    pub note: Option<&'a str>,
    pub items: Option<&'a str>,
    pub due: Option<chrono::NaiveDate>,
}

pub fn bid_screened(to: &str, org_name: &str, title: &str, reference: &str, s: &Screened<'_>) -> Mail {
    let Screened { outcome, note, items, due } = *s;
    let (subject, text) = match outcome {
        "eligible" => ("资格审查通过", "已通过资格审查，将进入预算审核和专家评审。".to_string()),
        "ineligible" => ("资格审查未通过", "未通过资格审查。".to_string()),
        _ => (
            "申报材料需限期补正",
            format!(
                "需要补正以下内容：{}。请于 {} 前登录平台修改并重新提交。",
                items
                    .unwrap_or("")
                    .replace("basic", "基本信息")
                    .replace("budget", "预算")
                    .replace("milestones", "进度安排")
                    .replace(',', "、"),
                due.map(|d| d.to_string()).unwrap_or_default()
            ),
        ),
    };
    let note = note.map(|n| format!("\n说明：{n}")).unwrap_or_default();
    Mail {
        kind: "bid_screened",
        to: to.into(),
        subject: format!("{subject}：{reference}"),
        body: format!("{org_name}：\n\n贵单位的项目申报《{title}》（编号 {reference}）{text}{note}"),
    }
}

pub fn review_assigned(to: &str, name: &str, call_title: &str, count: usize, due: chrono::NaiveDate) -> Mail {
    Mail {
        kind: "review_assigned",
        to: to.into(),
        subject: format!("评审任务：{call_title}"),
        body: format!(
            "{name}：\n\n您被随机抽取为《{call_title}》的评审专家，共 {count} 个项目，请于 {due} 前完成评分。\n请登录平台，先确认与各项目无利益冲突（如有请声明回避），再逐项评分并提交。"
        ),
    }
}

pub fn review_reminder(to: &str, name: &str, bid_title: &str, due: chrono::NaiveDate, overdue: bool) -> Mail {
    let (subject, text) = if overdue {
        ("评审已逾期", format!("项目《{bid_title}》的评分应于 {due} 前提交，目前尚未提交，请尽快完成。"))
    } else {
        ("评审即将截止", format!("项目《{bid_title}》的评分将于 {due} 截止，请及时提交。"))
    };
    Mail { kind: "review_reminder", to: to.into(), subject: subject.into(), body: format!("{name}：\n\n{text}") }
}

pub fn bid_funded(to: &str, org_name: &str, title: &str, agreement_no: &str, amount: crate::domain::Money) -> Mail {
    Mail {
        kind: "bid_funded",
        to: to.into(),
        subject: format!("项目已获资助：{title}"),
        body: format!(
            "{org_name}：\n\n贵单位申报的《{title}》经评审、公示，确定予以资助，资助金额 {} 元，协议编号 {agreement_no}。\n民政部门将与贵单位联系签订项目协议。",
            amount.grouped()
        ),
    }
}

pub fn bid_not_funded(to: &str, org_name: &str, title: &str) -> Mail {
    Mail {
        kind: "bid_not_funded",
        to: to.into(),
        subject: format!("项目评审结果：{title}"),
        body: format!("{org_name}：\n\n贵单位申报的《{title}》本次未获资助。感谢参与，欢迎关注下一年度公益创投。"),
    }
}

pub fn payment_made(
    to: &str,
    org_name: &str,
    agreement_no: &str,
    amount: crate::domain::Money,
    on: chrono::NaiveDate,
) -> Mail {
    Mail {
        kind: "payment_made",
        to: to.into(),
        subject: format!("项目资金已拨付：{agreement_no}"),
        body: format!(
            "{org_name}：\n\n协议 {agreement_no} 的项目资金 {} 元已于 {on} 拨付，请注意查收。",
            amount.grouped()
        ),
    }
}

pub fn password_reset(to: &str, name: &str, link: &str, valid_until: &str) -> Mail {
    Mail {
        kind: "password_reset",
        to: to.into(),
        subject: "重置密码".into(),
        body: format!(
            "{name}：\n\n有人为您的账号申请了重置密码。请在 {valid_until} 之前打开下面的链接设置新密码（链接只能使用一次）：\n\n{link}\n\n\
             如非本人操作，请忽略本邮件，您的密码不会改变。"
        ),
    }
}

pub fn milestone_due_soon(to: &str, name: &str, agreement_no: &str, title: &str, due: chrono::NaiveDate) -> Mail {
    Mail {
        kind: "milestone_due_soon",
        to: to.into(),
        subject: format!("项目节点即将到期：{agreement_no} {title}"),
        body: format!(
            "{name}：\n\n项目 {agreement_no} 的“{title}”应于 {due} 前报告，请按时登录平台提交进展和支出情况。"
        ),
    }
}

pub fn evaluation_lapsed(to: &str, name: &str, agreement_no: &str, title: &str, due: chrono::NaiveDate) -> Mail {
    Mail {
        kind: "evaluation_lapsed",
        to: to.into(),
        subject: format!("评估逾期视为不合格：{agreement_no} {title}"),
        body: format!(
            "{name}：\n\n项目 {agreement_no} 的“{title}”应于 {due} 前报告，宽限期已满仍未提交，按规定视为评估不合格，项目拨付暂停，\
             等待民政部门决定限期整改或终止项目。"
        ),
    }
}

pub fn project_rectify(
    to: &str,
    name: &str,
    agreement_no: &str,
    title: &str,
    due: chrono::NaiveDate,
    note: &str,
) -> Mail {
    Mail {
        kind: "project_rectify",
        to: to.into(),
        subject: format!("项目限期整改：{agreement_no}"),
        body: format!(
            "{name}：\n\n项目 {agreement_no} 评估不合格，经研究决定限期整改：请于 {due} 前重新提交“{title}”报告。\n\n说明：{note}"
        ),
    }
}

pub fn project_terminated(to: &str, name: &str, agreement_no: &str, clawback: Money, note: &str) -> Mail {
    let recover = if clawback.fen() > 0 {
        format!("已拨付但未完成对应节点的资金 {} 元须予追回，工作人员将与您联系。", clawback.grouped())
    } else {
        String::new()
    };
    Mail {
        kind: "project_terminated",
        to: to.into(),
        subject: format!("项目已终止：{agreement_no}"),
        body: format!("{name}：\n\n项目 {agreement_no} 已终止，尚未拨付的资金不再拨付。{recover}\n\n说明：{note}"),
    }
}

pub fn closure_filed(to: &str, agreement_no: &str, spent: Money, refund_due: Money) -> Mail {
    let refund = if refund_due.fen() > 0 {
        format!("已拨付资金比决算多 {} 元，结项前须登记退回。", refund_due.grouped())
    } else {
        String::new()
    };
    Mail {
        kind: "closure_filed",
        to: to.into(),
        subject: format!("项目申请结项：{agreement_no}"),
        body: format!(
            "工作人员：\n\n项目 {agreement_no} 已提交决算，支出合计 {} 元。{refund}请登录平台核对后办理结项。",
            spent.grouped()
        ),
    }
}

pub fn project_completed(to: &str, name: &str, agreement_no: &str, spent: Money, refunded: Money) -> Mail {
    let refund = if refunded.fen() > 0 {
        format!("已登记退回结余资金 {} 元。", refunded.grouped())
    } else {
        String::new()
    };
    Mail {
        kind: "project_completed",
        to: to.into(),
        subject: format!("项目已结项：{agreement_no}"),
        body: format!(
            "{name}：\n\n项目 {agreement_no} 已结项，决算支出 {} 元。{refund}感谢您的付出。",
            spent.grouped()
        ),
    }
}

pub fn project_rebudgeted(to: &str, agreement_no: &str, version: i32, approved: Money) -> Mail {
    Mail {
        kind: "project_rebudgeted",
        to: to.into(),
        subject: format!("项目预算已调整：{agreement_no}"),
        body: format!(
            "工作人员：\n\n项目 {agreement_no} 已按核定金额 {} 元调整预算（第 {version} 版），可以登记协议签订。",
            approved.grouped()
        ),
    }
}

pub fn change_filed(to: &str, agreement_no: &str, kind: &str, needs_finance: bool) -> Mail {
    let finance = if needs_finance { "调整金额较大，民政部门同意后还须财务审核。" } else { "" };
    Mail {
        kind: "change_filed",
        to: to.into(),
        subject: format!("项目变更申请：{agreement_no} {kind}"),
        body: format!("工作人员：\n\n项目 {agreement_no} 提交了{kind}申请。{finance}请登录平台审核。"),
    }
}

pub fn evaluator_assigned(to: &str, name: &str, agreement_no: &str, title: &str, project_id: i64) -> Mail {
    Mail {
        kind: "evaluator_assigned",
        to: to.into(),
        subject: format!("受托评估：{agreement_no} {title}"),
        body: format!(
            "{name}：\n\n民政部门委托您对项目 {agreement_no}“{title}”进行第三方评估。\n\
             社会组织提交中期、结项评估报告后，请登录平台查看报告和佐证材料，按评估指标打分（项目页 /projects/{project_id}）。"
        ),
    }
}

pub fn evaluation_reported(to: &str, name: &str, agreement_no: &str, title: &str, project_id: i64) -> Mail {
    Mail {
        kind: "evaluation_reported",
        to: to.into(),
        subject: format!("评估报告待评分：{agreement_no} {title}"),
        body: format!(
            "{name}：\n\n项目 {agreement_no} 已提交“{title}”报告，请登录平台查看并按评估指标打分（项目页 /projects/{project_id}）。"
        ),
    }
}

pub fn evaluation_published(
    to: &str,
    name: &str,
    agreement_no: &str,
    kind: &str,
    grade: &str,
    ends_on: chrono::NaiveDate,
) -> Mail {
    Mail {
        kind: "evaluation_published",
        to: to.into(),
        subject: format!("{kind}结果公示：{agreement_no} {grade}"),
        body: format!(
            "{name}：\n\n项目 {agreement_no} 的{kind}结果（{grade}）已公示，公示期至 {ends_on} 24:00。\n\
             对结果有异议的，请在公示期内向民政部门书面反映。"
        ),
    }
}

/// A demand moved: to the town's staff when escalated, to the village's workers when accepted
/// or answered. Never the reporter's name or contact.
pub fn demand_moved(to: &str, id: i64, region: &str, category: &str, status: &str, note: &str) -> Mail {
    let note = if note.is_empty() { String::new() } else { format!("\n\n处理情况：{note}") };
    Mail {
        kind: "demand_moved",
        to: to.into(),
        subject: format!("群众诉求{status}：{region} {category}"),
        body: format!("您好：\n\n{region}登记的一项“{category}”类群众诉求（编号 {id}）{status}。{note}\n\n请登录平台查看（/demands/{id}）。"),
    }
}

pub fn demand_waiting(to: &str, id: i64, region: &str, category: &str, due: chrono::NaiveDate) -> Mail {
    Mail {
        kind: "demand_waiting",
        to: to.into(),
        subject: format!("群众诉求待受理：{region} {category}"),
        body: format!(
            "您好：\n\n{region}上报的一项“{category}”类群众诉求（编号 {id}）已超过 5 个工作日（{due}）仍未受理，请尽快登录平台处理（/demands/{id}）。"
        ),
    }
}

pub fn change_decided(to: &str, name: &str, agreement_no: &str, kind: &str, outcome: &str, note: &str) -> Mail {
    let note = if note.is_empty() { String::new() } else { format!("\n\n意见：{note}") };
    Mail {
        kind: "change_decided",
        to: to.into(),
        subject: format!("项目变更：{agreement_no} {kind} {outcome}"),
        body: format!("{name}：\n\n项目 {agreement_no} 的{kind}申请：{outcome}。{note}"),
    }
}

pub fn milestone_overdue(to: &str, name: &str, agreement_no: &str, title: &str, due: chrono::NaiveDate) -> Mail {
    Mail {
        kind: "milestone_overdue",
        to: to.into(),
        subject: format!("项目节点逾期：{agreement_no} {title}"),
        body: format!(
            "{name}：\n\n项目 {agreement_no} 的“{title}”应于 {due} 前报告，目前尚未提交。请尽快登录平台提交报告。"
        ),
    }
}

pub fn bid_shortlisted(to: &str, org_name: &str, title: &str, stage: &str) -> Mail {
    Mail {
        kind: "bid_shortlisted",
        to: to.into(),
        subject: format!("入围通知：{title}"),
        body: format!(
            "{org_name}：\n\n贵单位申报的《{title}》已入围下一评审阶段（{stage}）。\
             具体时间、地点将另行通知，请做好准备。"
        ),
    }
}

pub fn defence_scheduled(
    to: &str,
    org_name: &str,
    title: &str,
    stage: &str,
    day: chrono::NaiveDate,
    time: &str,
    venue: &str,
) -> Mail {
    Mail {
        kind: "defence_scheduled",
        to: to.into(),
        subject: format!("{stage}通知：{title}"),
        body: format!(
            "{org_name}：\n\n贵单位申报的《{title}》{stage}安排如下：\n时间：{} {time}\n地点：{venue}\n\n\
             请项目负责人提前 15 分钟到场签到，携带汇报材料。评审专家现场打分，全部评分提交后当场公布得分。",
            day.format("%Y年%-m月%-d日")
        ),
    }
}

/// A social-welfare fund granted a project matching money (配套资金): to its organisation.
pub fn welfare_matching(to: &str, org: &str, title: &str, fund: &str, amount: Money, minutes_ref: &str) -> Mail {
    Mail {
        kind: "welfare_matching",
        to: to.into(),
        subject: format!("配套资金到位：「{title}」获{fund}资助 {} 元", amount.grouped()),
        body: format!(
            "{org}：\n\n经基金管理委员会决议（{minutes_ref}），{fund}向贵单位的公益创投项目「{title}」安排配套资金 {} 元，\
             计入项目配套资金。请按项目预算使用，并在结项决算中如实反映。",
            amount.grouped()
        ),
    }
}
