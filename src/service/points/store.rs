//! The 积分超市: goods, exchanges (never for cash), and the yearly statistics.

use super::*;

// ---------------------------------------------------------------- store and exchanges

/// Credits (claims less reversals) spendable on `day`; exchanges are counted in `spent`.
pub(super) fn credits(entries: &[dbp::LedgerRow], day: NaiveDate) -> i64 {
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

pub(super) fn store_item_view(s: dbp::StoreItemRow) -> StoreItemView {
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
