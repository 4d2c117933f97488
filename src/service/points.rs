//! Volunteer points (积分制): a village's workers (the `community` role) and the staff of its town
//! keep the village's participants, its monthly catalogue, the claims and their two-step review,
//! the monthly posting and the 积分超市. The rules are in `domain::points`; every change is one
//! transaction with its audit record. Points are never paid out in cash: they only leave through
//! an exchange for goods.

use super::{allowance, audit, Actor, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::points::{self as dbp, ClaimRow, ParticipantRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::points::{self, ClaimRefusal, ClaimStatus, Month, ReviewRefusal, Step};
use crate::domain::text;
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Who keeps points here: a village worker its village, staff their town (district staff all).
fn keeper(ctx: &Ctx) -> AppResult<Actor> {
    Ok(ctx.require(&[Role::Community, Role::Staff])?.clone())
}

/// A village the actor keeps: 404 outside its scope, 422 for what is not a village.
fn village(conn: &mut DbConn, a: &Actor, code: Option<&str>) -> AppResult<String> {
    let code = match code.map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => c.to_string(),
        None if a.role == Role::Community => a.region_code.clone().unwrap_or_default(),
        None => return Err(AppError::invalid_field("region_code", "required", "请选择村（社区）")),
    };
    match db::regions::find(conn, &code)? {
        Some(r) if r.level == "village" && a.in_scope(&r.code) => Ok(r.code),
        Some(r) if r.level == "village" => Err(AppError::not_found()),
        _ => Err(AppError::invalid_field("region_code", "unknown_village", "村（社区）不存在")),
    }
}

fn month_of(s: &str) -> AppResult<Month> {
    Month::parse(s).ok_or_else(|| AppError::invalid_field("month", "invalid_month", "月份格式应为 YYYY-MM"))
}

// ---------------------------------------------------------------- participants

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ParticipantInput {
    /// The village (12 digits); a village worker may leave it out (its own).
    pub region_code: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    /// person · household
    pub kind: String,
    /// 平安志愿者, 微网格员, …
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ParticipantView {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub phone: Option<String>,
    pub kind: String,
    pub tags: Vec<String>,
    /// Spendable now.
    pub balance: i64,
    /// Posted, spendable when the objection window has closed.
    pub pending: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub delta: i64,
    /// claim · reversal · exchange
    pub kind: String,
    pub claim_id: Option<i64>,
    pub exchange_id: Option<i64>,
    pub available_on: NaiveDate,
    pub at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ParticipantDetail {
    #[serde(flatten)]
    pub participant: ParticipantView,
    /// The append-only ledger, oldest first.
    pub entries: Vec<EntryView>,
}

/// (spendable, pending) from a participant's entries as of `today`.
fn balances(entries: &[dbp::LedgerRow], today: NaiveDate) -> (i64, i64) {
    entries.iter().fold((0, 0), |(b, p), e| if e.available_on <= today { (b + e.delta, p) } else { (b, p + e.delta) })
}

fn participant_view(p: ParticipantRow, entries: &[dbp::LedgerRow], today: NaiveDate) -> ParticipantView {
    let (balance, pending) = balances(entries, today);
    ParticipantView {
        id: p.id,
        region_code: p.region_code,
        name: p.name,
        phone: p.phone,
        kind: p.kind,
        tags: serde_json::from_str(&p.tags).unwrap_or_default(),
        balance,
        pending,
    }
}

pub fn add_participant(conn: &mut DbConn, ctx: &Ctx, input: &ParticipantInput) -> AppResult<ParticipantView> {
    let a = keeper(ctx)?;
    let region = village(conn, &a, input.region_code.as_deref())?;
    let mut p = Problems::default();
    let name = p.take("name", text::name(&input.name, 30), |e| (e.code().into(), e.message()));
    let phone = match input.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let v = text::phone(s);
            if v.is_none() {
                p.add("phone", "invalid_phone", "联系电话格式不正确");
            }
            v
        }
        None => None,
    };
    if !matches!(input.kind.as_str(), "person" | "household") {
        p.add("kind", "invalid_kind", "类型应为 person（个人）或 household（家庭）");
    }
    let mut tags: Vec<String> = Vec::new();
    for (i, t) in input.tags.iter().enumerate() {
        match text::name(t, 20) {
            Ok(t) if !tags.contains(&t) => tags.push(t),
            Ok(_) => {}
            Err(e) => p.add(&format!("tags[{i}]"), e.code(), e.message()),
        }
    }
    if tags.len() > 10 {
        p.add("tags", "too_many_tags", "标签最多 10 个");
    }
    p.finish()?;
    let name = name.unwrap_or_default();
    let tags_json = serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into());
    let id = db::write_tx(conn, |c| {
        let id = dbp::insert_participant(
            c,
            &dbp::NewParticipant {
                region_code: &region,
                name: &name,
                phone: phone.as_deref(),
                kind: &input.kind,
                tags: &tags_json,
                created_by: a.id,
                created_at: db_time(ctx.now),
            },
        )?;
        audit::record(
            c,
            ctx,
            "points.participant.add",
            "points_participant",
            Some(id),
            serde_json::json!({"region_code": region, "kind": input.kind, "tags": tags}),
        )?;
        Ok(id)
    })?;
    let row = dbp::participant(conn, id)?.ok_or_else(AppError::not_found)?;
    Ok(participant_view(row, &[], local_date(ctx.now)))
}

fn visible_participant(conn: &mut DbConn, a: &Actor, id: i64) -> AppResult<ParticipantRow> {
    let p = dbp::participant(conn, id)?.ok_or_else(AppError::not_found)?;
    if a.in_scope(&p.region_code) {
        Ok(p)
    } else {
        Err(AppError::not_found())
    }
}

