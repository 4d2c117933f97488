//! Third-party evaluators (第三方评估): staff assign an `evaluator` account to a project; it then
//! reads that project (and the bid behind it) and verifies its mid-term and final evaluations,
//! nothing else.

use super::*;
use crate::error::Code;

#[derive(Serialize, utoipa::ToSchema)]
pub struct EvaluatorView {
    pub user_id: i64,
    pub name: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct EvaluatorInput {
    /// An active account with the role `evaluator`.
    pub user_id: i64,
}

/// Staff responsible for the project, on a project still running.
fn manageable(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(ProjectRow, i64)> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let p = visible(conn, ctx, id)?;
    match ProjectStatus::parse(&p.status) {
        Some(ProjectStatus::Completed) => Err(AppError::from(Code::ProjectCompleted)),
        Some(ProjectStatus::Terminated) => Err(AppError::from(Code::AlreadyTerminated)),
        _ => Ok((p, a.id)),
    }
}

/// `POST /api/v1/projects/{id}/evaluators`: the evaluator is emailed.
pub fn assign(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &EvaluatorInput) -> AppResult<Vec<EvaluatorView>> {
    let (p, by) = manageable(conn, ctx, id)?;
    let user = db::users::find(conn, input.user_id)?
        .filter(|u| u.active && u.role == Role::Evaluator.as_str())
        .ok_or_else(|| AppError::invalid_field("user_id", "not_evaluator", "请选择有效的第三方评估账号"))?;
    if db::evaluators::is_assigned(conn, p.id, user.id)? {
        return Err(AppError::from(Code::AlreadyAssigned));
    }
    let title = db::projects::names_of(conn, &[p.id])?.pop().map(|n| n.title).unwrap_or_default();
    db::write_tx(conn, |c| {
        // The primary key settles two simultaneous assignments: the second fails as a duplicate.
        db::evaluators::assign(c, p.id, user.id, by, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "project.evaluator_assign",
            "project",
            Some(p.id),
            serde_json::json!({"user_id": user.id, "name": user.display_name}),
        )?;
        if let Some(to) = &user.email {
            mail::queue(c, ctx, mail::evaluator_assigned(to, &user.display_name, &p.agreement_no, &title, p.id))?;
        }
        Ok(())
    })?;
    of(conn, p.id)
}

/// `DELETE /api/v1/projects/{id}/evaluators/{user_id}`: the evaluator no longer sees the project;
/// the evaluations it verified stay.
pub fn remove(conn: &mut DbConn, ctx: &Ctx, id: i64, user_id: i64) -> AppResult<Vec<EvaluatorView>> {
    let (p, _) = manageable(conn, ctx, id)?;
    db::write_tx(conn, |c| {
        if db::evaluators::remove(c, p.id, user_id)? != 1 {
            return Err(AppError::not_found());
        }
        audit::record(
            c,
            ctx,
            "project.evaluator_remove",
            "project",
            Some(p.id),
            serde_json::json!({"user_id": user_id}),
        )
    })?;
    of(conn, p.id)
}

/// `GET /api/v1/projects/{id}/evaluators`: whoever may read the project.
pub fn list(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<Vec<EvaluatorView>> {
    let p = visible(conn, ctx, id)?;
    of(conn, p.id)
}

fn of(conn: &mut DbConn, project_id: i64) -> AppResult<Vec<EvaluatorView>> {
    Ok(db::evaluators::of(conn, &[project_id])?.into_iter().map(view).collect())
}

pub(super) fn view((_, user_id, name): db::evaluators::Assigned) -> EvaluatorView {
    EvaluatorView { user_id, name }
}

/// The evaluator accounts staff may choose from (for the project page's form).
pub fn accounts(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<EvaluatorView>> {
    ctx.require(&[Role::Staff])?;
    Ok(db::evaluators::accounts(conn)?.into_iter().map(|(user_id, name)| EvaluatorView { user_id, name }).collect())
}
