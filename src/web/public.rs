//! The public views as anonymous readers get them: each computed once per data generation and
//! kept in its memo (`AppState::public`) for everyone.

use super::state::AppState;
use crate::domain::account::Role;
use crate::error::AppResult;
use crate::service::{calls, notices, Ctx};
use std::sync::Arc;

/// The published calls as the public (and any non-staff user) sees them.
pub async fn calls_list(
    state: &AppState,
    ctx: Ctx,
    before: Option<i64>,
    limit: Option<i64>,
) -> AppResult<Arc<Vec<calls::CallView>>> {
    let staff = matches!(ctx.actor().map(|a| a.role), Some(Role::Staff | Role::Admin | Role::Finance));
    if staff {
        return Ok(Arc::new(state.db(move |c| calls::list(c, &ctx, before, limit)).await?));
    }
    let (generation, now) = (crate::db::generation(), ctx.now);
    let compute = state.db(move |c| calls::list(c, &ctx, before, limit));
    state.public.calls.get_or((before, limit), generation, now, compute).await
}

/// One call as an anonymous reader sees it (published calls only; a draft is 404 and never kept).
pub async fn call(state: &AppState, ctx: Ctx, id: i64) -> AppResult<Arc<calls::CallView>> {
    let (generation, now) = (crate::db::generation(), ctx.now);
    let ctx = Ctx { principal: crate::service::Principal::Anonymous, ..ctx };
    let compute = state.db(move |c| calls::get(c, &ctx, id));
    state.public.calls_one.get_or(id, generation, now, compute).await
}

/// A results notice (the same for every reader).
pub async fn notice(state: &AppState, ctx: Ctx, id: i64) -> AppResult<Arc<notices::NoticeView>> {
    let (generation, now) = (crate::db::generation(), ctx.now);
    let compute = state.db(move |c| notices::get(c, &ctx, id));
    state.public.notices.get_or(id, generation, now, compute).await
}
