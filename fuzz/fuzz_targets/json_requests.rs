//! Every JSON request body type the API takes, from arbitrary bytes: parsing may refuse, never
//! panic; whatever parses is handed to the domain parsers the services use on those fields.
#![no_main]
use gongyi::domain::{money::Money, region::RegionCode, scoring::parse_score, text, uscc::Uscc};
use gongyi::service::{accounts, awards, bids, calls, notices, organisations, projects, review};
use libfuzzer_sys::fuzz_target;

fn parse<T: serde::de::DeserializeOwned>(data: &[u8]) -> Option<T> {
    serde_json::from_slice(data).ok()
}

fuzz_target!(|data: &[u8]| {
    if let Some(b) = parse::<bids::BidInput>(data) {
        let _ = text::name(&b.title, 200);
        let _ = text::paragraph(&b.summary, 5000);
        for l in &b.budget_lines {
            let _ = Money::parse(&l.amount);
        }
    }
    if let Some(c) = parse::<calls::CallInput>(data) {
        let _ = Money::parse(&c.min_grant);
        let _ = Money::parse(&c.max_grant);
        for p in &c.pools {
            let _ = Money::parse(&p.budget);
            let _ = RegionCode::parse(&p.region_code);
        }
    }
    if let Some(o) = parse::<organisations::RegisterInput>(data) {
        let _ = Uscc::parse(&o.uscc);
        let _ = text::email(&o.email);
        let _ = text::phone(&o.contact_phone);
        let _ = text::login(&o.login);
    }
    if let Some(r) = parse::<review::ReviewInput>(data) {
        for s in &r.scores {
            let _ = parse_score(&s.score, rust_decimal::Decimal::from(100));
        }
    }
    let _ = parse::<accounts::LoginInput>(data);
    let _ = parse::<accounts::NewUserInput>(data);
    let _ = parse::<accounts::UpdateUserInput>(data);
    let _ = parse::<awards::AwardInput>(data);
    let _ = parse::<awards::FundInput>(data);
    let _ = parse::<awards::MeetingInput>(data);
    let _ = parse::<bids::ScreeningInput>(data);
    let _ = parse::<bids::FinanceInput>(data);
    let _ = parse::<calls::AmendmentInput>(data);
    let _ = parse::<notices::ObjectionInput>(data);
    let _ = parse::<notices::AnswerInput>(data);
    let _ = parse::<notices::DismissInput>(data);
    let _ = parse::<projects::PaymentInput>(data);
    let _ = parse::<projects::ReportInput>(data);
    let _ = parse::<projects::VerifyInput>(data);
    let _ = parse::<review::AssignInput>(data);
});
