//! Rows of the civil-affairs registry (社会组织登记管理机关名录) as `gongyi import organisations`
//! reads them: the header row names the columns, every row is checked on its own here; the
//! duplicates and region codes that need the database are checked by the service.

use super::account::OrgType;
use super::{text, RegionCode, Uscc};
use chrono::NaiveDate;

/// The registry's columns, in the order a report names them.
pub const COLUMNS: [&str; 7] = ["名称", "统一社会信用代码", "类型", "登记日期", "住所区划", "联系人", "联系电话"];

/// Where each registry column sits in the file (its index in a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns([usize; 7]);

/// Finds every registry column in the header row (spaces and a byte-order mark ignored; extra
/// columns are allowed). The error lists the missing ones.
pub fn columns(header: &[String]) -> Result<Columns, Vec<&'static str>> {
    let clean = |s: &str| s.trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let names: Vec<String> = header.iter().map(|h| clean(h)).collect();
    let mut at = [0usize; 7];
    let mut missing = Vec::new();
    for (i, c) in COLUMNS.iter().enumerate() {
        match names.iter().position(|n| n == c) {
            Some(p) => at[i] = p,
            None => missing.push(*c),
        }
    }
    if missing.is_empty() {
        Ok(Columns(at))
    } else {
        Err(missing)
    }
}

/// One accepted row, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryOrg {
    pub name: String,
    pub uscc: Uscc,
    pub org_type: OrgType,
    pub registered_on: NaiveDate,
    pub region_code: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// Why a row was refused: the column and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub column: &'static str,
    pub message: String,
}

/// 类型 as the registry writes it; 民办非企业单位 is the pre-2016 name of 社会服务机构.
pub fn org_type(s: &str) -> Option<OrgType> {
    match s.trim() {
        "社会团体" | "社团" => Some(OrgType::SocialGroup),
        "社会服务机构" | "民办非企业单位" | "民非" => Some(OrgType::SocialService),
        "基金会" => Some(OrgType::Foundation),
        other => OrgType::parse(other),
    }
}

/// 登记日期: `2019-03-05`, `2019/3/5`, `2019.3.5`, `2019年3月5日`, or a spreadsheet's date serial
/// number (days since 1899-12-30, as Excel and WPS store a date cell).
pub fn registered_on(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if let Ok(d) = text::date(t) {
        return Some(d);
    }
    // A date cell read as its number, possibly with a time fraction.
    let whole = t.split('.').next().unwrap_or("");
    let serial: i64 = whole.parse().ok().filter(|n| (1..=2_958_465).contains(n))?;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial as u64))
}

/// Checks one row against the rules that need no database. `today` bounds 登记日期.
pub fn check_row(cols: Columns, row: &[String], today: NaiveDate) -> Result<RegistryOrg, Vec<RowProblem>> {
    let cell = |i: usize| row.get(cols.0[i]).map(String::as_str).unwrap_or("").trim();
    let mut problems = Vec::new();
    let mut bad = |column: &'static str, message: &str| problems.push(RowProblem { column, message: message.into() });
    let name = text::name(cell(0), 100).map_err(|e| bad("名称", &e.message())).ok();
    let uscc = Uscc::parse(cell(1)).map_err(|e| bad("统一社会信用代码", e.message())).ok();
    let org_type = org_type(cell(2));
    if org_type.is_none() {
        bad("类型", "类型应为 社会团体、社会服务机构（民办非企业单位）或 基金会");
    }
    let registered_on = match registered_on(cell(3)) {
        Some(d) if d > today => {
            bad("登记日期", "登记日期晚于今天");
            None
        }
        Some(d) if d < NaiveDate::from_ymd_opt(1949, 10, 1).unwrap_or(d) => {
            bad("登记日期", "登记日期不合理");
            None
        }
        Some(d) => Some(d),
        None => {
            bad("登记日期", "登记日期应为 YYYY-MM-DD 或表格的日期单元格");
            None
        }
    };
    let region_code = RegionCode::parse(cell(4)).map(|r| r.as_str().to_string());
    if region_code.is_none() {
        bad("住所区划", "区划代码应为 6 位或 12 位数字");
    }
    let contact_name = text::name(cell(5), 50).map_err(|e| bad("联系人", &e.message())).ok();
    let contact_phone = text::phone(cell(6));
    if contact_phone.is_none() {
        bad("联系电话", "联系电话格式不正确");
    }
    match (name, uscc, org_type, registered_on, region_code, contact_name, contact_phone) {
        (
            Some(name),
            Some(uscc),
            Some(org_type),
            Some(registered_on),
            Some(region_code),
            Some(contact_name),
            Some(contact_phone),
        ) if problems.is_empty() => {
            Ok(RegistryOrg { name, uscc, org_type, registered_on, region_code, contact_name, contact_phone })
        }
        _ => Err(problems),
    }
}

