//! Objections to a 公示: filed by anyone (limited per address and per notice), answered by staff,
//! dismissed together when unfounded.

use super::*;

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ObjectionInput {
    pub name: String,
    /// A phone number or an email address (shown to staff only).
    pub contact: String,
    pub bid_id: i64,
    pub text: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ObjectionReceipt {
    pub id: i64,
    pub status: String,
}

/// Per client address: objections allowed per hour on one notice; per notice, per day.
pub const OBJECTIONS_PER_IP_HOUR: i64 = 5;
pub const OBJECTIONS_PER_NOTICE_DAY: i64 = 500;

/// Files an objection (public, no login) while the notice runs.
pub fn object(conn: &mut DbConn, ctx: &Ctx, notice_id: i64, input: &ObjectionInput) -> AppResult<ObjectionReceipt> {
    let n = db::notices::find(conn, notice_id)?.ok_or_else(AppError::not_found)?;
    let mut p = Problems::default();
    let name = p.take("name", text::name(&input.name, 50), |e| (e.code().into(), e.message()));
    let contact = match (text::phone(&input.contact), text::email(&input.contact)) {
        (Some(c), _) | (None, Some(c)) => Some(c),
        _ => {
            p.add("contact", "invalid_contact", "请填写有效的电话或邮箱，便于工作人员回复");
            None
        }
    };
    let body = p.take("text", text::paragraph(&input.text, 2000), |e| (e.code().into(), e.message()));
    let bid =
        db::bids::find(conn, input.bid_id)?.filter(|b| b.call_id == n.call_id && BidStatus::Proposed.is(&b.status));
    if bid.is_none() {
        p.add("bid_id", "bid_not_on_notice", "该项目不在本次公示名单中");
    }
    p.finish()?;
    let call = db::calls::find(conn, n.call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Notice || local_date(ctx.now) > n.ends_on {
        return Err(AppError::from(Code::NoticeClosed));
    }
    let ip = ctx.ip.clone().unwrap_or_else(|| "-".into());
    let (name, contact, body) = (name.unwrap_or_default(), contact.unwrap_or_default(), body.unwrap_or_default());
    db::write_tx(conn, |c| {
        // Counted and filed under one lock per notice: parallel objections cannot all see
        // room for themselves.
        db::lock_key(c, &format!("objections:{notice_id}"))?;
        if db::notices::count_from_ip(c, notice_id, &ip, db_time(ctx.now - Duration::hours(1)))?
            >= OBJECTIONS_PER_IP_HOUR
            || db::notices::count_since(c, notice_id, db_time(ctx.now - Duration::days(1)))?
                >= OBJECTIONS_PER_NOTICE_DAY
        {
            return Err(AppError::rate_limited());
        }
        let new = db::notices::NewObjection {
            notice_id,
            bid_id: input.bid_id,
            name: &name,
            contact: &contact,
            text: &body,
            ip: &ip,
            created_at: db_time(ctx.now),
        };
        let id = db::notices::insert_objection(c, &new)?;
        audit::record(
            c,
            ctx,
            "objection.file",
            "bid",
            Some(input.bid_id),
            serde_json::json!({"objection_id": id, "notice_id": notice_id}),
        )?;
        Ok(ObjectionReceipt { id, status: ObjectionStatus::Pending.as_str().into() })
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub bid_id: i64,
    /// The project objected to, as the notice lists it: reference and title.
    pub bid: String,
    pub name: String,
    pub contact: String,
    pub text: String,
    pub status: String,
    pub reply: Option<String>,
    pub created_at: String,
}

impl ObjectionView {
    pub fn status_label(&self) -> &'static str {
        ObjectionStatus::label_of(&self.status)
    }
    /// Not answered yet.
    pub fn open(&self) -> bool {
        ObjectionStatus::Pending.is(&self.status)
    }
}

/// Staff read the objections to a notice, contacts included; town staff those about their
/// town's bids only.
pub fn objections(conn: &mut DbConn, ctx: &Ctx, notice_id: i64) -> AppResult<Vec<ObjectionView>> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let n = db::notices::find(conn, notice_id)?.ok_or_else(AppError::not_found)?;
    // The call's bids in the actor's scope, with what names them, in one query.
    let mut f = db::bids::BidFilter::of_call(n.call_id, crate::domain::bid::BidStatus::SUBMITTED.to_vec());
    f.pool_region_prefix = a.region_scope();
    let named: std::collections::HashMap<i64, String> = db::bids::list(conn, &f)?
        .into_iter()
        .map(|b| (b.id, format!("{}《{}》", b.reference.unwrap_or_default(), b.title)))
        .collect();
    Ok(db::notices::objections_of(conn, notice_id)?
        .into_iter()
        .filter(|o| named.contains_key(&o.bid_id))
        .map(|o| ObjectionView {
            id: o.id,
            bid: named.get(&o.bid_id).cloned().unwrap_or_default(),
            bid_id: o.bid_id,
            name: o.name,
            contact: o.contact,
            text: o.text,
            status: o.status,
            reply: o.reply,
            created_at: rfc3339_local(o.created_at.and_utc()),
        })
        .collect())
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct AnswerInput {
    pub upheld: bool,
    pub reply: Option<String>,
    /// When upheld: cancel the bid's funding and release its reservation (default true).
    pub cancel_funding: Option<bool>,
}

pub fn answer(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &AnswerInput) -> AppResult<ObjectionView> {
    ctx.require(&[Role::Staff])?;
    let reply = text::paragraph(input.reply.as_deref().unwrap_or(""), 2000)
        .map_err(|e| AppError::invalid_field("reply", e.code(), format!("答复：{}", e.message())))?;
    let o = db::notices::find_objection(conn, id)?.ok_or_else(AppError::not_found)?;
    let notice = db::notices::find(conn, o.notice_id)?.ok_or_else(AppError::not_found)?;
    let by = crate::service::calls::runner(conn, ctx, notice.call_id)?.id;
    if !ObjectionStatus::Pending.is(&o.status) {
        return Err(AppError::from(Code::AlreadyAnswered));
    }
    let cancel = input.upheld && input.cancel_funding.unwrap_or(true);
    let bid = db::bids::find(conn, o.bid_id)?.ok_or_else(AppError::not_found)?;
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        if db::notices::answer(c, id, input.upheld, &reply, cancel, by, now)? != 1 {
            return Err(AppError::from(Code::AlreadyAnswered));
        }
        // Only a bid still proposed holds a reservation; what was released is what the audit says.
        let mut released = None;
        if cancel && db::notices::set_bid_status(c, bid.id, BidStatus::Proposed, BidStatus::NotFunded, now)? == 1 {
            let amount = bid.approved.unwrap_or(0);
            if db::calls::release(c, bid.pool_id, amount)? != 1 {
                return Err(AppError::internal("reservation missing on release"));
            }
            released = Some(Money::from_fen(amount));
        }
        audit::record(
            c,
            ctx,
            "objection.answer",
            "bid",
            Some(bid.id),
            serde_json::json!({"objection_id": id, "upheld": input.upheld, "cancel_funding": cancel, "released": released}),
        )
    })?;
    objections(conn, ctx, o.notice_id)?.into_iter().find(|x| x.id == id).ok_or_else(AppError::not_found)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct DismissInput {
    /// The pending objections of this notice to dismiss together (at most 500).
    pub ids: Vec<i64>,
    /// One reply for all of them (e.g. 重复提交、与公示项目无关).
    pub reply: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DismissView {
    pub dismissed: usize,
}

/// Bulk dismissal of spam (`POST /api/v1/notices/{id}/objections/dismiss`, district staff): every
/// id must be a pending objection of this notice, or nothing is dismissed (422 names the first).
pub fn dismiss(conn: &mut DbConn, ctx: &Ctx, notice_id: i64, input: &DismissInput) -> AppResult<DismissView> {
    ctx.require(&[Role::Staff])?;
    let notice = db::notices::find(conn, notice_id)?.ok_or_else(AppError::not_found)?;
    let by = crate::service::calls::runner(conn, ctx, notice.call_id)?.id;
    let reply = text::paragraph(&input.reply, 2000)
        .map_err(|e| AppError::invalid_field("reply", e.code(), format!("答复：{}", e.message())))?;
    if input.ids.is_empty() || input.ids.len() > 500 {
        return Err(AppError::invalid_field("ids", "invalid_count", "请选择 1–500 条异议"));
    }
    let pending: std::collections::HashSet<i64> = db::notices::objections_of(conn, notice_id)?
        .into_iter()
        .filter(|o| ObjectionStatus::Pending.is(&o.status))
        .map(|o| o.id)
        .collect();
    if let Some((i, id)) = input.ids.iter().enumerate().find(|(_, id)| !pending.contains(id)) {
        return Err(AppError::invalid_field(
            &format!("ids[{i}]"),
            "not_pending_on_notice",
            format!("第 {id} 号异议不是本公示中待答复的异议"),
        ));
    }
    let mut ids = input.ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        for id in &ids {
            if db::notices::answer(c, *id, false, &reply, false, by, now)? != 1 {
                return Err(Code::AlreadyAnswered.says("部分异议已被答复，请刷新后重试"));
            }
        }
        audit::record(
            c,
            ctx,
            "objection.dismiss_bulk",
            "notice",
            Some(notice_id),
            serde_json::json!({"ids": ids, "reply": reply}),
        )
    })?;
    Ok(DismissView { dismissed: ids.len() })
}
