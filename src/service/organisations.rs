//! Social organisations: public registration, staff verification or rejection.

use super::password::Hasher;
use super::{audit, mail, page_limit, Ctx, Principal};
use crate::clock::{db_time, local_date};
use crate::db::{self, organisations::OrgRow, DbConn};
use crate::domain::account::{OrgStatus, OrgType, Role};
use crate::domain::uscc::UsccError;
use crate::domain::{text, RegionCode, Uscc};
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct RegisterInput {
    /// 统一社会信用代码, 18 characters.
    pub uscc: String,
    pub name: String,
    /// `social_group` 社会团体 · `social_service` 社会服务机构 · `foundation` 基金会
    pub org_type: String,
    /// 登记日期, `YYYY-MM-DD`.
    pub registered_on: String,
    pub region_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub email: String,
    /// The first user's login and password.
    pub login: String,
    pub password: String,
    /// Staff only: register a code whose check digit fails, with the reason (audited).
    pub uscc_override_reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: i64,
    pub uscc: String,
    pub uscc_override_reason: Option<String>,
    pub name: String,
    pub org_type: OrgType,
    pub org_type_label: &'static str,
    pub registered_on: NaiveDate,
    pub region_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub email: String,
    pub status: OrgStatus,
    pub status_label: &'static str,
    pub status_reason: Option<String>,
    pub created_at: String,
    /// 年检, 等级, lists, penalties, debarment and suspension (one organisation's view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standing: Option<super::standing::Standing>,
}

pub fn view(o: &OrgRow) -> OrgView {
    let status = OrgStatus::parse(&o.status).unwrap_or(OrgStatus::Pending);
    let org_type = OrgType::parse(&o.org_type).unwrap_or(OrgType::SocialService);
    OrgView {
        id: o.id,
        uscc: o.uscc.clone(),
        uscc_override_reason: o.uscc_override_reason.clone(),
        name: o.name.clone(),
        org_type,
        org_type_label: org_type.label(),
        registered_on: o.registered_on,
        region_code: o.region_code.clone(),
        contact_name: o.contact_name.clone(),
        contact_phone: o.contact_phone.clone(),
        email: o.email.clone(),
        status,
        status_label: status.label(),
        status_reason: o.status_reason.clone(),
        created_at: crate::clock::rfc3339_local(o.created_at.and_utc()),
        standing: None,
    }
}

struct Valid {
    uscc: Uscc,
    override_reason: Option<String>,
    name: String,
    org_type: OrgType,
    registered_on: NaiveDate,
    region_code: String,
    contact_name: String,
    contact_phone: String,
    email: String,
    login: String,
}

