//! Staff pages for staged scoring: the shortlist into each later stage, its panel draw, the
//! on-site defence sessions, and the room's screen.

use super::fields::Fields;
use super::{render_status, Layout, PageError};
use crate::error::FieldError;
use crate::service::calls::{self, CallView};
use crate::service::stages::{self, ScreenView, SessionInput, SessionView, ShortlistInput, ShortlistView, SlotInput};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub struct StageBlock {
    pub key: String,
    pub name: String,
    pub kind_label: &'static str,
    pub shortlist: ShortlistView,
    pub sessions: Vec<SessionView>,
}

#[derive(Template)]
#[template(path = "stages.html")]
struct StagesPage<'a> {
    l: &'a Layout,
    call: CallView,
    blocks: Vec<StageBlock>,
    can_act: bool,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn stages_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let (call, blocks) = state
        .db(move |c| {
            let call = calls::get(c, &ctx, id)?;
            let all = stages::sessions(c, &ctx, id)?;
            let mut blocks = Vec::new();
            for st in call.stages.iter().skip(1) {
                blocks.push(StageBlock {
                    key: st.key.clone(),
                    name: st.name.clone(),
                    kind_label: st.kind_label,
                    shortlist: stages::shortlist_view(c, &ctx, id, &st.key)?,
                    sessions: all.iter().filter(|s| s.stage == st.key).cloned().collect(),
                });
            }
            Ok((call, blocks))
        })
        .await?;
    let can_act =
        auth.actor().is_some_and(|a| a.role == crate::domain::account::Role::Staff && a.region_code.is_none())
            && call.status == "review";
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &StagesPage { l: &l, call, blocks, can_act, flash, errors }, status)
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("shortlisted") => Some("入围名单已确定，已通知入围单位。"),
        Some("scheduled") => Some("答辩场次已安排，已通知各单位时间地点。"),
        Some("drawn") => Some("评审专家已抽取。"),
        _ => None,
    };
    stages_page(&req, &state, &auth, id.into_inner(), flash, vec![]).await
}

/// Runs a staff action from the stages page: back to it, with a refusal shown there.
async fn act<T: Send + 'static>(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: i64,
    form: &Fields,
    done: &str,
    f: impl FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> Result<T, crate::error::AppError> + Send + 'static,
) -> Result<HttpResponse, PageError> {
    let to = |_: &T| format!("/staff/calls/{id}/stages?done={done}");
    super::act_shown(&req, &state, &auth, form, to, f, |errors| stages_page(&req, &state, &auth, id, None, errors))
        .await
}

pub async fn shortlist(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let by_score = form.get("rule") == "min_score";
    let input = form.read(|f, p| ShortlistInput {
        stage: f.get("stage"),
        top_n: if by_score { None } else { Some(f.number("top_n", p).unwrap_or(0)) },
        min_score: by_score.then(|| f.get("min_score")),
    });
    act(req, state, auth, id, &form, "shortlisted", move |c, ctx| stages::set_shortlist(c, ctx, id, &input?)).await
}

pub async fn schedule(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    // One time field per shortlisted bid (`time_<bid id>`); a bid left blank is not in this session.
    let slots = form
        .0
         .0
        .iter()
        .filter_map(|(k, v)| {
            let bid = k.strip_prefix("time_")?.parse().ok()?;
            (!v.trim().is_empty()).then(|| SlotInput { bid_id: bid, time: v.trim().to_string() })
        })
        .collect();
    let input = SessionInput { stage: form.get("stage"), venue: form.get("venue"), date: form.get("date"), slots };
    act(req, state, auth, id, &form, "scheduled", move |c, ctx| stages::schedule(c, ctx, id, &input)).await
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage<'a> {
    l: &'a Layout,
    v: ScreenView,
}

/// The room's screen: large type, refreshes itself every 10 seconds.
pub async fn screen(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| stages::screen(c, &ctx, id)).await?;
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &ScreenPage { l: &l, v }, actix_web::http::StatusCode::OK)
}
