//! Claims (one, or a whole activity at once) and their two-step review.

use super::*;

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

pub(super) fn claim_view(c: ClaimRow, name: String) -> ClaimView {
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

pub(super) fn claim_views(conn: &mut DbConn, rows: Vec<ClaimRow>) -> AppResult<Vec<ClaimView>> {
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
pub(super) fn file_many(
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
