//! Submitted form fields as an ordered list: repeated names (checkboxes) and numbered rows
//! (`crit_key_0`, `line_amount_3`) without a type per form.

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
}
