//! The review year through the pages: draw, confirm, score, rank, decide, object, answer, finalise.

use crate::helpers::*;

async fn review_and_notice_through_the_pages(app: TestApp) {
    let s = crate::review::setup(&app).await;
    let call = s.call.id;
    let token = s.staff.csrf(&format!("/staff/calls/{call}")).await;
    let r = s
        .staff
        .post_form(&format!("/staff/calls/{call}/assignments"), &[("csrf", &token), ("reviewers_per_bid", "3")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    for (_, c) in &s.reviewers {
        let list = c.get("/review").await;
        assert_eq!(list.status, 200);
        assert!(
            list.text.contains("鸠江区2026年度公益创投项目") && list.text.contains("已提交 <strong>0 / "),
            "{}",
            list.text
        );
        assert!(list.text.contains("评审截止"), "the due date");
        let ids: std::collections::BTreeSet<i64> = list
            .text
            .match_indices("action=\"/review/")
            .filter_map(|(i, _)| list.text[i + 16..].split('/').next().and_then(|x| x.parse().ok()))
            .collect();
        for aid in ids {
            let token = c.csrf("/review").await;
            assert_eq!(c.post_form(&format!("/review/{aid}/accept"), &[("csrf", &token)]).await.status, 303);
            let form = c.get(&format!("/review/{aid}")).await;
            assert!(form.text.contains("方案可行性（权重 25，满分 100"), "{}", form.text);
            assert!(form.text.contains("<h1>评分：") && form.text.contains("评审截止"), "names the project");
            assert!(form.text.contains("</h1>") && !form.text.contains("<h1>评分：</h1>"), "with its title");
            let token = c.csrf(&format!("/review/{aid}")).await;
            let bad = c
                .post_form(
                    &format!("/review/{aid}"),
                    &[("csrf", &token), ("score_necessity", "85.3"), ("action", "submit")],
                )
                .await;
            assert_eq!(bad.status, 422);
            assert!(bad.text.contains("0.5"));
            let mut fields: Vec<(String, String)> = vec![
                ("csrf".into(), token.clone()),
                ("action".into(), "submit".into()),
                ("comment".into(), "好".into()),
            ];
            for k in ["necessity", "feasibility", "innovation", "budget", "capacity"] {
                fields.push((format!("score_{k}"), "80".into()));
            }
            let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            assert_eq!(c.post_form(&format!("/review/{aid}"), &refs).await.status, 303);
        }
    }
    let ranking = s.staff.get(&format!("/staff/calls/{call}/ranking")).await;
    assert_eq!(ranking.status, 200);
    assert!(ranking.text.contains("80.00") && ranking.text.contains("拟资助"), "{}", ranking.text);
    let token = s.staff.csrf(&format!("/staff/calls/{call}/ranking")).await;
    let r = s.staff.post_form(&format!("/staff/calls/{call}/decide"), &[("csrf", &token)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("请确认：确定资助结果") && r.text.contains("资助 "), "{}", r.text);
    assert_eq!(app.count("notices").await, 0, "nothing decided before it is confirmed");
    let r = s.staff.post_form(&format!("/staff/calls/{call}/decide"), &[("csrf", &token), ("confirm", "1")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let notice_path = r.headers.get("location").unwrap().to_str().unwrap().to_string();
    let public = app.client();
    // The public finds it from the home page and from the call's page.
    let link = format!("href=\"{notice_path}\"");
    assert!(public.get("/").await.text.contains(&link), "home page links the notice");
    assert!(!public.get("/").await.text.contains("暂无公示"));
    assert!(public.get(&format!("/calls/{call}")).await.text.contains(&link), "call page links the notice");
    let page = public.get(&notice_path).await;
    assert!(
        page.text.contains("评审结果公示") && page.text.contains("270,000.00") && page.text.contains("提出异议"),
        "{}",
        page.text
    );
    // Anyone can check a downloaded PDF on /verify.
    let pdf_path = format!("/api/v1{notice_path}/pdf");
    let pdf = public.http.get(format!("{}{pdf_path}", app.base)).send().await.unwrap().bytes().await.unwrap().to_vec();
    let token = public.csrf("/verify").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name("公示.pdf"));
    let r =
        public.http.post(format!("{}/verify", app.base)).multipart(form).send().await.unwrap().text().await.unwrap();
    assert!(r.contains("核验通过"), "{r}");
    let mut forged = pdf;
    forged.push(b' ');
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .part("file", reqwest::multipart::Part::bytes(forged).file_name("x.pdf"));
    let r =
        public.http.post(format!("{}/verify", app.base)).multipart(form).send().await.unwrap().text().await.unwrap();
    assert!(r.contains("未通过"), "{r}");
    let token = public.csrf(&notice_path).await;
    let bid = s.bids[1].to_string();
    let r = public
        .post_form(
            &format!("{notice_path}/objections"),
            &[("csrf", &token), ("bid_id", &bid), ("name", "张三"), ("contact", "13900001111"), ("text", "请核实")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(s.staff.get(&notice_path).await.text.contains("13900001111"), "staff see the contact");
    assert!(!public.get(&notice_path).await.text.contains("13900001111"), "the public does not");
    // The anonymous page is rendered once and shared; each visitor still gets a token of its own.
    let (v1, v2) = (app.client(), app.client());
    let (t1, t2) = (v1.csrf(&notice_path).await, v2.csrf(&notice_path).await);
    assert_ne!(t1, t2);
    let objection = |t: &str| {
        [
            ("csrf", t.to_string()),
            ("bid_id", bid.clone()),
            ("name", "李四".into()),
            ("contact", "13900002222".into()),
            ("text", "请再核实".into()),
        ]
    };
    let f = objection(&t1);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(v2.post_form(&format!("{notice_path}/objections"), &refs).await.status, 403, "another visitor's token");
    let f = objection(&t2);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(v2.post_form(&format!("{notice_path}/objections"), &refs).await.status, 303);
    let oids = app
        .state
        .clone()
        .db(|c| {
            use diesel::prelude::*;
            use gongyi::db::schema::objections::dsl::*;
            Ok(objections.select(id).order(id).load::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(oids.len(), 2);
    // Finalising while objections wait leads to them, not to a dead end.
    let token = s.staff.csrf(&format!("/staff/calls/{call}")).await;
    let r = s.staff.post_form(&format!("/staff/calls/{call}/finalize"), &[("csrf", &token)]).await;
    assert!(
        r.text.contains("尚有 2 条异议未答复") && r.text.contains(&format!("href=\"{notice_path}\"")),
        "{}",
        r.text
    );
    assert!(!r.text.contains("name=\"confirm\""), "nothing to confirm yet");
    for oid in oids {
        let token = s.staff.csrf(&notice_path).await;
        let r = s
            .staff
            .post_form(
                &format!("/objections/{oid}/answer"),
                &[("csrf", &token), ("upheld", "0"), ("reply", "经核实不成立")],
            )
            .await;
        assert_eq!(r.status, 303);
    }
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff]).await;
    let token = s.staff.csrf(&format!("/staff/calls/{call}")).await;
    let r = s.staff.post_form(&format!("/staff/calls/{call}/finalize"), &[("csrf", &token)]).await;
    assert!(r.status == 200 && r.text.contains("请确认：确定立项") && r.text.contains("立项通知"), "{}", r.text);
    assert_eq!(app.count("projects").await, 0);
    let r = s.staff.post_form(&format!("/staff/calls/{call}/finalize"), &[("csrf", &token), ("confirm", "1")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(app.count("projects").await, 3);
    // After the decision nothing vanishes: the ranking stays linked, every bid is listed.
    let page = s.staff.get(&format!("/staff/calls/{call}")).await.text;
    assert!(page.contains(&format!("/staff/calls/{call}/ranking")), "{page}");
    assert_eq!(s.staff.get(&format!("/staff/calls/{call}/ranking")).await.status, 200);
    let all = s.staff.get(&format!("/staff/calls/{call}/bids?status=all")).await.text;
    assert_eq!(all.matches("href=\"/bids/").count(), 3, "{all}");
    assert!(all.contains("已立项") && all.contains("申报单位"), "{all}");
    let funded = s.staff.get(&format!("/staff/calls/{call}/bids?status=funded")).await.text;
    assert_eq!(funded.matches("href=\"/bids/").count(), 3);
    let title = s.staff.get(&format!("/api/v1/bids/{}", s.bids[0])).await.json["title"].as_str().unwrap().to_string();
    let found = s.staff.get(&format!("/staff/calls/{call}/bids?status=all&q=%25")).await.text;
    assert_eq!(found.matches("href=\"/bids/").count(), 0, "a typed % matches itself, not everything");
    let q: String = title.chars().take(3).collect();
    let found = s.staff.get(&format!("/staff/calls/{call}/bids?status=all&q={q}")).await.text;
    assert!(found.contains(&title), "search by title");
}

crate::on_both!(review_and_notice_through_the_pages);
