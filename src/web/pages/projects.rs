//! Funded projects: the list (filters) and one project with what each role does next.

use super::fields::Fields;
use super::{render_status, Layout, PageError};
use crate::domain::account::Role;
use crate::domain::budget::BudgetCategory;
use crate::error::{AppError, FieldError};
use crate::service::previews;
use crate::service::projects::closure::{self, AccountLine, CloseInput, ClosureInput};
use crate::service::projects::{
    self, ActualInput, PaymentInput, ProjectFilter, ProjectView, RectifyInput, ReportInput, SigningInput,
    TerminateInput, VerifyInput,
};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage<'a> {
    l: &'a Layout,
    projects: Vec<ProjectView>,
    status: String,
    overdue: bool,
    payable: bool,
    is_org: bool,
    /// The link to the next page, when this one is full.
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    after: Option<i64>,
    status: Option<String>,
    overdue: Option<String>,
    payable: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Org, Role::Staff, Role::Finance, Role::Evaluator])?;
    let is_org = a.role == Role::Org;
    let status = q.status.clone().filter(|s| matches!(s.as_str(), "active" | "suspended" | "terminated" | "completed"));
    let f = ProjectFilter {
        status: status.clone(),
        overdue: q.overdue.as_deref() == Some("1"),
        payable: q.payable.as_deref() == Some("1"),
        after: q.after,
        limit: Some(100),
    };
    let (overdue, payable) = (f.overdue, f.payable);
    let ctx = auth.ctx.clone();
    let projects = state.db(move |c| projects::list(c, &ctx, &f)).await?;
    let l = Layout::new(&req, &state, &auth);
    let status = status.unwrap_or_default();
    let next = (projects.len() == 100).then(|| {
        let last = projects.last().map_or(0, |p| p.id);
        format!("/projects?after={last}&status={status}&overdue={}&payable={}", u8::from(overdue), u8::from(payable))
    });
    let page = ListPage { l: &l, projects, status, overdue, payable, is_org, next };
    render_status(&l, &page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "project.html")]
struct DetailPage<'a> {
    l: &'a Layout,
    p: ProjectView,
    role: &'static str,
    district: bool,
    categories: Vec<(&'static str, &'static str)>,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
    today: String,
    /// What was typed into a refused form, shown again in it.
    typed: Fields,
    /// The re-budget form's rows (项目优化): (category, item, amount), typed or in force, and
    /// two empty ones; empty when no re-budget is due.
    rebase_rows: Vec<(String, String, String)>,
    /// The call's evaluation indicators, for the verify form.
    rubric: Vec<crate::domain::evaluation::Indicator>,
    change_kinds: Vec<(&'static str, &'static str)>,
    /// The evaluator accounts staff may assign, not yet on the project.
    evaluator_accounts: Vec<projects::evaluators::EvaluatorView>,
}

