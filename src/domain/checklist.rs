//! A call's screening checklist (资格审查清单): the items a screener ticks for each bid, some
//! mandatory. A bid is found eligible only with every mandatory item ok.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    /// Lowercase letters, digits and `_`, unique in the call.
    pub key: String,
    pub name: String,
    /// Eligible only when this item is ok (default true).
    #[serde(default = "yes")]
    pub mandatory: bool,
}

fn yes() -> bool {
    true
}

/// A screener's tick for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Answer {
    pub key: String,
    pub ok: bool,
    #[serde(default)]
    pub note: String,
}

pub const MAX_ITEMS: usize = 30;

/// What is wrong with a call's checklist: (field, code, message) each.
pub fn check_items(items: &[Item]) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    if items.len() > MAX_ITEMS {
        out.push(("screening_checklist".into(), "too_many", format!("审查清单最多 {MAX_ITEMS} 项")));
    }
    for (i, it) in items.iter().enumerate() {
        let f = |part: &str| format!("screening_checklist[{i}].{part}");
        let key_ok = (1..=32).contains(&it.key.len())
            && it.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            out.push((f("key"), "invalid_key", "代码应为 1–32 位小写字母、数字或下划线".into()));
        } else if items[..i].iter().any(|x| x.key == it.key) {
            out.push((f("key"), "duplicate_key", "代码重复".into()));
        }
        let n = it.name.trim().chars().count();
        if n == 0 || n > 100 {
            out.push((f("name"), "invalid_name", "审查事项应为 1–100 个字".into()));
        }
    }
    out
}

/// What is wrong with a screener's ticks against the call's items: every item answered once,
/// no foreign key, and for `eligible` every mandatory item ok. (field, code, message) each;
/// `checklist_incomplete` for a mandatory item not ok.
pub fn check_answers(items: &[Item], answers: &[Answer], eligible: bool) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    for a in answers {
        if !items.iter().any(|i| i.key == a.key) {
            out.push((format!("checklist.{}", a.key), "unknown_item", "审查清单中没有这一项".into()));
        }
        if a.note.chars().count() > 500 {
            out.push((format!("checklist.{}", a.key), "too_long", "说明不能超过 500 字".into()));
        }
    }
    for it in items {
        let mine: Vec<&Answer> = answers.iter().filter(|a| a.key == it.key).collect();
        match mine.as_slice() {
            [] => out.push((format!("checklist.{}", it.key), "required", format!("请审查“{}”", it.name))),
            [a] if eligible && it.mandatory && !a.ok => out.push((
                format!("checklist.{}", it.key),
                "checklist_incomplete",
                format!("必审事项“{}”未通过，不能认定资格审查通过", it.name),
            )),
            [_] => {}
            _ => out.push((format!("checklist.{}", it.key), "duplicate_key", format!("“{}”重复填写", it.name))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, mandatory: bool) -> Item {
        Item { key: key.into(), name: format!("事项{key}"), mandatory }
    }
    fn ans(key: &str, ok: bool) -> Answer {
        Answer { key: key.into(), ok, note: String::new() }
    }
    fn codes(v: Vec<(String, &'static str, String)>) -> Vec<(String, &'static str)> {
        v.into_iter().map(|(f, c, _)| (f, c)).collect()
    }

    #[test]
    fn a_checklist_is_well_formed() {
        assert!(check_items(&[item("licence", true), item("charter", false)]).is_empty());
        let bad = [
            item("Licence", true),
            item("charter", true),
            item("charter", true),
            Item { key: "x".into(), name: " ".into(), mandatory: true },
        ];
        assert_eq!(
            codes(check_items(&bad)),
            [
                ("screening_checklist[0].key".into(), "invalid_key"),
                ("screening_checklist[2].key".into(), "duplicate_key"),
                ("screening_checklist[3].name".into(), "invalid_name")
            ]
        );
        let many: Vec<Item> = (0..31).map(|i| item(&format!("k{i}"), true)).collect();
        assert_eq!(codes(check_items(&many)), [("screening_checklist".into(), "too_many")]);
    }

    #[test]
    fn eligible_needs_every_mandatory_item_ok() {
        let items = [item("licence", true), item("report", false)];
        assert!(
            check_answers(&items, &[ans("licence", true), ans("report", false)], true).is_empty(),
            "an optional item may fail"
        );
        assert_eq!(
            codes(check_answers(&items, &[ans("licence", false), ans("report", true)], true)),
            [("checklist.licence".into(), "checklist_incomplete")]
        );
        assert!(
            check_answers(&items, &[ans("licence", false), ans("report", true)], false).is_empty(),
            "ineligible may record failures"
        );
        assert_eq!(
            codes(check_answers(&items, &[ans("licence", true), ans("other", true)], true)),
            [("checklist.other".into(), "unknown_item"), ("checklist.report".into(), "required")]
        );
        assert_eq!(
            codes(check_answers(&items, &[ans("licence", true), ans("licence", true), ans("report", true)], true)),
            [("checklist.licence".into(), "duplicate_key")]
        );
        assert!(check_answers(&[], &[], true).is_empty(), "a call without a checklist asks nothing");
    }
}
