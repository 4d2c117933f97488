//! The jobs `app.rs` runs at start-up and every ten minutes: reminders before a due date,
//! overdue notices, lapsed evaluations.

use super::*;
use crate::domain::state::ProjectStatus;

/// The reminder job: 5 working days before a milestone's due date the organisation is reminded,
/// once. Returns how many were sent.
pub fn remind_due(conn: &mut DbConn, ctx: &Ctx) -> AppResult<usize> {
    let today = crate::clock::local_date(ctx.now);
    let cal = crate::service::calendar::load(conn)?;
    // Five working days never span more than a month, even over the Spring Festival.
    let soon = db::projects::due_soon(conn, today, today + chrono::Duration::days(31))?;
    let mut n = 0;
    let due = |m: &db::projects::MilestoneRow| {
        crate::domain::milestone::reminder_due(today, m.due_date, &cal).unwrap_or_else(|e| {
            tracing::warn!(
                milestone = m.id,
                year = e.0,
                "reminder skipped: that year's working-day calendar is not loaded"
            );
            false
        })
    };
    for m in soon.into_iter().filter(due) {
        let Some(p) = db::projects::find(conn, m.project_id)? else { continue };
        let Some(org) = db::organisations::find(conn, p.organisation_id)? else { continue };
        db::write_tx(conn, |c| {
            if db::projects::mark_reminded(c, m.id, db_time(ctx.now))? == 1 {
                mail::queue(
                    c,
                    ctx,
                    mail::milestone_due_soon(&org.email, &org.name, &p.agreement_no, &m.title, m.due_date),
                )?;
                n += 1;
            }
            Ok(())
        })?;
    }
    Ok(n)
}

/// Late evaluations past their grace period (working days) count as failed: the project is
/// suspended and the organisation and district staff are told. Returns how many.
pub fn lapse_evaluations(conn: &mut DbConn, ctx: &Ctx, grace_days: u32) -> AppResult<usize> {
    let today = crate::clock::local_date(ctx.now);
    let cal = crate::service::calendar::load(conn)?;
    let late = db::projects::late_evaluations(conn, today)?;
    let all_staff = staff_emails(conn)?;
    let mut n = 0;
    // A year without its calendar lapses nothing: an evaluation must never fail on a guess.
    let lapsed = |m: &db::projects::MilestoneRow| {
        crate::domain::milestone::evaluation_lapsed(today, m.due_date, grace_days, &cal).unwrap_or_else(|e| {
            tracing::warn!(
                milestone = m.id,
                year = e.0,
                "lapse skipped: that year's working-day calendar is not loaded"
            );
            false
        })
    };
    for m in late.into_iter().filter(lapsed) {
        let Some(p) = db::projects::find(conn, m.project_id)? else { continue };
        let Some(org) = db::organisations::find(conn, p.organisation_id)? else { continue };
        let note = format!("逾期未报告，宽限期（{grace_days} 个工作日）已满，视为不合格");
        let staff = responsible(&all_staff, &pool_region(conn, p.id)?);
        db::write_tx(conn, |c| {
            if db::projects::lapse(c, m.id, &note, db_time(ctx.now))? != 1 {
                return Ok(());
            }
            db::projects::change_status(c, p.id, &[ProjectStatus::Active], ProjectStatus::Suspended)?;
            tell_org_and_staff(c, ctx, &org, &staff, |to, name| {
                mail::evaluation_lapsed(to, name, &p.agreement_no, &m.title, m.due_date)
            })?;
            n += 1;
            audit::record(
                c,
                ctx,
                "milestone.lapse",
                "project",
                Some(p.id),
                serde_json::json!({"milestone_id": m.id, "due_date": m.due_date, "grace_days": grace_days}),
            )
        })?;
    }
    Ok(n)
}

/// Active staff with an email: (their town or None for district staff, email).
fn staff_emails(conn: &mut DbConn) -> AppResult<Vec<(Option<String>, String)>> {
    Ok(db::users::list(conn, Some("staff"), 0, 1000)?
        .into_iter()
        .filter(|u| u.active)
        .filter_map(|u| Some((u.region_code, u.email?)))
        .collect())
}

/// The same mail to the organisation and to each responsible staff member, in the caller's
/// transaction.
fn tell_org_and_staff(
    c: &mut DbConn,
    ctx: &Ctx,
    org: &db::organisations::OrgRow,
    staff: &[String],
    mail_for: impl Fn(&str, &str) -> mail::Mail,
) -> AppResult<()> {
    mail::queue(c, ctx, mail_for(&org.email, &org.name))?;
    for s in staff {
        mail::queue(c, ctx, mail_for(s, "工作人员"))?;
    }
    Ok(())
}

/// The staff responsible for a project: the district's and those of the project's town.
fn responsible(staff: &[(Option<String>, String)], pool_region: &str) -> Vec<String> {
    staff
        .iter()
        .filter(|(r, _)| r.as_deref().is_none_or(|r| crate::domain::region::in_town(pool_region, r)))
        .map(|(_, e)| e.clone())
        .collect()
}

/// The emails of the active finance reviewers.
pub(super) fn finance_emails(conn: &mut DbConn) -> AppResult<Vec<String>> {
    Ok(db::users::list(conn, Some("finance"), 0, 1000)?
        .into_iter()
        .filter(|u| u.active)
        .filter_map(|u| u.email)
        .collect())
}

/// The emails of the staff responsible for the project (district and its town).
pub(super) fn responsible_staff(conn: &mut DbConn, project_id: i64) -> AppResult<Vec<String>> {
    let all = staff_emails(conn)?;
    Ok(responsible(&all, &pool_region(conn, project_id)?))
}

fn pool_region(conn: &mut DbConn, project_id: i64) -> AppResult<String> {
    Ok(db::projects::names_of(conn, &[project_id])?.pop().map(|n| n.pool_region).unwrap_or_default())
}

/// The overdue job (at start-up, then periodically): tells the organisation and the district
/// staff, once per milestone, that a milestone passed its due date unreported. Returns how many.
pub fn notify_overdue(conn: &mut DbConn, ctx: &Ctx) -> AppResult<usize> {
    let today = crate::clock::local_date(ctx.now);
    let due = db::projects::newly_overdue(conn, today)?;
    let all_staff = staff_emails(conn)?;
    let mut n = 0;
    for m in due {
        let Some(p) = db::projects::find(conn, m.project_id)? else { continue };
        let Some(org) = db::organisations::find(conn, p.organisation_id)? else { continue };
        let staff = responsible(&all_staff, &pool_region(conn, p.id)?);
        db::write_tx(conn, |c| {
            // Re-checked under the write lock: another server instance may have sent it.
            if db::projects::mark_overdue_notified(c, m.id, db_time(ctx.now))? != 1 {
                return Ok(());
            }
            tell_org_and_staff(c, ctx, &org, &staff, |to, name| {
                mail::milestone_overdue(to, name, &p.agreement_no, &m.title, m.due_date)
            })?;
            n += 1;
            audit::record(
                c,
                ctx,
                "milestone.overdue",
                "project",
                Some(p.id),
                serde_json::json!({"milestone_id": m.id, "due_date": m.due_date}),
            )
        })?;
    }
    Ok(n)
}
