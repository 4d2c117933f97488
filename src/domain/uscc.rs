//! 统一社会信用代码 (unified social credit code), GB 32100-2015.

use std::fmt;

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uscc(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccError {
    Length,
    Charset,
    CheckDigit,
}

impl UsccError {
    pub fn code(self) -> &'static str {
        match self {
            UsccError::Length => "uscc_length",
            UsccError::Charset => "uscc_charset",
            UsccError::CheckDigit => "uscc_check_digit",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            UsccError::Length => "统一社会信用代码应为18位",
            UsccError::Charset => "统一社会信用代码含有不允许的字符（不含 I、O、Z、S、V）",
            UsccError::CheckDigit => "统一社会信用代码校验位不正确，请核对",
        }
    }
}

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (already upper-case, in the charset).
fn check_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in body.iter().enumerate() {
        sum += value_of(c)? * WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARSET[check as usize])
}

impl Uscc {
    /// Parses a code, requiring a correct check digit. Lower-case letters are accepted and upper-cased.
    pub fn parse(s: &str) -> Result<Uscc, UsccError> {
        let u = Uscc::parse_unchecked(s)?;
        let b = u.0.as_bytes();
        if check_char(&b[..17]) != Some(b[17]) {
            return Err(UsccError::CheckDigit);
        }
        Ok(u)
    }

    /// Length and charset only: for a code staff register with an audited override.
    pub fn parse_unchecked(s: &str) -> Result<Uscc, UsccError> {
        let up = s.trim().to_ascii_uppercase();
        if up.chars().count() != 18 {
            return Err(UsccError::Length);
        }
        if !up.bytes().all(|c| value_of(c).is_some()) {
            return Err(UsccError::Charset);
        }
        Ok(Uscc(up))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Completes a 17-character body with its check character (demo data, tests).
pub fn with_check_digit(body: &str) -> Option<Uscc> {
    let up = body.to_ascii_uppercase();
    if up.len() != 17 {
        return None;
    }
    let c = check_char(up.as_bytes())?;
    Some(Uscc(format!("{up}{}", c as char)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: [&str; 2] = ["9144030071526726XG", "52340207MJ000000X6"];

    #[test]
    fn accepts_known_valid_codes() {
        for v in VALID {
            assert_eq!(Uscc::parse(v).unwrap().as_str(), v);
        }
        assert_eq!(Uscc::parse("9144030071526726xg").unwrap().as_str(), VALID[0]);
    }

    #[test]
    fn flipping_any_character_fails() {
        for v in VALID {
            for i in 0..18 {
                for &c in CHARSET.iter() {
                    let mut b = v.as_bytes().to_vec();
                    if b[i] == c {
                        continue;
                    }
                    b[i] = c;
                    let s = String::from_utf8(b).unwrap();
                    assert_eq!(Uscc::parse(&s), Err(UsccError::CheckDigit), "{s}");
                }
            }
        }
    }

    #[test]
    fn refuses_wrong_length_and_charset() {
        assert_eq!(Uscc::parse(""), Err(UsccError::Length));
        assert_eq!(Uscc::parse("9144030071526726X"), Err(UsccError::Length));
        assert_eq!(Uscc::parse("9144030071526726XGG"), Err(UsccError::Length));
        assert_eq!(Uscc::parse("9144030071526726IG"), Err(UsccError::Charset));
        assert_eq!(Uscc::parse("91440300715267２6XG"), Err(UsccError::Charset));
        assert_eq!(Uscc::parse_unchecked("9144030071526726XA").unwrap().as_str(), "9144030071526726XA");
        assert_eq!(Uscc::parse("9144030071526726XA"), Err(UsccError::CheckDigit));
    }

    proptest! {
        #[test]
        fn every_body_has_exactly_one_check_char(body in proptest::collection::vec(0usize..31, 17)) {
            let body: Vec<u8> = body.into_iter().map(|i| CHARSET[i]).collect();
            let good = check_char(&body).unwrap();
            for &c in CHARSET.iter() {
                let mut s = body.clone();
                s.push(c);
                let s = String::from_utf8(s).unwrap();
                prop_assert_eq!(Uscc::parse(&s).is_ok(), c == good);
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = Uscc::parse(&s);
        }
    }
}
