//! What an uploaded file is, judged by its bytes (never its name): PDF, PNG, JPEG or OOXML
//! (.docx/.xlsx/.pptx). OOXML is a zip: macros (`vbaProject.bin`), more than 1,000 entries or
//! more than 100 MB unpacked are refused.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Xlsx,
    Pptx,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Pptx => "pptx",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadError {
    Empty,
    UnknownType,
    Macros,
    TooManyEntries,
    TooLargeUnpacked,
    BrokenZip,
}

impl UploadError {
    pub fn code(self) -> &'static str {
        match self {
            UploadError::Empty => "empty_file",
            UploadError::UnknownType => "file_type_not_allowed",
            UploadError::Macros => "macros_not_allowed",
            UploadError::TooManyEntries | UploadError::TooLargeUnpacked => "archive_too_large",
            UploadError::BrokenZip => "broken_file",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            UploadError::Empty => "文件为空",
            UploadError::UnknownType => "只接受 PDF、PNG、JPEG 图片和 Word/Excel/PowerPoint（docx、xlsx、pptx）文件",
            UploadError::Macros => "不接受含宏的 Office 文件，请另存为不含宏的格式",
            UploadError::TooManyEntries | UploadError::TooLargeUnpacked => "Office 文件解压后过大",
            UploadError::BrokenZip => "文件已损坏，无法识别",
        }
    }
}

const MAX_ENTRIES: usize = 1000;
const MAX_UNPACKED: u64 = 100 * 1024 * 1024;

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// The names and unpacked sizes of a zip's entries, from its central directory.
fn zip_entries(b: &[u8]) -> Result<Vec<(String, u64)>, UploadError> {
    let search_from = b.len().saturating_sub(65_557);
    let eocd = (search_from..b.len().saturating_sub(21))
        .rev()
        .find(|&i| b[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or(UploadError::BrokenZip)?;
    let total = u16_at(b, eocd + 10).ok_or(UploadError::BrokenZip)? as usize;
    let mut at = u32_at(b, eocd + 16).ok_or(UploadError::BrokenZip)? as usize;
    if total == 0xFFFF || at == 0xFFFF_FFFF {
        return Err(UploadError::TooLargeUnpacked); // zip64: far beyond what we accept
    }
    if total > MAX_ENTRIES {
        return Err(UploadError::TooManyEntries);
    }
    let mut out = Vec::with_capacity(total);
    for _ in 0..total {
        if u32_at(b, at) != Some(0x0201_4b50) {
            return Err(UploadError::BrokenZip);
        }
        let size = u32_at(b, at + 24).ok_or(UploadError::BrokenZip)?;
        let name_len = u16_at(b, at + 28).ok_or(UploadError::BrokenZip)? as usize;
        let extra = u16_at(b, at + 30).ok_or(UploadError::BrokenZip)? as usize;
        let comment = u16_at(b, at + 32).ok_or(UploadError::BrokenZip)? as usize;
        let name = b.get(at + 46..at + 46 + name_len).ok_or(UploadError::BrokenZip)?;
        if size == 0xFFFF_FFFF {
            return Err(UploadError::TooLargeUnpacked);
        }
        out.push((String::from_utf8_lossy(name).into_owned(), u64::from(size)));
        at += 46 + name_len + extra + comment;
    }
    Ok(out)
}

/// Judges a complete upload by its content.
pub fn sniff(b: &[u8]) -> Result<FileKind, UploadError> {
    if b.is_empty() {
        return Err(UploadError::Empty);
    }
    if b.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(FileKind::Png);
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if b.starts_with(&[0x50, 0x4b, 0x03, 0x04]) {
        let entries = zip_entries(b)?;
        let mut unpacked = 0u64;
        for (name, size) in &entries {
            if name.to_ascii_lowercase().ends_with("vbaproject.bin") {
                return Err(UploadError::Macros);
            }
            unpacked += size;
        }
        if unpacked > MAX_UNPACKED {
            return Err(UploadError::TooLargeUnpacked);
        }
        if !entries.iter().any(|(n, _)| n == "[Content_Types].xml") {
            return Err(UploadError::UnknownType);
        }
        let has = |prefix: &str| entries.iter().any(|(n, _)| n.starts_with(prefix));
        return if has("word/") {
            Ok(FileKind::Docx)
        } else if has("xl/") {
            Ok(FileKind::Xlsx)
        } else if has("ppt/") {
            Ok(FileKind::Pptx)
        } else {
            Err(UploadError::UnknownType)
        };
    }
    Err(UploadError::UnknownType)
}

/// A file name safe to keep and show: the last path component, no control or bidi characters,
/// at most 120 characters; empty → "附件".
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '"'))
        .take(120)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').to_string();
    if trimmed.is_empty() {
        "附件".into()
    } else {
        trimmed
    }
}

/// Test fixtures shared by unit and black-box tests.
pub mod fixtures {
    /// A minimal stored (uncompressed) zip with the given entries, for tests.
    pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            out.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::zip;
    use super::*;

    #[test]
    fn known_types_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Ok(FileKind::Pdf));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Ok(FileKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(FileKind::Jpeg));
        let docx = zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]);
        assert_eq!(sniff(&docx), Ok(FileKind::Docx));
        let xlsx = zip(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<x/>")]);
        assert_eq!(sniff(&xlsx), Ok(FileKind::Xlsx));
    }

    #[test]
    fn refuses_the_rest() {
        assert_eq!(sniff(b""), Err(UploadError::Empty));
        assert_eq!(sniff(b"MZ\x90\x00 an exe"), Err(UploadError::UnknownType));
        assert_eq!(sniff(b"<html><script>"), Err(UploadError::UnknownType));
        let macro_doc = zip(&[("[Content_Types].xml", b"<Types/>"), ("word/vbaProject.bin", b"evil")]);
        assert_eq!(sniff(&macro_doc), Err(UploadError::Macros));
        let plain_zip = zip(&[("a.txt", b"hello")]);
        assert_eq!(sniff(&plain_zip), Err(UploadError::UnknownType));
        let names: Vec<String> = (0..1001).map(|i| format!("f{i}")).collect();
        let many: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        assert_eq!(sniff(&zip(&many)), Err(UploadError::TooManyEntries));
        let mut truncated = zip(&[("[Content_Types].xml", b"<Types/>")]);
        truncated.truncate(30);
        assert_eq!(sniff(&truncated), Err(UploadError::BrokenZip));
    }

    #[test]
    fn a_zip_bomb_is_judged_by_declared_sizes() {
        let mut z = zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]);
        // Patch the second central entry's unpacked size to 200 MB.
        let cd = z.windows(4).rposition(|w| w == [0x50, 0x4b, 0x01, 0x02]).unwrap();
        z[cd + 24..cd + 28].copy_from_slice(&(200u32 * 1024 * 1024).to_le_bytes());
        assert_eq!(sniff(&z), Err(UploadError::TooLargeUnpacked));
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\a\\预算表.xlsx"), "预算表.xlsx");
        assert_eq!(clean_name("a\u{202e}fdp.exe"), "afdp.exe");
        assert_eq!(clean_name(".."), "附件");
        assert_eq!(clean_name(""), "附件");
        assert_eq!(clean_name("x\r\nContent-Type: evil"), "xContent-Type: evil");
    }
}
