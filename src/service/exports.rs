//! Exports for staff and finance: the ranking per pool, the payment ledger and the year's awards
//! as one Excel workbook, and the ranking as CSV. Same data as the pages (the ranking comes from
//! the same function); every text cell is made inert (domain::export).

use super::review::{ranking, RankingView};
use super::Ctx;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::export::{csv, inert};
use crate::domain::Money;
use crate::error::{AppError, AppResult, Code};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

const RANKING_HEADER: [&str; 12] = [
    "排名",
    "资金池",
    "申报编号",
    "项目名称",
    "申报单位",
    "类别",
    "评审得分",
    "评审数",
    "申请金额(元)",
    "核定金额(元)",
    "累计(元)",
    "结果",
];

const LEDGER_HEADER: [&str; 7] = ["协议编号", "批次", "项目名称", "承接单位", "金额(元)", "拨付日期", "凭证号"];
const AWARDS_HEADER: [&str; 5] = ["获奖地区", "地区代码", "创新实践", "奖励事由", "金额(元)"];

fn xlsx_err(e: XlsxError) -> AppError {
    AppError::internal(format!("xlsx: {e}"))
}

/// XLSX stores every number as a binary double (the file format has no decimal type); this is
/// the one place an amount leaves Decimal. The double is the nearest to the amount, and any amount
/// of up to 15 significant digits (Excel's display precision) reads back as the same yuan and fen.
fn number(m: Money) -> f64 {
    m.as_decimal().to_f64().unwrap_or(0.0)
}

/// A sheet name Excel accepts: no []:*?/\, at most 31 characters, unique in the book.
fn sheet_name(name: &str, taken: &mut Vec<String>) -> String {
    let clean: String =
        name.chars().filter(|c| !"[]:*?/\\'".contains(*c)).take(28).collect::<String>().trim().to_string();
    let base = if clean.is_empty() { "Sheet".to_string() } else { clean };
    let mut n = base.clone();
    let mut i = 2;
    while taken.contains(&n) {
        n = format!("{base}{i}");
        i += 1;
    }
    taken.push(n.clone());
    n
}

struct Formats {
    head: Format,
    /// #,##0.00: amounts and scores.
    two_places: Format,
}

fn header(ws: &mut Worksheet, f: &Formats, cols: &[&str]) -> Result<(), XlsxError> {
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.head)?;
        ws.set_column_width(c as u16, if c == 3 { 36 } else { 14 })?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn ranking_rows(r: &RankingView) -> Vec<(String, &super::review::RankingRow)> {
    r.pools.iter().flat_map(|p| p.rows.iter().map(move |x| (p.name.clone(), x))).collect()
}

fn ranking_cells(pool: &str, x: &super::review::RankingRow) -> Vec<String> {
    vec![
        x.rank.to_string(),
        pool.to_string(),
        x.reference.clone().unwrap_or_default(),
        x.title.clone(),
        x.organisation.clone(),
        x.category.clone().unwrap_or_default(),
        x.score.clone().unwrap_or_default(),
        x.reviews.to_string(),
        x.requested_amount.to_string(),
        x.approved_amount.map(|m| m.to_string()).unwrap_or_default(),
        x.running_total.to_string(),
        x.outcome_label.to_string(),
    ]
}

/// `GET /api/v1/calls/{id}/export.csv?sheet=ranking|ledger|awards`: the same tables as the
/// workbook's sheets (the ranking of every pool the reader may see in one table).
pub fn call_csv(conn: &mut DbConn, ctx: &Ctx, call_id: i64, sheet: &str) -> AppResult<String> {
    let a = ctx.require(&[Role::Staff, Role::Finance])?.clone();
    match sheet {
        "ranking" => {
            let r = ranking(conn, ctx, call_id)?;
            let rows: Vec<Vec<String>> = ranking_rows(&r).into_iter().map(|(p, x)| ranking_cells(&p, x)).collect();
            Ok(csv(&RANKING_HEADER, &rows))
        }
        "ledger" => {
            ranking(conn, ctx, call_id)?; // the same access and sealing rule as the workbook
            let rows = db::projects::ledger(conn, call_id)?
                .into_iter()
                .filter(|l| a.in_scope(&l.pool_region))
                .map(|l| {
                    vec![
                        l.agreement_no,
                        l.tranche_seq.to_string(),
                        l.title,
                        l.organisation,
                        Money::from_fen(l.amount).to_string(),
                        l.paid_on.to_string(),
                        l.reference,
                    ]
                })
                .collect::<Vec<_>>();
            Ok(csv(&LEDGER_HEADER, &rows))
        }
        "awards" => {
            let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
            let awards = match db::awards::fund_of_year(conn, call.year)? {
                Some(f) => db::awards::awards_of(conn, &[f.id])?,
                None => Vec::new(),
            };
            let rows = awards
                .into_iter()
                .map(|a| vec![a.region_name, a.region_code, a.title, a.citation, Money::from_fen(a.amount).to_string()])
                .collect::<Vec<_>>();
            Ok(csv(&AWARDS_HEADER, &rows))
        }
        _ => Err(Code::InvalidQuery.says("sheet 应为 ranking、ledger 或 awards")),
    }
}

