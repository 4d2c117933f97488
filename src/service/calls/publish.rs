//! Publishing a call: every rule checked, the tender PDF rendered and stored, organisations
//! told.

use super::*;
use crate::domain::state::CallStatus;
use crate::error::Code;

/// How the bids will be scored, when that is more than one written stage: stages with their
/// weights, the bonus formula, the repeat-funding rule.
pub(super) fn scoring_section(v: &CallView) -> Option<(String, String)> {
    let mut parts = Vec::new();
    if !v.stages.is_empty() {
        let st: Vec<String> =
            v.stages.iter().map(|s| format!("{}（{}，占 {}%）", s.name, s.kind_label, s.weight)).collect();
        parts.push(format!(
            "评审分 {} 个阶段进行：{}。最终得分为各阶段得分的加权合计；上一阶段得分靠前的项目入围下一阶段",
            v.stages.len(),
            st.join("、")
        ));
    }
    if let Some(b) = &v.bonus {
        parts.push(format!("{}：{}，加分计入最终得分", b.name, b.formula));
    }
    if v.repeat_funding != "allow" {
        parts.push(v.repeat_funding_label.to_string());
    }
    (!parts.is_empty()).then(|| ("评审方式".to_string(), format!("{}。", parts.join("；"))))
}

/// 「…招标公告」: the call's title, named as the document it is.
/// Renders the tender announcement of `v` with the chain head as it stands in the caller's
/// transaction, and stores it as the call's current announcement (earlier versions stay
/// verifiable).
pub(super) fn store_announcement(
    c: &mut DbConn,
    ctx: &Ctx,
    docs: &crate::service::documents::DocSettings,
    v: &CallView,
) -> AppResult<String> {
    let head = db::audit::head(c)?.map(|h| h.1).unwrap_or_default();
    let pdf = crate::pdf::announcement::render(&announcement_doc(v, docs, ctx, head));
    crate::service::documents::publish(
        c,
        ctx,
        &docs.data_dir,
        "announcement",
        v.id,
        &announcement_title(&v.title),
        &pdf,
    )
}

pub(super) fn announcement_title(call_title: &str) -> String {
    if call_title.ends_with("公告") {
        call_title.to_string()
    } else {
        format!("{call_title}招标公告")
    }
}

