//! Public views computed once and served to every anonymous visitor until the data changes.
//! A view is fresh while no state change has committed in this process since it was computed
//! (`db::generation`) and for at most one second, by the wall clock and by the application's
//! clock (other server instances on the same database, views that depend on the time, such as
//! whether a call still takes bids, and a training clock moved on).

use super::state::AppState;
use crate::domain::account::Role;
use crate::error::AppResult;
use crate::service::{calls, notices, Ctx};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAX_AGE: Duration = Duration::from_secs(1);
const MAX_ENTRIES: usize = 1024;

type Now = chrono::DateTime<chrono::Utc>;
/// (generation, wall-clock instant, application time) of a computed view, and the view.
type Entry<V> = (u64, Instant, Now, Arc<V>);

pub struct Memo<K, V> {
    map: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo { map: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash, V> Memo<K, V> {
    pub fn get(&self, key: &K, generation: u64, now: Now) -> Option<Arc<V>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let max = chrono::Duration::from_std(MAX_AGE).unwrap_or_default();
        map.get(key)
            .filter(|(g, at, then, _)| *g == generation && at.elapsed() < MAX_AGE && now >= *then && now - *then < max)
            .map(|(_, _, _, v)| v.clone())
    }

    /// Stores a view computed at `generation` (read before computing it, so a write that lands
    /// meanwhile makes it stale at once).
    pub fn put(&self, key: K, generation: u64, now: Now, v: Arc<V>) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (generation, Instant::now(), now, v));
    }
}

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
    if let Some(v) = state.public.calls.get(&(before, limit), generation, now) {
        return Ok(v);
    }
    let v = Arc::new(state.db(move |c| calls::list(c, &ctx, before, limit)).await?);
    state.public.calls.put((before, limit), generation, now, v.clone());
    Ok(v)
}

/// A results notice (the same for every reader).
pub async fn notice(state: &AppState, ctx: Ctx, id: i64) -> AppResult<Arc<notices::NoticeView>> {
    let (generation, now) = (crate::db::generation(), ctx.now);
    if let Some(v) = state.public.notices.get(&id, generation, now) {
        return Ok(v);
    }
    let v = Arc::new(state.db(move |c| notices::get(c, &ctx, id)).await?);
    state.public.notices.put(id, generation, now, v.clone());
    Ok(v)
}

/// A memoised view as its JSON body: serialised once per computation, not once per request.
pub async fn json<K: Eq + Hash + Clone, V: serde::Serialize>(
    memo: &Memo<K, actix_web::web::Bytes>,
    key: K,
    now: Now,
    view: impl std::future::Future<Output = AppResult<Arc<V>>>,
) -> AppResult<actix_web::web::Bytes> {
    let generation = crate::db::generation();
    if let Some(b) = memo.get(&key, generation, now) {
        return Ok((*b).clone());
    }
    let v = view.await?;
    let body = actix_web::web::Bytes::from(
        serde_json::to_vec(&*v).map_err(|e| crate::error::AppError::internal(format!("json: {e}")))?,
    );
    memo.put(key, generation, now, Arc::new(body.clone()));
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_after_a_write_or_a_second() {
        let t: Now = "2026-03-02T01:00:00Z".parse().unwrap();
        let m: Memo<i64, &str> = Memo::default();
        m.put(1, 7, t, Arc::new("v"));
        assert_eq!(m.get(&1, 7, t).as_deref(), Some(&"v"));
        assert!(m.get(&1, 8, t).is_none(), "a later generation");
        assert!(m.get(&2, 7, t).is_none());
        assert!(m.get(&1, 7, t + chrono::Duration::days(1)).is_none(), "the clock moved on");
        assert!(m.get(&1, 7, t - chrono::Duration::days(1)).is_none(), "the clock moved back");
        let old = Memo::default();
        old.map.lock().unwrap().insert(1, (7, Instant::now() - MAX_AGE, t, Arc::new("v")));
        assert!(old.get(&1, 7, t).is_none(), "older than a second");
    }
}
