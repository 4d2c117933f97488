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
    /// A PDF with scripts, launch actions, embedded files or forms that submit.
    ActiveContent,
    /// Markup (HTML, SVG, script) inside a PDF or an image: a polyglot.
    Polyglot,
    BrokenImage,
}

impl UploadError {
    pub fn code(self) -> &'static str {
        match self {
            UploadError::Empty => "empty_file",
            UploadError::UnknownType => "file_type_not_allowed",
            UploadError::Macros => "macros_not_allowed",
            UploadError::TooManyEntries | UploadError::TooLargeUnpacked => "archive_too_large",
            UploadError::BrokenZip | UploadError::BrokenImage => "broken_file",
            UploadError::ActiveContent => "active_content_not_allowed",
            UploadError::Polyglot => "file_type_not_allowed",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            UploadError::Empty => "文件为空",
            UploadError::UnknownType => "只接受 PDF、PNG、JPEG 图片和 Word/Excel/PowerPoint（docx、xlsx、pptx）文件",
            UploadError::Macros => "不接受含宏、ActiveX 或嵌入对象的 Office 文件，请另存为普通的 docx/xlsx/pptx",
            UploadError::TooManyEntries | UploadError::TooLargeUnpacked => "Office 文件解压后过大",
            UploadError::BrokenZip | UploadError::BrokenImage => "文件已损坏，无法识别",
            UploadError::ActiveContent => "不接受含脚本、自动操作、嵌入文件或表单提交的 PDF，请重新导出为普通 PDF",
            UploadError::Polyglot => "文件内容与其类型不符（含网页代码），不予接受",
        }
    }
}

const MAX_ENTRIES: usize = 1000;
const MAX_UNPACKED: u64 = 100 * 1024 * 1024;
/// Parts of an Office file read whole to judge it ([Content_Types].xml, relationships).
const MAX_PART_READ: u64 = 1024 * 1024;

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// One zip entry as its central directory declares it.
struct Entry {
    name: String,
    method: u16,
    packed: u64,
    declared: u64,
    local: usize,
}

/// The entries of a zip, from its central directory.
fn zip_entries(b: &[u8]) -> Result<Vec<Entry>, UploadError> {
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
        let field = |o: usize| u32_at(b, at + o).ok_or(UploadError::BrokenZip);
        let method = u16_at(b, at + 10).ok_or(UploadError::BrokenZip)?;
        let (packed, size, local) = (field(20)?, field(24)?, field(42)?);
        let name_len = u16_at(b, at + 28).ok_or(UploadError::BrokenZip)? as usize;
        let extra = u16_at(b, at + 30).ok_or(UploadError::BrokenZip)? as usize;
        let comment = u16_at(b, at + 32).ok_or(UploadError::BrokenZip)? as usize;
        let name = b.get(at + 46..at + 46 + name_len).ok_or(UploadError::BrokenZip)?;
        if size == 0xFFFF_FFFF || packed == 0xFFFF_FFFF {
            return Err(UploadError::TooLargeUnpacked);
        }
        out.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            packed: u64::from(packed),
            declared: u64::from(size),
            local: local as usize,
        });
        at += 46 + name_len + extra + comment;
    }
    Ok(out)
}

/// An entry's packed bytes, found through its local header.
fn packed_data<'a>(b: &'a [u8], e: &Entry) -> Result<&'a [u8], UploadError> {
    if u32_at(b, e.local) != Some(0x0403_4b50) {
        return Err(UploadError::BrokenZip);
    }
    let n = u16_at(b, e.local + 26).ok_or(UploadError::BrokenZip)? as usize;
    let x = u16_at(b, e.local + 28).ok_or(UploadError::BrokenZip)? as usize;
    let start = e.local + 30 + n + x;
    b.get(start..start + e.packed as usize).ok_or(UploadError::BrokenZip)
}

