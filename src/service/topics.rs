//! Topics (选题): staff draw the year's topics from accepted demands; calls list them, bids
//! answer one, and the public needs board shows each topic with the projects funded for it.
//! Demands appear here without their reporters.

use super::{audit, Ctx};
use crate::clock::db_time;
use crate::db::demands::{DemandRow, TopicRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::demand::{Channel, Status};
use crate::domain::region::{in_town, town_prefix};
use crate::domain::text;
use crate::error::{AppError, AppResult, Code, Problems};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct TopicInput {
    pub year: i32,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The town (or the district) the topic is for.
    pub region_code: String,
    /// Accepted demands of that region it answers (at least one); each becomes `topic`.
    pub demand_ids: Vec<i64>,
}

/// A demand as topics, bids and reviewers show it: never who raised it.
#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct DemandBrief {
    pub id: i64,
    pub region_name: String,
    pub channel_label: &'static str,
    pub category: String,
    pub text: String,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct TopicView {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub description: String,
    pub region_code: String,
    pub region_name: String,
    /// How many demands it answers.
    pub demand_count: usize,
    /// Their categories, each once.
    pub categories: Vec<String>,
    /// The demands (without reporters) for staff, village workers and on bids; empty for the public.
    pub demands: Vec<DemandBrief>,
}

fn briefs(conn: &mut DbConn, rows: &[DemandRow]) -> AppResult<Vec<DemandBrief>> {
    let mut codes: Vec<String> = rows.iter().map(|d| d.region_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let names = db::demands::region_names(conn, &codes)?;
    Ok(rows
        .iter()
        .map(|d| DemandBrief {
            id: d.id,
            region_name: names.iter().find(|n| n.0 == d.region_code).map(|n| n.1.clone()).unwrap_or_default(),
            channel_label: Channel::parse(&d.channel).map_or("其他", Channel::label),
            category: d.category.clone(),
            text: d.body.clone(),
        })
        .collect())
}

/// Views of topics; `with_demands` adds each topic's demands. Three queries for any number.
fn views(conn: &mut DbConn, rows: Vec<TopicRow>, with_demands: bool) -> AppResult<Vec<TopicView>> {
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let demands = db::demands::of_topics(conn, &ids)?;
    let all = if with_demands { briefs(conn, &demands)? } else { Vec::new() };
    let mut codes: Vec<String> = rows.iter().map(|t| t.region_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let names = db::demands::region_names(conn, &codes)?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let mine: Vec<&DemandRow> = demands.iter().filter(|d| d.topic_id == Some(t.id)).collect();
            let mut categories: Vec<String> = mine.iter().map(|d| d.category.clone()).collect();
            categories.sort();
            categories.dedup();
            TopicView {
                demand_count: mine.len(),
                categories,
                demands: all.iter().filter(|b| mine.iter().any(|d| d.id == b.id)).cloned().collect(),
                region_name: names.iter().find(|n| n.0 == t.region_code).map(|n| n.1.clone()).unwrap_or_default(),
                id: t.id,
                year: t.year,
                title: t.title,
                description: t.description,
                region_code: t.region_code,
            }
        })
        .collect())
}

fn sees_demands(ctx: &Ctx) -> bool {
    matches!(ctx.actor().map(|a| a.role), Some(Role::Staff | Role::Community))
}

