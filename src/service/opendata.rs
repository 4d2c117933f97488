//! Open data of a call, public once its results notice is published: an OCDS 1.1.5 release
//! package (one `ocid` per pool: tender, awards, contracts with milestones and payments) and a
//! 360Giving 1.4.3 grant package (one grant per funded project and per innovation award of the
//! year). Same rows as the pages and PDFs; amounts become JSON numbers only here, at the edge.

use super::documents::DocSettings;
use super::Ctx;
use crate::clock::rfc3339_local;
use crate::db::{self, DbConn};
use crate::domain::state::CallStatus;
use crate::domain::state::{BidStatus, MilestoneStatus, ProjectStatus};
use crate::domain::Money;
use crate::error::{AppError, AppResult, Code};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The standards want amounts as JSON numbers; the two-decimal string parses to exactly that.
fn amount(m: Money) -> Value {
    serde_json::from_str(&m.to_string()).unwrap_or(Value::Null)
}

fn value(fen: i64) -> Value {
    json!({"amount": amount(Money::from_fen(fen)), "currency": "CNY"})
}

fn org_id(uscc: &str) -> String {
    format!("CN-USCI-{uscc}")
}

struct CallData {
    call: db::calls::CallRow,
    notice: db::notices::NoticeRow,
    pools: Vec<db::calls::PoolRow>,
    funded: Vec<db::bids::FundedRow>,
    projects: Vec<db::projects::ProjectRow>,
    milestones: Vec<db::projects::MilestoneRow>,
    ledger: Vec<db::projects::LedgerRow>,
    regions: HashMap<String, String>,
}

/// Everything open data shows of a call; 404 until the results notice is published.
fn load(conn: &mut DbConn, call_id: i64) -> AppResult<CallData> {
    let call =
        db::calls::find(conn, call_id)?.filter(|c| !CallStatus::Draft.is(&c.status)).ok_or_else(AppError::not_found)?;
    let notice = db::notices::of_call(conn, call_id)?.ok_or_else(|| AppError::from(Code::NotPublishedYet))?;
    let projects = db::projects::of_call(conn, call_id)?;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    Ok(CallData {
        pools: db::calls::pools_of(conn, &[call_id])?,
        funded: db::bids::funded_of_call(conn, call_id)?,
        milestones: db::projects::milestones_of(conn, &ids)?,
        ledger: db::projects::ledger(conn, call_id)?,
        regions: db::regions::all(conn)?.into_iter().map(|r| (r.code, r.name)).collect(),
        projects,
        call,
        notice,
    })
}

fn ocid(call: i64, pool: i64) -> String {
    format!("ocds-gongyi-{call}-{pool}")
}

/// `GET /api/v1/calls/{id}/ocds.json`: per pool a tender release, an award release once bids
/// are funded, and a contract release with payments and milestones once projects exist.
pub fn ocds(conn: &mut DbConn, ctx: &Ctx, docs: &DocSettings, base: &str, call_id: i64) -> AppResult<Value> {
    let d = load(conn, call_id)?;
    let buyer = json!({"id": "CN-GOV-gongyi", "name": docs.authority});
    let by_bid: HashMap<i64, &db::projects::ProjectRow> = d.projects.iter().map(|p| (p.bid_id, p)).collect();
    let mut releases = Vec::new();
    for pool in &d.pools {
        let id = ocid(d.call.id, pool.id);
        releases.push(tender_release(&d, pool, &buyer, &docs.authority));
        let bids: Vec<&db::bids::FundedRow> = d.funded.iter().filter(|b| b.pool_id == pool.id).collect();
        if bids.is_empty() {
            continue;
        }
        releases.push(award_release(&d, &id, &bids, &buyer));
        let contracts: Vec<Value> =
            bids.iter().filter_map(|b| by_bid.get(&b.id).map(|p| contract(&d, b, p, &docs.authority))).collect();
        if !contracts.is_empty() {
            releases.push(json!({
                "ocid": id, "id": format!("{id}-contract"), "date": rfc3339_local(ctx.now),
                "tag": ["contract", "implementation"], "initiationType": "tender", "language": "zh",
                "buyer": buyer, "contracts": contracts,
            }));
        }
    }
    Ok(json!({
        "uri": format!("{base}/api/v1/calls/{call_id}/ocds.json"),
        "version": "1.1",
        "publishedDate": rfc3339_local(ctx.now),
        "publisher": {"name": docs.authority},
        "releases": releases,
    }))
}

