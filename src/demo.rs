//! Demo data for a training database: 芜湖市鸠江区, users of every role, a few organisations.
//! Goes through the same service functions as real use, so the audit chain and outbox are real.

use crate::db::{self, DbConn};
use crate::domain::uscc::with_check_digit;
use crate::error::AppResult;
use crate::service::accounts::{self, NewUserInput};
use crate::service::documents::DocSettings;
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
    ("pinggu", "evaluator", "第三方评估 皖江社会服务评估中心", None),
    ("cunwei", "community", "沈巷社区 周主任", Some("340207101001")),
];

/// (login, name, USCC body, type, region, contact, verified)
pub const DEMO_ORGS: &[(&str, &str, &str, &str, &str, &str, bool)] = &[
    ("yangguang", "鸠江区阳光社会工作服务中心", "52340207MJ0001001", "social_service", "340207001001", "吴晓燕", true),
    ("xinyu", "芜湖市鸠江区心语青少年服务中心", "52340207MJ0001002", "social_service", "340207101000", "郑海涛", true),
    ("laonian", "鸠江区老年协会", "51340207MJ0001003", "social_group", "340207002000", "黄德明", true),
    ("xinzhi", "鸠江区新知公益发展中心", "52340207MJ0001004", "social_service", "340207102000", "许静", false),
];

/// Loads the demo once per database; returns false when it was already there.
pub fn load(conn: &mut DbConn, ctx: &Ctx, hasher: &Hasher, docs: &DocSettings) -> AppResult<bool> {
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
                organisation: None,
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
            i64::MAX,
        )?;
        if *verified {
            organisations::verify(conn, &staff_ctx, o.id)?;
        }
    }
    demo_call(conn, &staff_ctx, docs)?;
    demo_awards(conn, &staff_ctx)?;
    demo_demands(conn, &staff_ctx)?;
    demo_points(conn, &staff_ctx)?;
    demo_welfare(conn, &staff_ctx, docs)?;
    db::meta::set(conn, "demo_loaded", "1")?;
    Ok(true)
}

/// Three demands from 沈巷社区: one settled in the village, one escalated to 沈巷镇 and waiting to
/// be accepted, one just registered (the worker may escalate it in the demo).
fn demo_demands(conn: &mut DbConn, staff: &Ctx) -> AppResult<()> {
    use crate::service::demands::{self, DemandInput, TransitionInput};
    let worker = db::users::by_login(conn, "cunwei")?.ok_or_else(crate::error::AppError::not_found)?;
    let village = Ctx { principal: Principal::User(accounts::actor_of(&worker)?), ..staff.clone() };
    let demand = |channel: &str, category: &str, text: &str| DemandInput {
        region_code: None,
        channel: channel.into(),
        category: category.into(),
        text: text.into(),
        reporter_name: None,
        reporter_contact: None,
    };
    let lamp = demands::file(conn, &village, &demand("visit", "便民服务", "小区东门路灯损坏，夜间出行不便。"))?;
    let to = |to: &str, note: &str| TransitionInput { to: to.into(), note: note.into() };
    demands::transition(conn, &village, lamp.id, &to("resolved_locally", "已联系物业更换灯泡。"))?;
    let meals = demands::file(
        conn,
        &village,
        &demand("meeting", "养老服务", "高龄独居老人较多，希望就近有助餐点和定期上门探访。"),
    )?;
    demands::transition(conn, &village, meals.id, &to("escalated", "村里无场地和专业力量，上报镇里。"))?;
    demands::file(conn, &village, &demand("online", "儿童关爱", "双职工家庭孩子放学后无人照看。"))?;
    Ok(())
}