/// `POST /api/v1/topics` (staff, their town or, for district staff, any): the demands named move
/// from `accepted` to `topic` in the same transaction (409 `bad_transition` for one that is not
/// accepted; all or none).
pub fn create(conn: &mut DbConn, ctx: &Ctx, input: &TopicInput) -> AppResult<TopicView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let mut p = Problems::default();
    if !(2000..=2100).contains(&input.year) {
        p.add("year", "out_of_range", "年度应在 2000–2100 之间");
    }
    let title = p.take("title", text::name(&input.title, 100), |e| (e.code().into(), e.message()));
    let description = if input.description.trim().is_empty() {
        Some(String::new())
    } else {
        p.take("description", text::paragraph(&input.description, 2000), |e| (e.code().into(), e.message()))
    };
    let region = db::regions::find(conn, input.region_code.trim())?.filter(|r| r.level != "village");
    match &region {
        None => p.add("region_code", "unknown_region", "选题所属区域应为本区或一个镇（街道）"),
        Some(r) if !a.in_scope(&r.code) => p.add("region_code", "out_of_scope", "只能为本镇街形成选题"),
        Some(_) => {}
    }
    if input.demand_ids.is_empty() {
        p.add("demand_ids", "demands_required", "选题须至少关联一项群众诉求");
    }
    let mut ids = input.demand_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != input.demand_ids.len() {
        p.add("demand_ids", "duplicate_demand", "诉求重复");
    }
    let found = db::demands::find_many(conn, &ids)?;
    for (n, id) in input.demand_ids.iter().enumerate() {
        match found.iter().find(|d| d.id == *id) {
            Some(d) if a.in_scope(&d.region_code) => {
                if let Some(r) = region.as_ref().filter(|r| r.level == "town") {
                    if !in_town(&d.region_code, &r.code) {
                        p.add(&format!("demand_ids[{n}]"), "demand_out_of_region", "诉求不在选题所属镇街");
                    }
                }
            }
            _ => p.add(&format!("demand_ids[{n}]"), "unknown_demand", "诉求不存在"),
        }
    }
    p.finish()?;
    if let Some(d) = found.iter().find(|d| !Status::Accepted.is(&d.status)) {
        return Err(Code::BadTransition.says(format!(
            "诉求 {} 当前为“{}”，镇街受理后才能纳入选题",
            d.id,
            Status::label_of(&d.status)
        )));
    }
    let (title, description, region) =
        (title.unwrap_or_default(), description.unwrap_or_default(), region.map(|r| r.code).unwrap_or_default());
    let now = db_time(ctx.now);
    let id = db::write_tx(conn, |c| {
        let id = db::demands::insert_topic(
            c,
            &db::demands::NewTopic {
                year: input.year,
                title: &title,
                description: &description,
                region_code: &region,
                created_by: a.id,
                created_at: now,
            },
        )?;
        let note = format!("纳入选题《{title}》");
        for d in &ids {
            if db::demands::transition(c, *d, Status::Accepted.as_str(), Status::Topic.as_str(), Some(id), now)? != 1 {
                return Err(Code::BadTransition.says(format!("诉求 {d} 的状态已变化，请刷新后重试")));
            }
            db::demands::add_event(c, *d, Some(Status::Accepted.as_str()), Status::Topic.as_str(), &note, a.id, now)?;
        }
        audit::record(
            c,
            ctx,
            "topic.create",
            "topic",
            Some(id),
            serde_json::json!({"year": input.year, "title": title, "region_code": region, "demand_ids": ids}),
        )?;
        Ok(id)
    })?;
    get(conn, ctx, id)
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
pub struct TopicFilter {
    pub year: Option<i32>,
}

