//! Innovation awards (创新奖励): a fund per year, awards of 20,000–50,000 yuan to towns/streets or
//! villages/communities, publication with a notice PDF; and the on-site promotion meetings.

use super::documents::DocSettings;
use super::{audit, mail, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::award::{self, AwardError};
use crate::domain::state::AwardFundStatus;
use crate::domain::{text, Money};
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct FundInput {
    pub year: i32,
    /// Yuan; 500000.00 when left out.
    pub budget: Option<String>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct AwardInput {
    /// A town/street or a village/community of the district.
    pub region_code: String,
    /// The innovation practice (创新实践).
    pub title: String,
    /// Why it is awarded (奖励事由).
    pub citation: String,
    pub amount: String,
    /// Needed when the region already has an award from this fund.
    pub reason: Option<String>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct AwardView {
    pub id: i64,
    pub fund_id: i64,
    pub region_code: String,
    pub region_name: String,
    /// `town` (镇街) or `village` (村居)
    pub region_level: String,
    pub title: String,
    pub citation: String,
    pub amount: Money,
    /// Why a region got a second award (staff only).
    pub repeat_reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundView {
    pub id: i64,
    pub year: i32,
    pub budget: Money,
    pub awarded: Money,
    pub remaining: Money,
    /// `draft` or `published`
    pub status: String,
    pub status_label: &'static str,
    pub published_at: Option<String>,
    pub awards: Vec<AwardView>,
    /// The award notice PDF once published.
    pub notice_url: Option<String>,
    pub notice_sha256: Option<String>,
}

fn is_staff_or_finance(ctx: &Ctx) -> bool {
    ctx.actor().is_some_and(|a| matches!(a.role, Role::Staff | Role::Finance))
}

fn award_view(r: db::awards::AwardRow, staff: bool) -> AwardView {
    AwardView {
        id: r.id,
        fund_id: r.fund_id,
        region_code: r.region_code,
        region_name: r.region_name,
        region_level: r.region_level,
        title: r.title,
        citation: r.citation,
        amount: Money::from_fen(r.amount),
        repeat_reason: if staff { r.repeat_reason } else { None },
    }
}

fn fund_views(conn: &mut DbConn, ctx: &Ctx, funds: Vec<db::awards::FundRow>) -> AppResult<Vec<FundView>> {
    let staff = is_staff_or_finance(ctx);
    let ids: Vec<i64> = funds.iter().map(|f| f.id).collect();
    let mut by_fund: HashMap<i64, Vec<AwardView>> = HashMap::new();
    for a in db::awards::awards_of(conn, &ids)? {
        by_fund.entry(a.fund_id).or_default().push(award_view(a, staff));
    }
    let mut out = Vec::with_capacity(funds.len());
    for f in funds {
        let doc = if f.status == "published" { db::documents::current(conn, "award_notice", f.id)? } else { None };
        out.push(FundView {
            id: f.id,
            year: f.year,
            budget: Money::from_fen(f.budget),
            awarded: Money::from_fen(f.awarded),
            remaining: Money::from_fen(f.budget - f.awarded),
            status_label: if f.status == "published" { "已公布" } else { "未公布" },
            status: f.status,
            published_at: f.published_at.map(|t| rfc3339_local(t.and_utc())),
            awards: by_fund.remove(&f.id).unwrap_or_default(),
            notice_url: doc.as_ref().map(|_| format!("/api/v1/award-funds/{}/notice.pdf", f.id)),
            notice_sha256: doc.map(|d| d.sha256),
        });
    }
    Ok(out)
}

/// A fund as its reader may see it: staff and finance any, everyone else published ones only.
fn visible_fund(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<db::awards::FundRow> {
    db::awards::find_fund(conn, id)?
        .filter(|f| f.status == "published" || is_staff_or_finance(ctx))
        .ok_or_else(AppError::not_found)
}

pub fn get_fund(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<FundView> {
    let f = visible_fund(conn, ctx, id)?;
    fund_views(conn, ctx, vec![f])?.pop().ok_or_else(AppError::not_found)
}

/// Every fund for staff and finance; the published ones for everyone else (the public list).
pub fn list_funds(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<FundView>> {
    let funds = db::awards::list_funds(conn, !is_staff_or_finance(ctx))?;
    fund_views(conn, ctx, funds)
}

/// `POST /api/v1/award-funds`: one fund per year, district staff only.
pub fn create_fund(conn: &mut DbConn, ctx: &Ctx, input: &FundInput) -> AppResult<FundView> {
    let by = ctx.require_district_staff()?.id;
    let mut p = Problems::default();
    if !(2000..=2100).contains(&input.year) {
        p.add("year", "invalid_year", "年度应为 2000–2100 之间的年份");
    }
    let budget = match input.budget.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(award::DEFAULT_FUND),
        Some(s) => match Money::parse(s) {
            Ok(m) => p.take("budget", award::check_fund(m), |e: AwardError| (e.code().into(), e.message())),
            Err(e) => {
                p.add("budget", e.code(), e.message());
                None
            }
        },
    };
    p.finish()?;
    let budget = budget.ok_or_else(|| AppError::internal("validated budget lost"))?;
    if db::awards::fund_of_year(conn, input.year)?.is_some() {
        return Err(Code::FundExists.says(format!("{} 年度的创新奖励资金已设立", input.year)));
    }
    let id = db::write_tx(conn, |c| {
        let id = db::awards::insert_fund(c, input.year, budget.fen(), by, db_time(ctx.now)).map_err(|e| {
            // Two staff creating the same year at once: the UNIQUE constraint decides.
            if matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
            {
                Code::FundExists.says(format!("{} 年度的创新奖励资金已设立", input.year))
            } else {
                e.into()
            }
        })?;
        audit::record(
            c,
            ctx,
            "award_fund.create",
            "award_fund",
            Some(id),
            serde_json::json!({"year": input.year, "budget": budget}),
        )?;
        Ok(id)
    })?;
    get_fund(conn, ctx, id)
}

/// `POST /api/v1/award-funds/{id}/awards`: within 20,000–50,000, within the fund (atomically),
/// to a town/street or village/community, a second award to one region only with a reason.
pub fn add_award(conn: &mut DbConn, ctx: &Ctx, fund_id: i64, input: &AwardInput) -> AppResult<FundView> {
    let by = ctx.require_district_staff()?.id;
    let fund = db::awards::find_fund(conn, fund_id)?.ok_or_else(AppError::not_found)?;
    let mut p = Problems::default();
    let region = db::regions::find(conn, input.region_code.trim())?;
    match &region {
        None => p.add("region_code", "unknown_region", "地区代码不在本区行政区划中"),
        Some(r) if r.level == "district" => {
            p.add("region_code", "region_not_eligible", "创新奖励授予镇街或村居，不授予区本级")
        }
        Some(_) => {}
    }
    let title = p.take("title", text::name(&input.title, 200), |e| (e.code().into(), e.message()));
    let citation = p.take("citation", text::paragraph(&input.citation, 2000), |e| (e.code().into(), e.message()));
    let amount = match Money::parse(input.amount.trim()) {
        Ok(m) => p.take("amount", award::check_amount(m), |e: AwardError| (e.code().into(), e.message())),
        Err(e) => {
            p.add("amount", e.code(), e.message());
            None
        }
    };
    let reason = match input.reason.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(r) => p.take("reason", text::paragraph(r, 1000), |e| (e.code().into(), e.message())),
    };
    p.finish()?;
    let (region, title, citation, amount) = match (region, title, citation, amount) {
        (Some(r), Some(t), Some(c), Some(a)) => (r, t, c, a),
        _ => return Err(AppError::internal("validated award lost a value")),
    };
    if !AwardFundStatus::Draft.is(&fund.status) {
        return Err(Code::FundPublished.says("奖励已公布，不能再增加"));
    }
    db::write_tx(conn, |c| {
        // The fund's row first: it is the ceiling, and on PostgreSQL it also queues concurrent
        // awards of this fund, so the repeat check below sees every earlier award.
        if !db::awards::take_from_fund(c, fund_id, amount.fen())? {
            let f = db::awards::find_fund(c, fund_id)?.ok_or_else(AppError::not_found)?;
            if !AwardFundStatus::Draft.is(&f.status) {
                return Err(Code::FundPublished.says("奖励已公布，不能再增加"));
            }
            return Err(Code::FundExceeded.says(format!(
                "奖励资金余额 {} 元，不足以发放 {} 元",
                Money::from_fen(f.budget - f.awarded).grouped(),
                amount.grouped()
            )));
        }
        if db::awards::count_for_region(c, fund_id, &region.code)? > 0 && reason.is_none() {
            return Err(AppError::invalid_field(
                "reason",
                "region_already_awarded",
                format!("{}已获得本年度奖励，再次奖励须说明理由", region.name),
            ));
        }
        let new = db::awards::NewAward {
            fund_id,
            region_code: &region.code,
            title: &title,
            citation: &citation,
            amount: amount.fen(),
            repeat_reason: reason.as_deref(),
            created_by: by,
            created_at: db_time(ctx.now),
        };
        let id = db::awards::insert_award(c, &new)?;
        audit::record(
            c,
            ctx,
            "award.create",
            "award_fund",
            Some(fund_id),
            serde_json::json!({"award_id": id, "region_code": region.code, "amount": amount, "reason": reason}),
        )
    })?;
    get_fund(conn, ctx, fund_id)
}

/// `DELETE /api/v1/awards/{id}`: before publication only; the amount returns to the fund.
pub fn remove_award(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<FundView> {
    ctx.require_district_staff()?;
    let a = db::awards::find_award(conn, id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if !db::awards::return_to_fund(c, a.fund_id, a.amount)? {
            return Err(Code::FundPublished.says("奖励已公布，不能删除"));
        }
        if db::awards::delete_award(c, id)? != 1 {
            return Err(AppError::not_found());
        }
        audit::record(
            c,
            ctx,
            "award.delete",
            "award_fund",
            Some(a.fund_id),
            serde_json::json!({"award_id": id, "region_code": a.region_code, "amount": Money::from_fen(a.amount)}),
        )
    })?;
    get_fund(conn, ctx, a.fund_id)
}

/// `POST /api/v1/award-funds/{id}/publish`: the public list and the award notice PDF (hash
/// stored), in one transaction; the awarded towns' staff are emailed.
pub fn publish(conn: &mut DbConn, ctx: &Ctx, docs: &DocSettings, fund_id: i64) -> AppResult<FundView> {
    ctx.require_district_staff()?;
    let fund = db::awards::find_fund(conn, fund_id)?.ok_or_else(AppError::not_found)?;
    if !AwardFundStatus::Draft.is(&fund.status) {
        return Err(Code::FundPublished.says("奖励已公布"));
    }
    let awards = db::awards::awards_of(conn, &[fund_id])?;
    if awards.is_empty() {
        return Err(AppError::from(Code::NoAwards));
    }
    let town_staff: Vec<(String, String)> = db::users::list(conn, Some("staff"), 0, 1000)?
        .into_iter()
        .filter(|u| u.active)
        .filter_map(|u| Some((u.region_code?, u.email?)))
        .collect();
    let title = format!("{}年度基层治理创新奖励公告", fund.year);
    db::write_tx(conn, |c| {
        if !db::awards::mark_published(c, fund_id, db_time(ctx.now))? {
            return Err(Code::FundPublished.says("奖励已公布"));
        }
        let total: i64 = awards.iter().map(|a| a.amount).sum();
        audit::record(
            c,
            ctx,
            "award_fund.publish",
            "award_fund",
            Some(fund_id),
            serde_json::json!({"awards": awards.len(), "total": Money::from_fen(total)}),
        )?;
        let head = db::audit::head(c)?.map(|h| h.1).unwrap_or_default();
        let pdf = crate::pdf::award::render(&award_doc(&title, &awards, docs, ctx, head));
        super::documents::publish(c, ctx, &docs.data_dir, "award_notice", fund_id, &title, &pdf)?;
        for a in &awards {
            for (region, email) in &town_staff {
                if crate::domain::region::in_town(&a.region_code, region) {
                    mail::queue(
                        c,
                        ctx,
                        mail::award_published(email, &a.region_name, &a.title, Money::from_fen(a.amount)),
                    )?;
                }
            }
        }
        Ok(())
    })?;
    get_fund(conn, ctx, fund_id)
}

fn award_doc(
    title: &str,
    awards: &[db::awards::AwardRow],
    docs: &DocSettings,
    ctx: &Ctx,
    audit_head: String,
) -> crate::pdf::award::AwardDoc {
    use crate::pdf::award::{AwardDoc, AwardLine};
    let total: i64 = awards.iter().map(|a| a.amount).sum();
    AwardDoc {
        title: title.to_string(),
        paragraph: format!(
            "为鼓励基层治理创新，经推荐、评审，决定对以下 {} 个镇街、村居的创新实践给予奖励，奖励资金合计 {} 元。现予公告。",
            awards.len(),
            Money::from_fen(total).grouped()
        ),
        lines: awards
            .iter()
            .map(|a| AwardLine {
                region: a.region_name.clone(),
                title: a.title.clone(),
                citation: a.citation.clone(),
                amount: Money::from_fen(a.amount).grouped(),
            })
            .collect(),
        total: Money::from_fen(total).grouped(),
        authority: docs.authority.clone(),
        issued_on: local_date(ctx.now).format("%Y年%-m月%-d日").to_string(),
        audit_head,
    }
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct MeetingInput {
    /// `YYYY-MM-DD`
    pub held_on: String,
    pub place: String,
    /// The host town/street (or village/community).
    pub host_region_code: String,
    pub agenda: String,
    pub attendees: i32,
    /// Awards showcased at the meeting.
    #[serde(default)]
    pub award_ids: Vec<i64>,
    /// Funded projects showcased at the meeting.
    #[serde(default)]
    pub project_ids: Vec<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: i64,
    pub held_on: NaiveDate,
    pub place: String,
    pub host_region_code: String,
    pub host_region_name: String,
    pub agenda: String,
    pub attendees: i32,
    pub award_ids: Vec<i64>,
    pub project_ids: Vec<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingYearView {
    pub year: i32,
    pub meetings: Vec<MeetingView>,
    /// None by 30 November, or more than two.
    pub warnings: Vec<Warning>,
}

/// The year's meetings with the system's warnings (staff and finance).
pub fn meetings(conn: &mut DbConn, ctx: &Ctx, year: Option<i32>) -> AppResult<MeetingYearView> {
    ctx.require(&[Role::Staff, Role::Finance])?;
    let year = year.unwrap_or_else(|| local_date(ctx.now).year());
    let rows = db::awards::meetings_of_year(conn, year)?;
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut shows: HashMap<i64, (Vec<i64>, Vec<i64>)> = HashMap::new();
    for (m, a, p) in db::awards::showcases_of(conn, &ids)? {
        let e = shows.entry(m).or_default();
        e.0.extend(a);
        e.1.extend(p);
    }
    let warnings = award::meeting_warnings(year, rows.len(), local_date(ctx.now))
        .into_iter()
        .map(|w| Warning { code: w.code(), message: w.message(year) })
        .collect();
    let meetings = rows
        .into_iter()
        .map(|m| {
            let (award_ids, project_ids) = shows.remove(&m.id).unwrap_or_default();
            MeetingView {
                id: m.id,
                held_on: m.held_on,
                place: m.place,
                host_region_code: m.host_region_code,
                host_region_name: m.host_region_name,
                agenda: m.agenda,
                attendees: m.attendees,
                award_ids,
                project_ids,
            }
        })
        .collect();
    Ok(MeetingYearView { year, meetings, warnings })
}

/// `POST /api/v1/promotion-meetings`: records a meeting; answers with its year's list and warnings.
pub fn record_meeting(conn: &mut DbConn, ctx: &Ctx, input: &MeetingInput) -> AppResult<MeetingYearView> {
    let by = ctx.require_district_staff()?.id;
    let mut p = Problems::default();
    let held_on = p.date("held_on", &input.held_on);
    let place = p.take("place", text::name(&input.place, 200), |e| (e.code().into(), e.message()));
    let agenda = p.take("agenda", text::paragraph(&input.agenda, 5000), |e| (e.code().into(), e.message()));
    if db::regions::find(conn, input.host_region_code.trim())?.is_none() {
        p.add("host_region_code", "unknown_region", "地区代码不在本区行政区划中");
    }
    if !(0..=100_000).contains(&input.attendees) {
        p.add("attendees", "invalid_count", "参会人数应为 0–100000");
    }
    if input.award_ids.len() + input.project_ids.len() > 200 {
        p.add("award_ids", "too_many", "展示的奖励和项目合计不超过 200 个");
    }
    let mut award_ids = input.award_ids.clone();
    award_ids.sort_unstable();
    award_ids.dedup();
    let mut project_ids = input.project_ids.clone();
    project_ids.sort_unstable();
    project_ids.dedup();
    for (i, a) in award_ids.iter().enumerate() {
        if db::awards::find_award(conn, *a)?.is_none() {
            p.add(&format!("award_ids[{i}]"), "unknown_award", "没有这个奖励");
        }
    }
    for (i, id) in project_ids.iter().enumerate() {
        if db::projects::find(conn, *id)?.is_none() {
            p.add(&format!("project_ids[{i}]"), "unknown_project", "没有这个项目");
        }
    }
    p.finish()?;
    let (held_on, place, agenda) = match (held_on, place, agenda) {
        (Some(h), Some(pl), Some(ag)) => (h, pl, ag),
        _ => return Err(AppError::internal("validated meeting lost a value")),
    };
    let host = input.host_region_code.trim().to_string();
    db::write_tx(conn, |c| {
        let m = db::awards::NewMeeting {
            held_on,
            place: &place,
            host_region_code: &host,
            agenda: &agenda,
            attendees: input.attendees,
        };
        let id = db::awards::insert_meeting(c, &m, by, db_time(ctx.now))?;
        db::awards::insert_showcases(c, id, &award_ids, &project_ids)?;
        audit::record(
            c,
            ctx,
            "meeting.create",
            "promotion_meeting",
            Some(id),
            serde_json::json!({"held_on": held_on, "place": place, "host_region_code": host, "attendees": input.attendees,
                "award_ids": award_ids, "project_ids": project_ids}),
        )
    })?;
    meetings(conn, ctx, Some(held_on.year()))
}
