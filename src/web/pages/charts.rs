//! Server-rendered bar charts (no JavaScript, no CDN). Every label is escaped here, since the
//! chart is embedded in the page as markup.

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

/// Horizontal stacked bars, all on one scale (the largest bar's total), with a legend. The text
/// is HTML at the page's own size (a whole-chart SVG scaled it to about 5 px on a phone); each
/// bar is a small SVG stretched to its track, because the CSP refuses inline `style` widths.
pub fn bars(title: &str, rows: &[Bar], legend: &[(&str, &'static str)]) -> String {
    let max = rows.iter().map(|r| r.segments.iter().map(|s| s.0.max(0)).sum::<i64>()).max().unwrap_or(0).max(1);
    let mut html = String::new();
    let _ = write!(html, r#"<figure class="chart" role="img" aria-label="{}">"#, escape(title));
    for r in rows {
        let _ = write!(
            html,
            r##"<div class="chart-row"><div class="chart-label">{}</div><svg class="chart-bar" viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true"><rect width="1000" height="10" fill="#f3f3f3"/>"##,
            escape(&r.label)
        );
        let mut x = 0i128;
        for (v, colour) in &r.segments {
            // Thousandths of the track, in integers: no floats anywhere near money.
            let w = (*v).max(0) as i128 * 1000 / max as i128;
            if w > 0 {
                let _ = write!(html, r#"<rect x="{x}" width="{w}" height="10" fill="{colour}"/>"#);
            }
            x += w;
        }
        let _ = write!(html, r#"</svg><div class="chart-caption">{}</div></div>"#, escape(&r.caption));
    }
    if !legend.is_empty() {
        html.push_str(r#"<figcaption class="chart-legend">"#);
        for (name, colour) in legend {
            let _ = write!(
                html,
                r#"<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{colour}"/></svg>{}</span>"#,
                escape(name)
            );
        }
        html.push_str("</figcaption>");
    }
    html.push_str("</figure>");
    html
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
        let html = bars("资金", &rows, &[("已拨付", PAID)]);
        assert!(html.starts_with("<figure") && html.ends_with("</figure>"));
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;") && html.contains("a&amp;b"));
        assert!(html.contains(r#"width="500""#), "half of the largest bar: {html}");
        assert!(!html.contains("style="), "the CSP refuses inline styles");
        assert!(html.contains("沈巷镇") && html.contains("已拨付"));
        // Nothing to draw: no division by zero, no bars.
        let empty = bars("空", &[Bar { label: "x".into(), segments: vec![(0, PAID)], caption: String::new() }], &[]);
        assert!(!empty.contains(r#"<rect x="#));
        // A third prints as tenths of a percent.
        let third = bars(
            "t",
            &[Bar { label: "a".into(), segments: vec![(1, PAID), (2, REMAINING)], caption: String::new() }],
            &[],
        );
        assert!(third.contains(r#"x="0" width="333""#) && third.contains(r#"x="333" width="666""#), "{third}");
    }
}