/// `GET /api/v1/topics?year=`: public (the demands themselves only for staff and village
/// workers).
pub fn list(conn: &mut DbConn, ctx: &Ctx, f: &TopicFilter) -> AppResult<Vec<TopicView>> {
    let rows = db::demands::topics(conn, f.year)?;
    views(conn, rows, sees_demands(ctx))
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<TopicView> {
    let t = db::demands::find_topic(conn, id)?.ok_or_else(AppError::not_found)?;
    views(conn, vec![t], sees_demands(ctx))?.pop().ok_or_else(AppError::not_found)
}

/// A bid's topic with the demands behind it, for whoever may read the bid (its organisation,
/// staff, its reviewers): what residents asked for, never who.
pub fn of_bid(conn: &mut DbConn, topic_id: i64) -> AppResult<Option<TopicView>> {
    let Some(t) = db::demands::find_topic(conn, topic_id)? else { return Ok(None) };
    Ok(views(conn, vec![t], true)?.pop())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TownNeeds {
    pub region_code: String,
    pub name: String,
    pub total: i64,
    pub by_category: Vec<Count>,
    pub by_status: Vec<Count>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicProjectView {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub status_label: &'static str,
    /// Paid as a share of the approved amount, 0–100.
    pub progress_pct: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardTopic {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub region_name: String,
    pub demand_count: usize,
    pub categories: Vec<String>,
    pub projects: Vec<TopicProjectView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NeedsBoard {
    pub towns: Vec<TownNeeds>,
    pub topics: Vec<BoardTopic>,
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
pub struct BoardFilter {
    /// A town's code: only that town.
    pub region: Option<String>,
}

/// `GET /api/v1/public/demands?region=`: counts by category and status per town, and each topic
/// with the projects funded for it. Counts only: no demand's text, reporter or contact.
pub fn board(conn: &mut DbConn, f: &BoardFilter) -> AppResult<NeedsBoard> {
    let only = f.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|r| town_prefix(r).to_string());
    let counts = db::demands::counts(conn)?;
    let mut towns: Vec<TownNeeds> = Vec::new();
    for (code, category, status, n) in counts {
        let town = format!("{}000", town_prefix(&code));
        if only.as_deref().is_some_and(|o| !town.starts_with(o)) {
            continue;
        }
        let t = match towns.iter_mut().position(|t| t.region_code == town) {
            Some(i) => &mut towns[i],
            None => {
                towns.push(TownNeeds {
                    region_code: town.clone(),
                    name: String::new(),
                    total: 0,
                    by_category: vec![],
                    by_status: vec![],
                });
                towns.last_mut().ok_or_else(|| AppError::internal("town"))?
            }
        };
        t.total += n;
        add(&mut t.by_category, &category, &category, n);
        add(&mut t.by_status, &status, Status::label_of(&status), n);
    }
    let codes: Vec<String> = towns.iter().map(|t| t.region_code.clone()).collect();
    let names = db::demands::region_names(conn, &codes)?;
    for t in &mut towns {
        t.name = names.iter().find(|n| n.0 == t.region_code).map(|n| n.1.clone()).unwrap_or_default();
        t.by_category.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        t.by_status.sort_by_key(|c| Status::ALL.iter().position(|s| s.as_str() == c.key));
    }
    towns.sort_by(|a, b| a.region_code.cmp(&b.region_code));
    let rows: Vec<TopicRow> = db::demands::topics(conn, None)?
        .into_iter()
        .filter(|t| only.as_deref().is_none_or(|o| t.region_code.starts_with(o)))
        .collect();
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let projects = db::demands::projects_of_topics(conn, &ids)?;
    let topics = views(conn, rows, false)?
        .into_iter()
        .rev()
        .map(|t| BoardTopic {
            projects: projects
                .iter()
                .filter(|p| p.0 == t.id)
                .map(|(_, id, title, status, approved, paid)| TopicProjectView {
                    id: *id,
                    title: title.clone(),
                    status_label: crate::domain::state::ProjectStatus::label_of(status),
                    status: status.clone(),
                    progress_pct: if *approved > 0 { (paid * 100 / approved).clamp(0, 100) } else { 0 },
                })
                .collect(),
            id: t.id,
            year: t.year,
            title: t.title,
            region_name: t.region_name,
            demand_count: t.demand_count,
            categories: t.categories,
        })
        .collect();
    Ok(NeedsBoard { towns, topics })
}

fn add(list: &mut Vec<Count>, key: &str, label: &str, n: i64) {
    match list.iter_mut().find(|c| c.key == key) {
        Some(c) => c.count += n,
        None => list.push(Count { key: key.to_string(), label: label.to_string(), count: n }),
    }
}