fn validate(conn: &mut DbConn, ctx: &Ctx, i: &RegisterInput) -> AppResult<Valid> {
    let mut p = Problems::default();
    let staff = matches!(&ctx.principal, Principal::User(a) if a.role == Role::Staff) || ctx.is_system();
    let override_reason = i.uscc_override_reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if override_reason.is_some() && !staff {
        return Err(AppError::forbidden().with_field("uscc_override_reason"));
    }
    let uscc = match (Uscc::parse(&i.uscc), override_reason) {
        (Ok(u), _) => Some(u),
        (Err(UsccError::CheckDigit), Some(_)) => Uscc::parse_unchecked(&i.uscc).ok(),
        (Err(e), _) => {
            p.add("uscc", e.code(), e.message());
            None
        }
    };
    let override_reason = match (override_reason, &uscc) {
        (Some(r), Some(u)) if Uscc::parse(u.as_str()).is_err() => {
            p.take("uscc_override_reason", text::paragraph(r, 500), |e| (e.code().into(), e.message()))
        }
        _ => None,
    };
    let name = p.take("name", text::name(&i.name, 100), |e| (e.code().into(), e.message()));
    let org_type = OrgType::parse(i.org_type.trim());
    if org_type.is_none() {
        p.add("org_type", "invalid_org_type", "组织类型应为 social_group、social_service 或 foundation");
    }
    let today = local_date(ctx.now);
    let registered_on = match crate::domain::text::date(&i.registered_on) {
        Ok(d) if d > today => {
            p.add("registered_on", "date_in_future", "登记日期不能晚于今天");
            None
        }
        Ok(d) if d < NaiveDate::from_ymd_opt(1949, 10, 1).unwrap_or(d) => {
            p.add("registered_on", "date_out_of_range", "登记日期不合理");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            p.add("registered_on", "invalid_date", "登记日期格式应为 YYYY-MM-DD");
            None
        }
    };
    let region_code = match RegionCode::parse(&i.region_code) {
        Some(rc) => match db::regions::find(conn, rc.as_str())? {
            Some(r) => Some(r.code),
            None => {
                p.add("region_code", "unknown_region", "所在区域不在本区区划范围内");
                None
            }
        },
        None => {
            p.add("region_code", "invalid_region_code", "区划代码应为 6 位或 12 位数字");
            None
        }
    };
    let contact_name = p.take("contact_name", text::name(&i.contact_name, 50), |e| (e.code().into(), e.message()));
    let contact_phone = text::phone(&i.contact_phone);
    if contact_phone.is_none() {
        p.add("contact_phone", "invalid_phone", "联系电话格式不正确");
    }
    let email = text::email(&i.email);
    if email.is_none() {
        p.add("email", "invalid_email", "邮箱地址格式不正确");
    }
    let login = text::login(&i.login);
    if login.is_none() {
        p.add("login", "invalid_login", "用户名为 3–32 位小写字母、数字或 _ . -");
    }
    if let Err(w) = crate::domain::password_policy::check(&i.password, &i.login) {
        p.add("password", w.code(), w.message());
    }
    p.finish()?;
    match (uscc, name, org_type, registered_on, region_code, contact_name, contact_phone, email, login) {
        (
            Some(uscc),
            Some(name),
            Some(org_type),
            Some(registered_on),
            Some(region_code),
            Some(contact_name),
            Some(contact_phone),
            Some(email),
            Some(login),
        ) => Ok(Valid {
            uscc,
            override_reason,
            name,
            org_type,
            registered_on,
            region_code,
            contact_name,
            contact_phone,
            email,
            login,
        }),
        _ => Err(AppError::internal("validation passed with a missing value")),
    }
}

/// Registers an organisation (status pending) and its first user. Public; staff may also
/// register one on an organisation's behalf, overriding a failing check digit with a reason.
/// Registers an organisation and its first user. Anonymous registrations (attempts that pass
/// the checks) are limited per address per quarter hour (`per_ip`): a district's registration
/// day fits; a script mailing addresses of its choosing, or probing which logins exist, does not.
pub fn register(
    conn: &mut DbConn,
    ctx: &Ctx,
    hasher: &Hasher,
    input: &RegisterInput,
    per_ip: i64,
) -> AppResult<OrgView> {
    let v = validate(conn, ctx, input)?;
    if matches!(ctx.principal, super::Principal::Anonymous) {
        let key = format!("register:{}", ctx.ip.as_deref().unwrap_or("-"));
        super::allowance::take(conn, &key, per_ip, super::accounts::FAILURE_WINDOW, ctx.now)?;
    }
    let dup_uscc = || AppError::from(Code::DuplicateUscc).with_field("uscc");
    let dup_login = || AppError::from(Code::DuplicateLogin).with_field("login");
    if db::organisations::uscc_taken(conn, v.uscc.as_str())? {
        return Err(dup_uscc());
    }
    if db::users::login_taken(conn, &v.login)? {
        return Err(dup_login());
    }
    let hash = hasher.hash(&input.password);
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        // Re-checked inside the transaction: a concurrent registration may have won the race.
        if db::organisations::uscc_taken(c, v.uscc.as_str())? {
            return Err(dup_uscc());
        }
        if db::users::login_taken(c, &v.login)? {
            return Err(dup_login());
        }
        let id = db::organisations::insert(
            c,
            &db::organisations::NewOrg {
                uscc: v.uscc.as_str(),
                uscc_override_reason: v.override_reason.as_deref(),
                name: &v.name,
                org_type: v.org_type.as_str(),
                registered_on: v.registered_on,
                region_code: &v.region_code,
                contact_name: &v.contact_name,
                contact_phone: &v.contact_phone,
                email: &v.email,
                status: OrgStatus::Pending.as_str(),
                status_reason: None,
                decided_at: None,
                created_at: now,
            },
        )
        .map_err(|e| {
            if AppError::from(e).status.as_u16() == 409 {
                dup_uscc()
            } else {
                AppError::internal("insert organisation")
            }
        })?;
        let user_id = db::users::insert(
            c,
            &db::users::NewUser {
                login: &v.login,
                password_hash: &hash,
                display_name: &v.contact_name,
                email: Some(&v.email),
                role: Role::Org.as_str(),
                region_code: None,
                organisation_id: Some(id),
                active: true,
                created_at: now,
            },
        )
        .map_err(|e| {
            if AppError::from(e).status.as_u16() == 409 {
                dup_login()
            } else {
                AppError::internal("insert user")
            }
        })?;
        audit::record(
            c,
            ctx,
            "organisation.register",
            "organisation",
            Some(id),
            serde_json::json!({
                "uscc": v.uscc.as_str(), "name": v.name, "first_user_id": user_id,
                "uscc_override_reason": v.override_reason,
            }),
        )?;
        mail::queue(c, ctx, mail::org_registration_received(&v.email))?;
        let row = db::organisations::find(c, id)?.ok_or_else(AppError::not_found)?;
        Ok(view(&row))
    })
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<OrgView> {
    let mut v = super::access::organisation(conn, ctx, id).map(|o| view(&o))?;
    v.standing = Some(super::standing::of(conn, ctx, id)?);
    Ok(v)
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    status: Option<&str>,
    after: i64,
    limit: Option<i64>,
) -> AppResult<Vec<OrgView>> {
    let a = ctx.require(&[Role::Staff, Role::Admin, Role::Finance])?;
    if let Some(s) = status {
        if OrgStatus::parse(s).is_none() {
            return Err(AppError::invalid_field("status", "invalid_status", "状态应为 pending、verified 或 rejected"));
        }
    }
    let rows = db::organisations::list(
        conn,
        &db::organisations::OrgFilter {
            status,
            region_prefix: a.region_scope(),
            after_id: after,
            limit: page_limit(limit),
        },
    )?;
    Ok(rows.iter().map(view).collect())
}

