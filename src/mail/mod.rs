//! The outbox worker: claims due mails with a lease, sends them with lettre (SMTP when
//! `GONGYI_SMTP_URL` is set, else `.eml` files under `DATA_DIR/outbox`), retries with exponential
//! backoff and marks a mail dead after the last attempt. Never called inside a request.

use crate::clock::{db_time, Clock};
use crate::db::{self, outbox::OutboxRow, DbPool};
use chrono::Duration;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(smtp_url: Option<&str>, data_dir: &std::path::Path) -> Result<Transport, String> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Transport::Smtp(b.timeout(Some(std::time::Duration::from_secs(20))).build()))
                .map_err(|e| format!("GONGYI_SMTP_URL 无效: {e}")),
            None => {
                let dir: PathBuf = data_dir.join("outbox");
                std::fs::create_dir_all(&dir).map_err(|e| format!("无法创建 {}: {e}", dir.display()))?;
                Ok(Transport::Files(AsyncFileTransport::new(dir)))
            }
        }
    }

    async fn send(&self, m: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(t) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

pub struct Worker {
    pub pool: DbPool,
    pub clock: Arc<dyn Clock>,
    pub transport: Transport,
    pub from: Mailbox,
    pub wake: Arc<Notify>,
    pub retry_secs: i64,
    pub max_attempts: i32,
    /// How long claimed mails stay ours (chrono, for the database's timestamps).
    pub lease: Duration,
    pub poll: std::time::Duration,
}

fn build(from: &Mailbox, row: &OutboxRow) -> Result<Message, String> {
    let to: Mailbox = row.to_addr.parse().map_err(|e| format!("bad address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(row.body.clone())
        .map_err(|e| format!("cannot build message: {e}"))
}

impl Worker {
    /// Sends everything due now; returns how many were attempted.
    pub async fn run_once(&self) -> usize {
        let token = crate::service::accounts::new_token();
        let now = self.clock.now();
        let pool = self.pool.clone();
        let tok = token.clone();
        let lease = self.lease;
        let claimed = tokio::task::spawn_blocking(move || -> Result<Vec<OutboxRow>, String> {
            let mut c = pool.get().map_err(|e| e.to_string())?;
            // Through write_tx so the worker queues with request writers instead of meeting
            // SQLite's sleeping busy handler.
            db::write_tx(&mut c, |c| {
                let rows = db::outbox::claim(c, &tok, db_time(now), db_time(now + lease), 20)?;
                // Re-check what each mail is about, under the same lock as the claim: a mail that
                // waited through an outage may no longer be true.
                let bid_ids: Vec<i64> = rows.iter().filter_map(|r| r.bid_id).collect();
                if bid_ids.is_empty() {
                    return Ok(rows);
                }
                let status: std::collections::HashMap<i64, String> =
                    db::bids::statuses(c, &bid_ids)?.into_iter().collect();
                let mut keep = Vec::with_capacity(rows.len());
                for r in rows {
                    let st = r.bid_id.and_then(|b| status.get(&b)).map(String::as_str);
                    match crate::domain::outbox::cancel_reason(&r.kind, st) {
                        Some(reason) => {
                            db::outbox::cancel(c, r.id, &tok, reason)?;
                            tracing::info!(mail_id = r.id, kind = %r.kind, "mail cancelled: {reason}");
                        }
                        None => keep.push(r),
                    }
                }
                Ok(keep)
            })
            .map_err(|e| e.to_string())
        })
        .await;
        let rows = match claimed {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => {
                tracing::warn!("outbox claim failed: {e}");
                return 0;
            }
            Err(e) => {
                tracing::error!("outbox claim panicked: {e}");
                return 0;
            }
        };
        let n = rows.len();
        let mut outcomes = Vec::with_capacity(n);
        for row in rows {
            let result = match build(&self.from, &row) {
                Ok(m) => self.transport.send(m).await,
                Err(e) => Err(e),
            };
            let attempts = row.attempts + 1;
            let dead = attempts >= self.max_attempts;
            match &result {
                Ok(()) => tracing::info!(mail_id = row.id, kind = %row.kind, "mail sent"),
                // The error text comes from the transport; it never holds message bodies or credentials.
                Err(e) => tracing::warn!(mail_id = row.id, attempts, dead, "mail failed: {e}"),
            }
            let backoff = Duration::seconds(self.retry_secs.saturating_mul(1i64 << (attempts - 1).clamp(0, 16)))
                .min(Duration::hours(6));
            outcomes.push((row.id, result, dead, backoff));
        }
        // One transaction records the whole batch, each row only while our lease holds.
        let pool = self.pool.clone();
        let now = db_time(self.clock.now());
        let recorded = tokio::task::spawn_blocking(move || -> Result<(), String> {
            let mut c = pool.get().map_err(|e| e.to_string())?;
            db::write_tx(&mut c, |c| {
                for (id, result, dead, backoff) in &outcomes {
                    match result {
                        Ok(()) => db::outbox::mark_sent(c, *id, &token, now)?,
                        Err(e) => {
                            let e: String = e.chars().take(500).collect();
                            db::outbox::mark_failed(c, *id, &token, &e, now + *backoff, *dead)?
                        }
                    };
                }
                Ok(())
            })
            .map_err(|e| e.to_string())
        })
        .await;
        if !matches!(recorded, Ok(Ok(()))) {
            tracing::warn!("recording sent mail failed; the lease will expire and they are retried");
        }
        n
    }

    /// Runs until the process ends: wakes on a new mail or every poll interval.
    pub async fn run(self) {
        loop {
            let sent = self.run_once().await;
            if sent == 0 {
                tokio::select! {
                    // A short pause after a wake-up gathers the mail of concurrent requests
                    // into one batch (one claim, one record) instead of one round each.
                    _ = self.wake.notified() => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
                    _ = tokio::time::sleep(self.poll) => {},
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(to: &str, subject: &str) -> OutboxRow {
        let t = chrono::NaiveDateTime::default();
        OutboxRow {
            id: 1,
            kind: "call_published".into(),
            to_addr: to.into(),
            subject: subject.into(),
            body: "正文\r\nBcc: evil@example.com".into(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: t,
            lease_token: None,
            lease_until: None,
            last_error: None,
            created_at: t,
            sent_at: None,
            bid_id: None,
        }
    }

    /// Text that reaches a header (a call title in the subject) cannot add headers, and an
    /// address is parsed as one address, never as a list.
    #[test]
    fn headers_cannot_be_injected() {
        let from: Mailbox = "gongyi@localhost".parse().unwrap();
        let m = build(&from, &row("org@example.cn", "招标公告：标题\r\nBcc: evil@example.com")).unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(!head.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{head}");
        assert!(m.envelope().to().iter().all(|a| a.to_string() == "org@example.cn"));
        assert!(build(&from, &row("org@example.cn\r\nBcc: evil@example.com", "x")).is_err());
        assert!(build(&from, &row("a@example.cn, evil@example.com", "x")).is_err());
    }
}
