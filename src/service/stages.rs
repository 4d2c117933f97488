//! Between and after the written stage: the shortlist into a later stage, on-site defence
//! sessions (答辩/路演) with their time slots, and the room's screen of announced scores.

use super::calls::{scoring_design, ScoringDesign};
use super::{audit, mail, Ctx};
use crate::clock::db_time;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::allocation::Candidate;
use crate::domain::call::Phase;
use crate::domain::stages::{self, ShortlistRule, StageKind};
use crate::domain::text;
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ShortlistInput {
    /// The later stage the shortlist leads into (its key).
    pub stage: String,
    /// The first N of each pool go on …
    pub top_n: Option<u32>,
    /// … or every bid scoring at least this in the earlier stage (decimal string).
    pub min_score: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ShortlistEntry {
    pub bid_id: i64,
    pub reference: Option<String>,
    pub title: String,
    pub organisation: String,
    pub pool_id: i64,
    /// Rank in its pool in the earlier stage.
    pub rank: i32,
    /// The earlier stage's score.
    pub score: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ShortlistView {
    pub call_id: i64,
    pub stage: String,
    pub stage_name: String,
    pub bids: Vec<ShortlistEntry>,
}

/// The stage a key names, which must come after the first.
fn later_stage<'a>(design: &'a ScoringDesign, key: &str) -> AppResult<&'a db::calls::StageRow> {
    design.stages.iter().find(|s| s.key == key.trim() && s.position > 0).ok_or_else(|| {
        AppError::invalid_field("stage", "unknown_stage", "本次招标没有该评审阶段（入围名单用于第二阶段起）")
    })
}

fn in_review(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<db::calls::CallRow> {
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(Code::WrongPhase.says("只能在专家评审阶段、确定结果之前进行"));
    }
    Ok(call)
}

/// `POST /api/v1/calls/{id}/shortlist`: who goes on from the previous stage, by its scores.
/// Refused while any bid of the previous stage lacks a score, and once the stage is drawn.
pub fn set_shortlist(conn: &mut DbConn, ctx: &Ctx, call_id: i64, input: &ShortlistInput) -> AppResult<ShortlistView> {
    let by = crate::service::calls::runner(conn, ctx, call_id)?.id;
    db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    let design = scoring_design(conn, call_id)?;
    let stage = later_stage(&design, &input.stage)?.clone();
    let rule = match (input.top_n, input.min_score.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
        (Some(n), None) if (1..=1000).contains(&n) => ShortlistRule::TopPerPool(n as usize),
        (None, Some(s)) => match super::calls::parse_score(s, 10_000) {
            Some(h) => ShortlistRule::MinScore(Decimal::new(h, 2)),
            None => {
                return Err(AppError::invalid_field("min_score", "invalid_score", "入围分数应为 0–100，最多两位小数"))
            }
        },
        (Some(_), None) => return Err(AppError::invalid_field("top_n", "out_of_range", "入围名额应为 1–1000")),
        _ => {
            return Err(AppError::invalid_field(
                "top_n",
                "shortlist_rule",
                "请填写每个资金池的入围名额（top_n）或入围分数线（min_score），二者选一",
            ))
        }
    };
    in_review(conn, ctx, call_id)?;
    if db::review::active_draw(conn, call_id, stage.position)?.is_some() {
        return Err(AppError::from(Code::StageDrawn));
    }
    let (bids, scores) = super::scores::scored_bids(conn, call_id, &["eligible"], None, &design)?;
    let (prev, in_prev, _) = &scores.per_stage[(stage.position - 1) as usize];
    let missing =
        bids.iter().filter(|b| in_prev.contains(&b.id) && prev.get(&b.id).and_then(|s| s.score).is_none()).count();
    if missing > 0 {
        return Err(
            Code::StageIncomplete.says(format!("上一阶段尚有 {missing} 个项目评分未完成（每个项目至少 3 份评分）"))
        );
    }
    let candidates: Vec<Candidate> = bids
        .iter()
        .filter(|b| in_prev.contains(&b.id))
        .map(|b| Candidate {
            bid_id: b.id,
            pool_id: b.pool_id,
            category: b.category.clone(),
            score: prev.get(&b.id).and_then(|s| s.score),
            first_criterion: scores.first.get(&b.id).map_or(Decimal::ZERO, |s| s.first_mean),
            submitted_seq: b.seq.unwrap_or(i64::MAX),
            approved_fen: b.approved,
            staff_override: None,
        })
        .collect();
    let picked = stages::shortlist(candidates, rule);
    if picked.is_empty() {
        return Err(AppError::from(Code::ShortlistEmpty));
    }
    let rows: Vec<(i64, i32, i64)> = picked
        .iter()
        .map(|(b, r, s)| (*b, *r as i32, (*s * Decimal::ONE_HUNDRED).trunc().try_into().unwrap_or(0)))
        .collect();
    let by_id: HashMap<i64, &db::bids::RankBid> = bids.iter().map(|b| (b.id, b)).collect();
    db::write_tx(conn, |c| {
        db::stages::replace_shortlist(c, call_id, stage.position, &rows, by, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "stage.shortlist",
            "call",
            Some(call_id),
            serde_json::json!({"stage": stage.key, "rule": format!("{rule:?}"), "bids": rows}),
        )?;
        for (bid, _, _) in &rows {
            let b = by_id[bid];
            if let Some(o) =
                db::bids::find(c, *bid)?.and_then(|x| db::organisations::find(c, x.organisation_id).ok().flatten())
            {
                mail::queue_about_bid(c, ctx, *bid, mail::bid_shortlisted(&o.email, &o.name, &b.title, &stage.name))?;
            }
        }
        Ok(())
    })?;
    shortlist_view(conn, ctx, call_id, &input.stage)
}

