//! Residents' demands (群众诉求): a village worker (or staff) registers what residents raised;
//! the village settles it or escalates it to the town; the town accepts and answers it or makes
//! it part of a topic (service::topics). Reporters' names and contacts stay with the village and
//! the town: never in public views, exports, open data or mails.

use super::{audit, mail, Actor, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::demands::{DemandQuery, DemandRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::demand::{self, Channel, Mover, Refusal, Status};
use crate::domain::region::{in_town, town_prefix};
use crate::domain::text;
use crate::error::{AppError, AppResult, Code, Problems};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct DemandInput {
    /// The village or community (12 digits); a village worker may leave it out (its own).
    pub region_code: Option<String>,
    /// visit · meeting · online · hotline · other
    pub channel: String,
    /// Free text, at most 20 characters (养老服务, 环境卫生, …).
    pub category: String,
    pub text: String,
    /// Only with the resident's consent; seen by the village and the town, never published.
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct TransitionInput {
    /// resolved_locally · escalated · accepted · answered
    pub to: String,
    /// What was done; required for resolved_locally and answered.
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub from: Option<String>,
    pub to: String,
    pub to_label: &'static str,
    pub note: String,
    pub by: String,
    pub at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MoveView {
    pub to: &'static str,
    pub label: &'static str,
    /// The button's words (上报镇街, 受理, …).
    pub action: &'static str,
    pub note_required: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DemandView {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub channel: String,
    pub channel_label: &'static str,
    pub category: String,
    pub text: String,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
    /// registered · resolved_locally · escalated · accepted · answered · topic
    pub status: String,
    pub status_label: &'static str,
    pub topic_id: Option<i64>,
    pub created_at: String,
    pub escalated_at: Option<String>,
    /// Every move, oldest first (one demand's view only; empty in lists).
    pub events: Vec<EventView>,
    /// The moves the reader may make now (one demand's view only).
    pub next: Vec<MoveView>,
}

/// Who may read and move demands here: a village worker its village, staff their scope.
fn mover(ctx: &Ctx) -> AppResult<(Actor, Mover)> {
    let a = ctx.require(&[Role::Community, Role::Staff])?.clone();
    let m = if a.role == Role::Community { Mover::Village } else { Mover::Staff };
    Ok((a, m))
}

fn visible(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(DemandRow, Actor, Mover)> {
    let (a, m) = mover(ctx)?;
    let d = db::demands::find(conn, id)?.ok_or_else(AppError::not_found)?;
    if !a.in_scope(&d.region_code) {
        return Err(AppError::not_found());
    }
    Ok((d, a, m))
}

fn view(d: DemandRow, names: &[(String, String)]) -> DemandView {
    let status = Status::parse(&d.status).unwrap_or(Status::Registered);
    DemandView {
        id: d.id,
        region_name: names.iter().find(|n| n.0 == d.region_code).map(|n| n.1.clone()).unwrap_or_default(),
        region_code: d.region_code,
        channel_label: Channel::parse(&d.channel).map_or("其他", Channel::label),
        channel: d.channel,
        category: d.category,
        text: d.body,
        reporter_name: d.reporter_name,
        reporter_contact: d.reporter_contact,
        status: d.status,
        status_label: status.label(),
        topic_id: d.topic_id,
        created_at: rfc3339_local(d.created_at.and_utc()),
        escalated_at: d.escalated_at.map(|t| rfc3339_local(t.and_utc())),
        events: Vec::new(),
        next: Vec::new(),
    }
}

fn views(conn: &mut DbConn, rows: Vec<DemandRow>) -> AppResult<Vec<DemandView>> {
    let mut codes: Vec<String> = rows.iter().map(|d| d.region_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let names = db::demands::region_names(conn, &codes)?;
    Ok(rows.into_iter().map(|d| view(d, &names)).collect())
}

/// `POST /api/v1/demands`: registered, audited (without the reporter).
pub fn file(conn: &mut DbConn, ctx: &Ctx, input: &DemandInput) -> AppResult<DemandView> {
    let (a, _) = mover(ctx)?;
    let mut p = Problems::default();
    let region = match input.region_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(code.to_string()),
        None if a.role == Role::Community => a.region_code.clone(),
        None => {
            p.add("region_code", "required", "请选择诉求所在的村（社区）");
            None
        }
    };
    if let Some(code) = &region {
        match db::regions::find(conn, code)? {
            Some(r) if r.level == "village" || r.level == "town" => {
                if !a.in_scope(&r.code) {
                    p.add("region_code", "out_of_scope", "只能登记本村（社区）或本镇街辖区的诉求");
                }
            }
            _ => p.add("region_code", "unknown_region", "村（社区）不存在"),
        }
    }
    let channel = Channel::parse(&input.channel);
    if channel.is_none() {
        p.add("channel", "invalid_channel", "来源应为 visit、meeting、online、hotline 或 other");
    }
    let category = demand::category(&input.category);
    if category.is_none() {
        p.add("category", "invalid_category", "类别为 1–20 个字");
    }
    let body = p.take("text", text::paragraph(&input.text, 2000), |e| (e.code().into(), e.message()));
    let optional = |p: &mut Problems, field: &str, v: &Option<String>| match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => p.take(field, text::name(s, 50), |e| (e.code().into(), e.message())),
        _ => None,
    };
    let reporter_name = optional(&mut p, "reporter_name", &input.reporter_name);
    let reporter_contact = optional(&mut p, "reporter_contact", &input.reporter_contact);
    p.finish()?;
    let (region, channel, category, body) = (
        region.unwrap_or_default(),
        channel.unwrap_or(Channel::Other),
        category.unwrap_or_default(),
        body.unwrap_or_default(),
    );
    let now = db_time(ctx.now);
    let id = db::write_tx(conn, |c| {
        let id = db::demands::insert(
            c,
            &db::demands::NewDemand {
                region_code: &region,
                channel: channel.as_str(),
                category: &category,
                body: &body,
                reporter_name: reporter_name.as_deref(),
                reporter_contact: reporter_contact.as_deref(),
                status: Status::Registered.as_str(),
                created_by: a.id,
                created_at: now,
                updated_at: now,
            },
        )?;
        db::demands::add_event(c, id, None, Status::Registered.as_str(), "", a.id, now)?;
        audit::record(
            c,
            ctx,
            "demand.register",
            "demand",
            Some(id),
            serde_json::json!({"region_code": region, "channel": channel.as_str(), "category": category}),
        )?;
        Ok(id)
    })?;
    get(conn, ctx, id)
}

/// `POST /api/v1/demands/{id}/transition`: one move of the flow (domain::demand::check), as a
/// conditional UPDATE on the status; escalating tells the town's staff, accepting and answering
/// tell the village's workers.
pub fn transition(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &TransitionInput) -> AppResult<DemandView> {
    let (d, a, who) = visible(conn, ctx, id)?;
    let to = Status::parse(&input.to).ok_or_else(|| {
        AppError::invalid_field(
            "to",
            "invalid_status",
            "目标状态应为 resolved_locally、escalated、accepted 或 answered",
        )
    })?;
    let from = Status::parse(&d.status).unwrap_or(Status::Registered);
    match demand::check(from, to, who) {
        Ok(()) => {}
        Err(Refusal::NotYours) => return Err(AppError::forbidden()),
        Err(Refusal::ByTopic) => return Err(Code::BadTransition.says("纳入选题请在“选题”中关联该诉求")),
        Err(Refusal::BadTransition) => {
            return Err(Code::BadTransition.says(format!("诉求当前为“{}”，不能改为“{}”", from.label(), to.label())))
        }
    }
    let note = input.note.trim();
    if demand::note_required(to) && note.is_empty() {
        return Err(AppError::invalid_field("note", "note_required", "请说明处理情况"));
    }
    let note = if note.is_empty() {
        String::new()
    } else {
        text::paragraph(note, 2000).map_err(|e| AppError::invalid_field("note", e.code(), e.message()))?
    };
    let to_mail: Vec<String> = match to {
        Status::Escalated => staff_of_town(conn, &d.region_code)?,
        Status::Accepted | Status::Answered => workers_of(conn, &d.region_code)?,
        _ => Vec::new(),
    };
    let region_name =
        db::demands::region_names(conn, std::slice::from_ref(&d.region_code))?.pop().map(|r| r.1).unwrap_or_default();
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        if db::demands::transition(c, d.id, from.as_str(), to.as_str(), None, now)? != 1 {
            return Err(Code::BadTransition.says("诉求状态已变化，请刷新后重试"));
        }
        db::demands::add_event(c, d.id, Some(from.as_str()), to.as_str(), &note, a.id, now)?;
        audit::record(
            c,
            ctx,
            "demand.transition",
            "demand",
            Some(d.id),
            serde_json::json!({"from": from.as_str(), "to": to.as_str(), "note": note}),
        )?;
        for t in &to_mail {
            mail::queue(c, ctx, mail::demand_moved(t, d.id, &region_name, &d.category, to.label(), &note))?;
        }
        Ok(())
    })?;
    get(conn, ctx, id)
}

/// The emails of the active staff of a region's town (the district's when the town has none).
fn staff_of_town(conn: &mut DbConn, region: &str) -> AppResult<Vec<String>> {
    let staff: Vec<_> = db::users::list(conn, Some("staff"), 0, 1000)?.into_iter().filter(|u| u.active).collect();
    let town: Vec<String> = staff
        .iter()
        .filter(|u| u.region_code.as_deref().is_some_and(|r| in_town(region, r)))
        .filter_map(|u| u.email.clone())
        .collect();
    if !town.is_empty() {
        return Ok(town);
    }
    Ok(staff.into_iter().filter(|u| u.region_code.is_none()).filter_map(|u| u.email).collect())
}

/// The emails of a village's active workers.
fn workers_of(conn: &mut DbConn, region: &str) -> AppResult<Vec<String>> {
    Ok(db::users::list(conn, Some("community"), 0, 1000)?
        .into_iter()
        .filter(|u| u.active && u.region_code.as_deref() == Some(region))
        .filter_map(|u| u.email)
        .collect())
}

/// One demand with its history and the reader's moves.
pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<DemandView> {
    let (d, _, who) = visible(conn, ctx, id)?;
    let from = Status::parse(&d.status).unwrap_or(Status::Registered);
    let events = db::demands::events_of(conn, &[d.id])?;
    let mut v = views(conn, vec![d])?.pop().ok_or_else(AppError::not_found)?;
    v.events = events
        .into_iter()
        .map(|(_, from, to, note, by, at)| EventView {
            from,
            to_label: Status::label_of(&to),
            to,
            note,
            by,
            at: rfc3339_local(at.and_utc()),
        })
        .collect();
    v.next = demand::next(from, who)
        .into_iter()
        .map(|s| MoveView {
            to: s.as_str(),
            label: s.label(),
            action: s.action(),
            note_required: demand::note_required(s),
        })
        .collect();
    Ok(v)
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
pub struct DemandFilter {
    /// registered · resolved_locally · escalated · accepted · answered · topic
    pub status: Option<String>,
    /// A town or village code within the reader's scope.
    pub region: Option<String>,
    /// Return demands with an id smaller than this (newest first).
    pub before: Option<i64>,
    /// Rows per page, 1–100 (default 50).
    pub limit: Option<i64>,
}

/// `GET /api/v1/demands`: a village worker its village's, staff their scope's; newest first.
pub fn list(conn: &mut DbConn, ctx: &Ctx, f: &DemandFilter) -> AppResult<Vec<DemandView>> {
    let (a, _) = mover(ctx)?;
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        if Status::parse(s).is_none() {
            return Err(AppError::invalid_field("status", "invalid_status", "状态不正确"));
        }
    }
    // The narrower of the reader's scope and the region asked for; disjoint: nothing.
    let scope = a.region_scope().map(str::to_string);
    let asked = f.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|r| {
        if r.ends_with("000") && r.len() == 12 {
            town_prefix(r).to_string()
        } else {
            r.to_string()
        }
    });
    let prefix = match (scope, asked) {
        (Some(s), Some(r)) if r.starts_with(&s) => Some(r),
        (Some(s), Some(r)) if s.starts_with(&r) => Some(s),
        (Some(_), Some(_)) => return Ok(Vec::new()),
        (s, r) => r.or(s),
    };
    let rows = db::demands::list(
        conn,
        &DemandQuery {
            prefix: prefix.as_deref(),
            status: f.status.as_deref().filter(|s| !s.is_empty()),
            after_id: f.before.unwrap_or(0),
            limit: super::page_limit(f.limit),
        },
    )?;
    views(conn, rows)
}

/// The job (at start-up, then every round): an escalated demand the town has not accepted
/// within 5 working days is reminded to the town's staff, once. Returns how many.
pub fn remind_escalated(conn: &mut DbConn, ctx: &Ctx) -> AppResult<usize> {
    let today = local_date(ctx.now);
    // Five working days are at least five calendar days: a cheap first cut in SQL.
    let before = db_time(ctx.now - chrono::Duration::days(demand::ESCALATION_REMINDER_DAYS as i64));
    let cal = super::calendar::load(conn)?;
    let mut n = 0;
    for d in db::demands::waiting_escalated(conn, before)? {
        let Some(at) = d.escalated_at else { continue };
        let due = match cal.add_working_days(local_date(at.and_utc()), demand::ESCALATION_REMINDER_DAYS) {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(demand = d.id, year = e.0, "reminder skipped: that year's calendar is not loaded");
                continue;
            }
        };
        if today <= due {
            continue;
        }
        let to = staff_of_town(conn, &d.region_code)?;
        let name = db::demands::region_names(conn, std::slice::from_ref(&d.region_code))?.pop().map(|r| r.1);
        db::write_tx(conn, |c| {
            if db::demands::mark_reminded(c, d.id, db_time(ctx.now))? == 1 {
                for t in &to {
                    mail::queue(
                        c,
                        ctx,
                        mail::demand_waiting(t, d.id, name.as_deref().unwrap_or(""), &d.category, due),
                    )?;
                }
                n += 1;
            }
            Ok(())
        })?;
    }
    Ok(n)
}
