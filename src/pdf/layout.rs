//! A small page-layout engine on printpdf's operation lists.

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rgb,
    TextItem,
};

pub const PAGE_W: f32 = 595.28; // A4 in points
pub const PAGE_H: f32 = 841.89;
pub const MARGIN: f32 = 56.7; // 20 mm
pub const BOTTOM: f32 = 70.0; // room for the footer
/// The sign-off's height: space, authority, date (the audit head goes to the page's foot).
const SIGN_OFF_H: f32 = 24.0 + 16.0 + 16.0;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Width of `s` at `size` points, from the font's advances.
pub fn text_width(s: &str, size: f32) -> f32 {
    let f = super::font();
    let upem = f32::from(f.font_metrics.units_per_em.max(1));
    let units: u32 = s
        .chars()
        .map(|c| f.lookup_glyph_index(c as u32).map(|g| u32::from(f.get_horizontal_advance(g))).unwrap_or(upem as u32))
        .sum();
    units as f32 * size / upem
}

/// Punctuation that may not begin a line (避头): it hangs at the end of the line before.
const NO_LINE_START: &str = "，。、；：？！）」』》〉】”’,.;:?!)%";

/// Breaks `s` into lines no wider than `width` (any character may break: CJK has no spaces),
/// except that closing punctuation hangs past the width rather than start a line.
pub fn wrap(s: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for c in para.chars() {
            let mut next = line.clone();
            next.push(c);
            if !line.is_empty() && !NO_LINE_START.contains(c) && text_width(&next, size) > width {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = next;
            }
        }
        lines.push(line);
    }
    lines
}

/// A document being laid out top-down, page by page.
pub struct Doc {
    title: String,
    pages: Vec<Vec<Op>>,
    /// Printed in small type at the foot of the last page, above its page number.
    last_page_note: Option<String>,
    /// Printed small at the top right of every page (a dossier's reference).
    running_header: Option<String>,
    /// Baseline cursor from the bottom of the page, in points.
    pub y: f32,
    font: FontId,
    pdf: PdfDocument,
}

impl Doc {
    pub fn new(title: &str) -> Doc {
        let mut pdf = PdfDocument::new(title);
        let font = pdf.add_font(super::font());
        Doc {
            title: title.into(),
            pages: vec![Vec::new()],
            last_page_note: None,
            running_header: None,
            y: PAGE_H - MARGIN,
            font,
            pdf,
        }
    }

    /// A document opening with its title, centred in 16 pt and wrapped: every public notice
    /// (招标公告, 评审结果公示, 创新奖励公告, 评估结果公示) starts so.
    pub fn with_title(title: &str) -> Doc {
        let mut doc = Doc::new(title);
        let w = doc.content_width();
        doc.space(8.0);
        for line in wrap(title, w, 16.0) {
            doc.space(24.0);
            let y = doc.y;
            doc.text_in(&line, MARGIN, w, y, 16.0, Align::Center);
        }
        doc
    }