pub fn participant(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<ParticipantDetail> {
    let a = keeper(ctx)?;
    let p = visible_participant(conn, &a, id)?;
    let entries = dbp::entries(conn, &[id])?;
    let today = local_date(ctx.now);
    let view = participant_view(p, &entries, today);
    let entries = entries
        .into_iter()
        .map(|e| EntryView {
            delta: e.delta,
            kind: e.kind,
            claim_id: e.claim_id,
            exchange_id: e.exchange_id,
            available_on: e.available_on,
            at: rfc3339_local(e.created_at.and_utc()),
        })
        .collect();
    Ok(ParticipantDetail { participant: view, entries })
}

/// A village's participants with their balances (two queries, whatever their number).
pub fn participants(conn: &mut DbConn, ctx: &Ctx, region: Option<&str>) -> AppResult<Vec<ParticipantView>> {
    let a = keeper(ctx)?;
    let code = village(conn, &a, region)?;
    let rows = dbp::participants_in(conn, &code, 0, 1000)?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let mut by: HashMap<i64, Vec<dbp::LedgerRow>> = HashMap::new();
    for e in dbp::entries(conn, &ids)? {
        by.entry(e.participant_id).or_default().push(e);
    }
    let today = local_date(ctx.now);
    Ok(rows
        .into_iter()
        .map(|p| {
            let e = by.remove(&p.id).unwrap_or_default();
            participant_view(p, &e, today)
        })
        .collect())
}

// ---------------------------------------------------------------- a village's rules

#[derive(Deserialize, Serialize, Clone, utoipa::ToSchema)]
pub struct SettingsInput {
    /// Days after an activity a claim may still be filed (1–31; default 3).
    pub claim_days: i32,
    /// Days a monthly posting stays open for objections (1–15; default 3).
    pub objection_days: i32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    pub region_code: String,
    pub claim_days: i32,
    pub objection_days: i32,
}

/// The village's (claim_days, objection_days): its own, else the defaults.
fn rules(conn: &mut DbConn, region: &str) -> AppResult<(i64, i64)> {
    Ok(dbp::settings(conn, region)?
        .map(|(c, o)| (i64::from(c), i64::from(o)))
        .unwrap_or((points::DEFAULT_CLAIM_DAYS, points::DEFAULT_OBJECTION_DAYS)))
}

pub fn settings(conn: &mut DbConn, ctx: &Ctx, village_code: &str) -> AppResult<SettingsView> {
    let a = keeper(ctx)?;
    let region = village(conn, &a, Some(village_code))?;
    let (c, o) = rules(conn, &region)?;
    Ok(SettingsView { region_code: region, claim_days: c as i32, objection_days: o as i32 })
}

/// `PUT /api/v1/points/settings/{village}`: the village's own claim and objection days.
pub fn put_settings(
    conn: &mut DbConn,
    ctx: &Ctx,
    village_code: &str,
    input: &SettingsInput,
) -> AppResult<SettingsView> {
    let a = keeper(ctx)?;
    let region = village(conn, &a, Some(village_code))?;
    let mut p = Problems::default();
    if !points::valid_claim_days(input.claim_days) {
        p.add("claim_days", "invalid_claim_days", "申报期限为活动后 1–31 天");
    }
    if !points::valid_objection_days(input.objection_days) {
        p.add("objection_days", "invalid_objection_days", "公示异议期为 1–15 天");
    }
    p.finish()?;
    db::write_tx(conn, |c| {
        dbp::put_settings(c, &region, input.claim_days, input.objection_days, a.id, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "points.settings.put",
            "region",
            None,
            serde_json::json!({"region_code": region, "claim_days": input.claim_days, "objection_days": input.objection_days}),
        )?;
        Ok(())
    })?;
    Ok(SettingsView { region_code: region, claim_days: input.claim_days, objection_days: input.objection_days })
}

// ---------------------------------------------------------------- catalogues

#[derive(Deserialize, Serialize, Clone, utoipa::ToSchema)]
pub struct ItemInput {
    /// Short code, unique in the catalogue (e.g. `PA01`).
    pub code: String,
    /// 理论宣讲 · 平安建设 · 志愿服务 · 矛盾调解 · 移风易俗 · 其他
    pub category: String,
    pub name: String,
    /// 3, 5, 10, 15 or 20.
    pub points: i32,
    /// The most claims of this item per participant in a month.
    pub monthly_cap: Option<i32>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct CatalogueInput {
    pub items: Vec<ItemInput>,
    /// Why this month's list is what it is (the month's key tasks).
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogueView {
    pub id: i64,
    pub region_code: String,
    /// The month this version was made for (a month without its own uses the last earlier one).
    pub month: String,
    pub version: i32,
    pub items: Vec<ItemInput>,
    pub note: String,
    pub created_at: String,
    /// False once the month has begun.
    pub editable: bool,
}

fn catalogue_view(c: &dbp::CatalogueRow, today: NaiveDate) -> CatalogueView {
    let editable = Month::parse(&c.month).is_some_and(|m| points::catalogue_editable(m, today));
    CatalogueView {
        id: c.id,
        region_code: c.region_code.clone(),
        month: c.month.clone(),
        version: c.version,
        items: serde_json::from_str(&c.items).unwrap_or_default(),
        note: c.note.clone(),
        created_at: rfc3339_local(c.created_at.and_utc()),
        editable,
    }
}

fn check_items(items: &[ItemInput], p: &mut Problems) -> Vec<ItemInput> {
    if items.is_empty() || items.len() > 100 {
        p.add("items", "invalid_items", "积分项目应为 1–100 项");
    }
    let mut out: Vec<ItemInput> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let f = |x: &str| format!("items[{i}].{x}");
        let code = it.code.trim();
        if code.is_empty() || code.len() > 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            p.add(&f("code"), "invalid_code", "编号为 1–16 位字母、数字或 -");
        } else if out.iter().any(|o| o.code == code) {
            p.add(&f("code"), "duplicate_code", "编号重复");
        }
        if !points::valid_category(it.category.trim()) {
            p.add(
                &f("category"),
                "invalid_category",
                "类别应为 理论宣讲、平安建设、志愿服务、矛盾调解、移风易俗 或 其他",
            );
        }
        let name = p.take(&f("name"), text::name(&it.name, 50), |e| (e.code().into(), e.message()));
        if !points::valid_points(it.points) {
            p.add(&f("points"), "bad_points", "分值只能是 3、5、10、15 或 20 分");
        }
        if it.monthly_cap.is_some_and(|c| !(1..=31).contains(&c)) {
            p.add(&f("monthly_cap"), "invalid_cap", "每月上限为 1–31 次");
        }
        out.push(ItemInput {
            code: code.to_string(),
            category: it.category.trim().to_string(),
            name: name.unwrap_or_default(),
            points: it.points,
            monthly_cap: it.monthly_cap,
        });
    }
    out
}

/// `PUT /api/v1/points/catalogues/{village}/{month}`: a new version of the month's catalogue,
/// until the month begins (then 409 `catalogue_frozen`).
pub fn put_catalogue(
    conn: &mut DbConn,
    ctx: &Ctx,
    village_code: &str,
    month: &str,
    input: &CatalogueInput,
) -> AppResult<CatalogueView> {
    let a = keeper(ctx)?;
    let region = village(conn, &a, Some(village_code))?;
    let m = month_of(month)?;
    let mut p = Problems::default();
    let items = check_items(&input.items, &mut p);
    let note = p.take("note", text::paragraph(&input.note, 500), |e| (e.code().into(), e.message()));
    p.finish()?;
    let today = local_date(ctx.now);
    if !points::catalogue_editable(m, today) {
        return Err(Code::CatalogueFrozen.into());
    }
    let items_json = serde_json::to_string(&items).map_err(|_| AppError::internal("items json"))?;
    let note = note.unwrap_or_default();
    let id = db::write_tx(conn, |c| {
        db::lock_key(c, &format!("points-catalogue:{region}"))?;
        let version = dbp::catalogues(c, &region)?
            .iter()
            .filter(|k| k.month == m.to_string())
            .map(|k| k.version)
            .max()
            .unwrap_or(0)
            + 1;
        let id =
            dbp::insert_catalogue(c, &region, &m.to_string(), version, &items_json, &note, a.id, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "points.catalogue.put",
            "points_catalogue",
            Some(id),
            serde_json::json!({"region_code": region, "month": m.to_string(), "version": version, "items": items, "note": note}),
        )?;
        Ok(id)
    })?;
    let all = dbp::catalogues(conn, &region)?;
    let row = all.iter().find(|k| k.id == id).ok_or_else(AppError::not_found)?;
    Ok(catalogue_view(row, today))
}

/// The catalogue in force in a month, with every version ever made for the village.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogueMonth {
    pub in_force: Option<CatalogueView>,
    pub versions: Vec<CatalogueView>,
}

