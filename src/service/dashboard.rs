//! The staff dashboard (a year's money, bids and projects at a glance) and the public board
//! (funded projects by town with their progress, and the published awards).

use super::Ctx;
use crate::clock::local_date;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::state::BidStatus;
use crate::domain::state::MilestoneStatus;
use crate::domain::Money;
use crate::error::AppResult;
use chrono::Datelike;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PoolUse {
    pub pool_id: i64,
    pub call_id: i64,
    /// Pools of different calls share names (区级, a town's): the call tells them apart.
    pub call_title: String,
    pub name: String,
    pub budget: Money,
    /// Reserved for funded projects (includes what was paid).
    pub reserved: Money,
    pub paid: Money,
    /// Budget not reserved.
    pub remaining: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Funnel {
    pub submitted: i64,
    pub eligible: i64,
    pub funded: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AwardUse {
    pub fund_id: i64,
    pub budget: Money,
    pub awarded: Money,
    pub awards: usize,
    pub published: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub year: i32,
    pub pools: Vec<PoolUse>,
    pub funnel: Funnel,
    pub overdue_milestones: i64,
    pub payable_tranches: usize,
    /// What the payable tranches still owe.
    pub payable_amount: Money,
    pub award_fund: Option<AwardUse>,
    /// The year's funds with their figures and the calls drawing on each (town staff: their town's).
    pub funds: Vec<super::funds::YearlyFundView>,
    /// From 1 November while next year's working-day calendar is not loaded.
    pub calendar_warning: Option<String>,
}

/// `GET /api/v1/dashboard?year=`: staff and finance (town staff their town's pools).
pub fn dashboard(conn: &mut DbConn, ctx: &Ctx, year: Option<i32>) -> AppResult<Dashboard> {
    let a = ctx.require(&[Role::Staff, Role::Finance])?.clone();
    let year = year.unwrap_or_else(|| local_date(ctx.now).year());
    let titles: HashMap<i64, String> = db::calls::list(conn, false, None, 100)?
        .into_iter()
        .filter(|c| c.year == year)
        .map(|c| (c.id, c.title))
        .collect();
    let mut calls: Vec<i64> = titles.keys().copied().collect();
    calls.sort_unstable();
    let projects = db::projects::by_pool(conn, &calls)?;
    let mut paid: HashMap<i64, i64> = HashMap::new();
    for (pool, _, _, p, _) in &projects {
        *paid.entry(*pool).or_default() += p;
    }
    let pools: Vec<PoolUse> = db::calls::pools_of(conn, &calls)?
        .into_iter()
        .filter(|p| a.in_scope(&p.region_code))
        .map(|p| PoolUse {
            pool_id: p.id,
            call_id: p.call_id,
            call_title: titles.get(&p.call_id).cloned().unwrap_or_default(),
            paid: Money::from_fen(paid.get(&p.id).copied().unwrap_or(0)),
            remaining: Money::from_fen(p.budget - p.reserved),
            budget: Money::from_fen(p.budget),
            reserved: Money::from_fen(p.reserved),
            name: p.name,
        })
        .collect();
    let mut funnel = Funnel { submitted: 0, eligible: 0, funded: 0 };
    for c in &calls {
        for (status, n) in db::bids::status_counts(conn, *c, a.region_scope())? {
            let s = status.as_str();
            if !matches!(s, "draft" | "withdrawn") {
                funnel.submitted += n;
            }
            if BidStatus::SCREENED_IN.contains(&s) {
                funnel.eligible += n;
            }
            if matches!(s, "proposed" | "funded") {
                funnel.funded += n;
            }
        }
    }
    let payable = db::projects::payable_tranches(conn, a.region_scope())?;
    // The award fund is the district's: town staff see their town's money only.
    let award_fund = match db::awards::fund_of_year(conn, year)?.filter(|_| a.region_scope().is_none()) {
        Some(f) => Some(AwardUse {
            fund_id: f.id,
            budget: Money::from_fen(f.budget),
            awarded: Money::from_fen(f.awarded),
            awards: db::awards::awards_of(conn, &[f.id])?.len(),
            published: f.status == "published",
        }),
        None => None,
    };
    Ok(Dashboard {
        year,
        pools,
        funnel,
        overdue_milestones: db::projects::overdue_count(conn, local_date(ctx.now), a.region_scope())?,
        payable_tranches: payable.len(),
        payable_amount: Money::from_fen(payable.iter().map(|(a, p)| a - p).sum()),
        award_fund,
        funds: super::funds::list(conn, ctx, Some(year))?,
        calendar_warning: super::calendar::next_year_warning(conn, ctx)?,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardProject {
    pub title: String,
    pub organisation: String,
    pub approved: Money,
    pub paid: Money,
    /// Share of the project's milestones verified, 0–100.
    pub progress_pct: u32,
    pub status_label: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardTown {
    /// The pool's name (区级 or the town's).
    pub name: String,
    pub projects: Vec<BoardProject>,
    pub approved: Money,
    pub paid: Money,
    /// Verified milestones over all milestones of the town's projects, 0–100.
    pub progress_pct: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Board {
    pub towns: Vec<BoardTown>,
    pub awards: Vec<super::awards::FundView>,
}

/// `GET /api/v1/board`: public; only what was already public (the notice) plus progress and money.
pub fn board(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Board> {
    let calls: Vec<i64> = db::calls::list(conn, false, None, 100)?.into_iter().map(|c| c.id).collect();
    let rows = db::projects::by_pool(conn, &calls)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let names: HashMap<i64, db::projects::ProjectNames> =
        db::projects::names_of(conn, &ids)?.into_iter().map(|n| (n.project_id, n)).collect();
    let mut done: HashMap<i64, (u32, u32)> = HashMap::new();
    for m in db::projects::milestones_of(conn, &ids)? {
        let e = done.entry(m.project_id).or_default();
        e.1 += 1;
        if MilestoneStatus::Verified.is(&m.status) && m.grade.as_deref() != Some("不合格") {
            e.0 += 1;
        }
    }
    let pct = |(d, t): (u32, u32)| (d * 100).checked_div(t).unwrap_or(0);
    let mut towns: Vec<(i64, BoardTown, (u32, u32))> = Vec::new();
    for (pool, id, approved, paid, status) in rows {
        let Some(n) = names.get(&id) else { continue };
        let counts = done.get(&id).copied().unwrap_or_default();
        let i = match towns.iter().position(|t| t.0 == pool) {
            Some(i) => i,
            None => {
                let t = BoardTown {
                    name: n.pool.clone(),
                    projects: Vec::new(),
                    approved: Money::ZERO,
                    paid: Money::ZERO,
                    progress_pct: 0,
                };
                towns.push((pool, t, (0, 0)));
                towns.len() - 1
            }
        };
        let t = &mut towns[i];
        t.1.approved = Money::from_fen(t.1.approved.fen() + approved);
        t.1.paid = Money::from_fen(t.1.paid.fen() + paid);
        t.2 = (t.2 .0 + counts.0, t.2 .1 + counts.1);
        t.1.projects.push(BoardProject {
            title: n.title.clone(),
            organisation: n.organisation.clone(),
            approved: Money::from_fen(approved),
            paid: Money::from_fen(paid),
            // A completed project is done, whatever optional milestones it left unreported.
            progress_pct: if status == "completed" { 100 } else { pct(counts) },
            status_label: match status.as_str() {
                "completed" => "已结项",
                "terminated" => "已终止",
                "suspended" => "整改中",
                _ => "执行中",
            },
        });
    }
    let public = Ctx { principal: super::Principal::Anonymous, ..ctx.clone() };
    Ok(Board {
        towns: towns
            .into_iter()
            .map(|(_, mut t, c)| {
                t.progress_pct = pct(c);
                t
            })
            .collect(),
        awards: super::awards::list_funds(conn, &public)?,
    })
}
