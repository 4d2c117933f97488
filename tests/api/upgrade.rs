//! An existing database upgrades without loss: a database as the first year left it (every
//! migration up to the stages, with calls and pools in it) is migrated to today's schema, and
//! each region's pools of a year become that region's fund for the year.

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;
use diesel_migrations::MigrationHarness;
use gongyi::db::{self, DbConn, DbUrl};

/// The last migration of the first year.
const BEFORE_FUNDS: &str = "20261126000016";

fn migrate_up_to(conn: &mut DbConn, version: &str) {
    loop {
        let done = match conn {
            DbConn::Sqlite(c) => c.run_next_migration(db::SQLITE_MIGRATIONS).map(|v| v.to_string()),
            DbConn::Pg(c) => c.run_next_migration(db::PG_MIGRATIONS).map(|v| v.to_string()),
        }
        .expect("migration");
        if done == version {
            return;
        }
    }
}

/// The first year's data: a published 2026 call with a district and a town pool, a 2026 draft
/// on the same town, a published 2025 call, a reservation on the district pool, and the 2025
/// call's funded bid with its running project, half paid.
const LEGACY: &str = "
INSERT INTO regions (code, name, level, parent_code) VALUES
  ('340207000000', '鸠江区', 'district', NULL), ('340207101000', '沈巷镇', 'town', '340207000000');
INSERT INTO users (id, login, password_hash, display_name, role, active, created_at)
  VALUES (1, 'staff', 'x', '王科长', 'staff', TRUE, '2025-01-05 09:00:00');
INSERT INTO calls (id, year, title, announcement, opens_at, closes_at, notice_days, notice_working_days,
  project_start, project_end, min_grant, max_grant, max_bids_per_org, score_threshold, forbidden_categories,
  tranches, fund_source, reference_prefix, status, created_by, created_at, published_at, published_by) VALUES
  (1, 2025, '2025年度', '', '2025-02-01 00:00:00', '2025-03-01 00:00:00', 7, TRUE, '2025-04-01', '2025-12-31',
   2000000, 20000000, 2, 6000, '', '50,30,20', 'budget', 'JJ', 'final', 1, '2025-01-10 09:00:00', '2025-01-20 09:00:00', 1),
  (2, 2026, '2026年度', '', '2026-02-01 00:00:00', '2026-03-01 00:00:00', 7, TRUE, '2026-04-01', '2026-12-31',
   2000000, 20000000, 2, 6000, '', '50,30,20', 'lottery', 'JJ', 'review', 1, '2026-01-10 09:00:00', '2026-01-20 09:00:00', 1),
  (3, 2026, '2026年第二批', '', '2026-06-01 00:00:00', '2026-07-01 00:00:00', 7, TRUE, '2026-08-01', '2026-12-31',
   1000000, 5000000, 2, 6000, '', '50,30,20', 'budget', 'EP', 'draft', 1, '2026-05-10 09:00:00', NULL, NULL);
INSERT INTO pools (id, call_id, level, region_code, name, budget, reserved) VALUES
  (1, 1, 'district', '340207000000', '区级', 120000000, 90000000),
  (2, 2, 'district', '340207000000', '区级', 100000000, 30000000),
  (3, 2, 'town', '340207101000', '沈巷镇', 20000000, 0),
  (4, 3, 'town', '340207101000', '沈巷镇第二批', 5000000, 0);
INSERT INTO call_scoring (call_id, repeat_rule, bonus_name, bonus_unit, bonus_step, bonus_cap)
  VALUES (2, 'refuse', '配套资金加分', 1000000, 100, 1000);
INSERT INTO organisations (id, uscc, name, org_type, registered_on, region_code, contact_name, contact_phone,
  email, status, created_at) VALUES
  (1, '52340207MJ0000001X', '阳光社工服务中心', 'social_service', '2020-05-01', '340207000000', '李明',
   '13800000000', 'sun@example.org', 'verified', '2025-01-05 09:00:00');
INSERT INTO bids (id, call_id, pool_id, organisation_id, title, summary, beneficiary_kind, beneficiary_count,
  requested, matching, status, seq, reference, submitted_at, approved, created_by, created_at, updated_at) VALUES
  (1, 1, 1, 1, '社区助老服务', '为高龄老人提供探访服务。', '老人', 100, 9000000, 500000, 'funded', 1, 'JJ-2025-0001',
   '2025-02-10 09:00:00', 9000000, 1, '2025-02-05 09:00:00', '2025-02-10 09:00:00');
