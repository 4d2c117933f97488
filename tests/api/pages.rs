//! The Chinese pages: forms with CSRF tokens, login, registration, the staff queue, escaping.

use crate::helpers::*;

async fn home_and_login_pages(app: TestApp) {
    let c = app.client();
    let r = c.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert!(r.text.contains("公益创投") && r.text.contains("name=\"viewport\""));
    assert!(!r.text.contains("培训环境"), "a production database shows no training banner");
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

crate::on_both!(home_and_login_pages, register_and_verify_in_the_browser, admin_pages, training_banner);