fn decide(conn: &mut DbConn, ctx: &Ctx, id: i64, verify: bool, reason: Option<&str>) -> AppResult<OrgView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let reason = match (verify, reason) {
        (true, _) => None,
        (false, r) => Some(
            text::paragraph(r.unwrap_or(""), 500)
                .map_err(|e| AppError::invalid_field("reason", e.code(), format!("驳回理由：{}", e.message())))?,
        ),
    };
    db::write_tx(conn, |c| {
        let o = super::access::organisation(c, ctx, id)?;
        let status = OrgStatus::parse(&o.status).unwrap_or(OrgStatus::Pending);
        let (allowed, to) = if verify {
            (status.can_verify(), OrgStatus::Verified)
        } else {
            (status.can_reject(), OrgStatus::Rejected)
        };
        if !allowed {
            return Err(Code::WrongStatus.says(format!(
                "该组织当前状态为“{}”，不能{}",
                status.label(),
                if verify { "认证" } else { "驳回" }
            )));
        }
        let from = [OrgStatus::Pending.as_str(), OrgStatus::Rejected.as_str()];
        let from: &[&str] = if verify { &from } else { &from[..1] };
        let n = db::organisations::set_status(c, id, from, to.as_str(), reason.as_deref(), a.id, db_time(ctx.now))?;
        if n != 1 {
            return Err(Code::WrongStatus.says("该组织状态已被他人更改，请刷新"));
        }
        let action = if verify { "organisation.verify" } else { "organisation.reject" };
        audit::record(
            c,
            ctx,
            action,
            "organisation",
            Some(id),
            serde_json::json!({"from": o.status, "reason": reason}),
        )?;
        let m = match &reason {
            None => mail::org_verified(&o.email, &o.name),
            Some(r) => mail::org_rejected(&o.email, &o.name, r),
        };
        mail::queue(c, ctx, m)?;
        let row = db::organisations::find(c, id)?.ok_or_else(AppError::not_found)?;
        Ok(view(&row))
    })
}

pub fn verify(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<OrgView> {
    decide(conn, ctx, id, true, None)
}

pub fn reject(conn: &mut DbConn, ctx: &Ctx, id: i64, reason: Option<&str>) -> AppResult<OrgView> {
    decide(conn, ctx, id, false, reason)
}
