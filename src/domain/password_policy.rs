//! What a password must be: 8–128 characters, not one of the passwords every attacker tries
//! first (a shipped list, and the patterns behind most of it: one character repeated, a run
//! of digits or letters, a keyboard row), and not built from the login.

const COMMON: &str = include_str!("common_passwords.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weak {
    Length,
    Common,
    ContainsLogin,
}

impl Weak {
    pub fn code(self) -> &'static str {
        match self {
            Weak::Length => "weak_password",
            Weak::Common => "common_password",
            Weak::ContainsLogin => "password_contains_login",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            Weak::Length => "密码长度应为 8–128 个字符",
            Weak::Common => "该密码过于常见，容易被猜中，请换一个",
            Weak::ContainsLogin => "密码不能包含用户名",
        }
    }
}

fn is_common(lower: &str) -> bool {
    COMMON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).any(|l| l == lower)
}

/// One character repeated, or a run up or down one step at a time (12345678, hgfedcba), or a
/// stretch of one keyboard row.
fn is_pattern(lower: &str) -> bool {
    let c: Vec<char> = lower.chars().collect();
    if c.windows(2).all(|w| w[0] == w[1]) {
        return true;
    }
    let steps: Vec<i64> = c.windows(2).map(|w| w[1] as i64 - w[0] as i64).collect();
    if steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1) {
        return true;
    }
    const ROWS: [&str; 4] = ["`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"];
    ROWS.iter().any(|r| r.contains(lower) || r.chars().rev().collect::<String>().contains(lower))
}

pub fn check(password: &str, login: &str) -> Result<(), Weak> {
    let n = password.chars().count();
    if !(8..=128).contains(&n) {
        return Err(Weak::Length);
    }
    let lower = password.to_lowercase();
    if is_common(&lower) || is_pattern(&lower) {
        return Err(Weak::Common);
    }
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 3 && lower.contains(&login) {
        return Err(Weak::ContainsLogin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_suspects_are_refused() {
        for p in [
            "12345678",
            "password",
            "PassWord",
            "qwertyuiop",
            "woaini1314",
            "88888888",
            "aaaaaaaaaa",
            "87654321",
            "abcdefghij",
            "asdfghjkl;",
            "1qaz2wsx",
            "P@ssw0rd",
        ] {
            assert_eq!(check(p, "someone"), Err(Weak::Common), "{p}");
        }
        assert_eq!(check("1234567", "x"), Err(Weak::Length));
        assert_eq!(check(&"长".repeat(129), "x"), Err(Weak::Length));
    }

    #[test]
    fn the_login_is_not_a_password() {
        assert_eq!(check("yangguang2026!", "yangguang"), Err(Weak::ContainsLogin));
        assert_eq!(check("MyYangGuang#9", "yangguang"), Err(Weak::ContainsLogin));
        assert_eq!(check("银龄互助-晨光-2026", "yangguang"), Ok(()));
    }

    #[test]
    fn ordinary_passwords_pass() {
        for p in ["demo2026", "test-password-1", "鸠江区公益创投2026", "Tm7#kq2!vL", "correct horse battery"] {
            assert_eq!(check(p, "staff"), Ok(()), "{p}");
        }
    }

    #[test]
    fn the_list_is_lower_case_and_long_enough_to_matter() {
        let entries: Vec<&str> = COMMON.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        assert!(entries.len() > 200);
        for e in entries {
            assert_eq!(e, e.to_lowercase(), "{e}");
            assert!(e.chars().count() >= 8, "{e}: shorter ones are refused by length anyway");
        }
    }
}
