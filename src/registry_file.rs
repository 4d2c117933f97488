//! Reads a registry file for `gongyi import organisations`: `.xlsx`/`.xls` (the first sheet)
//! or `.csv` in UTF-8 or GB18030/GBK (what spreadsheets on Chinese Windows save), as rows of
//! cell texts. The rules for the cells are in `domain::registry`.

use std::path::Path;

/// Files larger than this are refused before they are read (the registry of a district is
/// a few thousand rows; a city's tens of thousands fit easily).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

pub struct RegistryFile {
    pub rows: Vec<Vec<String>>,
    pub sha256: String,
}

pub fn read(path: &Path) -> Result<RegistryFile, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
    if meta.len() > MAX_BYTES {
        return Err(format!("{} 超过 {} MB", path.display(), MAX_BYTES / 1024 / 1024));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let rows = match ext.as_str() {
        "csv" | "txt" => csv_rows(&bytes)?,
        "xlsx" | "xlsm" | "xls" | "ods" => sheet_rows(bytes)?,
        _ => return Err(format!("{}：只能导入 .xlsx、.xls 或 .csv 文件", path.display())),
    };
    Ok(RegistryFile { rows, sha256 })
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err("CSV 文件既不是 UTF-8 也不是 GBK 编码".into());
            }
            t
        }
    };
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("CSV 第 {} 行无法解析：{e}", i + 1))?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

fn sheet_rows(bytes: Vec<u8>) -> Result<Vec<Vec<String>>, String> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("无法打开表格文件：{e}"))?;
    let range =
        book.worksheet_range_at(0).ok_or("表格文件中没有工作表")?.map_err(|e| format!("无法读取第一个工作表：{e}"))?;
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Int(i) => i.to_string(),
                    // Codes typed into number cells come back as floats: 340207101001.0.
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                    Data::Float(f) => f.to_string(),
                    Data::Bool(b) => b.to_string(),
                    // A date cell's serial number; domain::registry reads it as a date.
                    Data::DateTime(d) => d.as_f64().to_string(),
                    Data::Error(e) => format!("#{e:?}"),
                })
                .collect()
        })
        .collect())
}
