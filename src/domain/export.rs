//! Spreadsheet exports: text that a spreadsheet would run as a formula is made inert, and CSV
//! fields are quoted. Staff open these files on office computers; a cell such as `=HYPERLINK(…)`
//! typed into a bid title must arrive as text.

/// Characters that make Excel, WPS or LibreOffice read a cell as a formula (with their
/// full-width forms, which some of them also accept), and the control characters that can hide one.
const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];

/// Text as it may go into a cell: a leading formula trigger gets an apostrophe in front.
pub fn inert(s: &str) -> String {
    match s.trim_start_matches(' ').chars().next() {
        Some(c) if TRIGGERS.contains(&c) => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// One CSV field: inert, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    let s = inert(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A CSV document: UTF-8 with a byte-order mark (so Excel reads the Chinese right), CRLF lines.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |cells: &mut dyn Iterator<Item = String>| cells.collect::<Vec<_>>().join(",") + "\r\n";
    out.push_str(&line(&mut header.iter().map(|h| csv_field(h))));
    for r in rows {
        out.push_str(&line(&mut r.iter().map(|c| csv_field(c))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_come_out_as_text() {
        assert_eq!(inert("=1+1"), "'=1+1");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("＝HYPERLINK(\"http://x\")"), "'＝HYPERLINK(\"http://x\")");
        assert_eq!(inert("  -2+3"), "'  -2+3");
        assert_eq!(inert("\t=1"), "'\t=1");
        assert_eq!(inert("社区养老 = 幸福"), "社区养老 = 幸福");
        assert_eq!(inert(""), "");
    }

    #[test]
    fn csv_quotes_and_marks_utf8() {
        let s = csv(&["项目", "金额"], &[vec!["a,b".into(), "1000.00".into()], vec!["say \"hi\"".into(), "=1".into()]]);
        assert!(s.starts_with('\u{feff}'));
        assert_eq!(s.trim_start_matches('\u{feff}'), "项目,金额\r\n\"a,b\",1000.00\r\n\"say \"\"hi\"\"\",'=1\r\n");
    }

    proptest! {
        #[test]
        fn no_field_starts_a_formula(s in "\\PC{0,20}") {
            let f = inert(&s);
            let first = f.trim_start_matches(' ').chars().next();
            prop_assert!(first.is_none_or(|c| !TRIGGERS.contains(&c) || f.starts_with('\'')));
        }
    }
}
