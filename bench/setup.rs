//! Set-up shared by the benchmarks (not timed): a staff member and verified organisations,
//! created through the same service functions the API uses.

use gongyi::db::DbConn;
use gongyi::service::{accounts, organisations, Ctx, Principal};
use gongyi::web::state::AppState;

/// A district staff member; returns the context to act as them.
pub fn staff(conn: &mut DbConn, state: &AppState) -> Ctx {
    let system = state.ctx(Principal::System, None);
    let staff = accounts::create_user(
        conn,
        &system,
        &state.hasher,
        &accounts::NewUserInput {
            login: "staff".into(),
            password: "bench-password".into(),
            display_name: "staff".into(),
            email: None,
            role: "staff".into(),
            region_code: None,
            affiliations: vec![],
            organisation: None,
        },
    )
    .unwrap();
    let row = gongyi::db::users::find(conn, staff.id).unwrap().unwrap();
    Ctx { principal: Principal::User(accounts::actor_of(&row).unwrap()), ..system }
}

/// `n` verified organisations (village 340207001001), logins `org0` … with password `bench-password`.
#[allow(dead_code)] // not every benchmark needs organisations
pub fn organisations(conn: &mut DbConn, state: &AppState, staff: &Ctx, n: usize) {
    let system = state.ctx(Principal::System, None);
    for i in 0..n {
        let code = gongyi::domain::uscc::with_check_digit(&format!("52340207MJ{i:07}")).unwrap();
        let o = organisations::register(
            conn,
            &system,
            &state.hasher,
            &organisations::RegisterInput {
                uscc: code.to_string(),
                name: format!("基准组织{i}"),
                org_type: "social_service".into(),
                registered_on: "2020-01-01".into(),
                region_code: "340207001001".into(),
                contact_name: "联系人".into(),
                contact_phone: "13800138000".into(),
                email: format!("o{i}@example.cn"),
                login: format!("org{i}"),
                password: "bench-password".into(),
                uscc_override_reason: None,
            },
            i64::MAX,
        )
        .unwrap();
        organisations::verify(conn, staff, o.id).unwrap();
    }
}
