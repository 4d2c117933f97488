//! Administrative divisions (统计用区划代码): the district, its towns/streets, their villages/communities.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    District,
    Town,
    Village,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::District => "district",
            RegionLevel::Town => "town",
            RegionLevel::Village => "village",
        }
    }
    pub fn parse(s: &str) -> Option<RegionLevel> {
        match s {
            "district" => Some(RegionLevel::District),
            "town" => Some(RegionLevel::Town),
            "village" => Some(RegionLevel::Village),
            _ => None,
        }
    }
}

impl RegionCode {
    /// A 12-digit statistical code, or a 6-digit county code (padded to 12 digits).
    pub fn parse(s: &str) -> Option<RegionCode> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match s.len() {
            12 => Some(RegionCode(s.to_string())),
            6 => Some(RegionCode(format!("{s}000000"))),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<RegionCode>,
}

/// A town's part of a 12-digit code (县 6 + 乡 3 digits): every village of a town shares it.
/// The one place the cut is made; shorter codes are their own prefix.
pub fn town_prefix(code: &str) -> &str {
    code.get(..9).unwrap_or(code)
}

/// Whether `code` lies in the town of `town_code` (any code of that town will do).
pub fn in_town(code: &str, town_code: &str) -> bool {
    code.starts_with(town_prefix(town_code))
}

/// A district pool funds any project; a town pool only projects serving that town.
pub fn pool_serves(pool_level: &str, pool_region: &str, served: &str) -> bool {
    pool_level == "district" || in_town(served, pool_region)
}

/// Parses the regions seed (`code,name,level,parent_code`, header first). Every non-district row
/// must name a parent that is in the file and one level up; exactly one district.
pub fn parse_regions_csv(text: &str) -> Result<Vec<Region>, String> {
    let mut out: Vec<Region> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if n == 0 || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        if cols.len() != 4 {
            return Err(format!("第 {} 行应有 4 列", n + 1));
        }
        let code = RegionCode::parse(cols[0]).ok_or(format!("第 {} 行区划代码无效", n + 1))?;
        let level = RegionLevel::parse(cols[2]).ok_or(format!("第 {} 行层级无效", n + 1))?;
        if cols[1].is_empty() {
            return Err(format!("第 {} 行名称为空", n + 1));
        }
        let parent_code = if cols[3].is_empty() {
            None
        } else {
            Some(RegionCode::parse(cols[3]).ok_or(format!("第 {} 行上级代码无效", n + 1))?)
        };
        out.push(Region { code, name: cols[1].to_string(), level, parent_code });
    }
    let districts = out.iter().filter(|r| r.level == RegionLevel::District).count();
    if districts != 1 {
        return Err("区划文件应恰好包含一个区（district）".into());
    }
    for r in &out {
        let want = match r.level {
            RegionLevel::District => continue,
            RegionLevel::Town => RegionLevel::District,
            RegionLevel::Village => RegionLevel::Town,
        };
        let parent = r.parent_code.as_ref().and_then(|p| out.iter().find(|x| &x.code == p));
        if parent.map(|p| p.level) != Some(want) {
            return Err(format!("{}（{}）的上级不在文件中或层级不符", r.name, r.code));
        }
    }
    let mut codes: Vec<&RegionCode> = out.iter().map(|r| &r.code).collect();
    codes.sort();
    if codes.windows(2).any(|w| w[0] == w[1]) {
        return Err("区划代码重复".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_town_pool_serves_only_its_town() {
        assert!(pool_serves("district", "340207000000", "340207102001"));
        assert!(pool_serves("town", "340207102000", "340207102001"));
        assert!(pool_serves("town", "340207102000", "340207102000"));
        assert!(!pool_serves("town", "340207102000", "340207101000"));
        assert!(!pool_serves("town", "340207102000", "340207"), "the district is not inside a town");
    }
    use super::*;

    #[test]
    fn towns_are_the_first_nine_digits() {
        assert_eq!(town_prefix("340207101001"), "340207101");
        assert!(in_town("340207101001", "340207101000"));
        assert!(!in_town("340207102001", "340207101000"));
        assert_eq!(town_prefix("3402"), "3402", "short codes do not panic");
    }

    #[test]
    fn codes_are_six_or_twelve_digits() {
        assert_eq!(RegionCode::parse("340207").unwrap().as_str(), "340207000000");
        assert_eq!(RegionCode::parse("340207101000").unwrap().as_str(), "340207101000");
        assert!(RegionCode::parse("34020710100").is_none());
        assert!(RegionCode::parse("34020710100a").is_none());
        assert!(RegionCode::parse("").is_none());
    }

    #[test]
    fn the_shipped_seed_parses() {
        let text = include_str!("../../migrations/seed/regions.csv");
        let regions = parse_regions_csv(text).unwrap();
        assert_eq!(regions.iter().filter(|r| r.level == RegionLevel::Town).count(), 12);
        assert!(regions.iter().any(|r| r.code.as_str() == "340207101000" && r.name == "沈巷镇"));
        assert!(regions.len() > 100);
    }

    #[test]
    fn refuses_orphans_and_duplicates() {
        let bad =
            "code,name,level,parent_code\n340207000000,鸠江区,district,\n340207101001,某村,village,340207101000\n";
        assert!(parse_regions_csv(bad).is_err());
        let dup = "code,name,level,parent_code\n340207000000,鸠江区,district,\n340207101000,沈巷镇,town,340207000000\n340207101000,沈巷镇,town,340207000000\n";
        assert!(parse_regions_csv(dup).is_err());
        let none = "code,name,level,parent_code\n";
        assert!(parse_regions_csv(none).is_err());
    }
}
