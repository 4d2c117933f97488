//! The monthly catalogue: items and values, frozen once its month begins.

use super::*;

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

pub(super) fn catalogue_view(c: &dbp::CatalogueRow, today: NaiveDate) -> CatalogueView {
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

pub(super) fn check_items(items: &[ItemInput], p: &mut Problems) -> Vec<ItemInput> {
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

pub(super) fn in_force(all: &[dbp::CatalogueRow], m: Month) -> Option<&dbp::CatalogueRow> {
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
