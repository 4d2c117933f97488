//! Passwords without a technician: change one's own, an admin's temporary password, and a
//! forgotten password reset by an emailed single-use link.

use super::password::Hasher;
use super::{accounts, audit, mail, Ctx, Principal};
use crate::clock::db_time;
use crate::db::{self, users::UserRow, DbConn};
use crate::domain::account::Role;
use crate::domain::{password_policy, password_reset};
use crate::error::{AppError, AppResult, Code, Problems};
use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordInput {
    pub current: String,
    pub new: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TemporaryPassword {
    /// Shown once; the user must change it at the next login.
    pub temporary: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequestInput {
    pub login: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetInput {
    pub new: String,
}

/// The new password's problems in `p`, under the field `field`.
fn check_new(p: &mut Problems, field: &str, new: &str, login: &str) {
    if let Err(w) = password_policy::check(new, login) {
        p.add(field, w.code(), w.message());
    }
}

/// The logged-in user changes their password: the old one stops working and every other
/// session of theirs ends (a stolen session does not outlive the change).
pub fn change(
    conn: &mut DbConn,
    ctx: &Ctx,
    hasher: &Hasher,
    session_hash: &str,
    input: &ChangePasswordInput,
) -> AppResult<()> {
    let actor = ctx.require(&Role::ALL)?;
    let user = db::users::find(conn, actor.id)?.ok_or_else(AppError::not_found)?;
    let mut p = Problems::default();
    if !hasher.verify(Some(&user.password_hash), &input.current) {
        p.add("current", "wrong_password", "当前密码不正确");
    }
    check_new(&mut p, "new", &input.new, &user.login);
    if !password_reset::differs(&input.current, &input.new) {
        p.add("new", "same_password", "新密码不能与当前密码相同");
    }
    p.finish()?;
    let hash = hasher.hash(&input.new);
    db::write_tx(conn, |c| {
        db::users::set_password(c, user.id, &hash, false)?;
        db::sessions::delete_other(c, user.id, session_hash)?;
        db::users::expire_resets(c, user.id, db_time(ctx.now))?;
        audit::record(c, ctx, "user.password_change", "user", Some(user.id), serde_json::json!({}))
    })
}

/// An unambiguous temporary password (no 0/O, 1/l/I) that a person can read out over the phone.
fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let s: String = (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
}

/// An admin (or the operator at the command line) sets a temporary password, shown once; the user's sessions end and the user must
/// choose a new password at the next login.
pub fn admin_reset(conn: &mut DbConn, ctx: &Ctx, hasher: &Hasher, user_id: i64) -> AppResult<TemporaryPassword> {
    ctx.require_or_system(&[Role::Admin])?;
    let user = db::users::find(conn, user_id)?.ok_or_else(AppError::not_found)?;
    let temporary = temporary_password();
    let hash = hasher.hash(&temporary);
    db::write_tx(conn, |c| {
        db::users::set_password(c, user.id, &hash, true)?;
        db::sessions::delete_for_user(c, user.id)?;
        db::users::expire_resets(c, user.id, db_time(ctx.now))?;
        // Never the password itself: the audit chain is read by many.
        audit::record(c, ctx, "user.password_reset", "user", Some(user.id), serde_json::json!({"login": user.login}))
    })?;
    Ok(TemporaryPassword { temporary })
}

/// Requests per client address within the login failure window.
const REQUESTS_PER_IP: i64 = 30;

/// Anyone asks for a reset link. The answer is the same for known and unknown logins; a known,
/// active login with an email gets a single-use link valid 30 minutes, at most three an hour.
pub fn request(conn: &mut DbConn, ctx: &Ctx, input: &ResetRequestInput, public_url: &str) -> AppResult<()> {
    let login = input.login.trim().to_ascii_lowercase();
    let ip_key = format!("reset-ip:{}", ctx.ip.as_deref().unwrap_or("-"));
    let since = db_time(ctx.now - accounts::FAILURE_WINDOW);
    let allowed = db::write_tx(conn, |c| {
        db::lock_key(c, &ip_key)?;
        if db::sessions::failures_since(c, &ip_key, since)? >= REQUESTS_PER_IP {
            return Ok(false);
        }
        db::sessions::record_failure(c, &ip_key, db_time(ctx.now))?;
        Ok(true)
    })?;
    if !allowed {
        return Err(AppError::rate_limited());
    }
    let user = if login.len() <= 64 { db::users::by_login(conn, &login)? } else { None };
    let Some(user) = user.filter(|u| u.active) else {
        return Ok(());
    };
    let Some(email) = user.email.clone() else {
        return Ok(());
    };
    let token = accounts::new_token();
    let link = format!("{}/password-reset/{token}", public_url.trim_end_matches('/'));
    let ctx = as_user(ctx, &user)?;
    db::write_tx(conn, |c| {
        db::lock_key(c, &format!("reset:{}", user.id))?;
        let window = db_time(ctx.now - password_reset::LINK_WINDOW);
        if !password_reset::may_send(db::users::resets_since(c, user.id, window)?) {
            return Ok(());
        }
        let expires = password_reset::expires(ctx.now);
        db::users::insert_reset(c, &accounts::hash_token(&token), user.id, db_time(ctx.now), db_time(expires))?;
        let at = crate::clock::local_display(expires);
        mail::queue(c, &ctx, mail::password_reset(&email, &user.display_name, &link, &at))?;
        audit::record(c, &ctx, "user.password_reset_requested", "user", Some(user.id), serde_json::json!({}))
    })
}

fn as_user(ctx: &Ctx, user: &UserRow) -> AppResult<Ctx> {
    Ok(Ctx { principal: Principal::User(accounts::actor_of(user)?), ..ctx.clone() })
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The user a link belongs to while it can still be used (the page asks before its form).
pub fn link_user(conn: &mut DbConn, ctx: &Ctx, token: &str) -> AppResult<Option<String>> {
    if !well_formed(token) {
        return Ok(None);
    }
    Ok(db::users::reset_user(conn, &accounts::hash_token(token), db_time(ctx.now))?.map(|u| u.login))
}

/// Sets a new password with an emailed link. The link is spent in the same transaction, by a
/// conditional UPDATE, so of two requests racing with it only one succeeds; every session of the
/// user ends.
pub fn complete(conn: &mut DbConn, ctx: &Ctx, hasher: &Hasher, token: &str, input: &ResetInput) -> AppResult<()> {
    let invalid = || AppError::from(Code::ResetLinkInvalid);
    if !well_formed(token) {
        return Err(invalid());
    }
    let token_hash = accounts::hash_token(token);
    let user = db::users::reset_user(conn, &token_hash, db_time(ctx.now))?.ok_or_else(invalid)?;
    let mut p = Problems::default();
    check_new(&mut p, "new", &input.new, &user.login);
    p.finish()?;
    let hash = hasher.hash(&input.new);
    let ctx = as_user(ctx, &user)?;
    db::write_tx(conn, |c| {
        let owner = db::users::use_reset(c, &token_hash, db_time(ctx.now))?;
        if owner != Some(user.id) {
            return Err(invalid());
        }
        db::users::set_password(c, user.id, &hash, false)?;
        db::sessions::delete_for_user(c, user.id)?;
        db::users::expire_resets(c, user.id, db_time(ctx.now))?;
        audit::record(c, &ctx, "user.password_reset_completed", "user", Some(user.id), serde_json::json!({}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_readable_and_pass_the_policy() {
        for _ in 0..50 {
            let t = temporary_password();
            assert_eq!(t.len(), 14);
            assert!(!t.contains(['0', 'O', '1', 'l', 'I']));
            assert!(password_policy::check(&t, "someone").is_ok(), "{t}");
        }
    }
}