fn tender_release(d: &CallData, pool: &db::calls::PoolRow, buyer: &Value, authority: &str) -> Value {
    let id = ocid(d.call.id, pool.id);
    let published = d.call.published_at.map(|t| rfc3339_local(t.and_utc())).unwrap_or_default();
    let tender_status = if CallStatus::Open.is(&d.call.status) { "active" } else { "complete" };
    json!({
        "ocid": id, "id": format!("{id}-tender"), "date": published, "tag": ["tender"],
        "initiationType": "tender", "language": "zh",
        "buyer": buyer,
        "parties": [{"id": "CN-GOV-gongyi", "name": authority, "roles": ["buyer", "procuringEntity"]}],
        "tender": {
            "id": format!("{}-{}", d.call.id, pool.id),
            "title": format!("{} · {}", d.call.title, pool.name),
            "status": tender_status,
            "value": value(pool.budget),
            "procurementMethod": "open",
            "mainProcurementCategory": "services",
            "tenderPeriod": {
                "startDate": rfc3339_local(d.call.opens_at.and_utc()),
                "endDate": rfc3339_local(d.call.closes_at.and_utc()),
            },
        },
    })
}

fn award_release(d: &CallData, id: &str, bids: &[&db::bids::FundedRow], buyer: &Value) -> Value {
    let decided = rfc3339_local(d.notice.published_at.and_utc());
    // One party per organisation: OCDS refuses a party listed twice, and an organisation
    // with two funded bids is exactly the one that did well.
    let mut seen = std::collections::HashSet::new();
    let parties: Vec<Value> = bids
        .iter()
        .filter(|b| seen.insert(b.uscc.as_str()))
        .map(|b| json!({"id": org_id(&b.uscc), "name": b.organisation, "roles": ["supplier"]}))
        .collect();
    let awards: Vec<Value> = bids
        .iter()
        .map(|b| {
            json!({
                "id": format!("bid-{}", b.id), "title": b.title, "date": decided,
                // Pending while the 公示 runs, active once the project exists.
                "status": if BidStatus::Funded.is(&b.status) { "active" } else { "pending" },
                "value": value(b.approved.unwrap_or(0)),
                "suppliers": [{"id": org_id(&b.uscc), "name": b.organisation}],
            })
        })
        .collect();
    json!({
        "ocid": id, "id": format!("{id}-award"), "date": decided, "tag": ["award"],
        "initiationType": "tender", "language": "zh", "buyer": buyer, "parties": parties, "awards": awards,
    })
}

fn contract(d: &CallData, b: &db::bids::FundedRow, p: &db::projects::ProjectRow, authority: &str) -> Value {
    let milestones: Vec<Value> = d
        .milestones
        .iter()
        .filter(|m| m.project_id == p.id)
        .map(|m| {
            json!({
                "id": m.id.to_string(), "title": m.title, "dueDate": format!("{}T00:00:00+08:00", m.due_date),
                "type": if m.kind == "signing" { "approval" } else if m.kind == "custom" { "delivery" } else { "assessment" },
                "status": match (MilestoneStatus::parse(&m.status), m.grade.as_deref()) {
                    (Some(MilestoneStatus::Verified), Some("不合格")) => "notMet",
                    (Some(MilestoneStatus::Verified), _) => "met",
                    _ => "scheduled",
                },
            })
        })
        .collect();
    let transactions: Vec<Value> = d
        .ledger
        .iter()
        .filter(|l| l.agreement_no == p.agreement_no)
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": format!("{}-{}", p.agreement_no, i + 1),
                "date": format!("{}T00:00:00+08:00", l.paid_on),
                "value": value(l.amount),
                "payer": {"id": "CN-GOV-gongyi", "name": authority},
                "payee": {"id": org_id(&b.uscc), "name": b.organisation},
            })
        })
        .collect();
    json!({
        "id": p.agreement_no, "awardID": format!("bid-{}", b.id), "title": b.title,
        "status": if ProjectStatus::Terminated.is(&p.status) { "terminated" } else { "active" },
        "value": value(p.approved),
        "implementation": {"transactions": transactions, "milestones": milestones},
    })
}

