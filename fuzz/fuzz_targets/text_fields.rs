//! Every text parser a form or JSON field goes through, and the two CSV files an operator may
//! supply (regions, holiday calendar), from arbitrary UTF-8.
#![no_main]
use gongyi::domain::{calendar::WorkCalendar, money::Money, region, text, uscc::Uscc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(m) = Money::parse(s) {
        // What parses prints back to a string that parses to the same amount.
        assert_eq!(Money::parse(&m.to_string()), Ok(m));
    }
    let _ = Money::parse_signed(s);
    let _ = Uscc::parse(s);
    let _ = Uscc::parse_unchecked(s);
    let _ = region::RegionCode::parse(s);
    let _ = text::name(s, 200);
    let _ = text::paragraph(s, 5000);
    let _ = text::login(s);
    let _ = text::phone(s);
    let _ = text::email(s);
    let _ = gongyi::domain::export::csv_field(s);
    let _ = region::parse_regions_csv(s);
    let _ = WorkCalendar::parse(s);
});
