//! `gongyi import organisations`: the civil-affairs registry's organisations loaded in bulk.
//! Every row is checked before anything is written (the row's own cells, duplicates within the
//! file and against the database, the region codes); the accepted rows then go in together, in
//! one transaction with one audit record, as `verified` organisations without an account (the
//! registry has no email: `gongyi user add --role org --organisation USCC` gives them one).

use super::{audit, Ctx};
use crate::clock::db_time;
use crate::db::{self, DbConn};
use crate::domain::account::{OrgStatus, Role};
use crate::domain::registry::{self, RegistryOrg};
use crate::error::{AppError, AppResult, Code};
use std::collections::{HashMap, HashSet};

/// Why each refused row was refused, by its line in the file (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub line: usize,
    pub reasons: Vec<String>,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct ImportReport {
    /// Data rows read (blank rows not counted).
    pub rows: usize,
    pub accepted: usize,
    pub refused: Vec<Refused>,
    /// False on `--dry-run`.
    pub written: bool,
}

/// What the file is, for the audit record.
pub struct Source<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
}

/// Checks `rows` (the first is the header) and, unless `dry_run`, writes the accepted ones.
/// `progress` is told how many data rows have been checked so far.
pub fn import_organisations(
    conn: &mut DbConn,
    ctx: &Ctx,
    source: &Source<'_>,
    rows: &[Vec<String>],
    dry_run: bool,
    progress: &mut dyn FnMut(usize),
) -> AppResult<ImportReport> {
    ctx.require_or_system(&[Role::Admin])?;
    let Some((header, data)) = rows.split_first() else {
        return Err(AppError::invalid_field(
            "file",
            "empty_file",
            "文件是空的：第一行应为表头（名称、统一社会信用代码……）",
        ));
    };
    let cols = registry::columns(header)
        .map_err(|m| AppError::invalid_field("file", "missing_columns", format!("表头缺少列：{}", m.join("、"))))?;
    let today = crate::clock::local_date(ctx.now);
    // Two queries for the whole file, not two per row.
    let known: HashSet<String> = db::organisations::all_usccs(conn)?.into_iter().collect();
    let regions: HashSet<String> = db::regions::all(conn)?.into_iter().map(|r| r.code).collect();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut report = ImportReport::default();
    let mut accepted: Vec<RegistryOrg> = Vec::new();
    for (i, row) in data.iter().enumerate() {
        let line = i + 2;
        if registry::is_blank(row) {
            continue;
        }
        report.rows += 1;
        let mut reasons = Vec::new();
        match registry::check_row(cols, row, today) {
            Ok(o) => {
                if known.contains(o.uscc.as_str()) {
                    reasons.push("统一社会信用代码：平台中已有该组织".to_string());
                }
                if let Some(first) = first_line.get(o.uscc.as_str()) {
                    reasons.push(format!("统一社会信用代码：与第 {first} 行重复"));
                } else {
                    first_line.insert(o.uscc.to_string(), line);
                }
                if !regions.contains(&o.region_code) {
                    reasons.push(format!("住所区划：{} 不在本区区划范围内", o.region_code));
                }
                if reasons.is_empty() {
                    accepted.push(o);
                }
            }
            Err(problems) => reasons.extend(problems.into_iter().map(|p| format!("{}：{}", p.column, p.message))),
        }
        if !reasons.is_empty() {
            report.refused.push(Refused { line, reasons });
        }
        if report.rows % 256 == 0 {
            progress(report.rows);
        }
    }
    progress(report.rows);
    report.accepted = accepted.len();
    if dry_run || accepted.is_empty() {
        return Ok(report);
    }
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        let new: Vec<db::organisations::NewOrg<'_>> = accepted
            .iter()
            .map(|o| db::organisations::NewOrg {
                uscc: o.uscc.as_str(),
                uscc_override_reason: None,
                name: &o.name,
                org_type: o.org_type.as_str(),
                registered_on: o.registered_on,
                region_code: &o.region_code,
                contact_name: &o.contact_name,
                contact_phone: &o.contact_phone,
                email: "",
                status: OrgStatus::Verified.as_str(),
                status_reason: Some("登记管理机关名录导入"),
                decided_at: Some(now),
                created_at: now,
            })
            .collect();
        // A registration between the check and here makes the unique index refuse the batch:
        // nothing is written and the import can simply be run again.
        db::organisations::insert_many(c, &new).map_err(|e| match AppError::from(e) {
            e if e.status.as_u16() == 409 => AppError::from(Code::DuplicateUscc),
            e => e,
        })?;
        let usccs: Vec<&str> = accepted.iter().map(|o| o.uscc.as_str()).collect();
        audit::record(
            c,
            ctx,
            "organisation.import",
            "organisation",
            None,
            serde_json::json!({
                "file": source.name, "sha256": source.sha256, "rows": report.rows,
                "accepted": accepted.len(), "refused": report.refused.len(), "usccs": usccs,
            }),
        )?;
        Ok(())
    })?;
    report.written = true;
    Ok(report)
}
