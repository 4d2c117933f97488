//! The agreement's signing, milestone reports and their verification.

use super::*;
use crate::domain::state::{MilestoneStatus, ProjectStatus};
use crate::error::Code;

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct SigningInput {
    /// `YYYY-MM-DD`
    pub signed_on: String,
}

/// Records the agreement's signing (staff): verifies the `signing` milestone, so its tranche
/// becomes payable.
pub fn sign(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &SigningInput) -> AppResult<ProjectView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let p = visible(conn, ctx, id)?;
    let on = crate::domain::text::date(&input.signed_on)
        .map_err(|_| AppError::invalid_field("signed_on", "invalid_date", "签订日期格式应为 YYYY-MM-DD"))?;
    if on > crate::clock::local_date(ctx.now) {
        return Err(AppError::invalid_field("signed_on", "date_in_future", "签订日期不能晚于今天"));
    }
    if super::budget::rebase_required(&p, super::budget::total_in_force(conn, &p)?) {
        return Err(AppError::from(Code::BudgetNotRebased));
    }
    let ms = db::projects::milestones_of(conn, &[p.id])?;
    let signing = ms
        .iter()
        .find(|m| m.kind == "signing")
        .ok_or_else(|| AppError::internal("project without signing milestone"))?;
    db::write_tx(conn, |c| {
        if db::projects::set_signed(c, p.id, on)? != 1 {
            return Err(AppError::from(Code::AlreadySigned));
        }
        let verdict = db::projects::Verdict {
            to: MilestoneStatus::Verified,
            grade: None,
            note: Some("协议已签订"),
            by: a.id,
            at: db_time(ctx.now),
        };
        db::projects::verify(c, signing.id, &[MilestoneStatus::Pending, MilestoneStatus::Reported], &verdict)?;
        audit::record(c, ctx, "project.sign", "project", Some(p.id), serde_json::json!({"signed_on": on}))
    })?;
    get(conn, ctx, id)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ActualInput {
    pub category: String,
    /// Amount string in yuan.
    pub amount: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ReportInput {
    pub text: String,
    #[serde(default)]
    pub actuals: Vec<ActualInput>,
}

/// The organisation reports on a milestone: progress and spending so far by budget category.
pub fn report(conn: &mut DbConn, ctx: &Ctx, milestone_id: i64, input: &ReportInput) -> AppResult<ProjectView> {
    ctx.require(&[Role::Org])?;
    let m = db::projects::find_milestone(conn, milestone_id)?.ok_or_else(AppError::not_found)?;
    let p = visible(conn, ctx, m.project_id)?;
    let mut pr = Problems::default();
    let body = pr.take("text", text::paragraph(&input.text, 5000), |e| (e.code().into(), e.message()));
    let mut actuals = Vec::new();
    for (i, a) in input.actuals.iter().enumerate() {
        let cat = BudgetCategory::parse(&a.category);
        if cat.is_none() {
            pr.add(&format!("actuals[{i}].category"), "invalid_budget_category", "未知的预算科目");
        }
        let amt = pr.take(&format!("actuals[{i}].amount"), Money::parse(a.amount.trim()), |e| {
            (e.code().into(), e.message().into())
        });
        if let (Some(c), Some(v)) = (cat, amt) {
            if actuals.iter().any(|(k, _): &(String, i64)| k == c.as_str()) {
                pr.add(&format!("actuals[{i}].category"), "duplicate_category", "预算科目重复");
            }
            actuals.push((c.as_str().to_string(), v.fen()));
        }
    }
    pr.finish()?;
    if m.kind == "signing" {
        return Err(Code::NotReportable.says("协议签订由工作人员登记"));
    }
    if !MilestoneStatus::Pending.is(&m.status) {
        return Err(Code::WrongStatus.says("该节点已报告或已核验"));
    }
    let body = body.unwrap_or_default();
    // An evaluation's report goes to the project's third-party evaluators too.
    let evaluators: Vec<(String, String)> = if matches!(m.kind.as_str(), "midterm" | "final") {
        let ids: Vec<i64> = db::evaluators::of(conn, &[p.id])?.into_iter().map(|e| e.1).collect();
        db::users::emails_of(conn, &ids)?
    } else {
        vec![]
    };
    db::write_tx(conn, |c| {
        if db::projects::report(c, m.id, &body, db_time(ctx.now), &actuals)? != 1 {
            return Err(Code::WrongStatus.says("该节点已报告或已核验"));
        }
        for (name, to) in &evaluators {
            mail::queue(c, ctx, mail::evaluation_reported(to, name, &p.agreement_no, &m.title, p.id))?;
        }
        audit::record(
            c,
            ctx,
            "milestone.report",
            "project",
            Some(p.id),
            serde_json::json!({"milestone_id": m.id, "actuals": actuals}),
        )
    })?;
    get(conn, ctx, p.id)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct VerifyInput {
    pub accepted: bool,
    /// Evaluations (mid-term, final): 优秀 / 良好 / 合格 / 不合格. With `scores` it may be left
    /// out (it follows from the total) and must agree when given (422 `grade_mismatch`).
    pub grade: Option<String>,
    pub note: Option<String>,
    /// Evaluations: points per indicator of the call's rubric, `[{key, points}]` (decimal strings).
    pub scores: Option<Vec<ScoreInput>>,
    /// Evaluations scored on indicators: the site-visit notes (实地走访记录), at most 2,000
    /// characters; only with `scores`.
    pub site_visit: Option<String>,
}

#[derive(Deserialize, Serialize, Clone, utoipa::ToSchema)]
pub struct ScoreInput {
    pub key: String,
    pub points: String,
}

/// Staff verify a reported milestone: accepted → verified (its tranche payable); not accepted →
/// back to pending with the reason. A 不合格 evaluation suspends the project's payments. A
/// project's third-party evaluator verifies its mid-term and final evaluations only.
pub fn verify(conn: &mut DbConn, ctx: &Ctx, milestone_id: i64, input: &VerifyInput) -> AppResult<ProjectView> {
    let a = ctx.require(&[Role::Staff, Role::Evaluator])?.clone();
    let m = db::projects::find_milestone(conn, milestone_id)?.ok_or_else(AppError::not_found)?;
    let p = visible(conn, ctx, m.project_id)?;
    let mut pr = Problems::default();
    let evaluation = matches!(m.kind.as_str(), "midterm" | "final");
    if a.role == Role::Evaluator && !evaluation {
        return Err(AppError::forbidden());
    }
    // Scored on the call's indicators: the grade follows from the total.
    let scored = match (&input.scores, evaluation && input.accepted) {
        (Some(scores), true) => {
            let terms = crate::service::calls::scoring_design(conn, p.call_id)?.terms;
            let pairs: Vec<(String, String)> =
                scores.iter().map(|s| (s.key.trim().to_string(), s.points.clone())).collect();
            match crate::domain::evaluation::total(&terms.rubric(), &pairs) {
                Ok(t) => Some((t, crate::domain::evaluation::grade_of(t, &terms.cutoffs()), pairs)),
                Err(problems) => {
                    for (f, code, msg) in problems {
                        pr.add(&f, code, msg);
                    }
                    None
                }
            }
        }
        _ => None,
    };
    let grade = match (input.grade.as_deref(), evaluation && input.accepted) {
        (g, true) if input.scores.is_some() => {
            match (g.map(Grade::parse), &scored) {
                (Some(Some(given)), Some((total, derived, _))) if given != *derived => pr.add(
                    "grade",
                    "grade_mismatch",
                    format!("总分 {total} 对应“{}”，与所填等次“{}”不一致", derived.label(), given.label()),
                ),
                (Some(None), _) => pr.add("grade", "invalid_grade", "评估等次应为 优秀、良好、合格 或 不合格"),
                _ => {}
            }
            scored.as_ref().map(|s| s.1)
        }
        (Some(g), _) => {
            let parsed = Grade::parse(g);
            if parsed.is_none() {
                pr.add("grade", "invalid_grade", "评估等次应为 优秀、良好、合格 或 不合格");
            }
            parsed
        }
        (None, true) => {
            pr.add("grade", "grade_required", "评估须给出等次");
            None
        }
        (None, false) => None,
    };
    let site_visit = match input.site_visit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(_) if scored.is_none() && input.scores.is_none() => {
            pr.add("site_visit", "scores_required", "实地走访记录随指标评分一并提交");
            None
        }
        Some(n) => pr.take("site_visit", text::paragraph(n, 2000), |e| (e.code().into(), e.message())),
        None => None,
    };
    let note = match input.note.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) => pr.take("note", text::paragraph(n, 2000), |e| (e.code().into(), e.message())),
        None if !input.accepted => {
            pr.add("note", "reason_required", "退回须说明理由");
            None
        }
        None => None,
    };
    pr.finish()?;
    if !MilestoneStatus::Reported.is(&m.status) {
        return Err(AppError::from(Code::NotReported));
    }
    let failed = grade == Some(Grade::Fail);
    db::write_tx(conn, |c| {
        let (to, g) = if input.accepted {
            (MilestoneStatus::Verified, grade.map(Grade::label))
        } else {
            (MilestoneStatus::Pending, None)
        };
        let verdict = db::projects::Verdict { to, grade: g, note: note.as_deref(), by: a.id, at: db_time(ctx.now) };
        if db::projects::verify(c, m.id, &[MilestoneStatus::Reported], &verdict)? != 1 {
            return Err(Code::NotReported.says("状态已变化，请刷新"));
        }
        if let (true, Some((total, _, pairs))) = (input.accepted, &scored) {
            let json = serde_json::to_string(
                &pairs
                    .iter()
                    .map(|(k, p)| ScoreInput { key: k.clone(), points: p.trim().to_string() })
                    .collect::<Vec<_>>(),
            )
            .map_err(|e| AppError::internal(e.to_string()))?;
            let hundredths = (*total * rust_decimal::Decimal::from(100)).trunc().try_into().unwrap_or(0i64);
            db::projects::set_scores(c, m.id, &json, hundredths, site_visit.as_deref(), a.id, db_time(ctx.now))?;
        }
        if failed {
            // A terminated project stays terminated; a suspended one stays suspended.
            db::projects::change_status(c, p.id, &[ProjectStatus::Active], ProjectStatus::Suspended)?;
        }
        audit::record(
            c,
            ctx,
            "milestone.verify",
            "project",
            Some(p.id),
            serde_json::json!({"milestone_id": m.id, "accepted": input.accepted, "grade": g, "suspended": failed,
                "total": scored.as_ref().map(|s| s.0.to_string()), "site_visit": site_visit}),
        )
    })?;
    get(conn, ctx, p.id)
}
