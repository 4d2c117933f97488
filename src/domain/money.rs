//! Money: yuan with exactly two decimals, on `rust_decimal`.
//! Stored as integer fen, shown in JSON as a string ("1000000.00"). Never a float.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// The largest amount we accept: 15 integer digits comfortably fits i64 fen.
const MAX_INTEGER_DIGITS: usize = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a plain decimal number string (e.g. "abc", "1e5", "NaN", " 1").
    Format,
    /// More than two decimals.
    TooPrecise,
    /// Negative where not allowed.
    Negative,
    /// Too large to be an amount we can store.
    Overflow,
}

impl MoneyError {
    pub fn code(self) -> &'static str {
        match self {
            MoneyError::Format => "invalid_amount",
            MoneyError::TooPrecise => "amount_too_precise",
            MoneyError::Negative => "amount_negative",
            MoneyError::Overflow => "amount_too_large",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            MoneyError::Format => "金额格式不正确，应为数字，如 \"10000.00\"",
            MoneyError::TooPrecise => "金额最多保留两位小数（精确到分）",
            MoneyError::Negative => "金额不能为负数",
            MoneyError::Overflow => "金额过大",
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses a non-negative amount in yuan, at most two decimals.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let m = Money::parse_signed(s)?;
        if m.0.is_sign_negative() && !m.0.is_zero() {
            return Err(MoneyError::Negative);
        }
        Ok(m)
    }

    /// Parses an amount that may be negative (adjustments, clawbacks).
    pub fn parse_signed(s: &str) -> Result<Money, MoneyError> {
        let plain = ungroup(s)?;
        let s = plain.as_str();
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::Format);
        }
        if let Some(f) = frac {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(MoneyError::Format);
            }
            if f.len() > 2 {
                // "1.230" is still two decimals of precision; only non-zero digits beyond fen are refused.
                if f[2..].bytes().any(|b| b != b'0') {
                    return Err(MoneyError::TooPrecise);
                }
            }
        }
        if int.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
            return Err(MoneyError::Overflow);
        }
        let d = Decimal::from_str(s).map_err(|_| MoneyError::Format)?;
        Ok(Money::from_decimal_exact(d))
    }

    fn from_decimal_exact(d: Decimal) -> Money {
        let mut d = d.round_dp(2);
        d.rescale(2);
        if d.is_zero() {
            d = Decimal::new(0, 2);
        }
        Money(d)
    }

    /// From a decimal that must already be at fen precision.
    pub fn from_decimal(d: Decimal) -> Result<Money, MoneyError> {
        if d.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        if d.abs() >= Decimal::from(10i64.pow(MAX_INTEGER_DIGITS as u32)) {
            return Err(MoneyError::Overflow);
        }
        Ok(Money::from_decimal_exact(d))
    }

    /// Rounds half-up (away from zero at .5) to the fen; used where a rule says so (tranches).
    pub fn round_half_up(d: Decimal) -> Money {
        Money::from_decimal_exact(d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
    }

    /// For constants (rule limits, non-negative); the same value as `from_fen`.
    pub const fn from_fen_const(fen: i64) -> Money {
        Money(Decimal::from_parts(fen as u32, (fen >> 32) as u32, 0, false, 2))
    }

    pub fn from_fen(fen: i64) -> Money {
        Money::from_decimal_exact(Decimal::new(fen, 2))
    }

    pub fn fen(self) -> i64 {
        // Always representable: parse limits the size to 15 integer digits.
        let mut d = self.0;
        d.rescale(2);
        i64::try_from(d.mantissa()).expect("money fits in i64 fen")
    }

    pub fn yuan(s: i64) -> Money {
        Money::from_fen(s * 100)
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn checked_add(self, o: Money) -> Option<Money> {
        self.fen().checked_add(o.fen()).map(Money::from_fen)
    }

    pub fn checked_sub(self, o: Money) -> Option<Money> {
        self.fen().checked_sub(o.fen()).map(Money::from_fen)
    }

    /// "1,000,000.00": for documents and pages.
    pub fn grouped(self) -> String {
        let s = self.to_string();
        let (sign, rest) = match s.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", s.as_str()),
        };
        let (int, frac) = rest.split_once('.').unwrap_or((rest, "00"));
        let mut out = String::with_capacity(s.len() + int.len() / 3);
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        format!("{sign}{out}.{frac}")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// JSON input: only a string is an amount; a number is a type error (400), a badly formed or
/// over-precise string a rule violation the caller reports as 422 (see `AmountInput`).
impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Money::parse(&s).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

/// In the OpenAPI document an amount is a string of yuan with two decimals.
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]{1,15}\.[0-9]{2}$"))
            .description(Some("金额（元），两位小数的字符串"))
            .examples([serde_json::json!("1000000.00")])
            .into()
    }
}

