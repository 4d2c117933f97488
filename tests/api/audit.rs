//! The audit chain: every state change leaves a record; `gongyi audit verify` finds tampering.

use crate::helpers::*;
use serde_json::json;

fn verify_cli(app: &TestApp, key: &str) -> (bool, String) {
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

crate::on_both!(
    chain_records_and_detects_tampering,
    deleted_record_is_detected,
    refusals_leave_no_trace,
    server_role_cannot_rewrite_the_audit_log
);
