//! Limits on the connection itself, before any handler: how many connections one address may
//! hold at once, and how long a request body may take to arrive. A client that opens thousands
//! of sockets or sends a body a byte at a time must not starve everyone else.

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Open connections per peer address.
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// Held in the connection's extensions; gives its place back when the connection ends.
pub struct Slot {
    table: Arc<Connections>,
    ip: IpAddr,
    /// How many connections this address held, this one included, when it opened.
    pub rank: usize,
}

impl Connections {
    pub fn open(self: &Arc<Self>, ip: IpAddr) -> Slot {
        let mut m = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(ip).or_insert(0);
        *n += 1;
        Slot { table: self.clone(), ip, rank: *n }
    }
    pub fn count(&self, ip: IpAddr) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut m = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Whether a new connection from `ip` is over the cap (`cap` 0: no cap). Trusted proxies carry
/// everyone's connections and are never capped: the proxy limits its own clients.
pub fn over_cap(slot: &Slot, cap: usize, trusted: &[IpAddr]) -> bool {
    cap > 0 && slot.rank > cap && !trusted.contains(&slot.ip)
}

/// A request body that must keep arriving: at most `idle` between chunks and `total` in all.
pub struct Timed {
    inner: Payload,
    idle_for: Duration,
    idle: Pin<Box<Sleep>>,
    total: Pin<Box<Sleep>>,
    expired: bool,
}

impl Timed {
    pub fn new(inner: Payload, idle: Duration, total: Duration) -> Timed {
        Timed {
            inner,
            idle_for: idle,
            idle: Box::pin(tokio::time::sleep(idle)),
            total: Box::pin(tokio::time::sleep(total)),
            expired: false,
        }
    }
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            if matches!(item, Some(Ok(_))) {
                let next = Instant::now() + self.idle_for;
                self.idle.as_mut().reset(next);
            }
            return Poll::Ready(item);
        }
        if self.total.as_mut().poll(cx).is_ready() || self.idle.as_mut().poll(cx).is_ready() {
            self.expired = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body too slow",
            )))));
        }
        Poll::Pending
    }
}

/// Whether the request announces a body (a length above zero, or chunks).
pub fn has_body(req: &ServiceRequest) -> bool {
    let h = req.headers();
    h.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()).is_some_and(|n| n > 0)
        || h.contains_key("transfer-encoding")
}

/// Puts the deadline on the request's body.
pub fn time_body(req: &mut ServiceRequest, idle: Duration, total: Duration) {
    if has_body(req) {
        let inner = req.take_payload();
        req.set_payload(Payload::from(
            Box::pin(Timed::new(inner, idle, total)) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_count_and_give_back() {
        let t = Arc::new(Connections::default());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let a = t.open(ip);
        let b = t.open(ip);
        assert_eq!((a.rank, b.rank, t.count(ip)), (1, 2, 2));
        assert!(!over_cap(&b, 2, &[]) && over_cap(&t.open(ip), 2, &[]));
        assert!(!over_cap(&t.open(ip), 0, &[]), "0: no cap");
        let p1 = t.open(proxy);
        let p2 = t.open(proxy);
        assert!(!over_cap(&p2, 1, &[proxy]), "a trusted proxy is never capped");
        drop((a, b, p1, p2));
        assert_eq!((t.count(ip), t.count(proxy)), (0, 0));
    }
}
