//! Demo data for a training database: 芜湖市鸠江区, users of every role, a few organisations.
//! Goes through the same service functions as real use, so the audit chain and outbox are real.

use crate::db::{self, DbConn};
use crate::domain::uscc::with_check_digit;
use crate::error::AppResult;
use crate::service::accounts::{self, NewUserInput};
use crate::service::organisations::{self, RegisterInput};
use crate::service::password::Hasher;
use crate::service::{Ctx, Principal};

pub const DEMO_PASSWORD: &str = "demo2026";

/// (login, role, display name, town region)
pub const DEMO_USERS: &[(&str, &str, &str, Option<&str>)] = &[
    ("admin", "admin", "系统管理员", None),
    ("staff", "staff", "区民政局 王科长", None),
    ("shenxiang", "staff", "沈巷镇 李干事", Some("340207101000")),
    ("finance", "finance", "财务审核 陈会计", None),
    ("expert1", "reviewer", "评审专家 张教授", None),
    ("expert2", "reviewer", "评审专家 刘老师", None),
    ("expert3", "reviewer", "评审专家 赵社工师", None),
    ("expert4", "reviewer", "评审专家 孙律师", None),
    ("expert5", "reviewer", "评审专家 周审计师", None),
];

/// (login, name, USCC body, type, region, contact, verified)
pub const DEMO_ORGS: &[(&str, &str, &str, &str, &str, &str, bool)] = &[
    ("yangguang", "鸠江区阳光社会工作服务中心", "52340207MJ0001001", "social_service", "340207001001", "吴晓燕", true),
    ("xinyu", "芜湖市鸠江区心语青少年服务中心", "52340207MJ0001002", "social_service", "340207101000", "郑海涛", true),
    ("laonian", "鸠江区老年协会", "51340207MJ0001003", "social_group", "340207002000", "黄德明", true),
    ("xinzhi", "鸠江区新知公益发展中心", "52340207MJ0001004", "social_service", "340207102000", "许静", false),
];

/// Loads the demo once per database; returns false when it was already there.
pub fn load(conn: &mut DbConn, ctx: &Ctx, hasher: &Hasher) -> AppResult<bool> {
    if db::meta::get(conn, "demo_loaded")?.is_some() {
        return Ok(false);
    }
    let system = Ctx { principal: Principal::System, ..ctx.clone() };
    for (login, role, name, region) in DEMO_USERS {
        accounts::create_user(
            conn,
            &system,
            hasher,
            &NewUserInput {
                login: login.to_string(),
                password: DEMO_PASSWORD.into(),
                display_name: name.to_string(),
                email: Some(format!("{login}@demo.gongyi.local")),
                role: role.to_string(),
                region_code: region.map(str::to_string),
                affiliations: vec![],
            },
        )?;
    }
    let staff = db::users::by_login(conn, "staff")?.ok_or_else(crate::error::AppError::not_found)?;
    let staff_ctx = Ctx { principal: Principal::User(accounts::actor_of(&staff)?), ..ctx.clone() };
    for (login, name, body, kind, region, contact, verified) in DEMO_ORGS {
        let uscc = with_check_digit(body).map(|u| u.to_string()).unwrap_or_default();
        let o = organisations::register(
            conn,
            &system,
            hasher,
            &RegisterInput {
                uscc,
                name: name.to_string(),
                org_type: kind.to_string(),
                registered_on: "2019-06-18".into(),
                region_code: region.to_string(),
                contact_name: contact.to_string(),
                contact_phone: "0553-5800000".into(),
                email: format!("{login}@demo.gongyi.local"),
                login: login.to_string(),
                password: DEMO_PASSWORD.into(),
                uscc_override_reason: None,
            },
        )?;
        if *verified {
            organisations::verify(conn, &staff_ctx, o.id)?;
        }
    }
    db::meta::set(conn, "demo_loaded", "1")?;
    Ok(true)
}
