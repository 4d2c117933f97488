//! `gongyi backup DIR` and `gongyi restore DIR` for a SQLite installation: a consistent copy taken
//! while the server runs (`VACUUM INTO`, a snapshot of one read transaction) with the data
//! directory's files, every file listed with its SHA-256 in `DIR/MANIFEST.sha256`; a restore
//! checks the manifest before it writes anything and only into an empty place. PostgreSQL
//! installations use pg_dump / pg_restore (README).

use crate::config::Config;
use crate::db::{self, DbUrl};
use diesel::connection::SimpleConnection;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "MANIFEST.sha256";
/// The database's name inside a backup.
const DB_FILE: &str = "gongyi.db";
/// The data directory's files inside a backup.
const DATA: &str = "data";

fn sqlite_path(config: &Config) -> Result<PathBuf, String> {
    match DbUrl::parse(&config.database_url)? {
        DbUrl::Sqlite(p) => Ok(PathBuf::from(p.strip_prefix("file:").unwrap_or(&p))),
        DbUrl::Postgres(_) => Err(
            "PostgreSQL 数据库请用 pg_dump / pg_restore 备份和恢复（见 README“备份与恢复”），数据目录（GONGYI_DATA_DIR）另行复制".into(),
        ),
    }
}

fn empty_or_absent(dir: &Path) -> Result<bool, String> {
    match std::fs::read_dir(dir) {
        Ok(mut it) => Ok(it.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(format!("无法读取 {}: {e}", dir.display())),
    }
}

/// Every file under `root`, as paths relative to it, sorted; `skip` are left out (absolute).
fn files(root: &Path, skip: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("无法读取 {}: {e}", dir.display())),
        };
        for e in entries {
            let p = e.map_err(|e| e.to_string())?.path();
            let abs = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            if skip.iter().any(|s| abs.starts_with(s)) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                out.push(p.strip_prefix(root).map_err(|e| e.to_string())?.to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn sha256_file(p: &Path) -> Result<String, String> {
    let mut f = std::fs::File::open(p).map_err(|e| format!("无法读取 {}: {e}", p.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| format!("无法读取 {}: {e}", p.display()))?;
    Ok(hex::encode(h.finalize()))
}

/// What a backup holds, for the report.
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
}

/// Takes the backup into `dir` (absent or empty).
pub fn backup(config: &Config, dir: &Path) -> Result<Summary, String> {
    let db_path = sqlite_path(config)?;
    if !db_path.exists() {
        return Err(format!("数据库文件 {} 不存在（GONGYI_DATABASE_URL）", db_path.display()));
    }
    if !empty_or_absent(dir)? {
        return Err(format!("备份目录 {} 不是空目录：请指定一个新的目录", dir.display()));
    }
    std::fs::create_dir_all(dir.join(DATA)).map_err(|e| format!("无法创建 {}: {e}", dir.display()))?;
    // One read transaction's snapshot: consistent while the server keeps writing.
    let mut conn = db::connect(&DbUrl::Sqlite(db_path.display().to_string()))?;
    let target = dir.join(DB_FILE);
    let quoted = target.display().to_string().replace('\'', "''");
    conn.batch_execute(&format!("VACUUM INTO '{quoted}'")).map_err(|e| format!("数据库备份失败: {e}"))?;
    // The data directory's files, without the live database (and the backup itself, if inside).
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let db_abs = canon(&db_path);
    let skip: Vec<PathBuf> = vec![
        db_abs.clone(),
        PathBuf::from(format!("{}-wal", db_abs.display())),
        PathBuf::from(format!("{}-shm", db_abs.display())),
        PathBuf::from(format!("{}-journal", db_abs.display())),
        canon(dir),
    ];
    for rel in files(&config.data_dir, &skip)? {
        let to = dir.join(DATA).join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::copy(config.data_dir.join(&rel), &to).map_err(|e| format!("无法复制 {}: {e}", rel.display()))?;
    }
    // Files are copied after the snapshot, so none the database names is missing; the anchor
    // file may then name a head newer than the snapshot: keep only the anchors it reached.
    trim_anchors(&target, &dir.join(DATA))?;
    write_manifest(dir)
}

fn trim_anchors(db_file: &Path, data: &Path) -> Result<(), String> {
    use crate::service::audit::ANCHOR_FILE;
    let path = data.join(ANCHOR_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(()) };
    let mut conn = db::connect(&DbUrl::Sqlite(db_file.display().to_string()))?;
    let head = db::audit::head(&mut conn).map_err(|e| e.to_string())?.map_or(0, |h| h.0);
    let kept: String = text
        .lines()
        .filter(|l| l.split_whitespace().next().and_then(|i| i.parse::<i64>().ok()).is_some_and(|i| i <= head))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, kept).map_err(|e| format!("无法写入 {}: {e}", path.display()))
}

fn write_manifest(dir: &Path) -> Result<Summary, String> {
    let mut lines = String::new();
    let mut bytes = 0;
    let listed = files(dir, &[])?;
    for rel in &listed {
        let p = dir.join(rel);
        bytes += p.metadata().map(|m| m.len()).unwrap_or(0);
        lines.push_str(&format!("{}  {}\n", sha256_file(&p)?, rel.display()));
    }
    std::fs::write(dir.join(MANIFEST), lines).map_err(|e| format!("无法写入清单: {e}"))?;
    Ok(Summary { files: listed.len(), bytes })
}

/// The backup's files against its manifest: every listed file present with its hash, nothing
/// else beside them. Returns what is wrong, in words.
pub fn check(dir: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(dir.join(MANIFEST))
        .map_err(|e| format!("{} 中没有 {MANIFEST}（不是 gongyi 的备份？）：{e}", dir.display()))?;
    let mut problems = Vec::new();
    let mut listed = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((hash, rel)) = line.split_once("  ") else {
            problems.push(format!("清单中有无法识别的一行：{line}"));
            continue;
        };
        let rel = PathBuf::from(rel);
        if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            problems.push(format!("清单中的路径越出备份目录：{}", rel.display()));
            continue;
        }
        match sha256_file(&dir.join(&rel)) {
            Ok(h) if h == hash => {}
            Ok(_) => problems.push(format!("{} 的内容与清单不符（被改动过）", rel.display())),
            Err(_) => problems.push(format!("{} 缺失", rel.display())),
        }
        listed.push(rel);
    }
    for extra in files(dir, &[])? {
        if extra != Path::new(MANIFEST) && !listed.contains(&extra) {
            problems.push(format!("{} 不在清单中", extra.display()));
        }
    }
    if !listed.iter().any(|p| p == Path::new(DB_FILE)) {
        problems.push(format!("备份中没有数据库 {DB_FILE}"));
    }
    Ok(problems)
}

