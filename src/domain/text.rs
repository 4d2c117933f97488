//! Free text people type into names and reasons: trimmed, bounded, no control or bidi characters.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong(usize),
    Forbidden,
}

impl TextError {
    pub fn code(self) -> &'static str {
        match self {
            TextError::Empty => "required",
            TextError::TooLong(_) => "too_long",
            TextError::Forbidden => "forbidden_characters",
        }
    }
    pub fn message(self) -> String {
        match self {
            TextError::Empty => "此项不能为空".into(),
            TextError::TooLong(n) => format!("不能超过 {n} 个字符"),
            TextError::Forbidden => "含有不允许的控制字符或方向控制字符".into(),
        }
    }
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A single-line name: no control characters at all.
pub fn name(s: &str, max: usize) -> Result<String, TextError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TextError::Empty);
    }
    if t.chars().any(|c| c.is_control() || is_bidi(c)) {
        return Err(TextError::Forbidden);
    }
    if t.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    Ok(t.to_string())
}

/// Like `paragraph`, but empty is allowed (an optional note).
pub fn paragraph_or_empty(s: &str, max: usize) -> Result<String, TextError> {
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    paragraph(s, max)
}

/// Multi-line text (reasons, notes): newlines and tabs allowed, other controls and bidi refused.
pub fn paragraph(s: &str, max: usize) -> Result<String, TextError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TextError::Empty);
    }
    if t.chars().any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi(c)) {
        return Err(TextError::Forbidden);
    }
    if t.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    Ok(t.replace("\r\n", "\n"))
}

/// A login name: 3–32 of a–z, 0–9, `_ . -`, compared case-insensitively.
pub fn login(s: &str) -> Option<String> {
    let l = s.trim().to_ascii_lowercase();
    let ok = (3..=32).contains(&l.len())
        && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    ok.then_some(l)
}

/// A contact phone: mobile or landline with area code and optional extension.
pub fn phone(s: &str) -> Option<String> {
    let t = s.trim();
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    let ok =
        (7..=20).contains(&digits) && t.bytes().all(|b| b.is_ascii_digit() || b"-+ ()".contains(&b)) && t.len() <= 24;
    ok.then(|| t.to_string())
}

/// An email address, parsed as an address (no display name, no header tricks).
pub fn email(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() > 254 || t.chars().any(|c| c.is_control() || c.is_whitespace() || c == ',' || c == '<') {
        return None;
    }
    t.parse::<lettre::Address>().ok().map(|a| a.to_string())
}

/// A date as people type it into a form: `2026-03-01`, `2026-3-1`, `2026/3/1`, `2026.3.1` or
/// `2026年3月1日`, spaces around it ignored. The one date reader of every form and body.
pub fn date(s: &str) -> Result<chrono::NaiveDate, NotADate> {
    let t = s.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => {
            let n = |x: &str| x.parse::<u32>().ok();
            match (y.parse::<i32>().ok(), n(m), n(d)) {
                (Some(y), Some(m), Some(d)) => chrono::NaiveDate::from_ymd_opt(y, m, d).ok_or(NotADate),
                _ => Err(NotADate),
            }
        }
        _ => Err(NotADate),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotADate;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_people_type_them() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        for s in ["2026-03-01", " 2026-3-1 ", "2026/3/1", "2026.03.01", "2026年3月1日"] {
            assert_eq!(date(s), Ok(d), "{s}");
        }
        for s in ["", "2026-02-30", "26-3-1", "2026-3", "2026-03-01T00:00", "三月一日", "2026--1"] {
            assert_eq!(date(s), Err(NotADate), "{s}");
        }
    }

    #[test]
    fn names_refuse_controls_and_bidi() {
        assert_eq!(name("  鸠江区阳光社工  ", 50).unwrap(), "鸠江区阳光社工");
        assert_eq!(name("", 50), Err(TextError::Empty));
        assert_eq!(name("   ", 50), Err(TextError::Empty));
        assert_eq!(name("a\u{202E}b", 50), Err(TextError::Forbidden));
        assert_eq!(name("a\nb", 50), Err(TextError::Forbidden));
        assert_eq!(name("a\u{0}b", 50), Err(TextError::Forbidden));
        assert_eq!(name("一二三", 2), Err(TextError::TooLong(2)));
        assert_eq!(paragraph("第一行\r\n第二行", 50).unwrap(), "第一行\n第二行");
        assert_eq!(paragraph("x\u{2066}", 50), Err(TextError::Forbidden));
    }

    #[test]
    fn logins_phones_emails() {
        assert_eq!(login("Staff.01").unwrap(), "staff.01");
        assert!(login("ab").is_none());
        assert!(login("张三").is_none());
        assert!(login("a b c").is_none());
        assert!(phone("13800138000").is_some());
        assert!(phone("0553-5812345").is_some());
        assert!(phone("12345").is_none());
        assert!(phone("1380013800a").is_none());
        assert_eq!(email("org@example.cn").unwrap(), "org@example.cn");
        assert!(email("a@b.cn\r\nBcc: x@y.cn").is_none());
        assert!(email("Evil <a@b.cn>").is_none());
        assert!(email("a@b.cn, c@d.cn").is_none());
        assert!(email("not-an-address").is_none());
    }
}
