//! Submitted form fields as an ordered list: repeated names (checkboxes) and numbered rows
//! (`crit_key_0`, `line_amount_3`) without a type per form.

use crate::error::{Code, Problems};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, k: &str) -> String {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
    }
    pub fn get_n(&self, prefix: &str, n: impl std::fmt::Display) -> String {
        self.get(&format!("{prefix}{n}"))
    }
    pub fn has(&self, k: &str, v: &str) -> bool {
        self.0.iter().any(|(n, x)| n == k && x == v)
    }
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect()
    }
    pub fn set(&mut self, k: &str, v: impl Into<String>) {
        let v = v.into();
        match self.0.iter_mut().find(|(n, _)| n == k) {
            Some(e) => e.1 = v,
            None => self.0.push((k.to_string(), v)),
        }
    }
    pub fn push(&mut self, k: &str, v: impl Into<String>) {
        self.0.push((k.to_string(), v.into()));
    }
    pub fn opt(&self, k: &str) -> Option<String> {
        let v = self.get(k);
        (!v.trim().is_empty()).then_some(v)
    }
    /// A `datetime-local` value read as Beijing time, as RFC 3339.
    pub fn local_datetime(&self, k: &str) -> String {
        let v = self.get(k);
        match v.len() {
            16 => format!("{v}:00+08:00"),
            19 => format!("{v}+08:00"),
            _ => v,
        }
    }
    /// Builds a service input with `f`, which reads numbers through the problems it is given;
    /// any bad number refuses the form (422) with every such field marked.
    pub fn read<T>(&self, f: impl FnOnce(&Fields, &mut Problems) -> T) -> Result<T, crate::error::AppError> {
        let mut p = Problems::default();
        let v = f(self, &mut p);
        p.finish().map(|()| v)
    }
    /// A whole number: empty is `None`; anything else that is not one is recorded in `p`, so
    /// the form comes back with the field marked instead of the value silently becoming 0.
    pub fn number<T: std::str::FromStr>(&self, k: &str, p: &mut Problems) -> Option<T> {
        let v = self.get(k);
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        let n = v.parse().ok();
        if n.is_none() {
            p.add(k, Code::NotANumber.as_str(), Code::NotANumber.message());
        }
        n
    }
    /// A list of whole numbers separated by commas (either width); one bad part marks the field.
    pub fn numbers<T: std::str::FromStr>(&self, k: &str, p: &mut Problems) -> Option<Vec<T>> {
        let v = self.opt(k)?;
        let parts: Option<Vec<T>> = v.split([',', '，']).map(|x| x.trim().parse().ok()).collect();
        if parts.is_none() {
            p.add(k, Code::NotANumber.as_str(), "请填写以逗号分隔的整数");
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        Fields(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn numbers_are_read_or_the_field_is_marked() {
        let f = form(&[
            ("year", " 2026 "),
            ("top_n", "abc"),
            ("empty", " "),
            ("tranches", "30, 40，30"),
            ("bad", "30,abc,70"),
        ]);
        let mut p = Problems::default();
        assert_eq!(f.number::<i32>("year", &mut p), Some(2026));
        assert_eq!(f.number::<i32>("empty", &mut p), None);
        assert_eq!(f.number::<i32>("missing", &mut p), None);
        assert!(p.is_empty());
        assert_eq!(f.numbers::<u32>("tranches", &mut p), Some(vec![30, 40, 30]));
        assert_eq!(f.number::<u32>("top_n", &mut p), None);
        assert_eq!(f.numbers::<u32>("bad", &mut p), None);
        let fields: Vec<_> = p.0.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("top_n", "not_a_number"), ("bad", "not_a_number")]);
    }
}