/// A row that is empty in every cell is skipped, not refused (spreadsheets end in blank rows).
pub fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }
    const USCC: &str = "52340207MJ0009901";
    fn uscc() -> String {
        crate::domain::uscc::with_check_digit(USCC).map(|u| u.to_string()).unwrap_or_default()
    }
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }
    fn header() -> Columns {
        columns(&s(&["序号", "名称", "统一社会信用代码", "类型", "登记日期", "住所区划", "联系人", "联系电话"]))
            .unwrap()
    }
    fn row(t: &str, date: &str, region: &str) -> Vec<String> {
        s(&["1", "鸠江区阳光社工服务中心", &uscc(), t, date, region, "王芳", "0553-1234567"])
    }

    #[test]
    fn header_in_any_order_with_extras_and_bom() {
        let c = columns(&s(&[
            "\u{feff}联系电话",
            "名称 ",
            "备注",
            "类型",
            "登记日期",
            "住所区划",
            "联系人",
            "统一社会信用代码",
        ]))
        .unwrap();
        assert_eq!(c.0, [1, 7, 3, 4, 5, 6, 0]);
    }

    #[test]
    fn header_names_what_is_missing() {
        assert_eq!(
            columns(&s(&["名称", "类型"])).unwrap_err(),
            vec!["统一社会信用代码", "登记日期", "住所区划", "联系人", "联系电话"]
        );
    }

    #[test]
    fn good_row_in_every_date_form() {
        for d in ["2019-03-05", "2019/3/5", "2019.3.5", "2019年3月5日", "43529", "43529.0"] {
            let o = check_row(header(), &row("民办非企业单位", d, "340207101001"), today()).unwrap();
            assert_eq!(o.registered_on, NaiveDate::from_ymd_opt(2019, 3, 5).unwrap(), "{d}");
            assert_eq!(o.org_type, OrgType::SocialService);
        }
    }

    #[test]
    fn registry_type_names() {
        assert_eq!(org_type("社会团体"), Some(OrgType::SocialGroup));
        assert_eq!(org_type("基金会"), Some(OrgType::Foundation));
        assert_eq!(org_type("社会服务机构"), Some(OrgType::SocialService));
        assert_eq!(org_type("公司"), None);
    }

    #[test]
    fn every_bad_cell_is_named() {
        let bad = s(&["1", "", "52340207MJ0009900", "公司", "2030-01-01", "34x", "", "电话"]);
        let p = check_row(header(), &bad, today()).unwrap_err();
        let cols: Vec<&str> = p.iter().map(|x| x.column).collect();
        assert_eq!(cols, vec!["名称", "统一社会信用代码", "类型", "登记日期", "住所区划", "联系人", "联系电话"]);
    }

    #[test]
    fn short_rows_are_refused_not_panicking() {
        let p = check_row(header(), &s(&["1", "名称"]), today()).unwrap_err();
        assert!(p.len() >= 5);
    }

    #[test]
    fn old_dates_are_refused() {
        assert!(check_row(header(), &row("社会团体", "1900-01-01", "340207"), today()).is_err());
        assert!(check_row(header(), &row("社会团体", "99999999", "340207"), today()).is_err());
    }

    #[test]
    fn blank_rows() {
        assert!(is_blank(&s(&["", " ", ""])));
        assert!(!is_blank(&s(&["", "x"])));
    }
}