fn in_force(all: &[dbp::CatalogueRow], m: Month) -> Option<&dbp::CatalogueRow> {
    let keys: Vec<(Month, i32)> =
        all.iter().map(|k| (Month::parse(&k.month).unwrap_or(Month { year: 0, month: 1 }), k.version)).collect();
    points::in_force(&keys, m).map(|i| &all[i])
}

pub fn catalogue(conn: &mut DbConn, ctx: &Ctx, village_code: &str, month: &str) -> AppResult<CatalogueMonth> {
    let a = keeper(ctx)?;
    let region = village(conn, &a, Some(village_code))?;
    let m = month_of(month)?;
    let all = dbp::catalogues(conn, &region)?;
    let today = local_date(ctx.now);
    Ok(CatalogueMonth {
        in_force: in_force(&all, m).map(|k| catalogue_view(k, today)),
        versions: all.iter().rev().map(|k| catalogue_view(k, today)).collect(),
    })
}

// ---------------------------------------------------------------- claims

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ClaimInput {
    pub participant_id: i64,
    pub item_code: String,
    /// `YYYY-MM-DD`
    pub activity_date: String,
    #[serde(default)]
    pub note: String,
}

/// One item for many participants (an activity's sign-in sheet): all filed, or none.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ActivityInput {
    pub participant_ids: Vec<i64>,
    pub item_code: String,
    pub activity_date: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClaimView {
    pub id: i64,
    pub participant_id: i64,
    pub participant_name: String,
    pub region_code: String,
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub points: i32,
    pub activity_date: NaiveDate,
    pub note: String,
    /// filed · checked · approved · rejected · posted · reversed
    pub status: ClaimStatus,
    pub status_label: &'static str,
    pub first_by: Option<i64>,
    pub first_note: Option<String>,
    pub second_by: Option<i64>,
    pub second_note: Option<String>,
    pub posting_id: Option<i64>,
    pub created_at: String,
}

fn claim_view(c: ClaimRow, name: String) -> ClaimView {
    let status = ClaimStatus::parse(&c.status).unwrap_or(ClaimStatus::Filed);
    ClaimView {
        id: c.id,
        participant_id: c.participant_id,
        participant_name: name,
        region_code: c.region_code,
        item_code: c.item_code,
        item_name: c.item_name,
        category: c.category,
        points: c.points,
        activity_date: c.activity_date,
        note: c.note,
        status,
        status_label: status.label(),
        first_by: c.first_by,
        first_note: c.first_note,
        second_by: c.second_by,
        second_note: c.second_note,
        posting_id: c.posting_id,
        created_at: rfc3339_local(c.created_at.and_utc()),
    }
}

