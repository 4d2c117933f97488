//! Accounts: log in and out, sessions, creating users.

use super::password::Hasher;
use super::{audit, page_limit, Actor, Ctx};
use crate::clock::db_time;
use crate::db::{self, users::UserRow, DbConn};
use crate::domain::account::Role;
use crate::domain::{text, RegionCode, Uscc};
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::Duration;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const SESSION_IDLE: Duration = Duration::minutes(30);
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);
/// Failed logins allowed per account and per client address within `FAILURE_WINDOW`.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
pub const MAX_FAILURES_PER_IP: i64 = 50;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn actor_of(u: &UserRow) -> AppResult<Actor> {
    Ok(Actor {
        id: u.id,
        login: u.login.clone(),
        display_name: u.display_name.clone(),
        role: Role::parse(&u.role).ok_or_else(|| AppError::internal(format!("bad role {}", u.role)))?,
        region_code: u.region_code.clone(),
        organisation_id: u.organisation_id,
        must_change_password: u.must_change_password,
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
}

/// Checks the password and opens a session; returns the session token (for the cookie only).
/// Unknown logins and wrong passwords cost the same and get the same answer.
pub fn login(conn: &mut DbConn, ctx: &Ctx, hasher: &Hasher, input: &LoginInput) -> AppResult<(String, Actor)> {
    let login = input.login.trim().to_ascii_lowercase();
    let acct_key = format!("acct:{login}");
    let ip_key = format!("ip:{}", ctx.ip.as_deref().unwrap_or("-"));
    let since = db_time(ctx.now - FAILURE_WINDOW);
    // Each attempt is counted as a failure before the hash is checked, under a lock on both keys:
    // however many arrive at once, no more than the limit ever reach the hash.
    let taken = db::write_tx(conn, |c| {
        db::lock_key(c, &acct_key)?;
        db::lock_key(c, &ip_key)?;
        if db::sessions::failures_since(c, &acct_key, since)? >= MAX_FAILURES_PER_ACCOUNT
            || db::sessions::failures_since(c, &ip_key, since)? >= MAX_FAILURES_PER_IP
        {
            return Ok(None);
        }
        let at = db_time(ctx.now);
        Ok(Some((db::sessions::record_failure(c, &acct_key, at)?, db::sessions::record_failure(c, &ip_key, at)?)))
    })?;
    let Some((_, ip_attempt)) = taken else {
        return Err(AppError::rate_limited());
    };
    let user = if login.len() <= 64 { db::users::by_login(conn, &login)? } else { None };
    let ok = hasher.verify(user.as_ref().map(|u| u.password_hash.as_str()), &input.password);
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            return Err(AppError::from(Code::BadCredentials));
        }
    };
    let actor = actor_of(&user)?;
    let token = new_token();
    let ctx = Ctx { principal: super::Principal::User(actor.clone()), ..ctx.clone() };
    db::write_tx(conn, |c| {
        // A success was no failure: the account's count starts again, the address's attempt goes.
        db::sessions::clear_failures(c, &acct_key)?;
        db::sessions::delete_failure(c, ip_attempt)?;
        db::sessions::create(c, &hash_token(&token), user.id, db_time(ctx.now))?;
        audit::record(c, &ctx, "session.login", "user", Some(user.id), serde_json::json!({}))
    })?;
    Ok((token, actor))
}

pub fn logout(conn: &mut DbConn, token: &str) -> AppResult<()> {
    db::sessions::delete(conn, &hash_token(token))?;
    Ok(())
}