/// The tender announcement as the PDF lays it out, every figure formatted.
pub(super) fn announcement_doc(
    v: &CallView,
    docs: &crate::service::documents::DocSettings,
    ctx: &Ctx,
    audit_head: String,
) -> crate::pdf::announcement::AnnouncementDoc {
    let total = Money::from_fen(v.pools.iter().map(|p| p.budget.fen()).sum());
    let unit = if v.notice_working_days { "工作日" } else { "自然日" };
    let mut budget = Vec::new();
    if let Some(p) = v.budget_caps.personnel_pct {
        budget.push(format!("人员费用不超过申请金额的 {p}%"));
    }
    if let Some(p) = v.budget_caps.admin_pct {
        budget.push(format!("管理费用不超过申请金额的 {p}%"));
    }
    let forbidden: Vec<&str> = v
        .forbidden_categories
        .iter()
        .filter_map(|c| crate::domain::budget::BudgetCategory::parse(c).map(|c| c.label()))
        .collect();
    if !forbidden.is_empty() {
        budget.push(format!("不得列支{}", forbidden.join("、")));
    }
    let tranches: Vec<String> = v.tranches.iter().map(|t| format!("{t}%")).collect();
    budget.push(format!(
        "资助资金按 {} 分批拨付，分别在签订项目协议、通过中期评估和结项评估后拨付",
        tranches.join(" / ")
    ));
    let contact = if docs.contact.trim().is_empty() {
        format!("请登录公益创投管理平台在线申报。咨询请联系{}。", docs.authority)
    } else {
        docs.contact.clone()
    };
    let mut sections = vec![
        (
            "申报条件".into(),
            format!(
                "在本区民政部门登记、在公益创投管理平台注册并通过审核的社会组织均可申报。每个组织最多申报 {} 个项目，\
                     单个项目申请金额 {} 元至 {} 元；申报镇街资金池的项目，服务地区应在该镇街范围内。",
                v.max_bids_per_org,
                v.min_grant.grouped(),
                v.max_grant.grouped()
            ) + &eligibility_sentence(&v.eligibility_rules),
        ),
        (
            "时间安排".into(),
            format!(
                "申报时间：{} 至 {}（以平台服务器时间为准）。项目执行期：{} 至 {}。评审结果公示 {} 个{unit}。",
                v.opens_short(),
                v.closes_short(),
                v.project_start,
                v.project_end,
                v.notice_days
            ),
        ),
        ("预算要求".into(), format!("{}。评审得分低于 {} 分的项目不予资助。", budget.join("；"), v.score_threshold)),
    ];
    if !v.topics.is_empty() {
        // The year's topics, drawn from residents' demands (选题).
        let list: Vec<String> = v
            .topics
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.description.is_empty() {
                    format!("{}. {}", i + 1, t.title)
                } else {
                    format!("{}. {}：{}", i + 1, t.title, t.description)
                }
            })
            .collect();
        let must = if v.topic_required {
            "每个申报项目须对应以下选题之一"
        } else {
            "鼓励申报项目对应以下选题"
        };
        sections.push(("申报选题".into(), format!("本次招标的选题来自群众诉求，{must}：{}", list.join("；"))));
    }
    sections.extend(scoring_section(v));
    crate::pdf::announcement::AnnouncementDoc {
        title: announcement_title(&v.title),
        mark: v.fund_mark.map(str::to_string),
        intro: v.announcement.clone(),
        pools: v
            .pools
            .iter()
            .map(|p| {
                (p.name.clone(), if p.level == "district" { "区级" } else { "镇街" }.to_string(), p.budget.grouped())
            })
            .collect(),
        total_budget: total.grouped(),
        sections,
        criteria: v.criteria.iter().map(|k| (k.name.clone(), k.weight.to_string(), k.max_score.to_string())).collect(),
        categories: v
            .categories
            .iter()
            .map(|k| {
                (
                    k.name.clone(),
                    k.max_projects.map_or("不限".to_string(), |n| n.to_string()),
                    k.max_amount.map_or("不限".to_string(), |m| m.grouped()),
                )
            })
            .collect(),
        contact,
        amendments: v.amendments.iter().map(|a| (a.heading(), a.body.clone())).collect(),
        authority: docs.authority.clone(),
        issued_on: crate::clock::local_date(ctx.now).format("%Y年%-m月%-d日").to_string(),
        audit_head,
    }
}

/// The fund each pool draws on: the one it names, or its region's for the call's year (422
/// `no_fund` for a region without one).
fn pool_funds(c: &mut DbConn, p: &mut Problems, year: i32, pools: &[PoolView]) -> AppResult<Vec<i64>> {
    let mut out = Vec::new();
    for (i, pool) in pools.iter().enumerate() {
        let fund = match pool.fund_id {
            Some(id) => db::funds::find(c, id)?,
            None => db::funds::of_region(c, year, &pool.region_code)?,
        };
        match fund {
            Some(f) => out.push(f.id),
            None => p.add(
                &format!("pools[{i}].region_code"),
                "no_fund",
                format!("{}：该地区 {year} 年尚未设立专项资金，请先设立", pool.name),
            ),
        }
    }
    Ok(out)
}