impl utoipa::ToSchema for Money {}

/// `100,000.00` as people write it (and as every page prints it) → `100000.00`. Commas must
/// group the integer part by threes, so `1,00,000` is refused rather than guessed.
fn ungroup(s: &str) -> Result<String, MoneyError> {
    if !s.contains(',') {
        return Ok(s.to_string());
    }
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let groups: Vec<&str> = int.split(',').collect();
    let well_grouped = (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
    if !well_grouped {
        return Err(MoneyError::Format);
    }
    Ok(format!("{sign}{}{}", groups.concat(), frac.map(|f| format!(".{f}")).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_plain_amounts() {
        assert_eq!(Money::parse("1000000").unwrap().to_string(), "1000000.00");
        assert_eq!(Money::parse("1000000.5").unwrap().to_string(), "1000000.50");
        assert_eq!(Money::parse("0.01").unwrap().fen(), 1);
        assert_eq!(Money::parse("20000.00").unwrap().fen(), 2_000_000);
        assert_eq!(Money::parse("1.230").unwrap().to_string(), "1.23");
        assert_eq!(Money::parse("0").unwrap().to_string(), "0.00");
        assert_eq!(Money::parse("-0").unwrap().to_string(), "0.00");
    }

    #[test]
    fn reads_amounts_grouped_by_thousands() {
        assert_eq!(Money::parse("100,000.00").unwrap().fen(), 10_000_000);
        assert_eq!(Money::parse("1,234,567.89").unwrap().to_string(), "1234567.89");
        assert_eq!(Money::parse("999").unwrap().to_string(), "999.00");
        assert_eq!(Money::parse_signed("-12,345").unwrap().to_string(), "-12345.00");
        for s in ["1,00,000", ",100", "100,", "1,0000.00", "1,,000", "12345,678", "1,000.0,0"] {
            assert!(Money::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for s in [
            "",
            " 1",
            "1 ",
            "abc",
            "NaN",
            "nan",
            "inf",
            "Infinity",
            "1e5",
            "1E5",
            "+1",
            "1.",
            ".5",
            "1,00",
            "１００",
            "0x10",
            "1.2.3",
            "--1",
            "-",
        ] {
            assert_eq!(Money::parse(s), Err(MoneyError::Format), "{s:?}");
        }
        assert_eq!(Money::parse("1.001"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("-1.00"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("9999999999999999"), Err(MoneyError::Overflow));
        assert!(Money::parse("999999999999999.99").is_ok());
        assert_eq!(Money::parse_signed("-5.5").unwrap().fen(), -550);
    }

    #[test]
    fn json_is_a_string_never_a_number() {
        let m = Money::parse("1234.5").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"1234.50\"");
        assert!(serde_json::from_str::<Money>("1234.5").is_err());
        assert_eq!(serde_json::from_str::<Money>("\"1234.5\"").unwrap(), m);
        assert!(serde_json::from_str::<Money>("\"1.234\"").is_err());
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(Money::parse("1000000").unwrap().grouped(), "1,000,000.00");
        assert_eq!(Money::parse("999.9").unwrap().grouped(), "999.90");
        assert_eq!(Money::parse("1000").unwrap().grouped(), "1,000.00");
        assert_eq!(Money::parse_signed("-12345.6").unwrap().grouped(), "-12,345.60");
    }

    #[test]
    fn rounds_half_up_to_the_fen() {
        let d = Decimal::from_str("0.005").unwrap();
        assert_eq!(Money::round_half_up(d).to_string(), "0.01");
        let d = Decimal::from_str("0.0049").unwrap();
        assert_eq!(Money::round_half_up(d).to_string(), "0.00");
        assert_eq!(Money::from_decimal(Decimal::from_str("1.005").unwrap()), Err(MoneyError::TooPrecise));
    }

    proptest! {
        #[test]
        fn fen_round_trips(fen in 0i64..=99_999_999_999_999_999) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(m.fen(), fen);
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }

        #[test]
        fn never_panics_on_any_string(s in "\\PC{0,24}") {
            let _ = Money::parse(&s);
            let _ = Money::parse_signed(&s);
        }

        #[test]
        fn addition_matches_fen_arithmetic(a in 0i64..1_000_000_000_000, b in 0i64..1_000_000_000_000) {
            let s = Money::from_fen(a).checked_add(Money::from_fen(b)).unwrap();
            prop_assert_eq!(s.fen(), a + b);
        }
    }
}
