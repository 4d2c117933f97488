//! Yearly funds per region (专项资金): set up by district staff or a town's own staff, raised but
//! never below what published calls committed, and the figures every pool's money moves.

use super::{audit, Actor, Ctx};
use crate::clock::db_time;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::call::FundSource;
use crate::domain::fund::{self, Figures};
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::{text, Money};
use crate::error::{AppError, AppResult, Code, Problems};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/funds`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct YearlyFundInput {
    pub year: i32,
    /// The district or one town/street; the fund's level follows from it.
    pub region_code: String,
    /// Default 「{region}{year}年公益创投专项资金」.
    pub name: Option<String>,
    /// Yuan: the district at least 1000000.00, a town at least 200000.00.
    pub amount: String,
    /// `budget` (default) · `lottery` · `other`
    pub source: Option<String>,
}

/// `PATCH /api/v1/funds/{id}`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct YearlyFundPatch {
    pub amount: String,
}

/// A call drawing on a fund, with the budget of its pool there.
#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct FundCall {
    pub call_id: i64,
    pub title: String,
    pub status: String,
    pub budget: Money,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct YearlyFundView {
    pub id: i64,
    pub year: i32,
    pub region_code: String,
    /// `district` or `town`
    pub level: String,
    pub name: String,
    /// `budget` · `lottery` · `other`
    pub source: String,
    pub source_label: &'static str,
    /// 「彩票公益金资助—中国福利彩票」 on lottery money.
    pub mark: Option<&'static str>,
    pub amount: Money,
    /// Budgets of published pools drawing on the fund.
    pub committed: Money,
    /// What decisions reserved in those pools.
    pub reserved: Money,
    /// Payments to their projects.
    pub paid: Money,
    /// amount − committed: what new calls may still commit.
    pub remaining: Money,
    pub calls: Vec<FundCall>,
}

/// Staff act on funds in their scope: district staff on every fund, town staff on their town's.
fn check_scope(a: &Actor, region_code: &str) -> AppResult<()> {
    match &a.region_code {
        Some(town) if a.role == Role::Staff && town != region_code => Err(AppError::from(Code::OtherFund)),
        _ => Ok(()),
    }
}

fn level_of(conn: &mut DbConn, p: &mut Problems, code: &str) -> AppResult<Option<(RegionLevel, String)>> {
    let Some(rc) = RegionCode::parse(code) else {
        p.add("region_code", "invalid_region_code", "区划代码应为 6 位或 12 位数字");
        return Ok(None);
    };
    Ok(match db::regions::find(conn, rc.as_str())? {
        Some(r) => RegionLevel::parse(&r.level).map(|l| (l, r.name)),
        None => {
            p.add("region_code", "unknown_region", "区划代码不在本区范围内");
            None
        }
    })
}

/// Sets up a region's fund for a year (`POST /api/v1/funds`).
pub fn create(conn: &mut DbConn, ctx: &Ctx, input: &YearlyFundInput) -> AppResult<YearlyFundView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let mut p = Problems::default();
    if !(2000..=2100).contains(&input.year) {
        p.add("year", "out_of_range", "年度应在 2000–2100 之间");
    }
    let region = level_of(conn, &mut p, &input.region_code)?;
    let amount = p.money("amount", &input.amount);
    if let (Some((level, _)), Some(m)) = (region.as_ref(), amount) {
        if let Err(e) = fund::check_amount(*level, m) {
            p.add(if e.code() == "fund_level" { "region_code" } else { "amount" }, e.code(), e.message());
        }
    }
    let source = match input.source.as_deref() {
        None => Some(FundSource::Budget),
        Some(s) => p.take("source", FundSource::parse(s).ok_or(()), |_| {
            ("invalid_fund_source".into(), "资金来源应为 budget、lottery 或 other".into())
        }),
    };
    let name = match input.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) => p.take("name", text::name(n, 100), |e| (e.code().into(), e.message())),
        None => region.as_ref().map(|(_, r)| format!("{r}{}年公益创投专项资金", input.year)),
    };
    p.finish()?;
    let bad = || AppError::internal("validated fund lost a value");
    let ((level, _), amount, source, name) =
        (region.ok_or_else(bad)?, amount.ok_or_else(bad)?, source.ok_or_else(bad)?, name.ok_or_else(bad)?);
    let code = RegionCode::parse(&input.region_code).ok_or_else(bad)?;
    check_scope(&a, code.as_str())?;
    let exists = || Code::FundExists.says(format!("{} 年已设立该地区的专项资金，可调整其金额", input.year));
    if db::funds::of_region(conn, input.year, code.as_str())?.is_some() {
        return Err(exists());
    }
    let id = db::write_tx(conn, |c| {
        let new = db::funds::NewFund {
            year: input.year,
            region_code: code.as_str(),
            level: level.as_str(),
            name: &name,
            amount: amount.fen(),
            source: source.as_str(),
            created_by: a.id,
            created_at: db_time(ctx.now),
        };
        let id = db::funds::insert(c, &new).map_err(|e| match AppError::from(e) {
            e if e.code == Code::Duplicate.as_str() => exists(),
            e => e,
        })?;
        audit::record(
            c,
            ctx,
            "fund.create",
            "fund",
            Some(id),
            serde_json::json!({"year": input.year, "region_code": code.as_str(), "amount": amount, "source": source.as_str()}),
        )?;
        Ok(id)
    })?;
    get(conn, ctx, id)
}

/// Raises or lowers a fund's amount (`PATCH /api/v1/funds/{id}`): never below its floor (422)
/// nor below what published calls committed (409).
pub fn set_amount(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &YearlyFundPatch) -> AppResult<YearlyFundView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let f = db::funds::find(conn, id)?.ok_or_else(AppError::not_found)?;
    if !a.in_scope(&f.region_code) {
        return Err(AppError::not_found());
    }
    check_scope(&a, &f.region_code)?;
    let mut p = Problems::default();
    let amount = p.money("amount", &input.amount);
    if let (Some(level), Some(m)) = (RegionLevel::parse(&f.level), amount) {
        if let Err(e) = fund::check_amount(level, m) {
            p.add("amount", e.code(), e.message());
        }
    }
    p.finish()?;
    let amount = amount.ok_or_else(|| AppError::internal("validated amount lost"))?;
    db::write_tx(conn, |c| {
        if db::funds::set_amount(c, id, amount.fen())? != 1 {
            let committed = db::funds::find(c, id)?.map_or(0, |x| x.committed);
            return Err(Code::BelowCommitted.says(format!(
                "已发布的招标占用 {} 元，专项资金金额不能低于此数",
                Money::from_fen(committed).grouped()
            )));
        }
        audit::record(
            c,
            ctx,
            "fund.amount",
            "fund",
            Some(id),
            serde_json::json!({"from": Money::from_fen(f.amount), "to": amount}),
        )
    })?;
    get(conn, ctx, id)
}

/// Who may read funds: staff (town staff their town's) and finance.
fn reader(ctx: &Ctx) -> AppResult<&Actor> {
    ctx.require(&[Role::Staff, Role::Finance, Role::Admin])
}

/// `GET /api/v1/funds?year=`: the funds with their figures and the calls drawing on each.
pub fn list(conn: &mut DbConn, ctx: &Ctx, year: Option<i32>) -> AppResult<Vec<YearlyFundView>> {
    let a = reader(ctx)?.clone();
    let rows = db::funds::list(conn, year, a.region_scope())?;
    views(conn, rows)
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<YearlyFundView> {
    let a = reader(ctx)?.clone();
    let f = db::funds::find(conn, id)?.filter(|f| a.in_scope(&f.region_code)).ok_or_else(AppError::not_found)?;
    views(conn, vec![f])?.pop().ok_or_else(AppError::not_found)
}

/// Three queries whatever the number of funds: rows, drawn figures, calls.
fn views(conn: &mut DbConn, rows: Vec<db::funds::FundRow>) -> AppResult<Vec<YearlyFundView>> {
    let ids: Vec<i64> = rows.iter().map(|f| f.id).collect();
    let drawn = db::funds::drawn(conn, &ids)?;
    let calls = db::funds::calls_on(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|f| {
            let (reserved, paid) = drawn.get(&f.id).copied().unwrap_or_default();
            let fig = Figures { amount: f.amount, committed: f.committed, reserved, paid };
            let source = FundSource::parse(&f.source).unwrap_or(FundSource::Other);
            YearlyFundView {
                id: f.id,
                year: f.year,
                region_code: f.region_code,
                level: f.level,
                name: f.name,
                source: source.as_str().into(),
                source_label: source.label(),
                mark: source.mark(),
                amount: Money::from_fen(fig.amount),
                committed: Money::from_fen(fig.committed),
                reserved: Money::from_fen(fig.reserved),
                paid: Money::from_fen(fig.paid),
                remaining: Money::from_fen(fig.remaining()),
                calls: calls
                    .iter()
                    .filter(|x| x.0 == Some(f.id))
                    .map(|(_, id, title, status, budget)| FundCall {
                        call_id: *id,
                        title: title.clone(),
                        status: status.clone(),
                        budget: Money::from_fen(*budget),
                    })
                    .collect(),
            }
        })
        .collect())
}
