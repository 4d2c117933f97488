//! The social-welfare fund (社会公益基金): set up inside a host charity with a valid certificate,
//! a committee checked before activation, a filed campaign and its lead time, donations with
//! gap-free receipt numbers (also when recorded at once), restricted and in-kind gifts, grants
//! never above their pot (also when raced), a grant becoming a project's matching money, the
//! disclosure PDF with its hash, the public page and receipt lookup, the late-disclosure warning,
//! and the audit replay catching a tampered pot.

use crate::flow::SHENXIANG;
use crate::helpers::*;
use crate::projects::finalized;
use serde_json::{json, Value};

fn fund_body() -> Value {
    json!({
        "name": "鸠江区社会公益基金",
        "region_code": "340207000000",
        "host_name": "芜湖市鸠江区慈善会",
        "host_uscc": uscc("53340207MJ1000001"),
        "host_certificate_no": "皖民募字〔2025〕018号",
        "host_certificate_until": "2028-12-31",
        "purpose": "支持社区公益创投项目、积分超市和困难群众应急救助"
    })
}

fn committee(voting: usize, supervisors: usize) -> Value {
    let roles = ["donor_rep", "charity", "town", "community", "enterprise", "resident"];
    let mut members: Vec<Value> =
        (0..voting).map(|i| json!({"name": format!("委员{i}"), "role": roles[i % roles.len()]})).collect();
    members.extend((0..supervisors).map(|i| json!({"name": format!("监督人{i}"), "role": "supervisor"})));
    json!({ "members": members })
}

fn gift(name: &str, amount: &str) -> Value {
    json!({"donor_name": name, "donor_kind": "person", "amount": amount, "received_on": "2026-03-12", "channel": "transfer"})
}

fn code(r: &Res) -> (u16, String) {
    (r.status, r.json["error"]["code"].as_str().unwrap_or("").to_string())
}