impl DetailPage<'_> {
    /// The Chinese name of one of the call's indicators.
    fn indicator_name<'s>(&'s self, key: &'s str) -> &'s str {
        self.rubric.iter().find(|i| i.key == key).map_or(key, |i| i.name.as_str())
    }
    /// The typed value of `field` if the refused form was the one for milestone `mid`, else `default`.
    fn typed_for(&self, mid: &i64, field: &str, default: String) -> String {
        if self.typed.get("milestone_id") == mid.to_string() {
            self.typed.get(field)
        } else {
            default
        }
    }
    /// The refusal's message for `field` if the refused form was the one for milestone `mid`.
    fn error_for(&self, mid: &i64, field: &str) -> Option<&str> {
        (self.typed.get("milestone_id") == mid.to_string())
            .then(|| self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str()))
            .flatten()
    }
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn detail_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<&'static str>,
    (errors, typed): (Vec<FieldError>, Fields),
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&Role::ALL)?;
    let (role, district) = (a.role.as_str(), a.region_code.is_none());
    let ctx = auth.ctx.clone();
    let staff = a.role == Role::Staff;
    let (p, version, rubric, evaluator_accounts) = state
        .db(move |c| {
            let p = projects::get(c, &ctx, id)?;
            let accounts = if staff {
                let mut all = projects::evaluators::accounts(c, &ctx)?;
                all.retain(|e| !p.evaluators.iter().any(|x| x.user_id == e.user_id));
                all
            } else {
                Vec::new()
            };
            let rubric = crate::service::calls::scoring_design(c, p.call_id)?.terms.rubric();
            // The re-budget form, or the change form's budget rows, start from the lines in force.
            let v = if p.rebase_required || (p.status == "active" && p.signed_on.is_some()) {
                Some(projects::budget::get(c, &ctx, id, None)?)
            } else {
                None
            };
            Ok((p, v, rubric, accounts))
        })
        .await?;
    let rebase_rows = match version {
        Some(_) if matches!(typed.get("form").as_str(), "rebudget" | "change") => {
            (0..typed.get("rows").parse::<usize>().unwrap_or(0).min(100))
                .map(|i| {
                    (typed.get_n("line_category_", i), typed.get_n("line_item_", i), typed.get_n("line_amount_", i))
                })
                .collect()
        }
        Some(v) => v
            .lines
            .iter()
            .map(|l| (l.category.clone(), l.item.clone(), l.amount.to_string()))
            .chain(std::iter::repeat_with(Default::default).take(2))
            .collect(),
        None => Vec::new(),
    };
    let l = Layout::new(req, state, auth);
    let categories = BudgetCategory::ALL.iter().map(|c| (c.as_str(), c.label())).collect();
    let today = crate::clock::local_date(auth.ctx.now).to_string();
    let status = super::status_for(&errors);
    let change_kinds = crate::domain::change::Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    let page = DetailPage {
        l: &l,
        p,
        role,
        district,
        categories,
        flash,
        errors,
        today,
        typed,
        rebase_rows,
        rubric,
        change_kinds,
        evaluator_accounts,
    };
    render_status(&l, &page, status)
}

pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("signed") => Some("已登记协议签订，首批资金可以拨付。"),
        Some("reported") => Some("报告已提交，等待工作人员核验。"),
        Some("verified") => Some("已核验。"),
        Some("paid") => Some("已登记拨付，并已邮件通知该组织。"),
        Some("rectify") => Some("已通知该组织限期整改。"),
        Some("terminated") => Some("项目已终止，未拨付资金已退回资金池。"),
        Some("closure") => Some("决算已提交，等待民政部门结项。"),
        Some("rebudgeted") => Some("预算已按核定金额调整，等待民政部门登记协议签订。"),
        Some("change_filed") => Some("变更申请已提交，等待审核。"),
        Some("change_decided") => Some("已审核，并已邮件通知该组织。"),
        Some("completed") => Some("项目已结项，结余资金已退回资金池。"),
        Some("uploaded") => Some("材料已上传。"),
        Some("evaluator_assigned") => Some("已委托第三方评估，并已邮件通知受托方。"),
        Some("evaluator_removed") => Some("已撤回委托。"),
        _ => None,
    };
    detail_page(&req, &state, &auth, id.into_inner(), flash, (Vec::new(), Fields::default())).await
}

/// Runs a change; on a refusal the project page comes back with the reason.
async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: i64,
    form: &Fields,
    done: &str,
    f: impl FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> Result<ProjectView, AppError> + Send + 'static,
) -> Result<HttpResponse, PageError> {
    let to = |v: &ProjectView| format!("/projects/{}?done={done}", v.id);
    let typed = form.clone();
    super::act_shown(&req, &state, &auth, form, to, f, |errors| {
        detail_page(&req, &state, &auth, id, None, (errors, typed))
    })
    .await
}

pub async fn sign(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = SigningInput { signed_on: form.get("signed_on") };
    act(req, state, auth, id, &form, "signed", move |c, ctx| projects::sign(c, ctx, id, &input)).await
}

pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let ((id, milestone), form) = (path.into_inner(), form.into_inner());
    let actuals: Vec<ActualInput> = BudgetCategory::ALL
        .iter()
        .filter_map(|c| form.opt(&format!("actual_{}", c.as_str())).map(|a| (c, a)))
        .map(|(c, a)| ActualInput { category: c.as_str().into(), amount: a.trim().to_string() })
        .collect();
    // The service counts the filled-in categories; the page names each input by its category.
    let filled: Vec<String> = actuals.iter().map(|a: &ActualInput| format!("actual_{}", a.category)).collect();
    let input = ReportInput { text: form.get("text"), actuals };
    let mut typed = form.clone();
    typed.set("milestone_id", milestone.to_string());
    let report = move |c: &mut crate::db::DbConn, ctx: &crate::service::Ctx| {
        projects::report(c, ctx, milestone, &input).map_err(|mut e| {
            for x in &mut e.errors {
                let n = x.field.strip_prefix("actuals[").and_then(|r| r.split(']').next()?.parse::<usize>().ok());
                if let Some(name) = n.and_then(|n| filled.get(n)) {
                    x.field = name.clone();
                }
            }
            e
        })
    };
    act(req, state, auth, id, &typed, "reported", report).await
}

pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let ((id, milestone), form) = (path.into_inner(), form.into_inner());
    // The indicator inputs (pts_KEY): scored when any was filled in.
    let scores: Vec<projects::ScoreInput> = form
        .0
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("pts_").map(|key| projects::ScoreInput { key: key.into(), points: v.clone() })
        })
        .collect();
    let any = scores.iter().any(|s| !s.points.trim().is_empty());
    let input = VerifyInput {
        accepted: form.get("accepted") == "1",
        grade: form.opt("grade"),
        note: form.opt("note"),
        scores: any.then_some(scores),
        site_visit: form.opt("site_visit"),
    };
    act(req, state, auth, id, &form, "verified", move |c, ctx| projects::verify(c, ctx, milestone, &input)).await
}

/// Staff assign a third-party evaluator from the project page.
pub async fn assign_evaluator(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = form.read(|f, p| projects::evaluators::EvaluatorInput { user_id: f.number("user_id", p).unwrap_or(0) });
    act(req, state, auth, id, &form, "evaluator_assigned", move |c, ctx| {
        projects::evaluators::assign(c, ctx, id, &input?)?;
        projects::get(c, ctx, id)
    })
    .await
}

pub async fn remove_evaluator(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let ((id, user), form) = (path.into_inner(), form.into_inner());
    act(req, state, auth, id, &form, "evaluator_removed", move |c, ctx| {
        projects::evaluators::remove(c, ctx, id, user)?;
        projects::get(c, ctx, id)
    })
    .await
}

pub async fn pay(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let (ms, amount, on, reference) =
        (form.get("milestone_id"), form.get("amount"), form.get("paid_on"), form.get("reference"));
    let preview = move |c: &mut crate::db::DbConn, ctx: &crate::service::Ctx| {
        previews::pay(c, ctx, id, ms.trim().parse().unwrap_or(0), &amount, &on, &reference)
    };
    if let Some(page) = super::confirm::ask(&req, &state, &auth, &form, &format!("/projects/{id}"), preview).await? {
        return Ok(page);
    }
    let input = form.read(|f, p| PaymentInput {
        milestone_id: f.number("milestone_id", p).unwrap_or(0),
        amount: f.get("amount"),
        paid_on: f.get("paid_on"),
        reference: f.get("reference"),
    });
    act(req, state, auth, id, &form, "paid", move |c, ctx| projects::pay(c, ctx, id, &input?)).await
}

pub async fn rectify(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = RectifyInput { due_date: form.get("due_date"), note: form.get("note") };
    act(req, state, auth, id, &form, "rectify", move |c, ctx| projects::rectify(c, ctx, id, &input)).await
}

pub async fn terminate(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let back = format!("/projects/{id}");
    if let Some(page) =
        super::confirm::ask(&req, &state, &auth, &form, &back, move |c, ctx| previews::terminate(c, ctx, id)).await?
    {
        return Ok(page);
    }
    let input = TerminateInput { note: form.get("note") };
    act(req, state, auth, id, &form, "terminated", move |c, ctx| projects::terminate(c, ctx, id, &input)).await
}