fn claim_views(conn: &mut DbConn, rows: Vec<ClaimRow>) -> AppResult<Vec<ClaimView>> {
    let mut ids: Vec<i64> = rows.iter().map(|c| c.participant_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = dbp::participants(conn, &ids)?.into_iter().map(|p| (p.id, p.name)).collect();
    Ok(rows
        .into_iter()
        .map(|c| {
            let n = names.get(&c.participant_id).cloned().unwrap_or_default();
            claim_view(c, n)
        })
        .collect())
}

/// Files one claim per participant for the same item and day, in one transaction.
fn file_many(
    conn: &mut DbConn,
    ctx: &Ctx,
    ids: &[i64],
    item_code: &str,
    activity_date: &str,
    note: &str,
) -> AppResult<Vec<ClaimView>> {
    let a = keeper(ctx)?;
    let mut p = Problems::default();
    let date = text::date(activity_date).ok();
    if date.is_none() {
        p.add("activity_date", "invalid_date", "活动日期格式应为 YYYY-MM-DD");
    }
    let note = p.take("note", text::paragraph_or_empty(note, 500), |e| (e.code().into(), e.message()));
    if ids.is_empty() || ids.len() > 200 {
        p.add("participant_ids", "invalid_participants", "参与人应为 1–200 人");
    }
    p.finish()?;
    let (date, note) = (date.unwrap_or_default(), note.unwrap_or_default());
    let today = local_date(ctx.now);
    // The village's own claim days are known once its participants are (below); the date's
    // shape and the future are checked first.
    if date > today {
        return Err(AppError::invalid_field("activity_date", "date_in_future", "活动日期不能晚于今天"));
    }
    let mut uniq = ids.to_vec();
    uniq.sort_unstable();
    uniq.dedup();
    let people = dbp::participants(conn, &uniq)?;
    if people.len() != uniq.len() || people.iter().any(|x| !a.in_scope(&x.region_code) || !x.active) {
        return Err(AppError::not_found());
    }
    let region = people[0].region_code.clone();
    let (claim_days, _) = rules(conn, &region)?;
    match points::claim_timing(date, today, claim_days) {
        Err(ClaimRefusal::InFuture) => {
            return Err(AppError::invalid_field("activity_date", "date_in_future", "活动日期不能晚于今天"))
        }
        Err(ClaimRefusal::Late) => {
            return Err(AppError::invalid_field(
                "activity_date",
                "claim_late",
                format!("活动结束 {claim_days} 天内申报，已超过期限"),
            ))
        }
        Ok(()) => {}
    }
    if people.iter().any(|x| x.region_code != region) {
        return Err(AppError::invalid_field(
            "participant_ids",
            "mixed_villages",
            "一次申报的参与人须属于同一村（社区）",
        ));
    }
    let m = Month::of(date);
    let all = dbp::catalogues(conn, &region)?;
    let cat = in_force(&all, m).ok_or(AppError::from(Code::NoCatalogue))?.clone();
    let items: Vec<ItemInput> = serde_json::from_str(&cat.items).unwrap_or_default();
    let item = items
        .into_iter()
        .find(|i| i.code == item_code.trim())
        .ok_or_else(|| AppError::invalid_field("item_code", "unknown_item", "该月积分项目清单中没有这个项目"))?;
    let now = db_time(ctx.now);
    let ids = db::write_tx(conn, |c| {
        let mut out = Vec::new();
        for person in &people {
            // The cap is counted inside the transaction, per participant (SQLite holds the write
            // lock; PostgreSQL takes the participant's key), so two filings cannot both pass it.
            db::lock_key(c, &format!("points-participant:{}", person.id))?;
            let counted = dbp::counted_claims(c, person.id, &item.code, m.first_day(), m.last_day())?;
            if !points::within_cap(counted, item.monthly_cap) {
                return Err(Code::CapReached.says(format!(
                    "{} 本月“{}”已达 {} 次上限",
                    person.name,
                    item.name,
                    item.monthly_cap.unwrap_or(0)
                )));
            }
            let id = dbp::insert_claim(
                c,
                &dbp::NewClaim {
                    participant_id: person.id,
                    region_code: &region,
                    catalogue_id: cat.id,
                    item_code: &item.code,
                    item_name: &item.name,
                    category: &item.category,
                    points: item.points,
                    activity_date: date,
                    note: &note,
                    status: ClaimStatus::Filed.as_str(),
                    filed_by: a.id,
                    created_at: now,
                },
            )?;
            audit::record(
                c,
                ctx,
                "points.claim.file",
                "points_claim",
                Some(id),
                serde_json::json!({"participant_id": person.id, "item_code": item.code, "points": item.points,
                                   "activity_date": date, "catalogue_id": cat.id}),
            )?;
            out.push(id);
        }
        Ok(out)
    })?;
    let mut rows = Vec::new();
    for id in ids {
        rows.extend(dbp::claim(conn, id)?);
    }
    claim_views(conn, rows)
}

pub fn file_claim(conn: &mut DbConn, ctx: &Ctx, input: &ClaimInput) -> AppResult<ClaimView> {
    file_many(conn, ctx, &[input.participant_id], &input.item_code, &input.activity_date, &input.note)?
        .pop()
        .ok_or_else(|| AppError::internal("no claim filed"))
}

pub fn file_activity(conn: &mut DbConn, ctx: &Ctx, input: &ActivityInput) -> AppResult<Vec<ClaimView>> {
    file_many(conn, ctx, &input.participant_ids, &input.item_code, &input.activity_date, &input.note)
}

pub fn claims(conn: &mut DbConn, ctx: &Ctx, region: Option<&str>, status: Option<&str>) -> AppResult<Vec<ClaimView>> {
    let a = keeper(ctx)?;
    let code = village(conn, &a, region)?;
    if status.is_some_and(|s| ClaimStatus::parse(s).is_none()) {
        return Err(AppError::invalid_field("status", "invalid_status", "状态不正确"));
    }
    let rows = dbp::claims_in(conn, &code, status, i64::MAX, 500)?;
    claim_views(conn, rows)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ReviewInput {
    /// first (网格长初审) · second (村委会复审)
    pub step: Step,
    pub approved: bool,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/v1/points/claims/{id}/review`: the first and the second step, by two people.
pub fn review(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ReviewInput) -> AppResult<ClaimView> {
    let a = keeper(ctx)?;
    let c = dbp::claim(conn, id)?.ok_or_else(AppError::not_found)?;
    if !a.in_scope(&c.region_code) {
        return Err(AppError::not_found());
    }
    let note = text::paragraph_or_empty(&input.note, 500)
        .map_err(|e| AppError::invalid_field("note", e.code(), e.message()))?;
    if !input.approved && note.is_empty() {
        return Err(AppError::invalid_field("note", "required", "不通过时请写明理由"));
    }
    let from = ClaimStatus::parse(&c.status).unwrap_or(ClaimStatus::Filed);
    let to = points::review(from, input.step, input.approved, a.id, c.first_by).map_err(|r| match r {
        ReviewRefusal::FirstPending => AppError::from(Code::FirstReviewPending),
        ReviewRefusal::SameReviewer => AppError::from(Code::SameReviewer),
        ReviewRefusal::NotAtStep => AppError::from(Code::NotAtStep),
    })?;
    db::write_tx(conn, |tx| {
        let first = input.step == Step::First;
        let step =
            dbp::Review { from: from.as_str(), to: to.as_str(), first, by: a.id, at: db_time(ctx.now), note: &note };
        if dbp::review_claim(tx, id, &step)? != 1 {
            return Err(Code::NotAtStep.into());
        }
        audit::record(
            tx,
            ctx,
            "points.claim.review",
            "points_claim",
            Some(id),
            serde_json::json!({"step": if first { "first" } else { "second" }, "approved": input.approved,
                               "from": from.as_str(), "to": to.as_str(), "note": note}),
        )?;
        Ok(())
    })?;
    let row = dbp::claim(conn, id)?.ok_or_else(AppError::not_found)?;
    claim_views(conn, vec![row])?.pop().ok_or_else(AppError::not_found)
}

// ---------------------------------------------------------------- postings

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct PostingInput {
    pub region_code: Option<String>,
    /// `YYYY-MM`
    pub month: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PostingView {
    pub id: i64,
    pub region_code: String,
    pub month: String,
    pub posted_on: NaiveDate,
    /// Objections are taken until the end of this day.
    pub objection_until: NaiveDate,
    /// The posted points can be exchanged from this day.
    pub spendable_from: NaiveDate,
    pub claims: i32,
    pub points: i64,
}

fn posting_view(p: &dbp::PostingRow) -> PostingView {
    PostingView {
        id: p.id,
        region_code: p.region_code.clone(),
        month: p.month.clone(),
        posted_on: p.posted_on,
        objection_until: p.objection_until,
        spendable_from: p.spendable_from,
        claims: p.claims,
        points: p.points,
    }
}

/// `POST /api/v1/points/postings`: every approved claim of the month goes on the board; their
/// points are credited, spendable after the objection window.
pub fn post_month(conn: &mut DbConn, ctx: &Ctx, input: &PostingInput) -> AppResult<PostingView> {
    let a = keeper(ctx)?;
    let region = village(conn, &a, input.region_code.as_deref())?;
    let m = month_of(&input.month)?;
    let today = local_date(ctx.now);
    if today <= m.last_day() {
        return Err(Code::MonthNotOver.into());
    }
    let (_, days) = rules(conn, &region)?;
    let until = points::objection_deadline(today, days);
    let from = points::spendable_from(today, days);
    let now = db_time(ctx.now);
    let id = db::write_tx(conn, |c| {
        db::lock_key(c, &format!("points-posting:{region}"))?;
        let claims = dbp::approved_unposted(c, &region, m.first_day(), m.last_day())?;
        if claims.is_empty() {
            return Err(Code::NothingToPost.into());
        }
        let total: i64 = claims.iter().map(|x| i64::from(x.points)).sum();
        let id = dbp::insert_posting(
            c,
            &dbp::NewPosting {
                region_code: &region,
                month: &m.to_string(),
                posted_on: today,
                objection_until: until,
                spendable_from: from,
                claims: claims.len() as i32,
                points: total,
                created_by: a.id,
                created_at: now,
            },
        )?;
        let ids: Vec<i64> = claims.iter().map(|x| x.id).collect();
        if dbp::mark_posted(c, &ids, id)? != ids.len() {
            return Err(Code::Busy.into());
        }
        for x in &claims {
            dbp::append(
                c,
                &dbp::NewEntry {
                    participant_id: x.participant_id,
                    delta: i64::from(x.points),
                    kind: "claim",
                    claim_id: Some(x.id),
                    exchange_id: None,
                    available_on: from,
                    created_at: now,
                },
            )?;
        }
        audit::record(
            c,
            ctx,
            "points.posting.create",
            "points_posting",
            Some(id),
            serde_json::json!({"region_code": region, "month": m.to_string(), "claims": ids, "points": total,
                               "objection_until": until, "spendable_from": from}),
        )?;
        Ok(id)
    })?;
    let p = dbp::posting(conn, id)?.ok_or_else(AppError::not_found)?;
    Ok(posting_view(&p))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardRow {
    /// Masked: 张*明.
    pub name: String,
    pub month_points: i64,
    /// Every posted point so far, less reversals.
    pub total_points: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Board {
    pub region_code: String,
    pub region_name: String,
    pub month: String,
    pub postings: Vec<PostingView>,
    pub rows: Vec<BoardRow>,
}

/// `GET /api/v1/public/points/{village}/{month}`: the month's posted points, names masked.
pub fn board(conn: &mut DbConn, village_code: &str, month: &str) -> AppResult<Board> {
    let m = month_of(month)?;
    let r = db::regions::find(conn, village_code)?.filter(|r| r.level == "village").ok_or_else(AppError::not_found)?;
    let postings = dbp::postings_of(conn, &r.code, &m.to_string())?;
    let claims = dbp::posted_in(conn, &r.code, m.first_day(), m.last_day())?;
    let mut month_points: HashMap<i64, i64> = HashMap::new();
    for c in &claims {
        *month_points.entry(c.participant_id).or_default() += i64::from(c.points);
    }
    let ids: Vec<i64> = month_points.keys().copied().collect();
    let people = dbp::participants(conn, &ids)?;
    let mut totals: HashMap<i64, i64> = HashMap::new();
    for e in dbp::entries(conn, &ids)? {
        if e.kind != "exchange" {
            *totals.entry(e.participant_id).or_default() += e.delta;
        }
    }
    let mut rows: Vec<BoardRow> = people
        .iter()
        .map(|p| BoardRow {
            name: points::mask_name(&p.name),
            month_points: month_points.get(&p.id).copied().unwrap_or(0),
            total_points: totals.get(&p.id).copied().unwrap_or(0),
        })
        .collect();
    rows.sort_by(|a, b| b.month_points.cmp(&a.month_points).then(b.total_points.cmp(&a.total_points)));
    Ok(Board {
        region_code: r.code,
        region_name: r.name,
        month: m.to_string(),
        postings: postings.iter().map(posting_view).collect(),
        rows,
    })
}

/// The posting sheet for the village's notice board (PDF, names masked as on the board).
pub fn sheet(conn: &mut DbConn, posting_id: i64) -> AppResult<(String, Vec<u8>)> {
    let p = dbp::posting(conn, posting_id)?.ok_or_else(AppError::not_found)?;
    let b = board(conn, &p.region_code, &p.month)?;
    let head = db::audit::for_entity(conn, "points_posting", posting_id)?.into_iter().next().map(|r| r.hash);
    let doc = crate::pdf::points_sheet::PointsSheetDoc {
        title: format!("{} {} 志愿服务积分公示", b.region_name, b.month),
        paragraph: format!(
            "以下为本村（社区）{} 经网格长初审、村（居）委会复审通过的志愿服务积分，共 {} 条、{} 分。\
             公示期自 {} 起至 {} 止，对公示内容有异议的，请在公示期内向村（居）委会反映。\
             公示期满无异议的积分自 {} 起可在积分超市兑换物品，积分不兑换现金。",
            b.month, p.claims, p.points, p.posted_on, p.objection_until, p.spendable_from
        ),
        rows: b
            .rows
            .into_iter()
            .map(|r| crate::pdf::points_sheet::Row {
                name: r.name,
                month_points: r.month_points,
                total_points: r.total_points,
            })
            .collect(),
        authority: b.region_name,
        issued_on: p.posted_on.format("%Y年%-m月%-d日").to_string(),
        audit_head: head.unwrap_or_default(),
    };
    Ok((format!("points-{}-{}.pdf", p.region_code, p.month), crate::pdf::points_sheet::render(&doc)))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ObjectionInput {
    /// The claim objected to, when the objection is about one (its id on the posting sheet).
    pub claim_id: Option<i64>,
    pub text: String,
    pub contact: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub posting_id: i64,
    pub claim_id: Option<i64>,
    pub text: String,
    /// open · upheld · dismissed
    pub status: String,
    pub decision_note: Option<String>,
    pub created_at: String,
}

fn objection_view(o: dbp::ObjectionRow) -> ObjectionView {
    ObjectionView {
        id: o.id,
        posting_id: o.posting_id,
        claim_id: o.claim_id,
        text: o.body,
        status: o.status,
        decision_note: o.decision_note,
        created_at: rfc3339_local(o.created_at.and_utc()),
    }
}

/// Objections to a posting per address per quarter hour.
pub const OBJECTIONS_PER_IP: i64 = 5;

/// `POST /api/v1/points/postings/{id}/objections`: anyone, while the window is open.
pub fn object(conn: &mut DbConn, ctx: &Ctx, posting_id: i64, input: &ObjectionInput) -> AppResult<ObjectionView> {
    let p = dbp::posting(conn, posting_id)?.ok_or_else(AppError::not_found)?;
    let mut pr = Problems::default();
    let body = pr.take("text", text::paragraph(&input.text, 1000), |e| (e.code().into(), e.message()));
    let contact = match input.contact.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => pr.take("contact", text::name(s, 50), |e| (e.code().into(), e.message())),
        None => None,
    };
    if let Some(cid) = input.claim_id {
        if dbp::claim(conn, cid)?.is_none_or(|c| c.posting_id != Some(posting_id)) {
            pr.add("claim_id", "not_on_posting", "该条目不在本次公示中");
        }
    }
    pr.finish()?;
    if local_date(ctx.now) > p.objection_until {
        return Err(Code::ObjectionWindowClosed.into());
    }
    if ctx.actor_id().is_none() {
        let key = format!("points-objection:{}", ctx.ip.as_deref().unwrap_or("-"));
        allowance::take(conn, &key, OBJECTIONS_PER_IP, super::accounts::FAILURE_WINDOW, ctx.now)?;
    }
    let body = body.unwrap_or_default();
    let id = db::write_tx(conn, |c| {
        let id = dbp::insert_objection(c, posting_id, input.claim_id, &body, contact.as_deref(), db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "points.objection.file",
            "points_objection",
            Some(id),
            serde_json::json!({"posting_id": posting_id, "claim_id": input.claim_id}),
        )?;
        Ok(id)
    })?;
    Ok(objection_view(dbp::objection(conn, id)?.ok_or_else(AppError::not_found)?))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ObjectionDecision {
    pub upheld: bool,
    pub note: String,
    /// The posted claim to reverse when the objection did not name one (it must be on the
    /// objection's posting).
    pub claim_id: Option<i64>,
}

/// An open objection with the posted claims it may be about (the village page's decision form).
#[derive(Serialize, utoipa::ToSchema)]
pub struct OpenObjection {
    #[serde(flatten)]
    pub objection: ObjectionView,
    pub month: String,
    /// (claim id, participant's name, item, points) of the posting's claims still posted.
    pub claims: Vec<(i64, String, String, i32)>,
}

/// A village's open objections, for its workers and its town's staff.
pub fn open_objections(conn: &mut DbConn, ctx: &Ctx, region: Option<&str>) -> AppResult<Vec<OpenObjection>> {
    let a = keeper(ctx)?;
    let code = village(conn, &a, region)?;
    let mut out = Vec::new();
    for o in dbp::open_objections_in(conn, &code)? {
        let p = dbp::posting(conn, o.posting_id)?.ok_or_else(AppError::not_found)?;
        let rows: Vec<ClaimRow> =
            dbp::claims_of_posting(conn, p.id)?.into_iter().filter(|c| c.status == "posted").collect();
        let claims =
            claim_views(conn, rows)?.into_iter().map(|c| (c.id, c.participant_name, c.item_name, c.points)).collect();
        out.push(OpenObjection { objection: objection_view(o), month: p.month, claims });
    }
    Ok(out)
}

/// Upholding an objection about a claim reverses the claim: its points leave the ledger. Once
/// they became spendable a reversal is refused if the participant has spent them (a balance
/// never goes negative).
pub fn decide_objection(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ObjectionDecision) -> AppResult<ObjectionView> {
    let a = keeper(ctx)?;
    let o = dbp::objection(conn, id)?.ok_or_else(AppError::not_found)?;
    let p = dbp::posting(conn, o.posting_id)?.ok_or_else(AppError::not_found)?;
    if !a.in_scope(&p.region_code) {
        return Err(AppError::not_found());
    }
    let note = text::paragraph(&input.note, 500).map_err(|e| AppError::invalid_field("note", e.code(), e.message()))?;
    let now = db_time(ctx.now);
    let today = local_date(ctx.now);
    db::write_tx(conn, |c| {
        let status = if input.upheld { "upheld" } else { "dismissed" };
        if dbp::decide_objection(c, id, status, &note, a.id, now)? != 1 {
            return Err(Code::AlreadyAnswered.into());
        }
        let mut reversed = None;
        if let (true, Some(cid)) = (input.upheld, input.claim_id.or(o.claim_id)) {
            let claim = dbp::claim(c, cid)?
                .filter(|x| x.posting_id == Some(p.id))
                .ok_or_else(|| AppError::invalid_field("claim_id", "not_on_posting", "该条目不在本次公示中"))?;
            db::lock_key(c, &format!("points-participant:{}", claim.participant_id))?;
            if dbp::reverse_claim(c, cid)? == 1 {
                let person = dbp::participant(c, claim.participant_id)?.ok_or_else(AppError::not_found)?;
                let credits = credits(&dbp::entries(c, &[person.id])?, today.max(p.spendable_from));
                if credits - i64::from(claim.points) < person.spent {
                    return Err(Code::InsufficientPoints.says("积分已兑换，无法撤销：请线下处理"));
                }
                dbp::append(
                    c,
                    &dbp::NewEntry {
                        participant_id: claim.participant_id,
                        delta: -i64::from(claim.points),
                        kind: "reversal",
                        claim_id: Some(cid),
                        exchange_id: None,
                        available_on: p.spendable_from,
                        created_at: now,
                    },
                )?;
                reversed = Some(cid);
            }
        }
        audit::record(
            c,
            ctx,
            "points.objection.decide",
            "points_objection",
            Some(id),
            serde_json::json!({"upheld": input.upheld, "note": note, "reversed_claim": reversed}),
        )?;
        Ok(())
    })?;
    Ok(objection_view(dbp::objection(conn, id)?.ok_or_else(AppError::not_found)?))
}

pub fn objections(conn: &mut DbConn, ctx: &Ctx, posting_id: i64) -> AppResult<Vec<ObjectionView>> {
    let a = keeper(ctx)?;
    let p = dbp::posting(conn, posting_id)?.ok_or_else(AppError::not_found)?;
    if !a.in_scope(&p.region_code) {
        return Err(AppError::not_found());
    }
    Ok(dbp::objections_of(conn, &[posting_id])?.into_iter().map(objection_view).collect())
}

// ---------------------------------------------------------------- store and exchanges

/// Credits (claims less reversals) spendable on `day`; exchanges are counted in `spent`.
fn credits(entries: &[dbp::LedgerRow], day: NaiveDate) -> i64 {
    entries.iter().filter(|e| e.kind != "exchange" && e.available_on <= day).map(|e| e.delta).sum()
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct StoreItemInput {
    /// A village (its store, kept by its workers) or a town (kept by the town's staff).
    pub region_code: Option<String>,
    pub name: String,
    pub points_price: i32,
    pub stock: i32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StoreItemView {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub points_price: i32,
    pub stock: i32,
}

fn store_item_view(s: dbp::StoreItemRow) -> StoreItemView {
    StoreItemView { id: s.id, region_code: s.region_code, name: s.name, points_price: s.points_price, stock: s.stock }
}

pub fn add_store_item(conn: &mut DbConn, ctx: &Ctx, input: &StoreItemInput) -> AppResult<StoreItemView> {
    let a = keeper(ctx)?;
    let code = match input.region_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => c.to_string(),
        None => a.region_code.clone().unwrap_or_default(),
    };
    let r = db::regions::find(conn, &code)?
        .filter(|r| r.level == "village" || r.level == "town")
        .ok_or_else(|| AppError::invalid_field("region_code", "unknown_region", "请选择村（社区）或镇街"))?;
    // A village's store by its workers (or its town's staff); a town's by the town's staff.
    let ok = a.in_scope(&r.code) && (r.level == "village" || a.role == Role::Staff);
    if !ok {
        return Err(AppError::forbidden());
    }
    let mut p = Problems::default();
    let name = p.take("name", text::name(&input.name, 50), |e| (e.code().into(), e.message()));
    if !(1..=100_000).contains(&input.points_price) {
        p.add("points_price", "invalid_price", "兑换积分为 1–100000");
    }
    if !(0..=1_000_000).contains(&input.stock) {
        p.add("stock", "invalid_stock", "库存为 0–1000000");
    }
    p.finish()?;
    let name = name.unwrap_or_default();
    let id = db::write_tx(conn, |c| {
        let id = dbp::insert_store_item(c, &r.code, &name, input.points_price, input.stock, a.id, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "points.store_item.add",
            "points_store_item",
            Some(id),
            serde_json::json!({"region_code": r.code, "name": name, "points_price": input.points_price, "stock": input.stock}),
        )?;
        Ok(id)
    })?;
    let row = dbp::store_items(conn, &[id])?.pop().ok_or_else(AppError::not_found)?;
    Ok(store_item_view(row))
}

/// The items a village's participants may take: the village's store and its town's.
pub fn store_items(conn: &mut DbConn, ctx: &Ctx, region: Option<&str>) -> AppResult<Vec<StoreItemView>> {
    let a = keeper(ctx)?;
    let code = village(conn, &a, region)?;
    let town = format!("{}000", crate::domain::region::town_prefix(&code));
    Ok(dbp::store_items_for(conn, &[code, town])?.into_iter().filter(|s| s.active).map(store_item_view).collect())
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ExchangeLine {
    pub store_item_id: i64,
    pub qty: i32,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ExchangeInput {
    pub participant_id: i64,
    pub items: Vec<ExchangeLine>,
}

#[derive(Serialize, Deserialize, Clone, utoipa::ToSchema)]
pub struct ExchangeLineView {
    pub store_item_id: i64,
    pub name: String,
    pub qty: i32,
    pub points: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExchangeView {
    pub id: i64,
    pub participant_id: i64,
    /// Shown at the counter when the goods are handed over.
    pub redemption_code: String,
    pub points: i64,
    pub lines: Vec<ExchangeLineView>,
    /// What is left to spend.
    pub balance: i64,
}

/// `POST /api/v1/points/exchanges`: goods for points. The balance and every item's stock are
/// taken by conditional updates in one transaction: beyond the balance 409 `insufficient_points`,
/// beyond the stock 409 `out_of_stock`, also when exchanges race.
pub fn exchange(conn: &mut DbConn, ctx: &Ctx, input: &ExchangeInput) -> AppResult<ExchangeView> {
    let a = keeper(ctx)?;
    let person = visible_participant(conn, &a, input.participant_id)?;
    if input.items.is_empty() || input.items.len() > 20 {
        return Err(AppError::invalid_field("items", "invalid_items", "兑换物品应为 1–20 项"));
    }
    let mut p = Problems::default();
    for (i, l) in input.items.iter().enumerate() {
        if !(1..=100).contains(&l.qty) {
            p.add(&format!("items[{i}].qty"), "invalid_qty", "数量为 1–100");
        }
    }
    p.finish()?;
    let ids: Vec<i64> = input.items.iter().map(|l| l.store_item_id).collect();
    let goods = dbp::store_items(conn, &ids)?;
    let town = format!("{}000", crate::domain::region::town_prefix(&person.region_code));
    let mut lines = Vec::new();
    for l in &input.items {
        let g = goods
            .iter()
            .find(|g| {
                g.id == l.store_item_id && g.active && (g.region_code == person.region_code || g.region_code == town)
            })
            .ok_or_else(|| AppError::invalid_field("items", "unknown_item", "积分超市中没有该物品"))?;
        lines.push(ExchangeLineView {
            store_item_id: g.id,
            name: g.name.clone(),
            qty: l.qty,
            points: i64::from(g.points_price) * i64::from(l.qty),
        });
    }
    let total: i64 = lines.iter().map(|l| l.points).sum();
    let today = local_date(ctx.now);
    let now = db_time(ctx.now);
    let lines_json = serde_json::to_string(&lines).map_err(|_| AppError::internal("lines json"))?;
    let (id, code) = db::write_tx(conn, |c| {
        db::lock_key(c, &format!("points-participant:{}", person.id))?;
        let credits = credits(&dbp::entries(c, &[person.id])?, today);
        if dbp::spend(c, person.id, total, credits)? != 1 {
            return Err(Code::InsufficientPoints.into());
        }
        for l in &lines {
            if dbp::take_stock(c, l.store_item_id, l.qty)? != 1 {
                return Err(Code::OutOfStock.says(format!("“{}”库存不足", l.name)));
            }
        }
        let code = {
            use rand::RngCore;
            let mut b = [0u8; points::CODE_LEN];
            rand::rngs::OsRng.fill_bytes(&mut b);
            points::redemption_code(&b)
        };
        let id = dbp::insert_exchange(c, person.id, &code, total, &lines_json, a.id, now)?;
        dbp::append(
            c,
            &dbp::NewEntry {
                participant_id: person.id,
                delta: -total,
                kind: "exchange",
                claim_id: None,
                exchange_id: Some(id),
                available_on: today,
                created_at: now,
            },
        )?;
        audit::record(
            c,
            ctx,
            "points.exchange",
            "points_exchange",
            Some(id),
            serde_json::json!({"participant_id": person.id, "points": total, "lines": lines, "code": code}),
        )?;
        Ok((id, code))
    })?;
    let entries = dbp::entries(conn, &[person.id])?;
    let (balance, _) = balances(&entries, today);
    Ok(ExchangeView { id, participant_id: person.id, redemption_code: code, points: total, lines, balance })
}

// ---------------------------------------------------------------- statistics

#[derive(Serialize, utoipa::ToSchema)]
pub struct TownStats {
    pub town_code: String,
    pub town_name: String,
    pub participants: i64,
    /// Posted points less reversals, in the year.
    pub points_issued: i64,
    pub points_exchanged: i64,
}

/// `GET /api/v1/points/stats?year=`: per town, for the promotion meetings (staff in scope).
pub fn stats(conn: &mut DbConn, ctx: &Ctx, year: i32) -> AppResult<Vec<TownStats>> {
    let a = ctx.require(&[Role::Staff])?.clone();
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid_field("year", "invalid_year", "年份不正确"));
    }
    let prefix = a.region_scope().unwrap_or("").to_string();
    let towns: Vec<(String, String)> = db::regions::all(conn)?
        .into_iter()
        .filter(|r| r.level == "town" && r.code.starts_with(&prefix))
        .map(|r| (r.code, r.name))
        .collect();
    let local = |y: i32| {
        NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default()
            - chrono::Duration::hours(8)
    };
    let entries = dbp::year_entries(conn, &prefix, local(year), local(year + 1))?;
    let people = dbp::participant_regions(conn, &prefix)?;
    Ok(towns
        .into_iter()
        .map(|(code, name)| {
            let t = crate::domain::region::town_prefix(&code).to_string();
            let mine = |r: &str| r.starts_with(&t);
            TownStats {
                participants: people.iter().filter(|r| mine(r)).count() as i64,
                points_issued: entries.iter().filter(|(r, k, _)| mine(r) && k != "exchange").map(|e| e.2).sum(),
                points_exchanged: -entries
                    .iter()
                    .filter(|(r, k, _)| mine(r) && k == "exchange")
                    .map(|e| e.2)
                    .sum::<i64>(),
                town_code: code,
                town_name: name,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(delta: i64, kind: &str, on: &str) -> dbp::LedgerRow {
        dbp::LedgerRow {
            id: 0,
            participant_id: 1,
            delta,
            kind: kind.into(),
            claim_id: None,
            exchange_id: None,
            available_on: on.parse().unwrap(),
            created_at: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn balance_pending_and_credits() {
        let l = [e(10, "claim", "2027-04-05"), e(5, "claim", "2027-05-05"), e(-3, "exchange", "2027-04-10")];
        assert_eq!(balances(&l, "2027-04-20".parse().unwrap()), (7, 5));
        assert_eq!(credits(&l, "2027-04-20".parse().unwrap()), 10);
        assert_eq!(credits(&l, "2027-05-05".parse().unwrap()), 15);
    }
}