/// Unpacks an entry against the remaining budget (what its header declares is not trusted: a
/// bomb under-declares): returns the first `keep` bytes and the unpacked size.
fn unpack(b: &[u8], e: &Entry, budget: u64, keep: u64) -> Result<(Vec<u8>, u64), UploadError> {
    use std::io::Read;
    let data = packed_data(b, e)?;
    let mut reader: Box<dyn Read> = match e.method {
        0 => Box::new(data),
        8 => Box::new(flate2::read::DeflateDecoder::new(data)),
        _ => return Err(UploadError::BrokenZip),
    };
    let mut head = Vec::new();
    (&mut reader).take(keep).read_to_end(&mut head).map_err(|_| UploadError::BrokenZip)?;
    let rest = std::io::copy(&mut reader.take(budget.saturating_sub(head.len() as u64) + 1), &mut std::io::sink())
        .map_err(|_| UploadError::BrokenZip)?;
    let size = head.len() as u64 + rest;
    if size > budget {
        return Err(UploadError::TooLargeUnpacked);
    }
    Ok((head, size))
}

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// An Office file judged by what its parts are, not what they are called: the main part's
/// content type names the kind; macro-enabled types, VBA or ActiveX relationships and OLE
/// compound files (a renamed `vbaProject.bin` is one) are refused; every part is unpacked
/// against one budget.
fn ooxml(b: &[u8]) -> Result<FileKind, UploadError> {
    let entries = zip_entries(b)?;
    if entries.iter().map(|e| e.declared).sum::<u64>() > MAX_UNPACKED {
        return Err(UploadError::TooLargeUnpacked);
    }
    let mut budget = MAX_UNPACKED;
    let mut types: Option<String> = None;
    for e in &entries {
        let lower = e.name.to_ascii_lowercase();
        if lower.ends_with("vbaproject.bin") {
            return Err(UploadError::Macros);
        }
        let whole = lower == "[content_types].xml" || lower.ends_with(".rels");
        let (head, size) = unpack(b, e, budget, if whole { MAX_PART_READ } else { 8 })?;
        budget -= size;
        if head.starts_with(&OLE_MAGIC) {
            return Err(UploadError::Macros);
        }
        let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
        if whole && (text.contains("vbaproject") || text.contains("macroenabled") || text.contains("activex")) {
            return Err(UploadError::Macros);
        }
        if lower == "[content_types].xml" {
            types = Some(text);
        }
    }
    let types = types.ok_or(UploadError::UnknownType)?;
    let main = |k: &str| types.contains(&format!("application/vnd.openxmlformats-officedocument.{k}.main+xml"));
    if main("wordprocessingml.document") {
        Ok(FileKind::Docx)
    } else if main("spreadsheetml.sheet") {
        Ok(FileKind::Xlsx)
    } else if main("presentationml.presentation") {
        Ok(FileKind::Pptx)
    } else {
        Err(UploadError::UnknownType)
    }
}

/// Markup that makes a file something a browser would run: a polyglot's tell.
fn has_markup(b: &[u8]) -> bool {
    const TAGS: [&[u8]; 7] = [b"<html", b"<script", b"<body", b"<iframe", b"<svg", b"<!doctype", b"<object"];
    b.iter()
        .enumerate()
        .filter(|(_, c)| **c == b'<')
        .any(|(i, _)| TAGS.iter().any(|t| b.get(i..i + t.len()).is_some_and(|w| w.eq_ignore_ascii_case(t))))
}

/// PDF names that run something or carry something: scripts, launch and submit actions,
/// embedded files and media, XFA forms.
const ACTIVE_PDF_NAMES: [&str; 9] =
    ["JS", "JavaScript", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA", "SubmitForm", "ImportData"];

/// Whether the bytes name an active PDF key; names are compared after `#xx` escapes are decoded
/// (`/J#61vaScript` is `/JavaScript`).
fn names_active(b: &[u8]) -> bool {
    let delim = |c: u8| c.is_ascii_whitespace() || b"()<>[]{}/%".contains(&c);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'/' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut name = Vec::new();
        while j < b.len() && !delim(b[j]) {
            if b[j] == b'#' && j + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&String::from_utf8_lossy(&b[j + 1..j + 3]), 16) {
                    name.push(v);
                    j += 3;
                    continue;
                }
            }
            name.push(b[j]);
            j += 1;
        }
        if ACTIVE_PDF_NAMES.iter().any(|n| n.as_bytes() == name.as_slice()) {
            return true;
        }
        i = j.max(i + 1);
    }
    false
}