/// 项目优化 (the organisation): the rows with an amount become the new budget lines.
pub async fn rebudget(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, mut form) = (id.into_inner(), form.into_inner());
    let input = projects::budget::RebudgetInput { budget_lines: budget_rows(&form), reason: form.get("reason") };
    form.set("form", "rebudget");
    act(req, state, auth, id, &form, "rebudgeted", move |c, ctx| {
        projects::budget::rebudget(c, ctx, id, &input)?;
        projects::get(c, ctx, id)
    })
    .await
}

/// Budget rows of a form (`rows`, then line_category_N / line_item_N / line_amount_N); rows
/// without an amount are left out.
fn budget_rows(form: &Fields) -> Vec<crate::service::bids::BudgetLineInput> {
    let rows = form.get("rows").parse::<usize>().unwrap_or(0).min(100);
    (0..rows)
        .filter(|i| !form.get_n("line_amount_", i).trim().is_empty())
        .map(|i| crate::service::bids::BudgetLineInput {
            category: form.get_n("line_category_", i),
            item: form.get_n("line_item_", i),
            quantity: None,
            unit_price: None,
            amount: form.get_n("line_amount_", i),
            note: String::new(),
        })
        .collect()
}

/// 项目变更 (the organisation): the budget rows count only for a budget change, the end date
/// only for a schedule change.
pub async fn file_change(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, mut form) = (id.into_inner(), form.into_inner());
    let kind = form.get("kind");
    let input = projects::changes::ChangeInput {
        budget_lines: (kind == "budget").then(|| budget_rows(&form)),
        new_end_date: (kind == "schedule").then(|| form.get("new_end_date")),
        kind,
        description: form.get("description"),
    };
    form.set("form", "change");
    act(req, state, auth, id, &form, "change_filed", move |c, ctx| {
        projects::changes::file(c, ctx, id, &input)?;
        projects::get(c, ctx, id)
    })
    .await
}

/// Staff's or finance's decision on a change request, back to its project.
pub async fn decide_change(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let project = form.get("project_id").parse::<i64>().unwrap_or(0);
    let input = projects::changes::DecisionInput { approved: form.get("approved") == "1", note: form.get("note") };
    let finance = auth.actor().map(|a| a.role) == Some(Role::Finance);
    act(req, state, auth, project, &form, "change_decided", move |c, ctx| {
        let v = if finance {
            projects::changes::finance(c, ctx, id, &input)?
        } else {
            projects::changes::decide(c, ctx, id, &input)?
        };
        projects::get(c, ctx, v.project_id)
    })
    .await
}

/// 结项 (the organisation): one amount per budget category; empty rows are left out.
pub async fn file_closure(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let final_accounts = BudgetCategory::ALL
        .iter()
        .filter_map(|c| {
            let amount = form.get(&format!("acc_{}", c.as_str()));
            (!amount.trim().is_empty()).then(|| AccountLine { category: c.as_str().into(), amount })
        })
        .collect();
    let input = ClosureInput { final_accounts, note: form.get("note") };
    act(req, state, auth, id, &form, "closure", move |c, ctx| closure::file(c, ctx, id, &input)).await
}

/// Staff close the project, recording the refund when one is due.
pub async fn close(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = CloseInput { refund_reference: form.opt("refund_reference"), refunded_on: form.opt("refunded_on") };
    act(req, state, auth, id, &form, "completed", move |c, ctx| closure::close(c, ctx, id, &input)).await
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (id, milestone) = path.into_inner();
    let to = format!("/projects/{id}?done=uploaded");
    let add = crate::service::attachments::add_evidence;
    super::upload_act(&req, &state, &auth, payload, (milestone, add), to, |errors| {
        detail_page(&req, &state, &auth, id, None, (errors, Fields::default()))
    })
    .await
}