    pub fn content_width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_H - MARGIN;
    }

    /// Starts a new page unless `height` still fits above the footer.
    pub fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// One line of text at a baseline position.
    pub fn text_at(&mut self, s: &str, x: f32, y: f32, size: f32) {
        let font = self.font.clone();
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(font), size: Pt(size) },
            Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(y) } },
            Op::ShowText { items: vec![TextItem::Text(s.to_string())] },
            Op::EndTextSection,
        ]);
    }

    /// One line aligned inside [x, x + width].
    pub fn text_in(&mut self, s: &str, x: f32, width: f32, y: f32, size: f32, align: Align) {
        let w = text_width(s, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x + (width - w) / 2.0,
            Align::Right => x + width - w,
        };
        self.text_at(s, x, y, size);
    }

    /// A wrapped paragraph across the content width, moving the cursor down.
    pub fn paragraph(&mut self, s: &str, size: f32, align: Align) {
        let lh = size * 1.6;
        let (x, w) = (MARGIN, self.content_width());
        for line in wrap(s, w, size) {
            self.ensure(lh);
            self.y -= lh;
            let y = self.y;
            self.text_in(&line, x, w, y, size, align);
        }
    }

    pub fn space(&mut self, pts: f32) {
        self.y -= pts;
    }

    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::SetOutlineColor { col: Color::Rgb(Rgb { r: 0.2, g: 0.2, b: 0.2, icc_profile: None }) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint { p: Point { x: Pt(x1), y: Pt(y) }, bezier: false },
                        LinePoint { p: Point { x: Pt(x2), y: Pt(y) }, bezier: false },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    /// A stroked rectangle (signature and stamp boxes); `y` is its bottom edge.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, thickness: f32) {
        let p = |x: f32, y: f32| LinePoint { p: Point { x: Pt(x), y: Pt(y) }, bezier: false };
        self.ops().extend([
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::SetOutlineColor { col: Color::Rgb(Rgb { r: 0.2, g: 0.2, b: 0.2, icc_profile: None }) },
            Op::DrawLine {
                line: Line { points: vec![p(x, y), p(x + w, y), p(x + w, y + h), p(x, y + h)], is_closed: true },
            },
        ]);
    }

    /// Small type at the foot of the last page (a document's audit head).
    pub fn set_last_page_note(&mut self, note: String) {
        self.last_page_note = Some(note);
    }

    /// Small type at the top right of every page (a dossier's reference on each sheet).
    pub fn set_running_header(&mut self, text: String) {
        self.running_header = Some(text);
    }

    /// Adds 「第 N 页 共 M 页」 to every page and returns the PDF bytes (fonts subset).
    pub fn finish(mut self) -> Vec<u8> {
        let total = self.pages.len();
        let pages: Vec<Vec<Op>> = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(total);
        for (i, ops) in pages.into_iter().enumerate() {
            self.pages = vec![ops];
            let footer = format!("第 {} 页 共 {} 页", i + 1, total);
            let w = self.content_width();
            if i + 1 == total {
                if let Some(note) = self.last_page_note.take() {
                    self.text_in(&note, MARGIN, w, 50.0, 7.0, Align::Left);
                }
            }
            self.text_in(&footer, MARGIN, w, 36.0, 9.0, Align::Center);
            if let Some(h) = self.running_header.clone() {
                self.text_in(&h, MARGIN, w, PAGE_H - 30.0, 8.0, Align::Right);
            }
            let ops = self.pages.pop().unwrap_or_default();
            out.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
        }
        let _ = &self.title;
        self.pdf.with_pages(out).save(&PdfSaveOptions::default(), &mut Vec::new())
    }

    /// Every published document ends the same way: the issuing authority and the date at the
    /// right, the audit chain's head at publication (what `gongyi verify` checks) at the foot of
    /// the last page, then the page footers.
    pub fn sign_off(mut self, authority: &str, issued_on: &str, audit_head: &str) -> Vec<u8> {
        self.sign_off_block(authority, issued_on, audit_head);
        self.finish()
    }

    /// Keeps the `height` points about to be written on the page of the sign-off: a 落款 never
    /// stands alone on an almost empty last page.
    pub fn keep_with_sign_off(&mut self, height: f32) {
        self.ensure(height + SIGN_OFF_H);
    }

    /// The sign-off, all on one page. The audit head sits at the page's foot, below the body:
    /// after the sign-off it once spilled alone onto a page of its own.
    fn sign_off_block(&mut self, authority: &str, issued_on: &str, audit_head: &str) {
        self.ensure(SIGN_OFF_H);
        self.space(24.0);
        for s in [authority, issued_on] {
            self.space(16.0);
            let y = self.y;
            self.text_in(s, MARGIN, PAGE_W - 2.0 * MARGIN, y, 10.5, Align::Right);
        }
        self.last_page_note = Some(format!("发布时审计链头：{audit_head}"));
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

/// A table column: header, width in points, alignment.
pub struct Column {
    pub header: &'static str,
    pub width: f32,
    pub align: Align,
}

/// Lays out a table with wrapped cells; the header repeats at the top of every page and a row
/// never starts where it cannot finish (no orphan header at a page bottom).
pub fn table(doc: &mut Doc, cols: &[Column], rows: &[Vec<String>], bold_rows: &[usize], size: f32) {
    let lh = size * 1.45;
    let pad = 3.0;
    let header = |doc: &mut Doc| {
        let lines: Vec<Vec<String>> = cols.iter().map(|c| wrap(c.header, c.width - 2.0 * pad, size)).collect();
        let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
        let top = doc.y;
        doc.hline(MARGIN, PAGE_W - MARGIN, top, 0.8);
        let mut x = MARGIN;
        for (c, ls) in cols.iter().zip(&lines) {
            for (i, l) in ls.iter().enumerate() {
                doc.text_in(
                    l,
                    x + pad,
                    c.width - 2.0 * pad,
                    top - pad - lh * (i as f32 + 1.0) + 2.0,
                    size,
                    Align::Center,
                );
            }
            x += c.width;
        }
        doc.y = top - h;
        doc.hline(MARGIN, PAGE_W - MARGIN, doc.y, 0.6);
    };
    let first_row_height = rows.first().map(|r| row_height(cols, r, size, lh, pad)).unwrap_or(0.0);
    doc.ensure(header_height(cols, size, lh, pad) + first_row_height);
    header(doc);
    for (ri, r) in rows.iter().enumerate() {
        let h = row_height(cols, r, size, lh, pad);
        if doc.ensure(h) {
            header(doc);
        }
        let top = doc.y;
        let mut x = MARGIN;
        for (c, cell) in cols.iter().zip(r) {
            for (i, l) in wrap(cell, c.width - 2.0 * pad, size).iter().enumerate() {
                doc.text_in(l, x + pad, c.width - 2.0 * pad, top - pad - lh * (i as f32 + 1.0) + 2.0, size, c.align);
            }
            x += c.width;
        }
        doc.y = top - h;
        let thick = if bold_rows.contains(&ri) { 0.8 } else { 0.3 };
        doc.hline(MARGIN, PAGE_W - MARGIN, doc.y, thick);
    }
}

fn header_height(cols: &[Column], size: f32, lh: f32, pad: f32) -> f32 {
    cols.iter().map(|c| wrap(c.header, c.width - 2.0 * pad, size).len()).max().unwrap_or(1) as f32 * lh + 2.0 * pad
}

fn row_height(cols: &[Column], r: &[String], size: f32, lh: f32, pad: f32) -> f32 {
    cols.iter().zip(r).map(|(c, s)| wrap(s, c.width - 2.0 * pad, size).len()).max().unwrap_or(1) as f32 * lh + 2.0 * pad
}

#[cfg(test)]
mod tests {
    #[test]
    fn punctuation_never_begins_a_line() {
        let text =
            "乙方未按期报告、评估不合格或违反本协议的，甲方可暂停拨付、终止协议并追回已拨付的相应资金。".repeat(3);
        for width in (60..400).step_by(7) {
            let lines = wrap(&text, width as f32, 10.5);
            assert_eq!(lines.concat(), text, "nothing lost at width {width}");
            for l in &lines {
                let first = l.chars().next().unwrap();
                assert!(!NO_LINE_START.contains(first), "a line begins with {first} at width {width}");
            }
        }
    }

    #[test]
    fn the_sign_off_never_splits_or_stands_alone() {
        // From every height near the bottom: the block lands on one page.
        let mut y = BOTTOM;
        while y < BOTTOM + 2.0 * SIGN_OFF_H {
            let mut doc = Doc::new("t");
            doc.y = y;
            doc.sign_off_block("芜湖市鸠江区民政局", "2026年12月5日", &"ab".repeat(32));
            let pages = doc.page_count();
            assert!(pages <= 2, "at most one new page");
            assert!(doc.y >= BOTTOM, "the block fit above the footer from y = {y}");
            if pages == 2 {
                assert!(doc.pages[0].is_empty(), "nothing of the block was left on the first page (y = {y})");
            }
            y += 3.0;
        }
        let note = format!("发布时审计链头：{}", "ab".repeat(32));
        assert!(text_width(&note, 7.0) < PAGE_W - 2.0 * MARGIN, "the audit head fits on one line at the foot");
        // What is kept with the sign-off moves with it.
        let mut doc = Doc::new("t");
        doc.y = BOTTOM + SIGN_OFF_H + 10.0;
        doc.keep_with_sign_off(40.0);
        assert_eq!(doc.page_count(), 2);
    }

    use super::*;

    #[test]
    fn wraps_by_measured_width() {
        let w = text_width("公益创投", 10.0);
        assert!(w > 30.0 && w < 50.0, "{w}");
        let lines = wrap("鸠江区阳光社会工作服务中心“银龄互助”社区居家养老服务项目", 60.0, 10.0);
        assert!(lines.len() > 2);
        // Only closing punctuation hangs past the width.
        assert!(lines.iter().all(|l| text_width(l.trim_end_matches(|c| NO_LINE_START.contains(c)), 10.0) <= 60.0));
        assert_eq!(lines.concat(), "鸠江区阳光社会工作服务中心“银龄互助”社区居家养老服务项目");
        assert_eq!(wrap("", 60.0, 10.0), vec![String::new()]);
    }
}