/// A PDF: no markup, and no active names in its bytes or in any stream that inflates (object
/// streams hide dictionaries), all inflation against one budget.
fn pdf(b: &[u8]) -> Result<FileKind, UploadError> {
    use std::io::Read;
    if has_markup(b) {
        return Err(UploadError::Polyglot);
    }
    if names_active(b) {
        return Err(UploadError::ActiveContent);
    }
    let mut budget = MAX_UNPACKED;
    let mut at = 0;
    while let Some(k) = find(&b[at..], b"stream") {
        let mut start = at + k + 6;
        if b.get(start) == Some(&b'\r') {
            start += 1;
        }
        if b.get(start) != Some(&b'\n') {
            at = start;
            continue;
        }
        start += 1;
        let Some(len) = find(&b[start..], b"endstream") else { break };
        let mut out = Vec::new();
        let inflated = flate2::read::ZlibDecoder::new(&b[start..start + len]).take(budget + 1).read_to_end(&mut out);
        // Streams that are not deflated (images) simply do not inflate.
        if inflated.is_ok() || !out.is_empty() {
            if out.len() as u64 > budget {
                return Err(UploadError::TooLargeUnpacked);
            }
            budget -= out.len() as u64;
            if names_active(&out) {
                return Err(UploadError::ActiveContent);
            }
            if has_markup(&out) {
                return Err(UploadError::Polyglot);
            }
        }
        at = start + len + 9;
    }
    Ok(FileKind::Pdf)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A PNG: well-formed chunks from the signature to IEND and nothing after it.
fn png(b: &[u8]) -> Result<FileKind, UploadError> {
    let mut at = 8;
    loop {
        let len = b.get(at..at + 4).ok_or(UploadError::BrokenImage)?;
        let len = u32::from_be_bytes(len.try_into().map_err(|_| UploadError::BrokenImage)?) as usize;
        let kind = b.get(at + 4..at + 8).ok_or(UploadError::BrokenImage)?;
        if at == 8 && kind != b"IHDR" {
            return Err(UploadError::BrokenImage);
        }
        let end = at.checked_add(12 + len).ok_or(UploadError::BrokenImage)?;
        if end > b.len() {
            return Err(UploadError::BrokenImage);
        }
        if kind == b"IEND" {
            return if end == b.len() { Ok(FileKind::Png) } else { Err(UploadError::Polyglot) };
        }
        at = end;
    }
}

/// Judges a complete upload by its content.
pub fn sniff(b: &[u8]) -> Result<FileKind, UploadError> {
    if b.is_empty() {
        return Err(UploadError::Empty);
    }
    if b.starts_with(b"%PDF-") {
        return pdf(b);
    }
    if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return png(b);
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return if has_markup(b) { Err(UploadError::Polyglot) } else { Ok(FileKind::Jpeg) };
    }
    if b.starts_with(&[0x50, 0x4b, 0x03, 0x04]) {
        return ooxml(b);
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
    /// `[Content_Types].xml` naming the main part of a docx, xlsx or pptx.
    pub fn content_types(main: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Override PartName=\"/main.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.{main}.main+xml\"/></Types>"
        )
        .into_bytes()
    }

    /// A docx whose one deflated part (`name`, holding `data`) declares `declared` bytes
    /// unpacked: with a large `data` and a small `declared`, a zip bomb.
    pub fn deflated_zip(name: &str, data: &[u8], declared: u32) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).expect("deflate in memory");
        let packed = e.finish().expect("deflate in memory");
        let mut z = zip(&[("[Content_Types].xml", &content_types("wordprocessingml.document")), (name, &packed)]);
        // Mark the second entry deflated (method 8) with the given unpacked size, in both headers.
        let local = z.windows(4).enumerate().filter(|(_, w)| *w == [0x50, 0x4b, 0x03, 0x04]).nth(1).map_or(0, |x| x.0);
        z[local + 8..local + 10].copy_from_slice(&8u16.to_le_bytes());
        z[local + 22..local + 26].copy_from_slice(&declared.to_le_bytes());
        let cd = z.windows(4).rposition(|w| w == [0x50, 0x4b, 0x01, 0x02]).unwrap_or(0);
        z[cd + 10..cd + 12].copy_from_slice(&8u16.to_le_bytes());
        z[cd + 24..cd + 28].copy_from_slice(&declared.to_le_bytes());
        z
    }

    /// A 1×1 PNG, well formed (chunk CRCs are not checked).
    pub fn png() -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        for (kind, data) in
            [(&b"IHDR"[..], &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0][..]), (b"IDAT", &[0; 12]), (b"IEND", &[])]
        {
            b.extend_from_slice(&(data.len() as u32).to_be_bytes());
            b.extend_from_slice(kind);
            b.extend_from_slice(data);
            b.extend_from_slice(&[0; 4]);
        }
        b
    }

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
    use super::fixtures::{content_types, deflated_zip, png, zip};
    use super::*;

    #[test]
    fn known_types_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n%%EOF"), Ok(FileKind::Pdf));
        assert_eq!(sniff(&png()), Ok(FileKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(FileKind::Jpeg));
        let docx = zip(&[
            ("[Content_Types].xml", &content_types("wordprocessingml.document")),
            ("word/document.xml", b"<w/>"),
        ]);
        assert_eq!(sniff(&docx), Ok(FileKind::Docx));
        let xlsx = zip(&[("[Content_Types].xml", &content_types("spreadsheetml.sheet")), ("xl/workbook.xml", b"<x/>")]);
        assert_eq!(sniff(&xlsx), Ok(FileKind::Xlsx));
        assert_eq!(sniff(&deflated_zip("word/document.xml", b"<w:document/>", 13)), Ok(FileKind::Docx));
        // A URI link is not active content.
        assert_eq!(sniff(b"%PDF-1.7\n1 0 obj<</A<</S/URI/URI(https://example.cn)>>>>endobj"), Ok(FileKind::Pdf));
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
        let by_folder_only = zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]);
        assert_eq!(sniff(&by_folder_only), Err(UploadError::UnknownType), "judged by content types, not folders");
        let names: Vec<String> = (0..1001).map(|i| format!("f{i}")).collect();
        let many: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        assert_eq!(sniff(&zip(&many)), Err(UploadError::TooManyEntries));
        let mut truncated = zip(&[("[Content_Types].xml", b"<Types/>")]);
        truncated.truncate(30);
        assert_eq!(sniff(&truncated), Err(UploadError::BrokenZip));
    }

    #[test]
    fn polyglots_and_active_pdfs_are_refused() {
        assert_eq!(sniff(b"%PDF-1.4\n<html><body><script>alert(1)</script>"), Err(UploadError::Polyglot));
        let mut png_html = png();
        png_html.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(sniff(&png_html), Err(UploadError::Polyglot));
        let mut png_head_html = png()[..8].to_vec();
        png_head_html.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert!(sniff(&png_head_html).is_err());
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.extend_from_slice(b"<SCRIPT>alert(1)</SCRIPT>");
        assert_eq!(sniff(&jpeg), Err(UploadError::Polyglot));
        let open_action = b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj";
        assert_eq!(sniff(open_action), Err(UploadError::ActiveContent));
        assert_eq!(sniff(b"%PDF-1.4\n1 0 obj<</S/J#61vaScript>>endobj"), Err(UploadError::ActiveContent), "escaped");
        assert_eq!(sniff(b"%PDF-1.4\n1 0 obj<</S/Launch/F(cmd.exe)>>endobj"), Err(UploadError::ActiveContent));
        // Hidden in a deflated object stream.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, b"<</OpenAction<</S/JavaScript/JS(x)>>>>").unwrap();
        let mut hidden = b"%PDF-1.5\n2 0 obj<</Type/ObjStm/Filter/FlateDecode>>stream\n".to_vec();
        hidden.extend_from_slice(&z.finish().unwrap());
        hidden.extend_from_slice(b"\nendstream endobj\n%%EOF");
        assert_eq!(sniff(&hidden), Err(UploadError::ActiveContent));
    }

    #[test]
    fn macros_are_found_by_content_and_relationships() {
        let ole = [&OLE_MAGIC[..], b"VBA project"].concat();
        let renamed =
            zip(&[("[Content_Types].xml", &content_types("wordprocessingml.document")), ("word/styles2.bin", &ole)]);
        assert_eq!(sniff(&renamed), Err(UploadError::Macros));
        let rels = br#"<Relationships><Relationship Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="x.dat"/></Relationships>"#;
        let by_rel = zip(&[
            ("[Content_Types].xml", &content_types("wordprocessingml.document")),
            ("word/_rels/document.xml.rels", rels),
        ]);
        assert_eq!(sniff(&by_rel), Err(UploadError::Macros));
        let macro_type =
            b"<Types><Override ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>";
        assert_eq!(sniff(&zip(&[("[Content_Types].xml", macro_type)])), Err(UploadError::Macros));
    }

    #[test]
    fn a_zip_bomb_is_judged_by_what_it_unpacks_to() {
        let mut z = zip(&[
            ("[Content_Types].xml", &content_types("wordprocessingml.document")),
            ("word/document.xml", b"<w/>"),
        ]);
        // Declared: 200 MB.
        let cd = z.windows(4).rposition(|w| w == [0x50, 0x4b, 0x01, 0x02]).unwrap();
        z[cd + 24..cd + 28].copy_from_slice(&(200u32 * 1024 * 1024).to_le_bytes());
        assert_eq!(sniff(&z), Err(UploadError::TooLargeUnpacked));
        // Declared: 13 bytes; really 101 MB of zeros.
        let bomb = deflated_zip("word/document.xml", &vec![0u8; 101 * 1024 * 1024], 13);
        assert!(bomb.len() < 200 * 1024, "a small file");
        assert_eq!(sniff(&bomb), Err(UploadError::TooLargeUnpacked));
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