async fn a_fund_through_its_quarter(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let pid = projects[0]["id"].as_i64().unwrap();
    let matching_before = projects[0]["matching_funds"].as_str().unwrap().to_string();
    app.add_user("sxz", "staff", Some(SHENXIANG)).await;
    let town = app.login("sxz").await;
    let org = app.login("orga").await;
    let anon = app.client();

    // Setting up: district staff only; the host's certificate present and valid.
    assert_eq!(anon.post("/api/v1/welfare-funds", fund_body()).await.status, 401);
    assert_eq!(org.post("/api/v1/welfare-funds", fund_body()).await.status, 403);
    assert_eq!(code(&town.post("/api/v1/welfare-funds", fund_body()).await), (403, "district_staff_only".into()));
    let mut b = fund_body();
    b.as_object_mut().unwrap().remove("host_certificate_no");
    assert_eq!(code(&s.staff.post("/api/v1/welfare-funds", b).await), (422, "certificate_missing".into()));
    let mut b = fund_body();
    b["host_certificate_until"] = json!("2026-03-11");
    assert_eq!(code(&s.staff.post("/api/v1/welfare-funds", b).await), (422, "certificate_expired".into()));
    let mut b = fund_body();
    let good = uscc("53340207MJ1000001");
    let last = if good.ends_with('0') { '1' } else { '0' };
    b["host_uscc"] = json!(format!("{}{last}", &good[..17]));
    assert_eq!(s.staff.post("/api/v1/welfare-funds", b).await.status, 422);
    assert_eq!(app.count("welfare_funds").await, 0, "nothing written by a refused fund");
    let r = s.staff.post("/api/v1/welfare-funds", fund_body()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.json["status"].as_str(), r.json["receipt_prefix"].as_str()), (Some("draft"), Some("JJ01")));
    let id = r.json["id"].as_i64().unwrap();
    let f = format!("/api/v1/welfare-funds/{id}");
    assert_eq!(anon.get(&format!("/api/v1/public/welfare-funds/{id}")).await.status, 404, "a draft is not public");

    // No money before the committee can decide.
    assert_eq!(
        code(&s.fin.post(&format!("{f}/donations"), gift("张三明", "100.00")).await),
        (409, "fund_not_active".into())
    );
    assert_eq!(code(&s.staff.post(&format!("{f}/activate"), json!({})).await), (409, "committee_invalid".into()));
    for (voting, sup) in [(4, 1), (6, 1), (5, 0), (3, 3)] {
        assert_eq!(s.staff.put(&format!("{f}/committee"), committee(voting, sup)).await.status, 200);
        let r = s.staff.post(&format!("{f}/activate"), json!({})).await;
        assert_eq!(code(&r), (409, "committee_invalid".into()), "{voting} voting, {sup} supervisors: {}", r.text);
    }
    let bad = json!({"members": [{"name": "某人", "role": "mayor"}]});
    assert_eq!(code(&s.staff.put(&format!("{f}/committee"), bad).await), (422, "invalid_role".into()));
    assert_eq!(
        s.fin.put(&format!("{f}/committee"), committee(5, 1)).await.status,
        403,
        "finance does not seat committees"
    );
    assert_eq!(s.staff.put(&format!("{f}/committee"), committee(5, 1)).await.status, 200);
    assert_eq!(town.get(&f).await.status, 404, "a town's staff do not see the district's fund");
    let r = s.staff.post(&format!("{f}/activate"), json!({})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("active")), "{}", r.text);
    assert_eq!(code(&s.staff.post(&format!("{f}/activate"), json!({})).await), (409, "already_active".into()));
    assert_eq!(
        code(&s.staff.put(&format!("{f}/committee"), committee(4, 1)).await),
        (409, "committee_invalid".into()),
        "an active fund's committee stays able to decide"
    );

    // The year's plan and a filed campaign (ten days' lead time).
    let r = s.staff.put(&format!("{f}/plans/2026"), json!({"target": "0", "channels": []})).await;
    assert_eq!(code(&r), (422, "amount_not_positive".into()));
    let r = s
        .staff
        .put(
            &format!("{f}/plans/2026"),
            json!({"target": "500000.00", "channels": ["微信公众号", "社区募捐箱"], "note": "重阳节集中募捐"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let camp = |starts: &str| {
        json!({"title": "2026 敬老月募捐", "filing_no": format!("皖民备 2026-{starts}"), "filed_on": "2026-03-01",
               "starts_on": starts, "ends_on": "2026-12-31", "target": "100000.00"})
    };
    assert_eq!(
        code(&s.staff.post(&format!("{f}/campaigns"), camp("2026-03-10")).await),
        (422, "filing_lead_time".into())
    );
    let r = s.staff.post(&format!("{f}/campaigns"), camp("2026-03-11")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let campaign = r.json["id"].as_i64().unwrap();

    // Donations: bad ones refused with nothing taken; good ones numbered without gaps.
    let d = format!("{f}/donations");
    for (body, field) in [
        (gift("张三明", "0"), "amount_not_positive"),
        (gift("张三明", "-5.00"), "amount_negative"),
        (
            json!({"donor_name": "某公司", "donor_kind": "organisation", "amount": "3000.00", "received_on": "2026-03-12", "channel": "in_kind"}),
            "in_kind_items_required",
        ),
        (
            json!({"donor_name": "张三明", "donor_kind": "person", "amount": "10.00", "received_on": "2026-03-13", "channel": "cash"}),
            "received_in_future",
        ),
        (
            json!({"donor_name": "张三明", "donor_kind": "person", "amount": "10.00", "received_on": "2026-03-10", "channel": "cash", "campaign_id": campaign}),
            "outside_campaign",
        ),
        (
            json!({"donor_name": "张三明", "donor_kind": "alien", "amount": "10.00", "received_on": "2026-03-12", "channel": "cash"}),
            "invalid_donor_kind",
        ),
    ] {
        assert_eq!(code(&s.fin.post(&d, body).await), (422, field.into()));
    }
    assert_eq!(org.post(&d, gift("张三明", "100.00")).await.status, 403);
    assert_eq!(town.post(&d, gift("张三明", "100.00")).await.status, 404);
    let r = s.fin.post(&d, gift("张三明", "1000.00")).await;
    assert_eq!((r.status, r.json["receipt_no"].as_str()), (201, Some("JJ01-2026-000001")), "{}", r.text);
    let mut anonymous = gift("李四", "500.00");
    anonymous["anonymous"] = json!(true);
    anonymous["campaign_id"] = json!(campaign);
    assert_eq!(s.staff.post(&d, anonymous).await.json["receipt_no"], "JJ01-2026-000002");
    let restricted = json!({"donor_name": "芜湖某某科技有限公司", "donor_kind": "organisation", "amount": "20000.00",
        "received_on": "2026-03-12", "channel": "transfer", "restricted_to": "助老"});
    assert_eq!(s.fin.post(&d, restricted).await.status, 201);
    let in_kind = json!({"donor_name": "某超市", "donor_kind": "organisation", "amount": "3000.00", "received_on": "2026-03-12",
        "channel": "in_kind", "in_kind_items": "米面油 100 份", "valuation_basis": "销售发票"});
    assert_eq!(s.fin.post(&d, in_kind).await.status, 201);

    // Twenty gifts at once: twenty distinct receipts continuing the sequence, no gap.
    let results = race(
        (0..20).map(|i| (if i % 2 == 0 { &s.fin } else { &s.staff }, d.clone(), gift(&format!("捐赠人{i}"), "100.00"))),
    )
    .await;
    let mut numbers: Vec<String> = results
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.text);
            r.json["receipt_no"].as_str().unwrap().to_string()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (5..=24).map(|n| format!("JJ01-2026-{n:06}")).collect();
    assert_eq!(numbers, expected);

    // Grants: decided by the committee, never above their pot.
    let g = format!("{f}/grants");
    let grant = |amount: &str| json!({"to": "project", "project_id": pid, "amount": amount, "minutes_ref": "基金管委〔2026〕1号", "decided_on": "2026-03-12", "votes_for": 4});
    // Unrestricted: 1,000 + 500 + 3,000 + 20 × 100 = 6,500.
    let r = s.staff.post(&g, grant("6500.01")).await;
    assert_eq!(code(&r), (409, "insufficient_balance".into()), "{}", r.text);
    let mut no_majority = grant("100.00");
    no_majority["votes_for"] = json!(2);
    assert_eq!(code(&s.staff.post(&g, no_majority).await), (422, "no_majority".into()));
    let mut to_store = grant("100.00");
    to_store["to"] = json!("store");
    assert_eq!(code(&s.staff.post(&g, to_store).await), (422, "project_not_expected".into()));
    let aid =
        json!({"to": "aid", "amount": "500.00", "minutes_ref": "基金管委〔2026〕2号", "decided_on": "2026-03-12"});
    let mut no_purpose = aid.clone();
    no_purpose["to"] = json!("store");
    assert_eq!(code(&s.staff.post(&g, no_purpose).await), (422, "purpose_required".into()));
    let mut aid = aid;
    aid["purpose"] = json!("沈巷镇某户火灾应急救助");
    assert_eq!(s.fin.post(&g, aid).await.status, 201);
    assert_eq!(org.post(&g, grant("1.00")).await.status, 403);
    // Ten grants of 1,000.00 race for the 6,000.00 left: exactly six win.
    let results =
        race((0..10).map(|i| (if i % 2 == 0 { &s.fin } else { &s.staff }, g.clone(), grant("1000.00")))).await;
    let won = results.iter().filter(|r| r.status == 201).count();
    let refused = results.iter().filter(|r| code(r) == (409, "insufficient_balance".into())).count();
    assert_eq!((won, refused), (6, 4), "{:?}", results.iter().map(|r| r.text.clone()).collect::<Vec<_>>());
    // The restricted pot pays only its purpose.
    let mut restricted = grant("20000.01");
    restricted["restriction"] = json!("助老");
    assert_eq!(code(&s.staff.post(&g, restricted.clone()).await), (409, "insufficient_balance".into()));
    restricted["amount"] = json!("5000.00");
    assert_eq!(s.staff.post(&g, restricted).await.status, 201);
    let v = s.fin.get(&f).await.json;
    let pots: Vec<(Value, Value)> =
        v["pots"].as_array().unwrap().iter().map(|p| (p["restriction"].clone(), p["available"].clone())).collect();
    assert_eq!(pots, vec![(Value::Null, json!("0.00")), (json!("助老"), json!("15000.00"))]);
    assert_eq!((v["received"].as_str(), v["granted"].as_str()), (Some("26500.00"), Some("11500.00")));

    // Each grant to the project is its matching money, and its organisation is told.
    let p = s.fin.get(&format!("/api/v1/projects/{pid}")).await.json;
    let want = add(&matching_before, "11000.00");
    assert_eq!((p["welfare_matching"].as_str(), p["matching_funds"].as_str()), (Some("11000.00"), Some(want.as_str())));
    let mails = app
        .as_owner(|c| {
            use diesel::prelude::*;
            use gongyi::db::schema::outbox;
            outbox::table.filter(outbox::kind.eq("welfare_matching")).count().get_result::<i64>(c)
        })
        .await;
    assert_eq!(mails, 7);

    // The disclosure: a past period, a PDF with masked names, its hash verifiable.
    let x = format!("{f}/disclosures");
    assert_eq!(
        code(&s.staff.post(&x, json!({"from": "2026-01-01", "to": "2026-03-13"})).await),
        (422, "period_in_future".into())
    );
    assert_eq!(
        code(&s.staff.post(&x, json!({"from": "2026-03-01", "to": "2026-02-01"})).await),
        (422, "period_reversed".into())
    );
    assert_eq!(s.fin.post(&x, json!({"from": "2026-01-01", "to": "2026-03-12"})).await.status, 403);
    let r = s
        .staff
        .http
        .post(format!("{}{x}", s.staff.base))
        .json(&json!({"from": "2026-01-01", "to": "2026-03-12"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let sha = r.headers()["x-document-sha256"].to_str().unwrap().to_string();
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    use sha2::Digest;
    assert_eq!(sha, hex::encode(sha2::Sha256::digest(&pdf)));
    if let Some(text) = pdf_text(&pdf) {
        for s in ["JJ01-2026-000001", "张*明", "爱心人士", "芜湖某某科技有限公司", "应急救助"] {
            assert!(text.contains(s), "{s} in the disclosure: {text}");
        }
        assert!(!text.contains("张三明") && !text.contains("李四"), "no full name of a person: {text}");
        assert!(text.contains("15,000.00"), "the balance at the end: {text}");
    }
    let r = anon.get(&format!("/api/v1/documents/verify?sha256={sha}")).await;
    assert_eq!((r.status, r.json["kind"].as_str()), (200, Some("welfare_disclosure")), "{}", r.text);

    // The public page and the receipt lookup show no full name of a person.
    let r = anon.get(&format!("/api/v1/public/welfare-funds/{id}")).await;
    assert_eq!(r.status, 200);
    assert!(!r.text.contains("张三明") && !r.text.contains("李四"), "{}", r.text);
    assert_eq!(r.json["years"][0]["target"], "500000.00");
    assert_eq!(r.json["years"][0]["raised"], "26500.00");
    assert_eq!(r.json["uses_by_project"][0]["amount"], "11000.00");
    let url = r.json["last_disclosure"]["url"].as_str().unwrap().to_string();
    let again = anon.http.get(format!("{}{url}", anon.base)).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(hex::encode(sha2::Sha256::digest(&again)), sha, "the published PDF is the one stored");
    let r = anon.get(&format!("/api/v1/public/welfare-funds/{id}/receipts/JJ01-2026-000002")).await;
    assert_eq!(
        (r.status, r.json["donor"].as_str(), r.json["campaign"].as_str()),
        (200, Some("爱心人士"), Some("2026 敬老月募捐"))
    );
    assert_eq!(anon.get(&format!("/api/v1/public/welfare-funds/{id}/receipts/JJ01-2026-000099")).await.status, 404);

    // Three months after the period, staff are told the next disclosure is late.
    assert_eq!(s.staff.get(&f).await.json["disclosure_late_days"], Value::Null);
    app.clock.set("2026-07-01T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff]).await;
    let v = s.staff.get(&f).await.json;
    assert_eq!(v["disclosure_late_days"], 19, "{v}");
    assert!(v["warnings"][0].as_str().unwrap().contains("逾期 19 天"), "{v}");
    let w = s.staff.get("/api/v1/worklist").await.json;
    let due = w["items"].as_array().unwrap().iter().find(|i| i["kind"] == "welfare_disclosures").cloned();
    let due = due.unwrap_or_else(|| panic!("a late disclosure is on the work list: {w}"));
    assert_eq!(
        (due["link"].as_str(), due["due"].as_str()),
        (Some(f.replace("/api/v1", "/staff").replace("welfare-funds", "welfare").as_str()), Some("2026-06-12")),
        "{due}"
    );
    assert!(due["detail"].as_str().unwrap().contains("已逾期 19 天"), "{due}");
    app.relogin(&[&town]).await;
    let w = town.get("/api/v1/worklist").await.json;
    assert!(!w.to_string().contains("welfare_disclosures"), "not on another town's list: {w}");

    // The replay agrees with the tables, and finds a pot changed behind the server's back.
    let (n, findings) = app.as_owner(|c| Ok(gongyi::service::audit::replay_welfare(c).unwrap())).await;
    assert_eq!((n, findings.len()), (4 + 20 + 1 + 6 + 1, 0), "{findings:?}");
    app.exec("UPDATE welfare_pots SET received = received + 100 WHERE restriction = '助老'").await;
    app.exec(&format!("UPDATE projects SET welfare_matching = welfare_matching + 1 WHERE id = {pid}")).await;
    let (_, findings) = app.as_owner(|c| Ok(gongyi::service::audit::replay_welfare(c).unwrap())).await;
    assert_eq!(findings.len(), 2, "{findings:?}");
}

/// Sends every request at once, each on its own task.
async fn race<'a>(requests: impl Iterator<Item = (&'a Client, String, Value)>) -> Vec<Res> {
    let tasks: Vec<_> = requests
        .map(|(c, path, body)| {
            let c = c.clone();
            tokio::spawn(async move { c.post(&path, body).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Adds two money strings ("15000.00" + "11000.00").
fn add(a: &str, b: &str) -> String {
    let fen = |s: &str| s.replace('.', "").parse::<i64>().unwrap();
    let t = fen(a) + fen(b);
    format!("{}.{:02}", t / 100, t % 100)
}

crate::on_both!(a_fund_through_its_quarter);