/// The district's social-welfare fund inside a charity: its committee, this year's plan, a filed
/// campaign with gifts (one anonymous, one restricted, one in kind), a grant to 沈巷社区's points
/// store and the first disclosure, so the public fund page has something to show.
fn demo_welfare(conn: &mut DbConn, staff: &Ctx, docs: &DocSettings) -> AppResult<()> {
    use crate::service::welfare::{self, CampaignInput, CommitteeInput, DisclosureInput, DonationInput, FundInput};
    use crate::service::welfare::{GrantInput, MemberInput, PlanInput};
    let today = crate::clock::local_date(staff.now);
    let date = |d: i64| (today + chrono::Duration::days(d)).to_string();
    let f = welfare::create(
        conn,
        staff,
        &FundInput {
            name: "鸠江区社会公益基金（演示）".into(),
            region_code: "340207000000".into(),
            host_name: "芜湖市鸠江区慈善会".into(),
            host_uscc: with_check_digit("53340207MJ1000001").map(|u| u.to_string()).unwrap_or_default(),
            host_certificate_no: Some("皖民募字〔2025〕018号".into()),
            host_certificate_until: Some(date(3 * 365)),
            purpose: "支持社区公益创投项目配套资金、村（社区）积分超市和困难群众应急救助".into(),
            receipt_prefix: None,
        },
    )?;
    let members = [
        ("王建国", "charity"),
        ("李秀英", "donor_rep"),
        ("张海", "town"),
        ("周丽", "community"),
        ("陈志强", "enterprise"),
        ("刘芳", "supervisor"),
    ]
    .iter()
    .map(|(name, role)| MemberInput { name: name.to_string(), role: role.to_string() })
    .collect();
    welfare::put_committee(conn, staff, f.id, &CommitteeInput { members })?;
    welfare::activate(conn, staff, f.id)?;
    let year = chrono::Datelike::year(&today);
    welfare::put_plan(
        conn,
        staff,
        f.id,
        year,
        &PlanInput {
            target: "300000.00".into(),
            channels: vec!["微信公众号".into(), "社区募捐箱".into(), "慈善会网络募捐平台".into()],
            note: Some("重阳节、中华慈善日集中募捐".into()),
        },
    )?;
    let campaign = welfare::add_campaign(
        conn,
        staff,
        f.id,
        &CampaignInput {
            title: "“邻里守望”敬老助餐募捐".into(),
            filing_no: format!("皖民备〔{year}〕0312号"),
            filed_on: date(-40),
            starts_on: date(-30),
            ends_on: date(60),
            target: "100000.00".into(),
        },
    )?;
    let gift = |name: &str, kind: &str, amount: &str, days: i64, channel: &str| DonationInput {
        campaign_id: Some(campaign.id),
        donor_name: name.into(),
        donor_kind: kind.into(),
        anonymous: false,
        amount: amount.into(),
        received_on: date(days),
        channel: channel.into(),
        restricted_to: None,
        in_kind_items: None,
        valuation_basis: None,
    };
    welfare::donate(conn, staff, f.id, &gift("张三明", "person", "2000.00", -25, "transfer"))?;
    welfare::donate(
        conn,
        staff,
        f.id,
        &DonationInput { anonymous: true, ..gift("李四", "person", "500.00", -20, "cash") },
    )?;
    welfare::donate(
        conn,
        staff,
        f.id,
        &DonationInput {
            restricted_to: Some("敬老助餐".into()),
            ..gift("芜湖江城建材有限公司", "organisation", "30000.00", -15, "transfer")
        },
    )?;
    welfare::donate(
        conn,
        staff,
        f.id,
        &DonationInput {
            in_kind_items: Some("大米 50 袋、食用油 50 桶".into()),
            valuation_basis: Some("销售发票".into()),
            ..gift("鸠江惠民超市", "organisation", "4500.00", -10, "in_kind")
        },
    )?;
    welfare::grant(
        conn,
        staff,
        f.id,
        &GrantInput {
            to: "store".into(),
            project_id: None,
            amount: "4500.00".into(),
            minutes_ref: format!("基金管委〔{year}〕1号"),
            decided_on: date(-8),
            restriction: None,
            purpose: Some("沈巷社区积分超市兑换物资".into()),
            votes_for: Some(5),
        },
    )?;
    welfare::disclose(conn, staff, docs, f.id, &DisclosureInput { from: date(-40), to: date(-1) })?;
    Ok(())
}

