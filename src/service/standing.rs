//! An organisation's standing: district staff record 年检, 等级, the abnormal and dishonest lists
//! and penalties with their evidence, debar (3 years by default), suspend and restore; every
//! change audited and the organisation emailed. Submitting a bid reads it (`admit`).

use super::{audit, mail, Ctx};
use crate::clock::{db_time, local_date};
use crate::db::standing::{NewStanding, StandingRow};
use crate::db::{self, DbConn};
use crate::domain::standing::{self, Kind, Record};
use crate::domain::text;
use crate::error::{AppError, AppResult, Code, FieldError, Problems};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StandingInput {
    /// annual_inspection · rating · abnormal_list · dishonest_list · penalty
    pub kind: String,
    /// The inspected year (annual_inspection).
    pub year: Option<i32>,
    /// 合格 · 基本合格 · 不合格 · 未参检 (annual_inspection); 5A…1A (rating); what happened (others).
    pub result: String,
    /// YYYY-MM-DD; required but for annual_inspection.
    pub since: Option<String>,
    /// YYYY-MM-DD; a rating defaults to five years after `since`.
    pub until: Option<String>,
    /// The evidence: document number, issuing body.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DebarInput {
    /// YYYY-MM-DD; default three years from today.
    pub until: Option<String>,
    pub reason: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReasonInput {
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct StandingView {
    pub id: i64,
    pub kind: String,
    pub kind_label: &'static str,
    pub year: Option<i32>,
    pub result: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub note: String,
    pub recorded_at: String,
}

/// What an organisation's page and the API show of its standing.
#[derive(Serialize, utoipa::ToSchema, Clone, Default)]
pub struct Standing {
    pub records: Vec<StandingView>,
    /// The rating in force today.
    pub rating: Option<String>,
    /// The end of a debarment in force today.
    pub debarred_until: Option<NaiveDate>,
    /// Suspended: no new bids until restored.
    pub suspended: bool,
}

fn record_of(r: &StandingRow) -> Option<Record> {
    Some(Record { kind: Kind::parse(&r.kind)?, year: r.year, result: r.result.clone(), since: r.since, until: r.until })
}

pub fn records(rows: &[StandingRow]) -> Vec<Record> {
    rows.iter().filter_map(record_of).collect()
}

fn view(r: &StandingRow) -> StandingView {
    StandingView {
        id: r.id,
        kind: r.kind.clone(),
        kind_label: Kind::parse(&r.kind).map_or("未知", Kind::label),
        year: r.year,
        result: r.result.clone(),
        since: r.since,
        until: r.until,
        note: r.note.clone(),
        recorded_at: crate::clock::rfc3339_local(r.recorded_at.and_utc()),
    }
}

/// The standing of an organisation the caller may already see (the caller checks).
pub fn of(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64) -> AppResult<Standing> {
    let rows = db::standing::of(conn, &[organisation_id])?;
    let today = local_date(ctx.now);
    let recs = records(&rows);
    Ok(Standing {
        rating: standing::rating_on(&recs, today).map(str::to_string),
        debarred_until: standing::debarred_until(&recs, today),
        suspended: standing::suspended(&recs),
        records: rows.iter().rev().map(view).collect(),
    })
}

fn optional_date(p: &mut Problems, field: &str, v: &Option<String>) -> Option<NaiveDate> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| p.date(field, s))
}

fn note(p: &mut Problems, field: &str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.is_empty() {
        return String::new();
    }
    p.take(field, text::paragraph(v, max), |e| (e.code().into(), e.message())).unwrap_or_default()
}

/// Appends one record in its own transaction, audited, the organisation emailed.
fn append(
    conn: &mut DbConn,
    ctx: &Ctx,
    organisation_id: i64,
    rec: &Record,
    note: &str,
    action: &str,
) -> AppResult<Standing> {
    let by = ctx.require_district_staff()?.id;
    let org = super::access::organisation(conn, ctx, organisation_id)?;
    db::write_tx(conn, |c| {
        if rec.kind == Kind::Suspension && standing::suspended(&records(&db::standing::of(c, &[organisation_id])?)) {
            return Err(Code::WrongStatus.says("该组织已处于暂停申报状态"));
        }
        let id = db::standing::insert(
            c,
            &NewStanding {
                organisation_id,
                kind: rec.kind.as_str(),
                year: rec.year,
                result: &rec.result,
                since: rec.since,
                until: rec.until,
                note,
                recorded_by: by,
                recorded_at: db_time(ctx.now),
            },
        )?;
        audit::record(
            c,
            ctx,
            action,
            "organisation",
            Some(organisation_id),
            serde_json::json!({"standing_id": id, "kind": rec.kind.as_str(), "year": rec.year, "result": rec.result,
                "since": rec.since, "until": rec.until, "note": note}),
        )?;
        mail::queue(c, ctx, mail::standing_recorded(&org.email, &org.name, rec.kind.label(), &rec.result))?;
        of(c, ctx, organisation_id)
    })
}

