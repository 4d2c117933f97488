//! Amounts in Chinese financial capitals (大写金额), as agreements and vouchers print them:
//! 123,456.78 → 壹拾贰万叁仟肆佰伍拾陆元柒角捌分; 100,000.00 → 壹拾万元整.
//!
//! The rules (中国人民银行《支付结算办法》 and common practice): every 拾 keeps its digit
//! (壹拾万); zeros inside a four-digit group collapse into one 零 and trailing zeros of a group are
//! not read; a 零 crosses a group boundary only when the lower group starts with a zero (壹拾万伍仟,
//! but 壹佰万零伍佰); 整 follows an amount that ends at 元; 元零捌分 when the 角 is zero.

use super::Money;

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];

/// The amount in capitals; a negative amount is prefixed 负.
pub fn capitals(m: Money) -> String {
    let fen = m.fen();
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    let fen = fen.unsigned_abs();
    let (yuan, jiao, fen) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    out.push_str(&integer(yuan));
    match (yuan, jiao, fen) {
        (0, 0, 0) => out.push_str("零元整"),
        (_, 0, 0) => out.push_str("元整"),
        (0, _, _) => {}
        (_, 0, _) => out.push_str("元零"),
        _ => out.push('元'),
    }
    if jiao > 0 {
        out.push(DIGITS[jiao]);
        out.push('角');
    }
    if fen > 0 {
        out.push(DIGITS[fen]);
        out.push('分');
    }
    out
}

/// The whole yuan in capitals, without 元; empty for zero. Split at 亿, then at 万: a 零 joins
/// the parts when the lower part does not fill its highest place (壹亿零壹万, 壹万零伍拾).
fn integer(n: u64) -> String {
    const YI: u64 = 100_000_000;
    let split = |n: u64, unit: u64, name: &str, upper: &dyn Fn(u64) -> String, lower: &dyn Fn(u64) -> String| {
        let (hi, lo) = (n / unit, n % unit);
        let mut s = upper(hi) + name;
        if lo > 0 {
            if lo < unit / 10 {
                s.push('零');
            }
            s += &lower(lo);
        }
        s
    };
    if n >= YI {
        split(n, YI, "亿", &integer, &integer)
    } else if n >= 10_000 {
        split(n, 10_000, "万", &group, &group)
    } else {
        group(n)
    }
}

/// Below 10,000: zeros inside read as one 零, trailing zeros not at all.
fn group(n: u64) -> String {
    let mut out = String::new();
    let mut zero = false;
    for u in (0..4).rev() {
        let d = (n / 10u64.pow(u as u32) % 10) as usize;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push(DIGITS[d]);
        out.push_str(UNITS[u]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cap(s: &str) -> String {
        capitals(Money::parse(s).unwrap())
    }

    #[test]
    fn the_documented_examples() {
        assert_eq!(cap("123456.78"), "壹拾贰万叁仟肆佰伍拾陆元柒角捌分");
        assert_eq!(cap("100000.00"), "壹拾万元整");
    }

    #[test]
    fn zero_rules() {
        for (n, want) in [
            ("0.00", "零元整"),
            ("0.05", "伍分"),
            ("0.50", "伍角"),
            ("10.00", "壹拾元整"),
            ("1001.00", "壹仟零壹元整"),
            ("1010.00", "壹仟零壹拾元整"),
            ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
            ("1680.02", "壹仟陆佰捌拾元零贰分"),
            ("10005.00", "壹万零伍元整"),
            ("10050.00", "壹万零伍拾元整"),
            ("105000.00", "壹拾万伍仟元整"),
            ("1000500.00", "壹佰万零伍佰元整"),
            ("100000000.00", "壹亿元整"),
            ("100010000.00", "壹亿零壹万元整"),
            ("100000005.00", "壹亿零伍元整"),
            ("200000.00", "贰拾万元整"),
            ("1000000000000.00", "壹万亿元整"),
            ("1200000000000.00", "壹万贰仟亿元整"),
        ] {
            assert_eq!(cap(n), want, "{n}");
        }
        assert_eq!(capitals(Money::from_fen(-5010)), "负伍拾元壹角");
    }

    /// Reads capitals back, to check the writer against arithmetic.
    fn read(s: &str) -> i128 {
        let (mut total, mut section, mut number, mut fen) = (0i128, 0i128, 0i128, 0i128);
        let mut sign = 1;
        for c in s.chars() {
            if let Some(d) = DIGITS.iter().position(|x| *x == c) {
                number = d as i128;
                continue;
            }
            match c {
                '负' => sign = -1,
                '拾' => (section, number) = (section + number * 10, 0),
                '佰' => (section, number) = (section + number * 100, 0),
                '仟' => (section, number) = (section + number * 1000, 0),
                '万' => (section, number) = ((section + number) * 10_000, 0),
                '亿' => (total, section, number) = ((total + section + number) * 100_000_000, 0, 0),
                '元' => (total, section, number) = (total + section + number, 0, 0),
                '角' => (fen, number) = (fen + number * 10, 0),
                '分' => (fen, number) = (fen + number, 0),
                '整' => {}
                other => panic!("unexpected {other} in {s}"),
            }
        }
        sign * ((total + section + number) * 100 + fen)
    }

    proptest! {
        #[test]
        fn reads_back_to_the_amount(fen in -10_000_000_000_000i64..i64::MAX) {
            let s = capitals(Money::from_fen(fen));
            prop_assert_eq!(read(&s), fen as i128, "{}", s);
            prop_assert!(!s.contains("零零"), "{}", s);
            prop_assert!(s.ends_with('整') || s.ends_with('分') || s.ends_with('角'), "{}", s);
            prop_assert!(!s.starts_with('零') || s == "零元整", "{}", s);
            prop_assert!(!s.contains("零元") || s == "零元整", "{}", s);
            prop_assert!(!s.contains("零万") && !s.contains("零亿"), "{}", s);
        }

        #[test]
        fn round_yuan_end_in_zheng(yuan in 1i64..10_000_000_000) {
            let s = capitals(Money::from_fen(yuan * 100));
            prop_assert!(s.ends_with("元整"), "{}", s);
        }
    }
}
