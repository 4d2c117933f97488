//! The monthly posting, the public board and its sheet, objections and their decisions.

use super::*;

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

pub(super) fn posting_view(p: &dbp::PostingRow) -> PostingView {
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

pub(super) fn objection_view(o: dbp::ObjectionRow) -> ObjectionView {
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
        allowance::take(conn, &key, OBJECTIONS_PER_IP, crate::service::accounts::FAILURE_WINDOW, ctx.now)?;
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