/// The live session's user; refreshes the idle timer at most once a minute.
pub fn session_user(conn: &mut DbConn, token: &str, now: chrono::DateTime<chrono::Utc>) -> AppResult<Option<Actor>> {
    let h = hash_token(token);
    let found = db::sessions::lookup(conn, &h, db_time(now - SESSION_IDLE), db_time(now - SESSION_ABSOLUTE))?;
    let Some((user, seen)) = found else {
        return Ok(None);
    };
    if db_time(now) - seen > Duration::minutes(1) {
        db::write_tx(conn, |c| Ok(db::sessions::touch(c, &h, db_time(now))?))?;
    }
    Ok(Some(actor_of(&user)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUserInput {
    pub login: String,
    pub password: String,
    pub display_name: String,
    pub email: Option<String>,
    /// `admin`, `staff`, `finance`, `reviewer` or `evaluator` (organisation users register themselves).
    pub role: String,
    /// Staff only: the town they act for (none = district staff).
    pub region_code: Option<String>,
    /// Reviewers only: USCCs of organisations they work for or advise.
    #[serde(default)]
    pub affiliations: Vec<String>,
    /// `org` accounts only: the 统一社会信用代码 of the organisation the account acts for (how an
    /// organisation loaded by `gongyi import organisations`, which has no account, gets one).
    #[serde(default)]
    pub organisation: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub region_code: Option<String>,
    pub organisation_id: Option<i64>,
    pub affiliations: Vec<String>,
    pub active: bool,
}

fn user_view(u: &UserRow, affiliations: Vec<String>) -> AppResult<UserView> {
    Ok(UserView {
        id: u.id,
        login: u.login.clone(),
        display_name: u.display_name.clone(),
        email: u.email.clone(),
        role: actor_of(u)?.role,
        region_code: u.region_code.clone(),
        organisation_id: u.organisation_id,
        affiliations,
        active: u.active,
    })
}

fn email_field(p: &mut Problems, e: &str) -> Option<String> {
    let v = text::email(e);
    if v.is_none() {
        p.add("email", "invalid_email", "邮箱地址格式不正确");
    }
    v
}

/// Any role; `org` only with the organisation it acts for (organisations otherwise get their
/// first account by registering).
fn role_field(p: &mut Problems, r: &str, organisation_given: bool) -> Option<Role> {
    let v = Role::parse(r);
    match v {
        None => p.add("role", "invalid_role", "角色应为 admin、staff、finance、reviewer、evaluator、community 或 org"),
        Some(Role::Org) if !organisation_given => {
            p.add("organisation", "organisation_required", "社会组织账号须填写所属组织的统一社会信用代码")
        }
        Some(x) if x != Role::Org && organisation_given => {
            p.add("organisation", "organisation_not_allowed", "只有社会组织账号可以指定所属组织")
        }
        _ => {}
    }
    v
}

/// The organisation an `org` account acts for, by its 统一社会信用代码.
fn organisation_field(conn: &mut DbConn, p: &mut Problems, role: Option<Role>, code: &str) -> AppResult<Option<i64>> {
    if role != Some(Role::Org) {
        return Ok(None);
    }
    let Ok(u) = Uscc::parse_unchecked(code) else {
        p.add("organisation", "invalid_uscc", "统一社会信用代码应为 18 位");
        return Ok(None);
    };
    let id = db::organisations::id_by_uscc(conn, u.as_str())?;
    if id.is_none() {
        p.add("organisation", "unknown_organisation", "平台中没有该统一社会信用代码的组织");
    }
    Ok(id)
}

/// The region an account acts for: a town for town staff, a village or community for a
/// `community` account; no other role has one.
fn town_field(conn: &mut DbConn, p: &mut Problems, role: Option<Role>, code: &str) -> AppResult<Option<String>> {
    if !matches!(role, Some(Role::Staff | Role::Community)) {
        p.add("region_code", "region_not_allowed", "只有镇街工作人员和村（社区）工作人员可以指定所属区域");
        return Ok(None);
    }
    let Some(rc) = RegionCode::parse(code) else {
        p.add("region_code", "invalid_region_code", "区划代码应为 6 位或 12 位数字");
        return Ok(None);
    };
    let found = db::regions::find(conn, rc.as_str())?;
    Ok(match (role, found) {
        (Some(Role::Staff), Some(r)) if r.level == "town" => Some(r.code),
        (Some(Role::Community), Some(r)) if r.level == "village" => Some(r.code),
        (Some(Role::Community), _) => {
            p.add("region_code", "unknown_village", "所属村（社区）不存在");
            None
        }
        _ => {
            p.add("region_code", "unknown_town", "所属镇街不存在");
            None
        }
    })
}

/// A `community` account needs its village.
fn region_required(p: &mut Problems, role: Option<Role>, region: &Option<String>, given: bool) {
    if role == Some(Role::Community) && region.is_none() && !given {
        p.add("region_code", "region_required", "请选择所属村（社区）");
    }
}

/// A reviewer's affiliated organisations, each code once; other roles have none.
fn affiliations_field(p: &mut Problems, role: Option<Role>, list: &[String]) -> Vec<String> {
    if !list.is_empty() && role != Some(Role::Reviewer) {
        p.add("affiliations", "affiliations_not_allowed", "只有评审专家可以登记关联机构");
    }
    let mut v: Vec<String> = Vec::new();
    for (i, a) in list.iter().enumerate() {
        match Uscc::parse_unchecked(a) {
            Ok(x) if !v.contains(&x.to_string()) => v.push(x.to_string()),
            Ok(_) => {}
            Err(e) => p.add(&format!("affiliations[{i}]"), e.code(), e.message()),
        }
    }
    v
}

/// Admin (or the command line) creates a staff, finance, reviewer or admin account.
pub fn create_user(conn: &mut DbConn, ctx: &Ctx, hasher: &Hasher, input: &NewUserInput) -> AppResult<UserView> {
    ctx.require_or_system(&[Role::Admin])?;
    let mut p = Problems::default();
    let login = text::login(&input.login);
    if login.is_none() {
        p.add("login", "invalid_login", "用户名为 3–32 位小写字母、数字或 _ . -");
    }
    if let Err(w) = crate::domain::password_policy::check(&input.password, &input.login) {
        p.add("password", w.code(), w.message());
    }
    let name = p.take("display_name", text::name(&input.display_name, 50), |e| (e.code().into(), e.message()));
    let email = match input.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(e) => email_field(&mut p, e),
    };
    let org_code = input.organisation.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let role = role_field(&mut p, &input.role, org_code.is_some());
    let organisation_id = match org_code {
        Some(code) => organisation_field(conn, &mut p, role, code)?,
        None => None,
    };
    let given = input.region_code.as_deref().is_some_and(|s| !s.trim().is_empty());
    let region = match input.region_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => town_field(conn, &mut p, role, code)?,
        None => None,
    };
    region_required(&mut p, role, &region, given);
    let affiliations = affiliations_field(&mut p, role, &input.affiliations);
    p.finish()?;
    let (login, name, role) = (login.unwrap_or_default(), name.unwrap_or_default(), role.unwrap_or(Role::Staff));
    if db::users::login_taken(conn, &login)? {
        return Err(AppError::from(Code::DuplicateLogin).with_field("login"));
    }
    let hash = hasher.hash(&input.password);
    db::write_tx(conn, |c| {
        let id = db::users::insert(
            c,
            &db::users::NewUser {
                login: &login,
                password_hash: &hash,
                display_name: &name,
                email: email.as_deref(),
                role: role.as_str(),
                region_code: region.as_deref(),
                organisation_id,
                active: true,
                created_at: db_time(ctx.now),
            },
        )
        .map_err(|e| match AppError::from(e) {
            err if err.status.as_u16() == 409 => AppError::from(Code::DuplicateLogin).with_field("login"),
            err => err,
        })?;
        for a in &affiliations {
            db::users::add_affiliation(c, id, a)?;
        }
        // An organisation loaded from the registry has no address: its first account's is it.
        if let (Some(org), Some(e)) = (organisation_id, email.as_deref()) {
            db::organisations::set_email_if_blank(c, org, e)?;
        }
        audit::record(
            c,
            ctx,
            "user.create",
            "user",
            Some(id),
            serde_json::json!({
                "login": login, "role": role.as_str(), "region_code": region, "affiliations": affiliations,
                "organisation_id": organisation_id,
            }),
        )?;
        let row = db::users::find(c, id)?.ok_or_else(AppError::not_found)?;
        user_view(&row, affiliations.clone())
    })
}

pub fn list_users(
    conn: &mut DbConn,
    ctx: &Ctx,
    role: Option<&str>,
    after: i64,
    limit: Option<i64>,
) -> AppResult<Vec<UserView>> {
    ctx.require(&[Role::Admin])?;
    let rows = db::users::list(conn, role, after, page_limit(limit))?;
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let aff = db::users::affiliations(conn, &ids)?;
    rows.iter()
        .map(|u| user_view(u, aff.iter().filter(|(id, _)| *id == u.id).map(|(_, s)| s.clone()).collect()))
        .collect()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub region_code: Option<String>,
    pub organisation_id: Option<i64>,
    pub organisation_status: Option<String>,
    /// True after an admin's reset: change the password before anything else.
    pub must_change_password: bool,
}

pub fn me(conn: &mut DbConn, ctx: &Ctx) -> AppResult<MeView> {
    let a = ctx.require(&Role::ALL)?;
    let org_status = match a.organisation_id {
        Some(id) => db::organisations::find(conn, id)?.map(|o| o.status),
        None => None,
    };
    Ok(MeView {
        id: a.id,
        login: a.login.clone(),
        display_name: a.display_name.clone(),
        role: a.role,
        region_code: a.region_code.clone(),
        organisation_id: a.organisation_id,
        organisation_status: org_status,
        must_change_password: a.must_change_password,
    })
}

/// Housekeeping: forget dead sessions and old login failures.
pub fn purge(conn: &mut DbConn, now: chrono::DateTime<chrono::Utc>) -> AppResult<()> {
    db::sessions::purge_expired(conn, db_time(now - SESSION_IDLE), db_time(now - SESSION_ABSOLUTE))?;
    db::sessions::purge_failures(conn, db_time(now - FAILURE_WINDOW))?;
    Ok(())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateUserInput {
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// `admin`, `staff`, `finance` or `reviewer`.
    pub role: Option<String>,
    /// Staff: the town they act for; empty string = district staff.
    pub region_code: Option<String>,
    /// Reviewers: replaces the list of affiliated organisations' USCCs.
    pub affiliations: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// Admin edits an account (`PUT /api/v1/users/{id}`). A change of role, town scope or active
/// flag ends the user's sessions at once: the old rights must not live on in a cookie.
pub fn update_user(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &UpdateUserInput) -> AppResult<UserView> {
    let admin = ctx.require(&[Role::Admin])?.clone();
    let u = db::users::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let current = actor_of(&u)?.role;
    if current == Role::Org {
        return Err(AppError::from(Code::OrgUser));
    }
    let mut p = Problems::default();
    let name = match &input.display_name {
        Some(n) => p.take("display_name", text::name(n, 50), |e| (e.code().into(), e.message())),
        None => Some(u.display_name.clone()),
    };
    let email = match input.email.as_deref().map(str::trim) {
        None => u.email.clone(),
        Some("") => None,
        Some(e) => email_field(&mut p, e),
    };
    let role = match &input.role {
        None => Some(current),
        Some(r) => role_field(&mut p, r, false),
    };
    let region = match input.region_code.as_deref().map(str::trim) {
        // Kept only where the role still has one of the same level (a town is no village).
        None => u
            .region_code
            .clone()
            .filter(|_| role == Some(current) && matches!(role, Some(Role::Staff | Role::Community))),
        Some("") => None,
        Some(code) => town_field(conn, &mut p, role, code)?,
    };
    let given = input.region_code.as_deref().is_some_and(|s| !s.trim().is_empty());
    region_required(&mut p, role, &region, given);
    let affiliations = input.affiliations.as_ref().map(|list| affiliations_field(&mut p, role, list));
    if let Some(list) = &affiliations {
        let mut now: Vec<String> = db::users::affiliations(conn, &[id])?.into_iter().map(|(_, s)| s).collect();
        let mut want = list.clone();
        now.sort();
        want.sort();
        if now != want && db::users::on_open_panel(conn, id)? {
            return Err(AppError::from(Code::AffiliationsFrozen));
        }
    }
    let active = input.active.unwrap_or(u.active);
    if id == admin.id && (!active || role != Some(Role::Admin)) {
        p.add("role", "cannot_demote_self", "不能停用自己或取消自己的管理员角色");
    }
    p.finish()?;
    let role = role.unwrap_or(current);
    let name = name.unwrap_or_default();
    let rights_changed = role != current || region != u.region_code || active != u.active;
    db::write_tx(conn, |c| {
        db::users::update(c, id, &name, email.as_deref(), role.as_str(), region.as_deref(), active)?;
        if let Some(list) = &affiliations {
            db::users::clear_affiliations(c, id)?;
            for a in list {
                db::users::add_affiliation(c, id, a)?;
            }
        }
        let revoked = if rights_changed { db::sessions::delete_for_user(c, id)? } else { 0 };
        audit::record(
            c,
            ctx,
            "user.update",
            "user",
            Some(id),
            serde_json::json!({"role": role.as_str(), "region_code": region, "active": active, "affiliations": affiliations, "sessions_revoked": revoked}),
        )
    })?;
    let row = db::users::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let aff = db::users::affiliations(conn, &[id])?.into_iter().map(|(_, s)| s).collect();
    user_view(&row, aff)
}