/// Commits each pool's budget to its fund, one conditional UPDATE per fund in id order: the
/// committed sum never passes a fund's amount, also when two calls publish at once (409).
fn commit_to_funds(c: &mut DbConn, pools: &[PoolView], funds: &[i64]) -> AppResult<()> {
    for (pool, fund) in pools.iter().zip(funds) {
        if pool.fund_id != Some(*fund) {
            db::calls::set_pool_fund(c, pool.id, *fund)?;
        }
    }
    let per_pool: Vec<(i64, i64)> = pools.iter().zip(funds).map(|(p, f)| (*f, p.budget.fen())).collect();
    for (fund, amount) in crate::domain::fund::commitments(&per_pool) {
        if db::funds::commit(c, fund, amount)? != 1 {
            let f = db::funds::find(c, fund)?.ok_or_else(AppError::not_found)?;
            return Err(Code::FundExceeded.says(format!(
                "{}余额不足：尚可使用 {} 元，本招标需 {} 元",
                f.name,
                Money::from_fen(f.amount - f.committed).grouped(),
                Money::from_fen(amount).grouped()
            )));
        }
    }
    Ok(())
}

pub fn publish(
    conn: &mut DbConn,
    ctx: &Ctx,
    docs: &crate::service::documents::DocSettings,
    id: i64,
) -> AppResult<CallView> {
    let actor = super::runner(conn, ctx, id)?;
    db::write_tx(conn, |c| {
        let (row, v) = load_view(c, id, ctx.now)?;
        if !CallStatus::Draft.is(&row.status) {
            return Err(AppError::from(Code::AlreadyPublished));
        }
        let weights: Vec<u32> = v.criteria.iter().map(|k| k.weight as u32).collect();
        let pools: Vec<PoolRule> = v
            .pools
            .iter()
            .map(|p| PoolRule {
                is_district: p.level == "district",
                region_code: p.region_code.clone(),
                budget: p.budget,
            })
            .collect();
        let problems = call::publish_problems(&PublishCheck {
            opens_at: row.opens_at.and_utc(),
            closes_at: row.closes_at.and_utc(),
            project_start: row.project_start,
            project_end: row.project_end,
            min_grant: v.min_grant,
            max_grant: v.max_grant,
            weights: &weights,
            tranches: &v.tranches,
            pools: &pools,
            now: ctx.now,
        });
        let mut p = Problems::default();
        for x in problems {
            p.add(&x.field, x.code, x.message);
        }
        let stage_weights: Vec<u32> = v.stages.iter().map(|s| s.weight as u32).collect();
        let rubrics: Vec<Vec<u32>> =
            v.stages.iter().map(|s| s.criteria.iter().map(|k| k.weight as u32).collect()).collect();
        for (field, code, message) in crate::domain::stages::stage_problems(&stage_weights, &rubrics) {
            p.add(&field, code, message);
        }
        // Checked under the publishing transaction: two calls of a year must not hand out the
        // same references.
        if db::calls::prefix_in_use(c, id, row.year, &row.reference_prefix)? {
            p.add(
                "reference_prefix",
                "prefix_in_use",
                format!("{} 年已有招标使用编号前缀 {}，请修改本招标的编号前缀", row.year, row.reference_prefix),
            );
        }
        let funds = pool_funds(c, &mut p, row.year, &v.pools)?;
        p.finish()?;
        if db::calls::publish(c, id, actor.id, db_time(ctx.now))? != 1 {
            return Err(AppError::from(Code::AlreadyPublished));
        }
        commit_to_funds(c, &v.pools, &funds)?;
        audit::record(c, ctx, "call.publish", "call", Some(id), serde_json::json!({"title": row.title}))?;
        // The tender announcement PDF, stored with its hash in the publishing transaction.
        store_announcement(c, ctx, docs, &v)?;
        let orgs = db::organisations::list(
            c,
            &db::organisations::OrgFilter {
                status: Some("verified"),
                region_prefix: None,
                after_id: 0,
                limit: i64::MAX,
            },
        )?;
        for o in orgs {
            mail::queue(c, ctx, mail::call_published(&o.email, &o.name, &row.title, &v.closes_at))?;
        }
        Ok(load_view(c, id, ctx.now)?.1)
    })
}

/// The standing rules as the tender states them: "申报单位还应：……。" (empty without rules).
fn eligibility_sentence(rules: &[String]) -> String {
    if rules.is_empty() {
        String::new()
    } else {
        format!("申报单位还应符合：{}。", rules.join("；"))
    }
}
