//! What every handler shares.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::error::{AppError, AppResult};
use crate::service::password::Hasher;
use crate::service::{Ctx, Principal};
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub audit_key: Arc<[u8]>,
    pub hasher: Arc<Hasher>,
    /// Pokes the mail worker after a request queued mail.
    pub mail_wake: Arc<Notify>,
    pub training: bool,
    /// Parsed GONGYI_TRUSTED_PROXIES.
    pub proxies: Arc<[std::net::IpAddr]>,
    /// Public views for anonymous visitors (`web::memo`).
    pub public: Arc<PublicViews>,
}

#[derive(Default)]
pub struct PublicViews {
    /// The open-call list by (before, limit).
    pub calls: super::memo::Memo<(Option<i64>, Option<i64>), Vec<crate::service::calls::CallView>>,
    pub notices: super::memo::Memo<i64, crate::service::notices::NoticeView>,
    /// The same two as JSON bodies, serialised once.
    pub calls_json: super::memo::Memo<(Option<i64>, Option<i64>), actix_web::web::Bytes>,
    pub notices_json: super::memo::Memo<i64, actix_web::web::Bytes>,
    /// The anonymous notice page's HTML, split where the visitor's CSRF token goes.
    pub notice_pages: super::memo::Memo<i64, Vec<String>>,
    /// One published call as anonymous readers see it, its JSON and its page.
    pub calls_one: super::memo::Memo<i64, crate::service::calls::CallView>,
    pub calls_one_json: super::memo::Memo<i64, actix_web::web::Bytes>,
    pub call_pages: super::memo::Memo<i64, Vec<String>>,
    /// The anonymous home page, likewise.
    pub home_pages: super::memo::Memo<(), Vec<String>>,
    /// The region list, the same for everybody.
    pub regions_json: super::memo::Memo<(), actix_web::web::Bytes>,
}

impl AppState {
    pub fn ctx(&self, principal: Principal, ip: Option<String>) -> Ctx {
        Ctx { principal, now: self.clock.now(), audit_key: self.audit_key.clone(), ip }
    }

    /// Where published documents go and the authority printed on them.
    pub fn doc_settings(&self) -> crate::service::documents::DocSettings {
        crate::service::documents::DocSettings {
            data_dir: self.config.data_dir.clone(),
            authority: self.config.authority.clone(),
            contact: self.config.contact.clone(),
        }
    }

    /// Runs blocking database work off the async executor.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
    }
}