INSERT INTO projects (id, call_id, bid_id, organisation_id, agreement_no, approved, paid, status, signed_on, created_at)
  VALUES (1, 1, 1, 1, 'JJ-2025-XY-001', 9000000, 4500000, 'active', '2025-04-01', '2025-03-20 09:00:00');
";

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Fund {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    year: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    region_code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    level: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    amount: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    committed: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    source: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn upgrades_without_loss(url: &str) {
    let mut conn = db::connect(&DbUrl::parse(url).unwrap()).expect("connect");
    migrate_up_to(&mut conn, BEFORE_FUNDS);
    let legacy = if matches!(conn, DbConn::Sqlite(_)) { LEGACY.replace("TRUE", "1") } else { LEGACY.to_string() };
    conn.batch_execute(&legacy).expect("first-year data");
    let ran = db::migrate(&mut conn).expect("upgrade");
    assert!(ran >= 1, "the funds migration ran");
    let funds: Vec<Fund> = diesel::sql_query(
        "SELECT year, region_code, level, amount, committed, source, name FROM funds ORDER BY year, region_code",
    )
    .load(&mut conn)
    .unwrap();
    let f = |year: i32, region: &str, level: &str, amount: i64, committed: i64, source: &str, name: &str| Fund {
        year,
        region_code: region.into(),
        level: level.into(),
        amount,
        committed,
        source: source.into(),
        name: name.into(),
    };
    assert_eq!(
        funds,
        vec![
            f(2025, "340207000000", "district", 120000000, 120000000, "budget", "鸠江区2025年公益创投专项资金"),
            f(2026, "340207000000", "district", 100000000, 100000000, "lottery", "鸠江区2026年公益创投专项资金"),
            // The town's pools sum to 250,000.00; the draft's 50,000.00 is not committed.
            f(2026, "340207101000", "town", 25000000, 20000000, "budget", "沈巷镇2026年公益创投专项资金"),
        ]
    );
    let unlinked: N = diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pools WHERE fund_id IS NULL")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(unlinked.n, 0, "every pool draws on its fund");
    let linked: N = diesel::sql_query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pools p JOIN funds f ON f.id = p.fund_id \
         JOIN calls c ON c.id = p.call_id WHERE f.year = c.year AND f.region_code = p.region_code",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(linked.n, 4, "each to its own region's fund of its call's year");
    let kept: N = diesel::sql_query("SELECT CAST(SUM(budget) + SUM(reserved) AS BIGINT) AS n FROM pools")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(kept.n, 245000000 + 120000000, "budgets and reservations carried over unchanged");
    let users: N = diesel::sql_query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM users WHERE must_change_password = FALSE \
         AND password_hash <> ''",
    )
    .get_result(&mut conn)
    .unwrap();
    let all: N = diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM users").get_result(&mut conn).unwrap();
    assert_eq!((users.n, all.n > 0), (all.n, true), "every user keeps a password and need not change it");
    // The standing migration: scoring rules kept as they were, no eligibility rule invented,
    // no standing invented.
    let scoring: N = diesel::sql_query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM call_scoring WHERE call_id = 2 AND repeat_rule = 'refuse' \
         AND bonus_unit = 1000000 AND bonus_step = 100 AND bonus_cap = 1000 AND eligibility IS NULL \
         AND screening_checklist IS NULL AND dossier IS NULL AND aftercare IS NULL AND topics IS NULL",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(scoring.n, 1, "the call's scoring rules carried over, with no eligibility rules");
    let standing: N = diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM organisation_standing")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(standing.n, 0);
    let ticks: N =
        diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM bid_checklist").get_result(&mut conn).unwrap();
    assert_eq!(ticks.n, 0, "earlier screenings stand as they were");
    let dossiers: N =
        diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM bid_dossier").get_result(&mut conn).unwrap();
    assert_eq!(dossiers.n, 0, "earlier bids have no sections and keep everything else");
    let kept: N = diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM organisation_documents")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(kept.n, 0, "organisations start with an empty profile");
    let closed: N =
        diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM project_closures").get_result(&mut conn).unwrap();
    assert_eq!(closed.n, 0, "no project is closed by the upgrade");
    let versions: N =
        diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM project_budgets").get_result(&mut conn).unwrap();
    assert_eq!(versions.n, 0, "existing projects keep their bid's budget as version 1");
    let changes: N =
        diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM project_changes").get_result(&mut conn).unwrap();
    assert_eq!(changes.n, 0);
    let scored: N =
        diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM evaluation_scores").get_result(&mut conn).unwrap();
    assert_eq!(scored.n, 0, "earlier evaluations keep their grade without indicators");
    // The role migration rebuilt users on SQLite: every user and every reference to one kept,
    // foreign keys enforced again, and the new roles accepted.
    let kept: N = diesel::sql_query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM calls c JOIN users u ON u.id = c.created_by \
         WHERE u.login = 'staff' AND u.display_name = '王科长' AND u.role = 'staff'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(kept.n, 3, "the calls still point at their author");
    if matches!(conn, DbConn::Sqlite(_)) {
        let broken: Vec<N> =
            diesel::sql_query("SELECT CAST(1 AS BIGINT) AS n FROM pragma_foreign_key_check").load(&mut conn).unwrap();
        assert!(broken.is_empty(), "no dangling reference after the rebuild");
        let on: N = diesel::sql_query("SELECT CAST(foreign_keys AS BIGINT) AS n FROM pragma_foreign_keys")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(on.n, 1, "foreign keys are enforced again");
    }
    let orphan = conn.batch_execute(
        "INSERT INTO project_evaluators (project_id, user_id, assigned_by, assigned_at) \
         VALUES (999, 999, 999, '2026-12-06 09:00:00')",
    );
    assert!(orphan.is_err(), "references are checked");
    conn.batch_execute(
        "INSERT INTO users (id, login, password_hash, display_name, role, active, created_at, must_change_password) \
         VALUES (2, 'pinggu', 'x', '第三方评估', 'evaluator', TRUE, '2026-12-06 09:00:00', FALSE)"
            .replace("TRUE", if matches!(conn, DbConn::Sqlite(_)) { "1" } else { "TRUE" })
            .replace("FALSE", if matches!(conn, DbConn::Sqlite(_)) { "0" } else { "FALSE" })
            .as_str(),
    )
    .expect("the evaluator role is accepted");
    let notices: N = diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM evaluation_notices")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(notices.n, 0);
    // Demands and topics: none invented; existing calls list no topic.
    let none: N = diesel::sql_query(
        "SELECT CAST((SELECT COUNT(*) FROM demands) + (SELECT COUNT(*) FROM topics) \
         + (SELECT COUNT(*) FROM call_scoring WHERE topics IS NOT NULL) AS BIGINT) AS n",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(none.n, 0);
    // The welfare fund: no fund invented, and every existing project holds no matching money
    // from one (the new column's default), so the bid's own matching figure stays what it was.
    let welfare: N = diesel::sql_query(
        "SELECT CAST((SELECT COUNT(*) FROM welfare_funds) + (SELECT COUNT(*) FROM welfare_donations) \
         + (SELECT COUNT(*) FROM projects WHERE welfare_matching <> 0) AS BIGINT) AS n",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(welfare.n, 0);
    let project: N = diesel::sql_query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM projects p JOIN bids b ON b.id = p.bid_id \
         WHERE p.id = 1 AND p.approved = 9000000 AND p.paid = 4500000 AND p.status = 'active' \
         AND p.welfare_matching = 0 AND b.matching = 500000 AND b.status = 'funded'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(project.n, 1, "the running project and its bid carry over, with no welfare matching money");
    assert_eq!(db::migrate(&mut conn).unwrap(), 0, "nothing left to run");
}

#[test]
fn sqlite_upgrades_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    upgrades_without_loss(&format!("sqlite://{}", dir.path().join("old.db").display()));
}

#[test]
#[cfg_attr(not(gongyi_pg), ignore = "set GONGYI_TEST_PG_URL or install PostgreSQL to run the PostgreSQL variants")]
fn postgres_upgrades_without_loss() {
    if pg_url().is_some() {
        upgrades_without_loss(&fresh_pg_database());
    }
}
