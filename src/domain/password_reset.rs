//! Getting back into an account: how long an emailed link lives, how many a user can be sent,
//! and which routes a user holding a temporary password may still reach.

use chrono::{DateTime, Duration, Utc};

/// An emailed reset link works once, within this time.
pub const LINK_VALID: Duration = Duration::minutes(30);
/// No more than this many links per user per `LINK_WINDOW`: a stranger typing someone's login
/// cannot fill their mailbox.
pub const MAX_LINKS: i64 = 3;
pub const LINK_WINDOW: Duration = Duration::hours(1);

pub fn expires(now: DateTime<Utc>) -> DateTime<Utc> {
    now + LINK_VALID
}

/// Whether another link may be sent, given how many went out in the window.
pub fn may_send(sent_in_window: i64) -> bool {
    sent_in_window < MAX_LINKS
}

/// Routes a user who must change a temporary password may still use: who they are, the
/// password routes, logging out, and what every page needs (styles, the favicon).
pub fn open_while_temporary(path: &str) -> bool {
    const EXACT: [&str; 8] = [
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/session",
        "/api/v1/password-reset",
        "/account/password",
        "/logout",
        "/login",
        "/healthz",
    ];
    EXACT.contains(&path)
        || path.starts_with("/static/")
        || path.starts_with("/api/v1/password-reset/")
        || path == "/favicon.ico"
}

/// A new password must differ from the one it replaces.
pub fn differs(current: &str, new: &str) -> bool {
    current != new
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_lives_thirty_minutes() {
        let now = DateTime::parse_from_rfc3339("2027-03-01T08:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(expires(now).to_rfc3339(), "2027-03-01T08:30:00+00:00");
    }

    #[test]
    fn three_links_an_hour() {
        assert!(may_send(0));
        assert!(may_send(2));
        assert!(!may_send(3));
        assert!(!may_send(10));
    }

    #[test]
    fn a_temporary_password_opens_only_the_way_to_change_it() {
        for p in
            ["/api/v1/me", "/api/v1/me/password", "/api/v1/session", "/account/password", "/logout", "/static/app.css"]
        {
            assert!(open_while_temporary(p), "{p}");
        }
        for p in ["/api/v1/calls", "/api/v1/me/passwordx", "/staff", "/", "/api/v1/users/1/password-reset", "/account"]
        {
            assert!(!open_while_temporary(p), "{p}");
        }
    }

    #[test]
    fn the_same_password_is_no_change() {
        assert!(!differs("demo2026", "demo2026"));
        assert!(differs("demo2026", "demo2027!"));
    }
}
