//! Formal documents as PDF: A4, Simplified Chinese in an embedded (subset) CJK font, text wrapped
//! by measured glyph widths, tables whose header repeats on every page, 「第 N 页 共 M 页」 footers.
//! Layout positions are points (f32); every figure printed comes in as text already formatted.

pub mod agreement;
pub mod announcement;
pub mod award;
pub mod dossier;
pub mod evaluation_notice;
mod layout;
pub mod notice;
pub mod points_sheet;
pub mod welfare_disclosure;

pub use layout::Doc;

use printpdf::ParsedFont;
use std::sync::OnceLock;

/// WenQuanYi Micro Hei (Apache-2.0, see reports/fonts/wqy-microhei.COPYRIGHT), compiled in.
const FONT_BYTES: &[u8] = include_bytes!("../../reports/fonts/wqy-microhei.ttc");

/// The font, parsed once per process (parsing costs more than laying out a page).
pub fn font() -> &'static ParsedFont {
    static FONT: OnceLock<ParsedFont> = OnceLock::new();
    FONT.get_or_init(|| ParsedFont::from_bytes(FONT_BYTES, 0, &mut Vec::new()).expect("the embedded CJK font parses"))
}

/// The text of a PDF as `pdftotext` reads it, whitespace removed (it drops the spaces between
/// CJK glyphs anyway). `None` only off CI, where poppler-utils may be missing.
#[cfg(test)]
pub fn read_back(bytes: &[u8]) -> Option<String> {
    let run = || -> Option<String> {
        let dir = tempfile::tempdir().ok()?;
        let p = dir.path().join("d.pdf");
        std::fs::write(&p, bytes).ok()?;
        let out = std::process::Command::new("pdftotext").args(["-layout"]).arg(&p).arg("-").output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let text = run();
    assert!(text.is_some() || std::env::var("CI").is_err(), "pdftotext is required in CI");
    text.map(|t| t.chars().filter(|c| !c.is_whitespace()).collect())
}
