use super::fields::Fields;
use super::{act_shown, render_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::domain::Money;
use crate::error::{AppError, FieldError};
use crate::service::calls::{self, CallView};
use crate::service::notices::{self, AnswerInput, NoticeView, ObjectionInput, ObjectionView};
use crate::service::previews;
use crate::service::review::{
    self, AssignInput, AssignmentView, ConflictInput, OverrideInput, RankingView, ReviewInput, ReviewView, ScoreInput,
};
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "review_list.html")]
struct ReviewList<'a> {
    l: &'a Layout,
    items: Vec<AssignmentView>,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
    /// Per call: its title, the panel's due date, scores submitted and assignments in all.
    calls: Vec<(String, Option<chrono::NaiveDate>, usize, usize)>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let items = state.db(move |c| review::mine(c, &ctx)).await?;
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    let mut calls: Vec<(i64, String, Option<chrono::NaiveDate>, usize, usize)> = Vec::new();
    for a in items.iter().filter(|a| a.status != "conflict") {
        let done = usize::from(a.status == "submitted");
        match calls.iter_mut().find(|c| c.0 == a.call_id) {
            Some(c) => {
                c.3 += done;
                c.4 += 1;
                c.2 = c.2.min(a.due_on).or(a.due_on);
            }
            None => calls.push((a.call_id, a.call_title.clone(), a.due_on, done, 1)),
        }
    }
    let calls = calls.into_iter().map(|(_, t, d, done, all)| (t, d, done, all)).collect();
    render_status(&l, &ReviewList { l: &l, items, flash, errors, calls }, status)
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Reviewer])?;
    let flash = match q.done.as_deref() {
        Some("accepted") => Some("已确认无利益冲突，可以查看申报材料并评分。"),
        Some("conflict") => Some("已声明回避，系统已另行抽取专家。"),
        Some("submitted") => Some("评分已提交。"),
        _ => None,
    };
    list_page(&req, &state, &auth, flash, vec![]).await
}

pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let to = |_: &_| "/review?done=accepted".to_string();
    let f = move |c: &mut DbConn, ctx: &Ctx| review::accept(c, ctx, id);
    act_shown(&req, &state, &auth, &form, to, f, |errors| list_page(&req, &state, &auth, None, errors)).await
}

pub async fn conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = ConflictInput { reason: form.opt("reason") };
    let to = |_: &_| "/review?done=conflict".to_string();
    let f = move |c: &mut DbConn, ctx: &Ctx| review::declare_conflict(c, ctx, id, &input);
    act_shown(&req, &state, &auth, &form, to, f, |errors| list_page(&req, &state, &auth, None, errors)).await
}

/// (key, name, weight, max, score, comment)
type ScoreRow = (String, String, i32, String, String, String);

#[derive(Template)]
#[template(path = "review_form.html")]
struct ReviewForm<'a> {
    l: &'a Layout,
    bid_id: i64,
    r: ReviewView,
    rows: Vec<ScoreRow>,
    locked: bool,
    errors: Vec<FieldError>,
    /// The project being scored, its applicant and call.
    a: Option<AssignmentView>,
    /// The 申报书's sections in the call's order (name, text) and its outputs, read beside the rubric.
    sections: Vec<(String, String)>,
    outputs: Vec<crate::domain::dossier::Output>,
}

async fn form_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    typed: Option<&Fields>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let (bid_id, crit, r, a, (sections, outputs)) = state
        .db(move |c| {
            let (bid_id, crit, r) = review::form_data(c, &ctx, id)?;
            let a = review::mine(c, &ctx)?.into_iter().find(|a| a.id == id);
            let dossier = match crate::service::bids::get(c, &ctx, bid_id) {
                Ok(b) => {
                    let d = crate::service::calls::scoring_design(c, b.call_id)?.dossier;
                    let sections = d
                        .sections
                        .iter()
                        .filter_map(|s| b.sections.get(&s.key).map(|t| (s.name.clone(), t.clone())))
                        .collect();
                    (sections, b.outputs)
                }
                Err(_) => (vec![], vec![]),
            };
            Ok((bid_id, crit, r, a, dossier))
        })
        .await?;
    let rows = crit
        .iter()
        .map(|k| {
            let saved = r.scores.iter().find(|s| s.criterion == k.key);
            let score = typed
                .map(|f| f.get(&format!("score_{}", k.key)))
                .unwrap_or_else(|| saved.map(|s| s.score.clone()).unwrap_or_default());
            let comment = typed
                .map(|f| f.get(&format!("comment_{}", k.key)))
                .unwrap_or_else(|| saved.map(|s| s.comment.clone()).unwrap_or_default());
            (
                k.key.clone(),
                k.name.clone(),
                k.weight,
                Money::from_fen(k.max_score).as_decimal().normalize().to_string(),
                score,
                comment,
            )
        })
        .collect();
    let locked = r.status == "submitted";
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &ReviewForm { l: &l, bid_id, r, rows, locked, errors, a, sections, outputs }, status)
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    form_page(&req, &state, &auth, id.into_inner(), None, vec![]).await
}

pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let f = form.into_inner();
    let scores: Vec<ScoreInput> =
        f.0.iter()
            .filter_map(|(k, v)| k.strip_prefix("score_").map(|key| (key.to_string(), v.clone())))
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(key, score)| ScoreInput { comment: f.get(&format!("comment_{key}")), criterion: key, score })
            .collect();
    let submit = f.get("action") == "submit";
    let input = ReviewInput { scores, comment: f.get("comment"), submit };
    let to = |_: &_| if submit { "/review?done=submitted".to_string() } else { format!("/review/{id}") };
    let save = move |c: &mut DbConn, ctx: &Ctx| review::save_review(c, ctx, id, &input);
    act_shown(&req, &state, &auth, &f, to, save, |errors| form_page(&req, &state, &auth, id, Some(&f), errors)).await
}

#[derive(Template)]
#[template(path = "ranking.html")]
struct RankingPage<'a> {
    l: &'a Layout,
    call: CallView,
    by_category: Vec<CategoryGroup>,
    r: RankingView,
    can_override: bool,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
}

async fn ranking_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let (call, r) = state.db(move |c| Ok((calls::get(c, &ctx, id)?, review::ranking(c, &ctx, id)?))).await?;
    let can_override =
        auth.actor().is_some_and(|a| a.role == Role::Staff && a.region_code.is_none()) && call.status == "review";
    let by_category = by_category(&call, &r);
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &RankingPage { l: &l, call, by_category, r, can_override, flash, errors }, status)
}

/// One category's bids across the pools, in ranking order within each pool.
pub struct CategoryGroup {
    /// 「为老服务（最多 4 个项目，400,000.00 元）」
    pub heading: String,
    /// (pool, rank, title, score, outcome, recommended)
    pub rows: Vec<(String, usize, String, String, &'static str, bool)>,
}

fn by_category(call: &CallView, r: &RankingView) -> Vec<CategoryGroup> {
    call.categories
        .iter()
        .map(|k| {
            let mut limits = Vec::new();
            if let Some(n) = k.max_projects {
                limits.push(format!("最多 {n} 个项目"));
            }
            if let Some(m) = k.max_amount {
                limits.push(format!("最多 {} 元", m.grouped()));
            }
            if !limits.is_empty() && k.scope == "call" {
                limits.push("全招标合计".into());
            }
            let heading =
                if limits.is_empty() { k.name.clone() } else { format!("{}（{}）", k.name, limits.join("，")) };
            let rows = r
                .pools
                .iter()
                .flat_map(|p| p.rows.iter().map(move |x| (p, x)))
                .filter(|(_, x)| x.category.as_deref() == Some(k.key.as_str()))
                .map(|(p, x)| {
                    (
                        p.name.clone(),
                        x.rank,
                        x.title.clone(),
                        x.score.clone().unwrap_or_else(|| "—".into()),
                        x.outcome_label,
                        x.recommended,
                    )
                })
                .collect();
            CategoryGroup { heading, rows }
        })
        .collect()
}

pub async fn ranking(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = (q.done.as_deref() == Some("override")).then_some("调整已保存。");
    ranking_page(&req, &state, &auth, id.into_inner(), flash, vec![]).await
}

pub async fn set_override(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = form.read(|f, p| OverrideInput {
        bid_id: f.number("bid_id", p).unwrap_or(0),
        fund: f.get("fund") == "1",
        reason: f.opt("reason"),
    });
    let to = |_: &_| format!("/staff/calls/{id}/ranking?done=override");
    let f = move |c: &mut DbConn, ctx: &Ctx| review::set_override(c, ctx, id, &input?);
    act_shown(&req, &state, &auth, &form, to, f, |errors| ranking_page(&req, &state, &auth, id, None, errors)).await
}

/// Runs a call-level staff action; conflicts and rule breaks come back on the call's page.
async fn call_action<T: Send + 'static>(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: i64,
    form: &Fields,
    then: impl FnOnce(&T) -> String,
    f: impl FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> Result<T, AppError> + Send + 'static,
) -> Result<HttpResponse, PageError> {
    let (r, st, au) = (&req, &state, &auth);
    super::act(r, st, au, form, then, f, |e| async move {
        let l = Layout::new(r, st, au);
        let link = format!("/staff/calls/{id}");
        let page = super::MessagePage {
            l: &l,
            heading: "未能完成",
            text: &e.message,
            code: Some(&e.code),
            link: &link,
            link_text: "返回",
        };
        render_status(&l, &page, e.status)
    })
    .await
}

