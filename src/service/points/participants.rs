//! Participants, their balances, and a village's own claim and objection days.

use super::*;

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
pub(super) fn balances(entries: &[dbp::LedgerRow], today: NaiveDate) -> (i64, i64) {
    entries.iter().fold((0, 0), |(b, p), e| if e.available_on <= today { (b + e.delta, p) } else { (b, p + e.delta) })
}

pub(super) fn participant_view(p: ParticipantRow, entries: &[dbp::LedgerRow], today: NaiveDate) -> ParticipantView {
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

pub(super) fn visible_participant(conn: &mut DbConn, a: &Actor, id: i64) -> AppResult<ParticipantRow> {
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
pub(super) fn rules(conn: &mut DbConn, region: &str) -> AppResult<(i64, i64)> {
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