/// Restores `dir` into the configured database (which must not exist yet) and data directory
/// (absent or empty), after the manifest checks out.
pub fn restore(config: &Config, dir: &Path) -> Result<Summary, String> {
    let db_path = sqlite_path(config)?;
    let problems = check(dir)?;
    if !problems.is_empty() {
        return Err(format!("备份未通过核对，没有恢复任何内容：\n  {}", problems.join("\n  ")));
    }
    if db_path.exists() {
        return Err(format!(
            "数据库 {} 已存在：恢复只写入尚不存在的数据库（先移走它，或换一个 GONGYI_DATABASE_URL）",
            db_path.display()
        ));
    }
    // The database may live inside the data directory; it is the only thing allowed there.
    let data_files = files(&config.data_dir, &[])?;
    if !data_files.is_empty() {
        return Err(format!("数据目录 {} 不是空的：恢复只写入空的或不存在的数据目录", config.data_dir.display()));
    }
    let mut count = 0;
    let mut bytes = 0;
    for rel in files(&dir.join(DATA), &[])? {
        let to = config.data_dir.join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        bytes +=
            std::fs::copy(dir.join(DATA).join(&rel), &to).map_err(|e| format!("无法恢复 {}: {e}", rel.display()))?;
        count += 1;
    }
    if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    // Written beside, then renamed: a restore cut short never leaves half a database.
    let tmp = db_path.with_extension("restoring");
    bytes += std::fs::copy(dir.join(DB_FILE), &tmp).map_err(|e| format!("无法恢复数据库: {e}"))?;
    std::fs::rename(&tmp, &db_path).map_err(|e| format!("无法恢复数据库: {e}"))?;
    Ok(Summary { files: count + 1, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_catches_changed_missing_and_extra_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data/documents")).unwrap();
        std::fs::write(dir.path().join(DB_FILE), b"db").unwrap();
        std::fs::write(dir.path().join("data/documents/a.pdf"), b"%PDF").unwrap();
        write_manifest(dir.path()).unwrap();
        assert!(check(dir.path()).unwrap().is_empty());
        std::fs::write(dir.path().join("data/documents/a.pdf"), b"%PDF changed").unwrap();
        std::fs::write(dir.path().join("data/extra.txt"), b"x").unwrap();
        let p = check(dir.path()).unwrap();
        assert!(p.iter().any(|x| x.contains("a.pdf") && x.contains("不符")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("extra.txt")), "{p:?}");
        std::fs::remove_file(dir.path().join(DB_FILE)).unwrap();
        assert!(check(dir.path()).unwrap().iter().any(|x| x.contains("缺失")));
    }
}