/// `POST /api/v1/organisations/{id}/standing` (district staff).
pub fn record(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64, i: &StandingInput) -> AppResult<Standing> {
    ctx.require_district_staff()?;
    let today = local_date(ctx.now);
    let mut p = Problems::default();
    let kind = Kind::parse(i.kind.trim()).filter(|k| Kind::RECORDED.contains(k));
    if kind.is_none() {
        p.add("kind", "invalid_kind", "类型应为 annual_inspection、rating、abnormal_list、dishonest_list 或 penalty");
    }
    let since = optional_date(&mut p, "since", &i.since);
    let mut until = optional_date(&mut p, "until", &i.until);
    let result = note(&mut p, "result", &i.result, 100);
    let evidence = note(&mut p, "note", &i.note, 500);
    p.finish()?;
    let kind = kind.unwrap_or(Kind::Penalty);
    if kind == Kind::Rating && until.is_none() {
        until = since.map(|s| standing::years_after(s, standing::RATING_YEARS));
    }
    let year = if kind == Kind::AnnualInspection { i.year } else { None };
    let rec = Record { kind, year, result, since, until };
    let problems = standing::check_record(&rec, today);
    if !problems.is_empty() {
        return Err(AppError::invalid(
            problems.into_iter().map(|(f, c, m)| FieldError { field: f.into(), code: c.into(), message: m }).collect(),
        ));
    }
    append(conn, ctx, organisation_id, &rec, &evidence, "organisation.standing")
}

/// `POST /api/v1/organisations/{id}/debar` (district staff): no submissions until `until`.
pub fn debar(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64, i: &DebarInput) -> AppResult<Standing> {
    ctx.require_district_staff()?;
    let today = local_date(ctx.now);
    let mut p = Problems::default();
    let until = optional_date(&mut p, "until", &i.until);
    let reason = note(&mut p, "reason", &i.reason, 500);
    if reason.is_empty() && p.is_empty() {
        p.add("reason", "required", "请填写禁止申报的理由和依据");
    }
    p.finish()?;
    let until = until.unwrap_or_else(|| standing::years_after(today, standing::DEBARMENT_YEARS));
    if until <= today {
        return Err(AppError::invalid_field("until", "until_not_future", "禁止申报的截止日期应晚于今天"));
    }
    let rec = Record { kind: Kind::Debarment, year: None, result: reason, since: Some(today), until: Some(until) };
    append(conn, ctx, organisation_id, &rec, "", "organisation.debar")
}

/// `POST /api/v1/organisations/{id}/suspend` (district staff): no new submissions until restored.
pub fn suspend(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64, i: &ReasonInput) -> AppResult<Standing> {
    ctx.require_district_staff()?;
    let mut p = Problems::default();
    let reason = note(&mut p, "reason", &i.reason, 500);
    if reason.is_empty() && p.is_empty() {
        p.add("reason", "required", "请填写暂停申报的理由");
    }
    p.finish()?;
    let today = local_date(ctx.now);
    let rec = Record { kind: Kind::Suspension, year: None, result: reason, since: Some(today), until: None };
    append(conn, ctx, organisation_id, &rec, "", "organisation.suspend")
}

/// `POST /api/v1/organisations/{id}/restore` (district staff): lifts the suspension.
pub fn restore(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64, i: &ReasonInput) -> AppResult<Standing> {
    ctx.require_district_staff()?;
    let mut p = Problems::default();
    let reason = note(&mut p, "reason", &i.reason, 500);
    p.finish()?;
    let org = super::access::organisation(conn, ctx, organisation_id)?;
    let today = local_date(ctx.now);
    db::write_tx(conn, |c| {
        if db::standing::lift_suspensions(c, organisation_id, today)? == 0 {
            return Err(Code::WrongStatus.says("该组织未处于暂停申报状态"));
        }
        audit::record(
            c,
            ctx,
            "organisation.restore",
            "organisation",
            Some(organisation_id),
            serde_json::json!({"reason": reason}),
        )?;
        mail::queue(c, ctx, mail::standing_recorded(&org.email, &org.name, "恢复申报", &reason))?;
        of(c, ctx, organisation_id)
    })
}

/// Whether an organisation may submit to a call today: not debarred (409 `debarred`), not
/// suspended (409 `organisation_suspended`), and within every eligibility rule of the call
/// (422 `ineligible_organisation`, one `errors[]` entry per rule broken).
pub fn admit(conn: &mut DbConn, organisation_id: i64, e: &standing::Eligibility, today: NaiveDate) -> AppResult<()> {
    let recs = records(&db::standing::of(conn, &[organisation_id])?);
    if let Some(until) = standing::debarred_until(&recs, today) {
        return Err(Code::Debarred.says(format!("贵单位在禁止申报期内（至 {until}），不能提交申报")));
    }
    if standing::suspended(&recs) {
        return Err(AppError::from(Code::OrgSuspended));
    }
    let broken = standing::check(e, &recs, today);
    if broken.is_empty() {
        return Ok(());
    }
    Err(AppError::invalid(
        broken
            .into_iter()
            .map(|b| FieldError { field: b.rule.into(), code: "ineligible_organisation".into(), message: b.message })
            .collect(),
    ))
}
