//! The audit chain: every state change leaves a record; `gongyi audit verify` finds tampering.

use crate::helpers::*;
use serde_json::json;

pub(crate) fn verify_cli(app: &TestApp, key: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongyi"))
        .args(["audit", "verify"])
        .env("GONGYI_DATABASE_URL", &app.config.database_url)
        .env("GONGYI_DATA_DIR", &app.config.data_dir)
        .env("GONGYI_AUDIT_KEY", key)
        .env_remove("GONGYI_TRAINING")
        .env_remove("GONGYI_NOW")
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn chain_records_and_detects_tampering(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    for i in 0..3 {
        let id = app.register_org(&format!("aud{i}"), &format!("52340207MJ000700{i}"), "340207101001").await;
        staff.post(&format!("/api/v1/organisations/{id}/verify"), json!({})).await;
    }
    let actions = app.count("audit_log WHERE action IN ('organisation.register', 'organisation.verify')").await;
    assert_eq!(actions, 6);
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(ok, "{out}");
    assert!(out.contains("审计链完整"), "{out}");
    // The wrong key cannot vouch for the chain.
    let (ok, _) = verify_cli(&app, "another-key");
    assert!(!ok);
    // Appends only: the database refuses a direct edit...
    let edit = "UPDATE audit_log SET detail = '{}' WHERE id = 3";
    let st = app.state.clone();
    let refused = st
        .db(move |c| {
            use diesel::connection::SimpleConnection;
            Ok(c.batch_execute(edit).is_err())
        })
        .await
        .unwrap();
    assert!(refused, "the append-only trigger refuses updates");
    // ...and an edit made around the trigger is still detected.
    match app.backend {
        Backend::Sqlite => app.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{\"name\":\"改过\"}' WHERE id = 3;").await,
        Backend::Postgres => {
            app.exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; UPDATE audit_log SET detail = '{\"name\":\"改过\"}' WHERE id = 3;").await
        }
    }
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(!ok);
    assert!(out.contains("第 3 条"), "{out}");
}

async fn deleted_record_is_detected(app: TestApp) {
    for i in 0..3 {
        app.register_org(&format!("del{i}"), &format!("52340207MJ000800{i}"), "340207101001").await;
    }
    match app.backend {
        Backend::Sqlite => app.exec("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 2;").await,
        Backend::Postgres => {
            app.exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; DELETE FROM audit_log WHERE id = 2;")
                .await
        }
    }
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(!ok);
    assert!(out.contains("第 2 条"), "{out}");
}

/// A refused request leaves no audit record and no mail.
async fn refusals_leave_no_trace(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let id = app.register_org("trace", "52340207MJ0008101", "340207101001").await;
    let (audit, mail) = (app.count("audit_log").await, app.count("outbox").await);
    staff.post(&format!("/api/v1/organisations/{id}/reject"), json!({"reason": ""})).await;
    staff.post("/api/v1/organisations/99999/verify", json!({})).await;
    app.client().post("/api/v1/organisations", org_body("trace", "52340207MJ0008101", "340207101001")).await;
    assert_eq!((app.count("audit_log").await, app.count("outbox").await), (audit, mail));
}

/// On PostgreSQL the server works as a role that cannot rewrite history at all, whatever the
/// triggers say; the owner (who runs migrations) still can, which is why the chain exists too.
async fn server_role_cannot_rewrite_the_audit_log(app: TestApp) {
    app.register_org("role", "52340207MJ0008201", "340207101001").await;
    if app.backend != Backend::Postgres {
        return;
    }
    let tries = [
        "UPDATE audit_log SET detail = '{}' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 1",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    ];
    let st = app.state.clone();
    let (role, errors) = st
        .db(move |c| {
            use diesel::connection::SimpleConnection;
            #[derive(diesel::QueryableByName)]
            struct R {
                #[diesel(sql_type = diesel::sql_types::Text)]
                r: String,
            }
            let role =
                diesel::RunQueryDsl::get_result::<R>(diesel::sql_query("SELECT CAST(current_user AS TEXT) AS r"), c)?.r;
            let errors: Vec<String> =
                tries.iter().map(|q| c.batch_execute(q).err().map(|e| e.to_string()).unwrap_or_default()).collect();
            Ok((role, errors))
        })
        .await
        .unwrap();
    assert_eq!(role, "gongyi_app");
    for (q, e) in tries.iter().zip(&errors) {
        assert!(e.contains("permission denied") || e.contains("must be owner"), "{q}: {e:?}");
    }
    assert_eq!(app.count("audit_log WHERE id = 1 AND detail <> '{}'").await, 1);
}

/// Editing a table behind the application's back — a score, the ranking's stored total, a pool's
/// reservation, an approved amount, a payment — is found by replaying the trail, even though the
/// chain itself is intact.
async fn verify_replays_scores_allocations_and_payments(app: TestApp) {
    let (s, projects) = crate::projects::finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let signing = p["milestones"].as_array().unwrap().iter().find(|m| m["kind"] == "signing").unwrap()["id"].clone();
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await.status,
        200
    );
    let r = s
        .fin
        .post(
            &format!("/api/v1/projects/{pid}/payments"),
            json!({"milestone_id": signing, "amount": "45000.00", "paid_on": "2026-03-12", "reference": "国库支付 2026-001"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(ok, "{out}");
    assert!(out.contains("项资助决定、1 笔付款、0 笔积分台账、0 笔公益基金收支与数据表相符"), "{out}");
    let reviews = app.count("assignments WHERE status = 'submitted'").await;
    assert!(out.contains(&format!("回放一致：{reviews} 份评分")), "{out}");
    let pool = app
        .as_owner(move |c| {
            use diesel::prelude::*;
            use gongyi::db::schema::bids;
            bids::table.filter(bids::status.eq("funded")).select(bids::pool_id).first::<i64>(c)
        })
        .await;
    let tampers = [
        (
            "UPDATE review_scores SET score = score + 100 WHERE assignment_id = (SELECT MIN(id) FROM assignments WHERE status = 'submitted') AND criterion = 'necessity'".to_string(),
            "UPDATE review_scores SET score = score - 100 WHERE assignment_id = (SELECT MIN(id) FROM assignments WHERE status = 'submitted') AND criterion = 'necessity'".to_string(),
            "各项评分与提交时的审计记录不符",
        ),
        (
            "UPDATE assignments SET total = '99.5' WHERE id = (SELECT MIN(id) FROM assignments WHERE status = 'submitted')".into(),
            "UPDATE assignments SET total = '80' WHERE id = (SELECT MIN(id) FROM assignments WHERE status = 'submitted')".into(),
            "存储的总分 99.5",
        ),
        (format!("UPDATE pools SET reserved = reserved - 1 WHERE id = {pool}"), format!("UPDATE pools SET reserved = reserved + 1 WHERE id = {pool}"), "按审计记录应为"),
        (format!("UPDATE bids SET approved = approved + 100 WHERE id = {}", p["bid_id"]), format!("UPDATE bids SET approved = approved - 100 WHERE id = {}", p["bid_id"]), "资助决定时为"),
        (format!("UPDATE payments SET amount = 4400000 WHERE project_id = {pid}"), format!("UPDATE payments SET amount = 4500000 WHERE project_id = {pid}"), "审计记录为项目"),
    ];
    for (tamper, undo, finding) in tampers {
        app.exec(&tamper).await;
        let (ok, out) = verify_cli(&app, "test-audit-key");
        assert!(!ok, "{tamper}: {out}");
        assert!(out.contains("审计链完整") && out.contains(finding), "{tamper}: {out}");
        app.exec(&undo).await;
        let (ok, out) = verify_cli(&app, "test-audit-key");
        assert!(ok, "{undo}: {out}");
    }
    app.exec(&format!("DELETE FROM payments WHERE project_id = {pid}; UPDATE projects SET paid = 0 WHERE id = {pid}"))
        .await;
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(!ok && out.contains("表中已无此付款"), "{out}");
}

/// The stronger deployment the README describes: migrations as the owner, the server logged in
/// as `gongyi_app` itself (so not even RESET ROLE gets back the owner's rights).
async fn server_logs_in_as_the_app_role(app: TestApp) {
    if app.backend != Backend::Postgres {
        return;
    }
    app.register_org("login", "52340207MJ0008301", "340207101001").await;
    let admin = pg_url().unwrap();
    tokio::task::spawn_blocking(move || {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::PgConnection::establish(&admin).unwrap();
        diesel::sql_query("ALTER ROLE gongyi_app LOGIN").execute(&mut c).unwrap();
    })
    .await
    .unwrap();
    let url = &app.config.database_url;
    let (scheme, rest) = url.split_once("://").unwrap();
    let as_app = format!("{scheme}://gongyi_app@{}", rest.split_once('@').unwrap().1);
    let dir = app.config.data_dir.clone();
    let served = spawn_with(Backend::Postgres, move |c| {
        c.database_url = as_app;
        c.data_dir = dir;
    })
    .await;
    assert_eq!(served.client().get("/api/v1/calls").await.status, 200);
    served.register_org("login2", "52340207MJ0008302", "340207101001").await;
    let st = served.state.clone();
    let refused = st
        .db(|c| {
            use diesel::connection::SimpleConnection;
            Ok(c.batch_execute("RESET ROLE; UPDATE audit_log SET detail = '{}' WHERE id = 1")
                .err()
                .map(|e| e.to_string()))
        })
        .await
        .unwrap();
    assert!(refused.is_some_and(|e| e.contains("permission denied")), "RESET ROLE gives nothing back");
    let (ok, out) = verify_cli(&served, "test-audit-key");
    assert!(ok, "{out}");
}

crate::on_both!(
    server_logs_in_as_the_app_role,
    verify_replays_scores_allocations_and_payments,
    chain_records_and_detects_tampering,
    deleted_record_is_detected,
    refusals_leave_no_trace,
    server_role_cannot_rewrite_the_audit_log
);