/// `GET /api/v1/calls/{id}/export.xlsx`: one sheet per pool (the ranking), the payment ledger
/// and the year's innovation awards.
pub fn call_xlsx(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<Vec<u8>> {
    let a = ctx.require(&[Role::Staff, Role::Finance])?.clone();
    let r = ranking(conn, ctx, call_id)?;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    let ledger: Vec<db::projects::LedgerRow> =
        db::projects::ledger(conn, call_id)?.into_iter().filter(|l| a.in_scope(&l.pool_region)).collect();
    let awards = match db::awards::fund_of_year(conn, call.year)? {
        Some(f) => db::awards::awards_of(conn, &[f.id])?,
        None => Vec::new(),
    };
    build(&r, &ledger, &awards).map_err(xlsx_err)
}

fn build(
    r: &RankingView,
    ledger: &[db::projects::LedgerRow],
    awards: &[db::awards::AwardRow],
) -> Result<Vec<u8>, XlsxError> {
    let f = Formats { head: Format::new().set_bold(), two_places: Format::new().set_num_format("#,##0.00") };
    let mut wb = Workbook::new();
    let mut taken = Vec::new();
    for p in &r.pools {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&p.name, &mut taken))?;
        header(ws, &f, &RANKING_HEADER)?;
        for (i, x) in p.rows.iter().enumerate() {
            let row = i as u32 + 1;
            let cells = ranking_cells(&p.name, x);
            for (c, v) in cells.iter().enumerate() {
                let col = c as u16;
                match c {
                    0 => ws.write_number(row, col, x.rank as u32)?,
                    7 => ws.write_number(row, col, x.reviews as u32)?,
                    6 => match x.score.as_deref().and_then(|s| s.parse::<rust_decimal::Decimal>().ok()) {
                        Some(d) => ws.write_number_with_format(row, col, d.to_f64().unwrap_or(0.0), &f.two_places)?,
                        None => ws.write_string(row, col, "")?,
                    },
                    8 => ws.write_number_with_format(row, col, number(x.requested_amount), &f.two_places)?,
                    9 => match x.approved_amount {
                        Some(m) => ws.write_number_with_format(row, col, number(m), &f.two_places)?,
                        None => ws.write_string(row, col, "")?,
                    },
                    10 => ws.write_number_with_format(row, col, number(x.running_total), &f.two_places)?,
                    _ => ws.write_string(row, col, inert(v))?,
                };
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("拨付台账", &mut taken))?;
    header(ws, &f, &LEDGER_HEADER)?;
    for (i, l) in ledger.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, inert(&l.agreement_no))?;
        ws.write_number(row, 1, f64::from(l.tranche_seq))?;
        ws.write_string(row, 2, inert(&l.title))?;
        ws.write_string(row, 3, inert(&l.organisation))?;
        ws.write_number_with_format(row, 4, number(Money::from_fen(l.amount)), &f.two_places)?;
        ws.write_string(row, 5, l.paid_on.to_string())?;
        ws.write_string(row, 6, inert(&l.reference))?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("创新奖励", &mut taken))?;
    header(ws, &f, &AWARDS_HEADER)?;
    for (i, a) in awards.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, inert(&a.region_name))?;
        ws.write_string(row, 1, a.region_code.clone())?;
        ws.write_string(row, 2, inert(&a.title))?;
        ws.write_string(row, 3, inert(&a.citation))?;
        ws.write_number_with_format(row, 4, number(Money::from_fen(a.amount)), &f.two_places)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(sheet_name("区级公益创投资金", &mut taken), "区级公益创投资金");
        assert_eq!(sheet_name("区级公益创投资金", &mut taken), "区级公益创投资金2");
        assert_eq!(sheet_name("a/b:c*d?", &mut taken), "abcd");
        assert_eq!(sheet_name("[]", &mut taken), "Sheet");
        assert!(sheet_name(&"长".repeat(40), &mut taken).chars().count() <= 31);
    }
}
