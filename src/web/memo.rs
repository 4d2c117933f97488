//! Public views computed once and served to every anonymous visitor until the data changes.
//! A view is fresh while no state change has committed in this process since it was computed
//! (`db::generation`) and for at most one second, by the wall clock and by the application's
//! clock (other server instances on the same database, views that depend on the time, such as
//! whether a call still takes bids, and a training clock moved on).

use crate::error::AppResult;
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
    /// Held while a stale view is recomputed: when a view expires under load, one request
    /// recomputes it and the others wait for that result instead of all querying at once.
    refill: tokio::sync::Mutex<()>,
}

impl<K: Eq + Hash, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo { map: Mutex::new(HashMap::new()), refill: tokio::sync::Mutex::new(()) }
    }
}

impl<K: Eq + Hash, V> Memo<K, V> {
    pub fn get(&self, key: &K, generation: u64, now: Now) -> Option<Arc<V>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let max = chrono::Duration::from_std(MAX_AGE).unwrap_or_default();
        map.get(key)
            .filter(|(g, at, then, _)| *g == generation && at.elapsed() < MAX_AGE && (now - *then).abs() < max)
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

    /// The view, computing it when stale, at most one computation at a time (see `refill`).
    /// `generation` is read by the caller before anything is computed.
    pub async fn get_or<Fut>(&self, key: K, generation: u64, now: Now, compute: Fut) -> AppResult<Arc<V>>
    where
        Fut: std::future::Future<Output = AppResult<V>>,
    {
        if let Some(v) = self.get(&key, generation, now) {
            return Ok(v);
        }
        let _turn = self.refill.lock().await;
        if let Some(v) = self.get(&key, generation, now) {
            return Ok(v);
        }
        let v = Arc::new(compute.await?);
        self.put(key, generation, now, v.clone());
        Ok(v)
    }
}

/// A memoised view as its JSON body: serialised once per computation, not once per request.
pub async fn json<K: Eq + Hash + Clone, V: serde::Serialize>(
    memo: &Memo<K, actix_web::web::Bytes>,
    key: K,
    now: Now,
    view: impl std::future::Future<Output = AppResult<Arc<V>>>,
) -> AppResult<actix_web::web::Bytes> {
    let generation = crate::db::generation();
    let body = memo
        .get_or(key, generation, now, async {
            let v = view.await?;
            let bytes = serde_json::to_vec(&*v).map_err(|e| crate::error::AppError::internal(format!("json: {e}")))?;
            Ok(actix_web::web::Bytes::from(bytes))
        })
        .await?;
    Ok((*body).clone())
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
        assert!(m.get(&1, 7, t - chrono::Duration::milliseconds(300)).is_some(), "a request that began just before");
        let old = Memo::default();
        old.map.lock().unwrap().insert(1, (7, Instant::now() - MAX_AGE, t, Arc::new("v")));
        assert!(old.get(&1, 7, t).is_none(), "older than a second");
    }
}