/// 沈巷社区's points: this month's catalogue (made last month, as a village does), four
/// participants and a shop shelf, so a worker can file an activity's claims at once.
fn demo_points(conn: &mut DbConn, staff: &Ctx) -> AppResult<()> {
    use crate::service::points::{self, CatalogueInput, ItemInput, ParticipantInput, StoreItemInput};
    let worker = db::users::by_login(conn, "cunwei")?.ok_or_else(crate::error::AppError::not_found)?;
    let village = Ctx { principal: Principal::User(accounts::actor_of(&worker)?), ..staff.clone() };
    let this = crate::domain::points::Month::of(crate::clock::local_date(staff.now));
    let last_month = Ctx { now: staff.now - chrono::Duration::days(31), ..village.clone() };
    let item = |code: &str, category: &str, name: &str, points: i32, cap: Option<i32>| ItemInput {
        code: code.into(),
        category: category.into(),
        name: name.into(),
        points,
        monthly_cap: cap,
    };
    let items = vec![
        item("PA01", "平安建设", "夜间治安巡逻", 5, Some(8)),
        item("PA02", "平安建设", "矛盾隐患排查上报", 10, None),
        item("XC01", "理论宣讲", "政策宣讲进小区", 10, Some(2)),
        item("ZY01", "志愿服务", "关爱独居老人上门探访", 5, None),
        item("TJ01", "矛盾调解", "成功调解邻里纠纷", 15, None),
        item("YF01", "移风易俗", "红白事简办劝导", 3, None),
        item("QT01", "其他", "协助重大活动保障", 20, Some(1)),
    ];
    let note = "本月重点：夜间巡逻与独居老人探访".to_string();
    points::put_catalogue(conn, &last_month, "340207101001", &this.to_string(), &CatalogueInput { items, note })?;
    for (name, kind, tags) in [
        ("张三明", "person", vec!["平安志愿者"]),
        ("李秀英", "person", vec!["微网格员"]),
        ("王建国", "household", vec!["平安志愿者", "党员"]),
        ("欧阳小明", "person", vec!["平安志愿者"]),
    ] {
        let tags = tags.into_iter().map(str::to_string).collect();
        let input = ParticipantInput { region_code: None, name: name.into(), phone: None, kind: kind.into(), tags };
        points::add_participant(conn, &village, &input)?;
    }
    for (name, price, stock) in [("肥皂", 5, 100), ("洗衣液", 20, 30), ("食用油", 40, 20)] {
        let input = StoreItemInput { region_code: None, name: name.into(), points_price: price, stock };
        points::add_store_item(conn, &village, &input)?;
    }
    Ok(())
}

/// This year's award fund with two awards, not yet published (staff can publish it in the demo).
fn demo_awards(conn: &mut DbConn, staff: &Ctx) -> AppResult<()> {
    use crate::service::awards::{self, AwardInput, FundInput};
    use chrono::Datelike;
    let year = crate::clock::local_date(staff.now).year();
    let fund = awards::create_fund(conn, staff, &FundInput { year, budget: None })?;
    for (region, title, citation, amount) in [
        (
            "340207101001",
            "“小区议事厅”居民协商机制",
            "以议事厅为平台推动居民协商，解决加装电梯、停车等难题。",
            "50000.00",
        ),
        ("340207102000", "“邻里互助”积分超市", "以积分激励志愿服务，带动居民参与社区治理。", "30000.00"),
    ] {
        let input = AwardInput {
            region_code: region.into(),
            title: title.into(),
            citation: citation.into(),
            amount: amount.into(),
            reason: None,
        };
        awards::add_award(conn, staff, fund.id, &input)?;
    }
    Ok(())
}

/// This year's funds: the district's and two towns', above their floors, with room for a second round.
fn demo_funds(conn: &mut DbConn, staff: &Ctx, year: i32) -> AppResult<()> {
    use crate::service::funds::{self, YearlyFundInput};
    for (region, amount) in
        [("340207000000", "1500000.00"), ("340207101000", "400000.00"), ("340207102000", "300000.00")]
    {
        let input = YearlyFundInput {
            year,
            region_code: region.into(),
            name: None,
            amount: amount.into(),
            source: Some(if region == "340207000000" { "lottery" } else { "budget" }.into()),
        };
        funds::create(conn, staff, &input)?;
    }
    Ok(())
}