/// `GET /api/v1/calls/{id}/360giving.json`
pub fn three_sixty_giving(
    conn: &mut DbConn,
    ctx: &Ctx,
    docs: &DocSettings,
    base: &str,
    call_id: i64,
) -> AppResult<Value> {
    let d = load(conn, call_id)?;
    let funder = json!([{"id": "CN-GOV-gongyi", "name": docs.authority}]);
    let award_date = crate::clock::local_date(d.notice.published_at.and_utc()).to_string();
    let pools: HashMap<i64, &db::calls::PoolRow> = d.pools.iter().map(|p| (p.id, p)).collect();
    let paid: HashMap<&str, i64> = d.ledger.iter().fold(HashMap::new(), |mut m, l| {
        *m.entry(l.agreement_no.as_str()).or_default() += l.amount;
        m
    });
    let mut grants = Vec::new();
    for p in &d.projects {
        let Some(b) = d.funded.iter().find(|b| b.id == p.bid_id) else { continue };
        let pool = pools.get(&b.pool_id);
        let region = b.service_region_code.clone().or_else(|| pool.map(|p| p.region_code.clone())).unwrap_or_default();
        let mut g = json!({
            "id": format!("360G-gongyi-{}", p.agreement_no),
            "title": b.title,
            "description": if b.summary.trim().is_empty() { b.title.clone() } else { b.summary.clone() },
            "currency": "CNY",
            "amountAppliedFor": amount(Money::from_fen(b.requested)),
            "amountAwarded": amount(Money::from_fen(p.approved)),
            "amountDisbursed": amount(Money::from_fen(paid.get(p.agreement_no.as_str()).copied().unwrap_or(0))),
            "awardDate": award_date,
            "recipientOrganization": [{"id": org_id(&b.uscc), "name": b.organisation}],
            "fundingOrganization": funder,
            "grantProgramme": [{"code": format!("pool-{}", b.pool_id), "title": pool.map(|p| p.name.clone())}],
            "beneficiaryLocation": [{"name": d.regions.get(&region).cloned(), "geoCode": region, "countryCode": "CN"}],
            "dateModified": rfc3339_local(ctx.now),
        });
        if let (Some(s), Some(e)) = (b.start_date, b.end_date) {
            g["plannedDates"] = json!([{"startDate": s.to_string(), "endDate": e.to_string()}]);
        }
        grants.push(g);
    }
    if let Some(f) = db::awards::fund_of_year(conn, d.call.year)?.filter(|f| f.status == "published") {
        let date = f
            .published_at
            .map(|t| crate::clock::local_date(t.and_utc()).to_string())
            .unwrap_or_else(|| award_date.clone());
        for a in db::awards::awards_of(conn, &[f.id])? {
            grants.push(json!({
                "id": format!("360G-gongyi-award-{}", a.id),
                "title": a.title,
                "description": a.citation,
                "currency": "CNY",
                "amountAwarded": amount(Money::from_fen(a.amount)),
                "awardDate": date,
                "recipientOrganization": [{"id": format!("CN-REGION-{}", a.region_code), "name": a.region_name}],
                "fundingOrganization": funder,
                "grantProgramme": [{"code": format!("award-fund-{}", f.year), "title": format!("{}年度基层治理创新奖励", f.year)}],
                "beneficiaryLocation": [{"name": a.region_name, "geoCode": a.region_code, "countryCode": "CN"}],
                "dateModified": rfc3339_local(ctx.now),
            }));
        }
    }
    Ok(json!({
        "grants": grants,
        "version": "1.4",
        "title": d.call.title,
        "issued": rfc3339_local(ctx.now),
        "publisher": {"name": docs.authority},
        "accessURL": format!("{base}/calls/{call_id}"),
        "downloadURL": format!("{base}/api/v1/calls/{call_id}/360giving.json"),
    }))
}