pub async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let staged = form.opt("stage").is_some();
    let input = form.read(|f, p| AssignInput {
        reviewers_per_bid: f.number("reviewers_per_bid", p),
        seed: None,
        reason: f.opt("reason"),
        due: f.opt("due"),
        stage: f.opt("stage"),
    });
    let training = state.training;
    call_action(
        req,
        state,
        auth,
        id,
        &form,
        move |_| {
            if staged {
                format!("/staff/calls/{id}/stages?done=drawn")
            } else {
                format!("/staff/calls/{id}?done=drawn")
            }
        },
        move |c, ctx| review::assign(c, ctx, id, &input?, training),
    )
    .await
}

pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let docs = state.doc_settings();
    let back = format!("/staff/calls/{id}/ranking");
    if let Some(page) =
        super::confirm::ask(&req, &state, &auth, &form, &back, move |c, ctx| previews::decide(c, ctx, id)).await?
    {
        return Ok(page);
    }
    call_action(
        req,
        state,
        auth,
        id,
        &form,
        |v: &notices::DecideView| format!("/notices/{}", v.notice_id),
        move |c, ctx| notices::decide(c, ctx, &docs, id),
    )
    .await
}

pub async fn finalize(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let back = format!("/staff/calls/{id}");
    if let Some(page) =
        super::confirm::ask(&req, &state, &auth, &form, &back, move |c, ctx| previews::finalize(c, ctx, id)).await?
    {
        return Ok(page);
    }
    let docs = state.doc_settings();
    call_action(
        req,
        state,
        auth,
        id,
        &form,
        |_| format!("/staff/calls/{id}?done=finalized"),
        move |c, ctx| notices::finalize(c, ctx, &docs, id),
    )
    .await
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage<'a> {
    l: &'a Layout,
    n: &'a NoticeView,
    objections: Option<Vec<ObjectionView>>,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
}

async fn notice_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    if auth.actor().is_none() && flash.is_none() && errors.is_empty() {
        return anonymous_notice_page(req, state, auth, id).await;
    }
    let staff = auth.actor().is_some_and(|a| a.role == Role::Staff);
    let n = crate::web::public::notice(state, ctx.clone(), id).await?;
    let objections = if staff { Some(state.db(move |c| notices::objections(c, &ctx, id)).await?) } else { None };
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &NoticePage { l: &l, n: &n, objections, flash, errors }, status)
}

/// What most public readers get: the page shared by every anonymous reader (`shared_page`).
async fn anonymous_notice_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    super::shared_page(req, state, auth, &state.public.notice_pages, id, |l| async move {
        let n = crate::web::public::notice(state, ctx, id).await?;
        super::to_html(&NoticePage { l: &l, n: &n, objections: None, flash: None, errors: vec![] })
    })
    .await
}

pub async fn notice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("objected") => Some("异议已提交，工作人员将在核实后答复。"),
        Some("answered") => Some("答复已保存。"),
        _ => None,
    };
    notice_page(&req, &state, &auth, id.into_inner(), flash, vec![]).await
}

pub async fn object(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = form.read(|f, p| ObjectionInput {
        name: f.get("name"),
        contact: f.get("contact"),
        bid_id: f.number("bid_id", p).unwrap_or(0),
        text: f.get("text"),
    });
    let to = |_: &_| format!("/notices/{id}?done=objected");
    let f = move |c: &mut DbConn, ctx: &Ctx| notices::object(c, ctx, id, &input?);
    act_shown(&req, &state, &auth, &form, to, f, |errors| notice_page(&req, &state, &auth, id, None, errors)).await
}

pub async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = AnswerInput { upheld: form.get("upheld") == "1", reply: form.opt("reply"), cancel_funding: None };
    let notice_id = state
        .db(move |c| {
            let o = crate::db::notices::find_objection(c, id)?.ok_or_else(AppError::not_found)?;
            Ok(o.notice_id)
        })
        .await?;
    if input.upheld {
        let back = format!("/notices/{notice_id}");
        let preview = move |c: &mut DbConn, ctx: &Ctx| previews::uphold(c, ctx, id);
        if let Some(page) = super::confirm::ask(&req, &state, &auth, &form, &back, preview).await? {
            return Ok(page);
        }
    }
    let to = |_: &_| format!("/notices/{notice_id}?done=answered");
    let f = move |c: &mut DbConn, ctx: &Ctx| notices::answer(c, ctx, id, &input);
    act_shown(&req, &state, &auth, &form, to, f, |errors| notice_page(&req, &state, &auth, notice_id, None, errors))
        .await
}
