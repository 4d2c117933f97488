//! The Chinese pages: forms with CSRF tokens, login, registration, the staff queue, escaping.

use crate::helpers::*;

async fn home_and_login_pages(app: TestApp) {
    let c = app.client();
    let r = c.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert!(r.text.contains("公益创投") && r.text.contains("name=\"viewport\""));
    assert!(!r.text.contains("培训环境"), "a production database shows no training banner");
    assert!(r.text.contains("class=\"authority\">芜湖市鸠江区民政局</span>"), "the header names the authority");
    let icon = c.get("/favicon.ico").await;
    assert_eq!((icon.status, icon.headers["content-type"].to_str().unwrap()), (200, "image/svg+xml"));
    let css = c.get("/static/app.css").await.text;
    assert!(css.contains("@media print") && css.contains("header.top, footer"), "notices print without the site");
    let missing = c.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text.contains("页面不存在"));
    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert!(css.text.contains("@media"));
    app.add_user("staff1", "staff", None).await;
    // No token, wrong token: refused, and no session is created.
    let r = c.post_form("/login", &[("login", "staff1"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 403);
    assert!(r.text.contains("页面已过期"));
    let r = c.post_form("/login", &[("csrf", &"0".repeat(64)), ("login", "staff1"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 403);
    assert_eq!(app.count("sessions").await, 0);
    let token = c.csrf("/login").await;
    let r = c.post_form("/login", &[("csrf", &token), ("login", "staff1"), ("password", "wrong-password")]).await;
    assert_eq!(r.status, 401);
    assert!(r.text.contains("用户名或密码错误"));
    let r = c.post_form("/login", &[("csrf", &token), ("login", "staff1"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers.get("location").unwrap(), "/workbench");
    let wb = c.get("/workbench").await;
    assert_eq!(wb.status, 200);
    assert!(wb.text.contains("社会组织审核") && wb.text.contains("民政工作人员"));
    // Logging out needs the token too.
    assert_eq!(c.post_form("/logout", &[]).await.status, 403);
    let token = c.csrf("/workbench").await;
    assert_eq!(c.post_form("/logout", &[("csrf", &token)]).await.status, 303);
    let r = c.get("/workbench").await;
    assert_eq!((r.status, r.headers.get("location").map(|v| v.to_str().unwrap())), (303, Some("/login")));
}

/// An organisation registers in the browser; staff verify it in the queue; its user sees the result.
async fn register_and_verify_in_the_browser(app: TestApp) {
    let c = app.client();
    let form = c.get("/register").await;
    assert!(form.text.contains("沈巷镇") && form.text.contains("统一社会信用代码"));
    let token = c.csrf("/register").await;
    let code = uscc("52340207MJ0009101");
    let mut fields = vec![
        ("csrf", token.as_str()),
        ("uscc", code.as_str()),
        ("name", "<script>alert(1)</script>互助会"),
        ("org_type", "social_group"),
        ("registered_on", "2021-03-04"),
        ("region_code", "340207101001"),
        ("contact_name", "李四"),
        ("contact_phone", "0553-5812345"),
        ("email", "web@example.cn"),
        ("login", "weborg"),
        ("password", "short"),
    ];
    let r = c.post_form("/register", &fields).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("密码长度"));
    assert!(r.text.contains("&#60;script&#62;alert(1)"), "the name is echoed back escaped");
    assert!(!r.text.contains("<script>alert"));
    assert!(r.text.contains("autocomplete=\"new-password\" required aria-invalid=true autofocus"), "{}", r.text);
    // Two empty fields: each named, each marked.
    let blank: Vec<(&str, &str)> =
        fields.iter().map(|(k, v)| if *k == "contact_name" || *k == "email" { (*k, "") } else { (*k, *v) }).collect();
    let r = c.post_form("/register", &blank).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("联系人：此项不能为空") && r.text.contains("邮箱地址"), "{}", r.text);
    assert_eq!(r.text.matches("aria-invalid=true").count(), 3, "the two blanks and the short password");
    fields.pop();
    fields.push(("password", PASSWORD));
    let r = c.post_form("/register", &fields).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("注册申请已提交"));
    app.add_user("staff1", "staff", None).await;
    let staff = app.client();
    let token = staff.csrf("/login").await;
    staff.post_form("/login", &[("csrf", &token), ("login", "staff1"), ("password", PASSWORD)]).await;
    let queue = staff.get("/staff/organisations").await;
    assert_eq!(queue.status, 200);
    assert!(queue.text.contains("&#60;script&#62;alert(1)&#60;/script&#62;互助会"));
    assert!(!queue.text.contains("<script>alert"));
    let id = app
        .state
        .clone()
        .db(|c| {
            use diesel::prelude::*;
            use gongyi::db::schema::organisations::dsl::*;
            Ok(organisations.select(id).first::<i64>(c)?)
        })
        .await
        .unwrap();
    let token = staff.csrf("/staff/organisations").await;
    assert_eq!(staff.post_form(&format!("/staff/organisations/{id}/verify"), &[]).await.status, 403);
    let r = staff.post_form(&format!("/staff/organisations/{id}/verify"), &[("csrf", &token)]).await;
    assert_eq!(r.status, 303);
    let done = staff.get("/staff/organisations?status=verified").await;
    assert!(done.text.contains("互助会"));
    let org = app.login("weborg").await;
    let wb = org.get("/workbench").await;
    assert!(wb.text.contains("已认证"));
    // An organisation user is not let into the staff queue.
    assert_eq!(org.get("/staff/organisations").await.status, 403);
}

async fn admin_pages(app: TestApp) {
    app.add_user("root", "admin", None).await;
    let c = app.client();
    let token = c.csrf("/login").await;
    c.post_form("/login", &[("csrf", &token), ("login", "root"), ("password", PASSWORD)]).await;
    let page = c.get("/admin/users").await;
    assert_eq!(page.status, 200);
    let token = c.csrf("/admin/users").await;
    let r = c
        .post_form(
            "/admin/users",
            &[
                ("csrf", &token),
                ("login", "town9"),
                ("display_name", "二坝镇干事"),
                ("email", ""),
                ("role", "staff"),
                ("region_code", "340207102000"),
                ("affiliations", ""),
                ("password", "long-enough"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = c
        .post_form(
            "/admin/users",
            &[
                ("csrf", &token),
                ("login", "town9"),
                ("display_name", "重复"),
                ("role", "staff"),
                ("password", "long-enough"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("该用户名已被使用"));
    let town = app.login_with("town9", "long-enough").await;
    assert_eq!(town.get("/api/v1/me").await.json["region_code"], "340207102000");
    assert_eq!(c.get("/admin/outbox").await.status, 200);
    assert_eq!(town.get("/admin/outbox").await.status, 403);
}

async fn training_banner(app: TestApp) {
    let app = spawn_with(app.backend, |c| c.training = true).await;
    let r = app.client().get("/").await;
    assert!(r.text.contains("培训环境"));
}

fn as_refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// Staff create and publish a call, an organisation bids, staff screen and finance approve,
/// all through the HTML forms.
async fn call_and_bid_through_the_pages(app: TestApp) {
    use crate::flow::*;
    let staff = app.as_role("staff1", "staff").await;
    let fin = app.as_role("fin1", "finance").await;
    let form = staff.get("/staff/calls/new").await;
    assert_eq!(form.status, 200);
    assert!(!form.text.contains(" style="), "the CSP refuses inline styles: use classes");
    assert!(form.text.contains("沈巷镇") && form.text.contains("方案可行性"));
    let token = staff.csrf("/staff/calls/new").await;
    let mut fields: Vec<(String, String)> = vec![
        ("csrf", token.as_str()),
        ("year", "2026"),
        ("title", "鸠江区2026年度公益创投项目"),
        ("announcement", "公告正文"),
        ("opens_at", "2026-02-01T00:00"),
        ("closes_at", "2026-03-01T00:00"),
        ("project_start", "2026-04-01"),
        ("project_end", "2026-12-31"),
        ("min_grant", "20000.00"),
        ("max_grant", "200000.00"),
        ("max_bids_per_org", "2"),
        ("score_threshold", "60"),
        ("notice_days", "7"),
        ("notice_working_days", "1"),
        ("personnel_pct", "30"),
        ("admin_pct", "10"),
        ("forbidden", "hospitality"),
        ("tranches", "50,30,20"),
        ("fund_source", "lottery"),
        ("pool_district", "1000000.00"),
        ("pool_340207101000", "200000.00"),
        ("pool_340207102000", "150000.00"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    for (i, (k, n, w)) in [
        ("necessity", "项目必要性", "20"),
        ("feasibility", "方案可行性", "25"),
        ("innovation", "创新性", "20"),
        ("budget", "预算合理性", "20"),
        ("capacity", "机构能力", "15"),
    ]
    .iter()
    .enumerate()
    {
        fields.push((format!("crit_key_{i}"), k.to_string()));
        fields.push((format!("crit_name_{i}"), n.to_string()));
        fields.push((format!("crit_weight_{i}"), w.to_string()));
    }
    // A tranche list with a word in it is refused and marked, not read as 30, 0, 70.
    let mut bad = fields.clone();
    bad.iter_mut().filter(|f| f.0 == "tranches").for_each(|f| f.1 = "30,abc,70".into());
    bad.push(("notice_days".into(), "七".into()));
    bad.retain(|f| f.0 != "notice_days" || f.1 == "七");
    let r = staff.post_form("/staff/calls/new", &as_refs(&bad)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("请填写以逗号分隔的整数") && r.text.contains("请填写整数"), "both fields marked");
    assert!(r.text.contains("30,abc,70"), "what was typed comes back");
    assert_eq!(staff.get("/api/v1/calls").await.json.as_array().map(Vec::len), Some(0), "no call was made");
    let r = staff.post_form("/staff/calls/new", &as_refs(&fields)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let loc = r.headers.get("location").unwrap().to_str().unwrap().to_string();
    let call_id: i64 = loc.trim_start_matches("/staff/calls/").split('?').next().unwrap().parse().unwrap();
    // Categories with quotas through the form; a bad limit comes back explained.
    let mut with_cats = fields.clone();
    for (k, v) in [
        ("cat_key_0", "elderly"),
        ("cat_name_0", "为老服务"),
        ("cat_projects_0", "4"),
        ("cat_amount_0", "400000.00"),
        ("cat_scope_0", "pool"),
        ("cat_key_1", "children"),
        ("cat_name_1", "儿童关爱"),
        ("cat_projects_1", "x"),
        ("cat_scope_1", "call"),
    ] {
        with_cats.push((k.to_string(), v.to_string()));
    }
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&with_cats)).await;
    assert_eq!(r.status, 422, "an unreadable project limit");
    with_cats.retain(|f| f.0 != "cat_projects_1");
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&with_cats)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    // 申报资格 through the form: a bad number is marked, good rules kept and shown again.
    let mut elig = with_cats.clone();
    for (k, v) in [
        ("elig_inspection", "pass_or_basic"),
        ("elig_abnormal_years", "20"),
        ("elig_bonus_4A", "2"),
        ("screening_checklist", "登记证书在有效期内\n\n（可选）有同类项目经验"),
    ] {
        elig.push((k.to_string(), v.to_string()));
    }
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&elig)).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("value=\"20\" aria-invalid=true"), "the years marked beside the field");
    elig.iter_mut().filter(|f| f.0 == "elig_abnormal_years").for_each(|f| f.1 = "2".into());
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&elig)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let e = staff.get(&format!("/api/v1/calls/{call_id}")).await.json["eligibility"].clone();
    assert_eq!((e["annual_inspection"].as_str(), e["no_abnormal_years"].as_u64()), (Some("pass_or_basic"), Some(2)));
    assert_eq!(e["rating_bonus"]["4A"], "2");
    let c = staff.get(&format!("/api/v1/calls/{call_id}")).await.json["screening_checklist"].clone();
    assert_eq!((c[0]["key"].as_str(), c[0]["mandatory"].as_bool()), (Some("item1"), Some(true)));
    assert_eq!((c[1]["name"].as_str(), c[1]["mandatory"].as_bool()), (Some("有同类项目经验"), Some(false)));
    let form = staff.get(&format!("/staff/calls/{call_id}/edit")).await.text;
    assert!(
        form.contains("value=\"pass_or_basic\" selected")
            && form.contains("id=\"elig_bonus_4A\" name=\"elig_bonus_4A\" inputmode=\"decimal\" value=\"2.00\"")
    );
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&with_cats)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let v = staff.get(&format!("/api/v1/calls/{call_id}")).await;
    assert_eq!(v.json["categories"][0]["max_amount"], "400000.00");
    assert_eq!(
        (v.json["categories"][1]["name"].as_str(), v.json["categories"][1]["scope"].as_str()),
        (Some("儿童关爱"), Some("call"))
    );
    // Two stages, a matching-funds bonus and the repeat rule through the same form.
    let mut staged = with_cats.clone();
    for (k, v) in [
        ("stage1_name", "书面评审"),
        ("stage1_weight", "60"),
        ("stage2_name", "现场答辩"),
        ("stage2_weight", "40"),
        ("s2_key_0", "presentation"),
        ("s2_name_0", "现场陈述"),
        ("s2_weight_0", "50"),
        ("s2_key_1", "answers"),
        ("s2_name_1", "答辩表现"),
        ("s2_weight_1", "50"),
        ("bonus_per_amount", "10000.00"),
        ("bonus_points", "1"),
        ("bonus_max", "x"),
        ("repeat_funding", "renewal_only"),
    ] {
        staged.push((k.to_string(), v.to_string()));
    }
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&staged)).await;
    assert_eq!(r.status, 422, "an unreadable bonus cap");
    assert!(r.text.contains("加分应为"), "explained on the form");
    staged.retain(|f| f.0 != "bonus_max");
    staged.push(("bonus_max".into(), "10".into()));
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&staged)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let v = staff.get(&format!("/api/v1/calls/{call_id}")).await;
    assert_eq!(
        (v.json["stages"][1]["name"].as_str(), v.json["stages"][1]["weight"].as_i64()),
        (Some("现场答辩"), Some(40))
    );
    assert_eq!(
        (v.json["bonus"]["max_points"].as_str(), v.json["repeat_funding"].as_str()),
        (Some("10"), Some("renewal_only"))
    );
    let edit = staff.get(&format!("/staff/calls/{call_id}/edit")).await;
    assert!(
        edit.text.contains("value=\"现场陈述\"") && edit.text.contains("value=\"renewal_only\" selected"),
        "the form shows what is stored"
    );
    // Back to one stage for the rest of this test.
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&with_cats)).await;
    assert_eq!(r.status, 303);
    assert_eq!(staff.get(&format!("/api/v1/calls/{call_id}")).await.json["stages"], serde_json::json!([]));
    assert!(staff.get(&format!("/staff/calls/{call_id}/edit")).await.text.contains("为老服务"));
    // Publishing refuses pools whose regions have no fund for the year, on the page.
    let token = staff.csrf(&format!("/staff/calls/{call_id}")).await;
    let r = staff.post_form(&format!("/staff/calls/{call_id}/publish"), &[("csrf", &token), ("confirm", "1")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("尚未设立专项资金"), "{}", r.text);
    // The funds are set up on their page; a town fund below its yearly floor comes back explained.
    let low = [("csrf", token.as_str()), ("year", "2026"), ("region_code", "340207102000"), ("amount", "199999.99")];
    let r = staff.post_form("/staff/funds", &low).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("200,000.00") && r.text.contains("199999.99"), "explained, what was typed kept");
    for (region, amount) in
        [("340207000000", "1000000.00"), ("340207101000", "200000.00"), ("340207102000", "250000.00")]
    {
        let f = [("csrf", token.as_str()), ("year", "2026"), ("region_code", region), ("amount", amount)];
        assert_eq!(staff.post_form("/staff/funds", &f).await.status, 303);
    }
    let funds = staff.get("/staff/funds?year=2026").await;
    assert!(funds.text.contains("二坝镇2026年公益创投专项资金") && funds.text.contains("250,000.00"), "{}", funds.text);
    let edit = staff.get(&format!("/staff/calls/{call_id}/edit")).await;
    assert!(edit.text.contains("150000.00"));
    for f in fields.iter_mut() {
        if f.0 == "pool_340207102000" {
            f.1 = "250000.00".into();
        }
    }
    let r = staff.post_form(&format!("/staff/calls/{call_id}/edit"), &as_refs(&fields)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = staff.post_form(&format!("/staff/calls/{call_id}/publish"), &[("csrf", &token)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("请确认：发布招标公告") && r.text.contains("1,000,000.00 元"), "{}", r.text);
    assert!(r.text.contains("家已认证的社会组织"), "who is emailed");
    assert_eq!(staff.get(&format!("/api/v1/calls/{call_id}")).await.json["status"], "draft", "nothing yet");
    let r = staff.post_form(&format!("/staff/calls/{call_id}/publish"), &[("csrf", &token), ("confirm", "1")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let public = app.client().get(&format!("/calls/{call_id}")).await;
    assert!(public.text.contains("彩票公益金资助—中国福利彩票") && public.text.contains("1,000,000.00"));
    let home = app.client().get("/").await;
    assert!(home.text.contains("鸠江区2026年度公益创投项目"));

    let (_, org) = org(&app, &staff, "pageorg", "52340207MJ0019001").await;
    open_window(&app, &[&staff, &fin, &org]).await;
    let page = org.get(&format!("/calls/{call_id}")).await;
    assert!(page.text.contains(&format!("/calls/{call_id}/bid")), "an organisation is offered to bid");
    let bid_form = org.get(&format!("/calls/{call_id}/bid")).await;
    assert!(!bid_form.text.contains(" style="), "the CSP refuses inline styles: use classes");
    let token = org.csrf(&format!("/calls/{call_id}/bid")).await;
    let call = app.client().get(&format!("/api/v1/calls/{call_id}")).await.json;
    let pool = pool_id(&call, SHENXIANG).to_string();
    let bid_fields = vec![
        ("csrf", token.as_str()),
        ("pool_id", pool.as_str()),
        ("title", "四点半课堂"),
        ("summary", "放学后托管与学业辅导"),
        ("service_region_code", "340207101001"),
        ("beneficiary_kind", "留守儿童"),
        ("beneficiary_count", "80"),
        ("start_date", "2026-04-01"),
        ("end_date", "2026-12-31"),
        ("requested_amount", "100000.00"),
        ("matching_funds", "5000"),
        ("line_category_0", "personnel"),
        ("line_item_0", "辅导老师补贴"),
        ("line_quantity_0", "10"),
        ("line_unit_price_0", "3000"),
        ("line_amount_0", "30000.00"),
        ("line_category_1", "activity"),
        ("line_item_1", "课程与活动"),
        ("line_amount_1", "70000.00"),
        ("ms_title_0", "中期评估"),
        ("ms_due_0", "2026-08-01"),
    ];
    let r = org.post_form(&format!("/calls/{call_id}/bid"), &bid_fields).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let bid_path = r.headers.get("location").unwrap().to_str().unwrap().split('?').next().unwrap().to_string();
    let token = org.csrf(&bid_path).await;
    let r = org.post_form(&format!("{bid_path}/submit"), &[("csrf", &token)]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let shown = org.get(&bid_path).await;
    assert!(shown.text.contains("JJ-2026-0001") && shown.text.contains("100,000.00"));
    let wb = org.get("/workbench").await;
    assert!(wb.text.contains("四点半课堂") && wb.text.contains("已提交"));
    // A bad amount comes back on the form with the reason.
    let mut bad = bid_fields.clone();
    bad[9] = ("requested_amount", "1.234");
    let r = org.post_form(&format!("/calls/{call_id}/bid"), &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("两位小数"));
    // Ten lines, a 7,500-character summary and one bad amount on the second line: the form comes
    // back with all of it, each error beside its field in the words of its label, rows from 1.
    let long = "长".repeat(7500);
    let names: Vec<String> = (0..10)
        .flat_map(|i| [format!("line_category_{i}"), format!("line_item_{i}"), format!("line_amount_{i}")])
        .collect();
    let values: Vec<String> = (0..10)
        .flat_map(|i| {
            let amount = if i == 1 { "12.345".to_string() } else { "10,000.00".to_string() };
            ["activity".to_string(), format!("第{}项活动", i + 1), amount]
        })
        .collect();
    let mut ten: Vec<(&str, &str)> = bid_fields.iter().filter(|(k, _)| !k.starts_with("line_")).cloned().collect();
    ten.retain(|(k, _)| *k != "summary");
    ten.push(("summary", long.as_str()));
    ten.extend(names.iter().map(String::as_str).zip(values.iter().map(String::as_str)));
    let r = org.post_form(&format!("/calls/{call_id}/bid"), &ten).await;
    assert_eq!(r.status, 422, "{}", &r.text[..r.text.len().min(2000)]);
    assert!(r.text.contains("项目简介：") && r.text.contains("预算明细第 2 行 · 金额："), "labels, not field names");
    assert!(!r.text.contains("budget_lines[") && !r.text.contains("summary："), "no field names");
    assert!(r.text.contains(&long), "the long text comes back");
    for i in 1..=10 {
        assert!(r.text.contains(&format!("第{i}项活动")), "line {i} kept");
    }
    assert!(r.text.contains("value=\"12.345\" aria-invalid=true"), "the bad amount is marked beside its field");
    assert!(r.text.contains("id=\"line_amount_12\""), "spare rows beyond the ten");
    assert!(r.text.contains("已填预算合计"), "the running total");
    // 增加 5 行预算 saves nothing and gives five more rows, everything typed kept.
    let mut more = ten.clone();
    more.push(("add", "line"));
    let bids_before = app.count("bids").await;
    let r = org.post_form(&format!("/calls/{call_id}/bid"), &more).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("id=\"line_amount_17\"") && r.text.contains("第10项活动"));
    assert_eq!(app.count("bids").await, bids_before, "adding rows saves nothing");
    // Five empty rows on the form and 增加: ten rows, not the filled count plus five.
    let mut empty: Vec<(&str, &str)> = ten.iter().filter(|(k, _)| !k.starts_with("line_")).cloned().collect();
    empty
        .extend(["line_amount_0", "line_amount_1", "line_amount_2", "line_amount_3", "line_amount_4"].map(|k| (k, "")));
    empty.push(("add", "line"));
    let r = org.post_form(&format!("/calls/{call_id}/bid"), &empty).await;
    assert!(r.text.contains("id=\"line_amount_9\"") && !r.text.contains("id=\"line_amount_10\""), "ten rows");

    close_window(&app, &[&staff, &fin, &org]).await;
    let queue = staff.get(&format!("/staff/calls/{call_id}/bids")).await;
    assert!(queue.text.contains("四点半课堂"), "{}", queue.text);
    let token = staff.csrf(&bid_path).await;
    let page = staff.get(&bid_path).await.text;
    assert!(page.contains("申报单位：<strong>") && page.contains("请选择审查结论"), "the applicant named, no default");
    let r = staff.post_form(&format!("{bid_path}/screening"), &[("csrf", &token), ("outcome", ""), ("note", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("审查结论：请选择审查结论"), "{}", r.text);
    let r = staff
        .post_form(&format!("{bid_path}/screening"), &[("csrf", &token), ("outcome", "ineligible"), ("note", "")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("须说明理由"));
    let r = staff
        .post_form(&format!("{bid_path}/screening"), &[("csrf", &token), ("outcome", "eligible"), ("note", "材料齐全")])
        .await;
    assert_eq!(r.status, 303);
    let page = fin.get(&bid_path).await;
    assert!(page.text.contains("人员费用合计 30,000.00 元"), "finance sees the caps");
    assert!(page.text.contains("预算 200,000.00 元，已申请 100,000.00 元"), "and the pool beside the bid");
    let token = fin.csrf(&bid_path).await;
    let r = fin
        .post_form(&format!("{bid_path}/finance"), &[("csrf", &token), ("approved_amount", "90000.00"), ("note", "")])
        .await;
    assert_eq!(r.status, 422);
    let r = fin
        .post_form(
            &format!("{bid_path}/finance"),
            &[("csrf", &token), ("approved_amount", "90000.00"), ("note", "活动费偏高")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(org.get(&bid_path).await.text.contains("90,000.00"));
}

/// 政务 conventions: each call's 办事指南 names the steps, the materials, the dates and whom to
/// ask; deep pages carry breadcrumbs; an applicant sees where the bid stands.
async fn guide_crumbs_and_steps(app: TestApp) {
    use crate::flow::*;
    let app = spawn_with(app.backend, |c| c.contact = "鸠江区民政局社会组织科 0553-5555555".into()).await;
    let staff = app.as_role("staff1", "staff").await;
    let call = published_call(&staff, call_body()).await;
    let page = app.client().get(&format!("/calls/{}", call.id)).await;
    assert_eq!(page.status, 200);
    for part in
        ["办事指南", "办理流程", "申报材料", "办理时限", "鸠江区民政局社会组织科 0553-5555555", "class=\"crumbs\""]
    {
        assert!(page.text.contains(part), "the call page shows {part}");
    }
    assert!(app.client().get("/").await.text.contains("咨询：鸠江区民政局社会组织科"), "the footer names the contact");
    let (_, org) = org(&app, &staff, "orga", "52340207MJ0009901").await;
    open_window(&app, &[&staff, &org]).await;
    let (bid, _) = submitted_bid(&org, call.id, bid_body(call.shenxiang, "340207101001", "90000.00")).await;
    let mine = org.get(&format!("/bids/{bid}")).await;
    assert_eq!(mine.status, 200);
    assert!(mine.text.contains("class=\"steps\""), "the applicant sees the steps");
    assert!(mine.text.contains(r#"<li class="current" aria-current="step">资格审查</li>"#), "{}", mine.text);
    close_window(&app, &[&staff]).await;
    let theirs = staff.get(&format!("/bids/{bid}")).await;
    assert_eq!(theirs.status, 200);
    assert!(
        !theirs.text.contains("class=\"steps\"") && theirs.text.contains(&format!("/staff/calls/{}/bids", call.id))
    );
    let form = staff.get("/staff/calls/new").await;
    assert!(form.text.contains("T17:00") && form.text.contains("T09:00"), "deadlines at a time people use");
}

crate::on_both!(
    guide_crumbs_and_steps,
    home_and_login_pages,
    register_and_verify_in_the_browser,
    admin_pages,
    training_banner,
    call_and_bid_through_the_pages
);