/// A published call open for bids right now (whenever the demo starts), with a district pool
/// and two town pools, and one submitted bid, so every role has something to look at.
fn demo_call(conn: &mut DbConn, staff: &Ctx, docs: &DocSettings) -> AppResult<()> {
    use crate::service::bids::{self, Beneficiaries, BidInput, BudgetLineInput, MilestoneInput};
    use crate::service::calls::{self, BudgetCapsInput, CallInput, PoolInput};
    let now = staff.now.with_timezone(&chrono_tz::Asia::Shanghai);
    let year = chrono::Datelike::year(&now);
    let day = |d: i64| (now + chrono::Duration::days(d)).format("%Y-%m-%dT00:00:00+08:00").to_string();
    let date = |d: i64| (now + chrono::Duration::days(d)).format("%Y-%m-%d").to_string();
    let pool = PoolInput::on_region;
    demo_funds(conn, staff, year)?;
    let input = CallInput {
        year,
        title: format!("鸠江区{year}年度公益创投项目（演示）"),
        announcement: "为培育发展社区社会组织，激发社会活力，区民政局面向全区社会组织征集公益创投项目。\n\
                           本招标为培训环境演示数据。"
            .into(),
        opens_at: day(-1),
        // Deadlines at a time people use: 17:00 on the day.
        closes_at: day(30).replace("T00:00:00", "T17:00:00"),
        notice_days: Some(7),
        notice_working_days: Some(true),
        project_start: date(45),
        project_end: date(300),
        min_grant: "20000.00".into(),
        max_grant: "200000.00".into(),
        max_bids_per_org: Some(2),
        score_threshold: Some("60.00".into()),
        budget_caps: BudgetCapsInput { personnel_pct: Some(30), admin_pct: Some(10) },
        forbidden_categories: vec!["hospitality".into()],
        tranches: None,
        fund_source: Some("lottery".into()),
        categories: vec![],
        criteria: vec![],
        pools: vec![
            pool("district", "340207000000", "1000000.00"),
            pool("town", "340207101000", "200000.00"),
            pool("town", "340207102000", "300000.00"),
        ],
        reference_prefix: None,
        stages: vec![],
        bonus: None,
        repeat_funding: None,
        eligibility: None,
        screening_checklist: vec![],
        dossier: None,
        payment_mode: None,
        final_report_days: None,
        audit_threshold: None,
        change_finance_pct: None,
        evaluation_rubric: None,
        grade_cutoffs: None,
        topics: vec![],
        topic_required: false,
    };
    let call = calls::create(conn, staff, &input)?;
    calls::publish(conn, staff, docs, call.id)?;
    // A town-run round beside it: 沈巷镇's own staff publish a small call on the town's fund.
    let town_user = db::users::by_login(conn, "shenxiang")?.ok_or_else(crate::error::AppError::not_found)?;
    let town = Ctx { principal: Principal::User(accounts::actor_of(&town_user)?), ..staff.clone() };
    let town_call = CallInput {
        title: format!("沈巷镇{year}年社区微创投项目（演示）"),
        announcement: "沈巷镇面向辖区社会组织征集社区微公益项目，资金来自本镇公益创投专项资金。".into(),
        min_grant: "10000.00".into(),
        max_grant: "50000.00".into(),
        fund_source: Some("budget".into()),
        pools: vec![pool("town", "340207101000", "150000.00")],
        reference_prefix: Some("SX".into()),
        ..input.clone()
    };
    let t = calls::create(conn, &town, &town_call)?;
    calls::publish(conn, &town, docs, t.id)?;
    let org_user = db::users::by_login(conn, "yangguang")?.ok_or_else(crate::error::AppError::not_found)?;
    let org_ctx = Ctx { principal: Principal::User(accounts::actor_of(&org_user)?), ..staff.clone() };
    let line = |category: &str, item: &str, amount: &str| BudgetLineInput {
        category: category.into(),
        item: item.into(),
        quantity: None,
        unit_price: None,
        amount: amount.into(),
        note: String::new(),
    };
    let bid = bids::create(
        conn,
        &org_ctx,
        call.id,
        &BidInput {
            pool_id: call.pools[0].id,
            category: None,
            title: "“银龄互助”社区居家养老服务项目".into(),
            summary: "为四褐山街道高龄独居老人提供定期探访、助餐和应急联络服务。".into(),
            service_region_code: Some("340207001001".into()),
            beneficiaries: Beneficiaries { kind: "高龄独居老人".into(), count: 120 },
            start_date: Some(date(45)),
            end_date: Some(date(300)),
            requested_amount: "120000.00".into(),
            matching_funds: Some("15000.00".into()),
            budget_lines: vec![
                line("personnel", "社工补贴", "36000.00"),
                line("activity", "助餐与探访活动", "70000.00"),
                line("admin", "项目管理", "12000.00"),
                line("material", "应急呼叫设备", "2000.00"),
            ],
            milestones: vec![MilestoneInput {
                title: "中期评估".into(),
                due_date: date(170),
                deliverable: "中期报告".into(),
            }],
            renewal_of: None,
            sections: Default::default(),
            outputs: vec![],
            topic_id: None,
        },
    )?;
    bids::submit(conn, &org_ctx, bid.id)?;
    Ok(())
}
