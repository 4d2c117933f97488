//! Server-rendered SVG charts (no JavaScript, no CDN). Every label is XML-escaped here, since the
//! SVG is embedded in the page as markup.

use std::fmt::Write;

/// One horizontal bar made of segments (value in fen or a count) with their colours.
pub struct Bar {
    pub label: String,
    pub segments: Vec<(i64, &'static str)>,
    /// Printed after the bar.
    pub caption: String,
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal stacked bars, all on one scale (the largest bar's total), with a legend.
pub fn bars(title: &str, rows: &[Bar], legend: &[(&str, &'static str)]) -> String {
    const LABEL_W: i64 = 130;
    const BAR_W: i64 = 300;
    const ROW_H: i64 = 28;
    let max = rows.iter().map(|r| r.segments.iter().map(|s| s.0.max(0)).sum::<i64>()).max().unwrap_or(0).max(1);
    let height = ROW_H * rows.len() as i64 + 30;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 640 {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = i as i64 * ROW_H;
        let _ = write!(svg, r##"<text x="0" y="{}" font-size="12" fill="#333">{}</text>"##, y + 17, escape(&r.label));
        let mut x = LABEL_W;
        for (v, colour) in &r.segments {
            let w = v.max(&0) * BAR_W / max;
            if w > 0 {
                let _ = write!(svg, r#"<rect x="{x}" y="{}" width="{w}" height="18" fill="{colour}"/>"#, y + 4);
            }
            x += w;
        }
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="11" fill="#555">{}</text>"##,
            LABEL_W + BAR_W + 8,
            y + 17,
            escape(&r.caption)
        );
    }
    let mut x = 0;
    let y = ROW_H * rows.len() as i64 + 8;
    for (name, colour) in legend {
        let _ = write!(svg, r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>"#);
        let _ =
            write!(svg, r##"<text x="{}" y="{}" font-size="11" fill="#333">{}</text>"##, x + 16, y + 11, escape(name));
        x += 30 + 14 * name.chars().count() as i64;
    }
    svg.push_str("</svg>");
    svg
}

pub const PAID: &str = "#2e7d32";
pub const RESERVED: &str = "#81c784";
pub const REMAINING: &str = "#e0e0e0";
pub const COUNT: &str = "#1565c0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let rows = vec![
            Bar {
                label: "<script>alert(1)</script>".into(),
                segments: vec![(50, PAID), (50, REMAINING)],
                caption: "a&b".into(),
            },
            Bar { label: "沈巷镇".into(), segments: vec![(50, PAID)], caption: String::new() },
        ];
        let svg = bars("资金", &rows, &[("已拨付", PAID)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;") && svg.contains("a&amp;b"));
        assert!(svg.contains(r#"width="150""#), "half of the 300-point bar");
        assert!(svg.contains("沈巷镇") && svg.contains("已拨付"));
        // Nothing to draw: no division by zero, no bars.
        let empty = bars("空", &[Bar { label: "x".into(), segments: vec![(0, PAID)], caption: String::new() }], &[]);
        assert!(!empty.contains("<rect"));
    }
}