/// `GET /api/v1/calls/{id}/shortlist?stage=…` (staff, finance).
pub fn shortlist_view(conn: &mut DbConn, ctx: &Ctx, call_id: i64, stage_key: &str) -> AppResult<ShortlistView> {
    ctx.require(&[Role::Staff, Role::Finance])?;
    db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    let design = scoring_design(conn, call_id)?;
    let stage = later_stage(&design, stage_key)?;
    let bids: HashMap<i64, db::bids::RankBid> = db::bids::ranking_rows(
        conn,
        call_id,
        &crate::domain::state::BidStatus::SCREENED_IN,
        ctx.actor().and_then(|a| a.region_scope()),
    )?
    .into_iter()
    .map(|b| (b.id, b))
    .collect();
    let rows = db::stages::shortlist(conn, call_id, stage.position)?;
    Ok(ShortlistView {
        call_id,
        stage: stage.key.clone(),
        stage_name: stage.name.clone(),
        bids: rows
            .iter()
            .filter_map(|r| {
                let b = bids.get(&r.bid_id)?;
                Some(ShortlistEntry {
                    bid_id: b.id,
                    reference: b.reference.clone(),
                    title: b.title.clone(),
                    organisation: b.organisation.clone(),
                    pool_id: b.pool_id,
                    rank: r.rank,
                    score: format!("{:.2}", Decimal::new(r.score, 2)),
                })
            })
            .collect(),
    })
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct SlotInput {
    pub bid_id: i64,
    /// Local start time, `HH:MM`.
    pub time: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct SessionInput {
    /// The defence stage (its key).
    pub stage: String,
    pub venue: String,
    /// `YYYY-MM-DD`
    pub date: String,
    pub slots: Vec<SlotInput>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct SlotView {
    pub bid_id: i64,
    pub time: String,
    pub reference: Option<String>,
    pub title: String,
    pub organisation: String,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct SessionView {
    pub id: i64,
    pub call_id: i64,
    pub stage: String,
    pub stage_name: String,
    pub venue: String,
    pub date: NaiveDate,
    pub slots: Vec<SlotView>,
}

/// `POST /api/v1/calls/{id}/sessions`: a defence session — venue, day, one slot per shortlisted
/// bid — and an email to each organisation with its time and place.
pub fn schedule(conn: &mut DbConn, ctx: &Ctx, call_id: i64, input: &SessionInput) -> AppResult<SessionView> {
    let by = crate::service::calls::runner(conn, ctx, call_id)?.id;
    db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    let design = scoring_design(conn, call_id)?;
    let stage = later_stage(&design, &input.stage)?.clone();
    let mut p = Problems::default();
    if StageKind::parse(&stage.kind) != Some(StageKind::Defence) {
        p.add("stage", "not_a_defence_stage", "该阶段不是现场答辩阶段");
    }
    let venue = p.take("venue", text::name(&input.venue, 100), |e| (e.code().into(), e.message()));
    let today = crate::clock::local_date(ctx.now);
    let day = match crate::domain::text::date(&input.date) {
        Ok(d) if d < today => {
            p.add("date", "date_in_past", "答辩日期不能早于今天");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            p.add("date", "invalid_date", "日期格式应为 YYYY-MM-DD");
            None
        }
    };
    if input.slots.is_empty() || input.slots.len() > 100 {
        p.add("slots", "out_of_range", "每场答辩应安排 1–100 个项目");
    }
    let on: BTreeSet<i64> =
        db::stages::shortlist(conn, call_id, stage.position)?.into_iter().map(|r| r.bid_id).collect();
    let mut slots: Vec<(i64, String)> = Vec::new();
    for (i, s) in input.slots.iter().enumerate() {
        match NaiveTime::parse_from_str(s.time.trim(), "%H:%M") {
            Ok(t) => {
                let hhmm = t.format("%H:%M").to_string();
                if slots.iter().any(|x| x.1 == hhmm) {
                    p.add(&format!("slots[{i}].time"), "duplicate_time", "同一场次的答辩时间不能重复");
                }
                if !on.contains(&s.bid_id) {
                    p.add(&format!("slots[{i}].bid_id"), "not_shortlisted", "该项目未入围本阶段");
                } else if slots.iter().any(|x| x.0 == s.bid_id) {
                    p.add(&format!("slots[{i}].bid_id"), "duplicate_bid", "同一项目在本场次中重复");
                }
                slots.push((s.bid_id, hhmm));
            }
            Err(_) => p.add(&format!("slots[{i}].time"), "invalid_time", "时间格式应为 HH:MM，如 09:30"),
        }
    }
    p.finish()?;
    in_review(conn, ctx, call_id)?;
    slots.sort_by(|a, b| a.1.cmp(&b.1));
    let (venue, day) = (venue.unwrap_or_default(), day.unwrap_or(today));
    let taken: BTreeSet<i64> = db::stages::scheduled_bids(conn, call_id, stage.position)?.into_iter().collect();
    if let Some((b, _)) = slots.iter().find(|(b, _)| taken.contains(b)) {
        return Err(Code::AlreadyScheduled.says(format!("项目 {b} 已安排在其他答辩场次")));
    }
    let id = db::write_tx(conn, |c| {
        let session = db::stages::NewSession {
            call_id,
            stage: stage.position,
            venue: &venue,
            day,
            created_by: by,
            created_at: db_time(ctx.now),
        };
        let id = db::stages::insert_session(c, &session, &slots).map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                AppError::from(Code::AlreadyScheduled)
            }
            e => e.into(),
        })?;
        audit::record(
            c,
            ctx,
            "defence.schedule",
            "call",
            Some(call_id),
            serde_json::json!({"session_id": id, "stage": stage.key, "venue": venue, "date": day, "slots": slots}),
        )?;
        for (bid, time) in &slots {
            if let Some(b) = db::bids::find(c, *bid)? {
                if let Some(o) = db::organisations::find(c, b.organisation_id)? {
                    let m = mail::defence_scheduled(&o.email, &o.name, &b.title, &stage.name, day, time, &venue);
                    mail::queue_about_bid(c, ctx, *bid, m)?;
                }
            }
        }
        Ok(id)
    })?;
    sessions(conn, ctx, call_id)?.into_iter().find(|s| s.id == id).ok_or_else(AppError::not_found)
}

/// `GET /api/v1/calls/{id}/sessions` (staff, finance): every defence session with its slots.
pub fn sessions(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<Vec<SessionView>> {
    ctx.require(&[Role::Staff, Role::Finance])?;
    db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    let design = scoring_design(conn, call_id)?;
    let rows = db::stages::sessions_of(conn, call_id)?;
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let slots = db::stages::slots_of(conn, &ids)?;
    Ok(rows.into_iter().map(|s| session_view(&design, s, &slots)).collect())
}

fn session_view(design: &ScoringDesign, s: db::stages::SessionRow, slots: &[db::stages::SlotRow]) -> SessionView {
    let st = design.stages.iter().find(|x| x.position == s.stage);
    SessionView {
        id: s.id,
        call_id: s.call_id,
        stage: st.map(|x| x.key.clone()).unwrap_or_default(),
        stage_name: st.map(|x| x.name.clone()).unwrap_or_default(),
        venue: s.venue,
        date: s.day,
        slots: slots
            .iter()
            .filter(|x| x.0 == s.id)
            .map(|(_, bid, time, reference, title, org)| SlotView {
                bid_id: *bid,
                time: time.clone(),
                reference: reference.clone(),
                title: title.clone(),
                organisation: org.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScreenRow {
    pub time: String,
    pub reference: Option<String>,
    pub title: String,
    pub organisation: String,
    /// Panel members who have submitted, and the panel's size.
    pub submitted: usize,
    pub panel: usize,
    /// Every panel score is in: the stage score is announced and the scores are locked.
    pub locked: bool,
    /// The stage score (trimmed mean), only once locked; null before, or with fewer than 3.
    pub score: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScreenView {
    pub session: SessionView,
    pub call_title: String,
    pub rows: Vec<ScreenRow>,
}

/// Why a staged call cannot be decided yet: a later stage without its shortlist, or a
/// shortlisted bid still without that stage's score. `None` when it can be.
pub fn unfinished(conn: &mut DbConn, call_id: i64) -> AppResult<Option<String>> {
    let design = scoring_design(conn, call_id)?;
    if design.stages.len() < 2 {
        return Ok(None);
    }
    let (_, scores) = super::scores::scored_bids(conn, call_id, &["eligible"], None, &design)?;
    for (st, (stats, on, _)) in design.stages.iter().zip(&scores.per_stage).skip(1) {
        if on.is_empty() {
            return Ok(Some(format!("尚未确定进入{}的入围名单", st.name)));
        }
        let missing = on.iter().filter(|b| stats.get(b).and_then(|s| s.score).is_none()).count();
        if missing > 0 {
            return Ok(Some(format!("{}尚有 {missing} 个项目评分未完成", st.name)));
        }
    }
    Ok(None)
}

/// Whether every live panel seat of the bid in the stage has submitted (and there is a panel).
pub fn panel_complete(conn: &mut DbConn, call_id: i64, stage: i32, bid_id: i64) -> AppResult<bool> {
    let seats: Vec<String> = db::review::panel_progress(conn, call_id, stage)?
        .into_iter()
        .filter(|(b, _)| *b == bid_id)
        .map(|x| x.1)
        .collect();
    Ok(!seats.is_empty() && seats.iter().all(|s| s == "submitted"))
}

/// `GET /api/v1/sessions/{id}/screen` (staff): the room's screen. A bid's stage score appears
/// only when its whole panel has scored (宣布得分), never a partial mean.
pub fn screen(conn: &mut DbConn, ctx: &Ctx, session_id: i64) -> AppResult<ScreenView> {
    ctx.require(&[Role::Staff])?;
    let s = db::stages::find_session(conn, session_id)?.ok_or_else(AppError::not_found)?;
    let call = db::calls::find(conn, s.call_id)?.ok_or_else(AppError::not_found)?;
    let design = scoring_design(conn, s.call_id)?;
    let slots = db::stages::slots_of(conn, &[s.id])?;
    let (call_id, stage) = (s.call_id, s.stage);
    let mut seats: HashMap<i64, (usize, usize)> = HashMap::new();
    for (bid, status) in db::review::panel_progress(conn, call_id, stage)? {
        let e = seats.entry(bid).or_default();
        e.1 += 1;
        if status == "submitted" {
            e.0 += 1;
        }
    }
    let stats = crate::domain::scoring::bid_stats(&super::scores::stage_reviews(conn, call_id, stage)?);
    let session = session_view(&design, s, &slots);
    let rows = session
        .slots
        .iter()
        .map(|x| {
            let (submitted, panel) = seats.get(&x.bid_id).copied().unwrap_or((0, 0));
            let locked = panel > 0 && submitted == panel;
            ScreenRow {
                time: x.time.clone(),
                reference: x.reference.clone(),
                title: x.title.clone(),
                organisation: x.organisation.clone(),
                submitted,
                panel,
                locked,
                score: locked
                    .then(|| stats.get(&x.bid_id).and_then(|st| st.score).map(|v| format!("{v:.2}")))
                    .flatten(),
            }
        })
        .collect();
    Ok(ScreenView { session, call_title: call.title, rows })
}
