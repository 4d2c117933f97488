//! The application dossier (申报书): the sections a call asks for, the documents it requires,
//! and the output indicators (产出指标) a bid commits to. Drafts keep what is typed (too long is
//! refused at once); submitting reports every missing item together.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Section {
    pub key: String,
    pub name: String,
    pub max_chars: u32,
    #[serde(default = "yes")]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentType {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dossier {
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub documents: Vec<DocumentType>,
}

/// One output indicator: `target` a number (decimal string), e.g. 服务人次 1200 人次.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Output {
    pub indicator: String,
    pub target: String,
    #[serde(default)]
    pub unit: String,
}

pub const MAX_OUTPUTS: usize = 20;

/// The standard set (DESIGN-programme §3): seven sections of at most 2,000 characters and four
/// documents, all required.
pub fn standard() -> Dossier {
    let s = |key: &str, name: &str| Section { key: key.into(), name: name.into(), max_chars: 2000, required: true };
    let d = |kind: &str, name: &str| DocumentType { kind: kind.into(), name: name.into(), required: true };
    Dossier {
        sections: vec![
            s("org_profile", "机构简介"),
            s("need", "需求分析"),
            s("goals", "项目目标"),
            s("activities", "活动计划"),
            s("team", "执行团队"),
            s("outcomes", "预期成效"),
            s("sustainability", "风险与可持续"),
        ],
        documents: vec![
            d("registration_certificate", "登记证书"),
            d("charter", "章程"),
            d("annual_report", "上年度年报"),
            d("pledge", "承诺书"),
        ],
    }
}

type Problem = (String, &'static str, String);

pub fn key_ok(k: &str) -> bool {
    (1..=32).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// What is wrong with a call's dossier definition.
pub fn check_definition(d: &Dossier) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, s) in d.sections.iter().enumerate() {
        let f = |p: &str| format!("dossier.sections[{i}].{p}");
        if !key_ok(&s.key) || d.sections[..i].iter().any(|x| x.key == s.key) {
            out.push((f("key"), "invalid_key", "代码应为 1–32 位小写字母、数字或下划线，且不重复".into()));
        }
        if s.name.trim().is_empty() || s.name.chars().count() > 50 {
            out.push((f("name"), "invalid_name", "栏目名称应为 1–50 个字".into()));
        }
        if !(50..=20_000).contains(&s.max_chars) {
            out.push((f("max_chars"), "invalid_max_chars", "字数上限应为 50–20000".into()));
        }
    }
    for (i, t) in d.documents.iter().enumerate() {
        let f = |p: &str| format!("dossier.documents[{i}].{p}");
        if !key_ok(&t.kind) || d.documents[..i].iter().any(|x| x.kind == t.kind) {
            out.push((f("type"), "invalid_key", "代码应为 1–32 位小写字母、数字或下划线，且不重复".into()));
        }
        if t.name.trim().is_empty() || t.name.chars().count() > 50 {
            out.push((f("name"), "invalid_name", "材料名称应为 1–50 个字".into()));
        }
    }
    if d.sections.len() > 30 || d.documents.len() > 30 {
        out.push(("dossier".into(), "too_many", "栏目和材料各最多 30 项".into()));
    }
    out
}

/// What a draft may not keep: a section the call does not ask for, a section over its length,
/// an unreadable output.
pub fn check_draft(d: &Dossier, sections: &BTreeMap<String, String>, outputs: &[Output]) -> Vec<Problem> {
    let mut out = Vec::new();
    for (k, v) in sections {
        match d.sections.iter().find(|s| &s.key == k) {
            None => out.push((format!("sections.{k}"), "unknown_section", "本次招标的申报书没有这一栏目".into())),
            Some(s) if v.chars().count() > s.max_chars as usize => out.push((
                format!("sections.{k}"),
                "too_long",
                format!("{}不能超过 {} 字（现 {} 字）", s.name, s.max_chars, v.chars().count()),
            )),
            Some(_) => {}
        }
    }
    if outputs.len() > MAX_OUTPUTS {
        out.push(("outputs".into(), "too_many", format!("产出指标最多 {MAX_OUTPUTS} 项")));
    }
    for (i, o) in outputs.iter().enumerate() {
        let n = o.indicator.trim().chars().count();
        if n == 0 || n > 100 {
            out.push((format!("outputs[{i}].indicator"), "invalid_indicator", "指标名称应为 1–100 个字".into()));
        }
        match o.target.trim().replace(',', "").parse::<Decimal>() {
            Ok(t) if t >= Decimal::ZERO && t.scale() <= 2 => {}
            _ => out.push((
                format!("outputs[{i}].target"),
                "invalid_target",
                "目标值应为不小于 0 的数，最多两位小数".into(),
            )),
        }
        if o.unit.chars().count() > 20 {
            out.push((format!("outputs[{i}].unit"), "too_long", "单位不能超过 20 字".into()));
        }
    }
    out
}

/// Everything a submission still lacks, one entry each: required sections (`required`), at
/// least one output when the call has a dossier (`required`), required documents among the
/// bid's attachment types (`missing`).
pub fn check_submission(
    d: &Dossier,
    sections: &BTreeMap<String, String>,
    outputs: &[Output],
    attached: &[&str],
) -> Vec<Problem> {
    let mut out = check_draft(d, sections, outputs);
    for s in d.sections.iter().filter(|s| s.required) {
        if sections.get(&s.key).is_none_or(|v| v.trim().is_empty()) {
            out.push((format!("sections.{}", s.key), "required", format!("请填写申报书的“{}”", s.name)));
        }
    }
    if (!d.sections.is_empty() || !d.documents.is_empty()) && outputs.is_empty() {
        out.push(("outputs".into(), "required", "请至少填写一项产出指标".into()));
    }
    for t in d.documents.iter().filter(|t| t.required) {
        if !attached.contains(&t.kind.as_str()) && !attached.contains(&t.name.as_str()) {
            out.push((format!("documents.{}", t.kind), "missing", format!("请上传“{}”", t.name)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(v: Vec<Problem>) -> Vec<(String, &'static str)> {
        v.into_iter().map(|(f, c, _)| (f, c)).collect()
    }

    #[test]
    fn the_standard_set_is_well_formed() {
        let d = standard();
        assert_eq!((d.sections.len(), d.documents.len()), (7, 4));
        assert!(check_definition(&d).is_empty());
        let bad = Dossier {
            sections: vec![Section { key: "Need".into(), name: "".into(), max_chars: 10, required: true }],
            documents: vec![
                DocumentType { kind: "charter".into(), name: "章程".into(), required: true },
                DocumentType { kind: "charter".into(), name: "章程".into(), required: true },
            ],
        };
        assert_eq!(
            codes(check_definition(&bad)),
            [
                ("dossier.sections[0].key".into(), "invalid_key"),
                ("dossier.sections[0].name".into(), "invalid_name"),
                ("dossier.sections[0].max_chars".into(), "invalid_max_chars"),
                ("dossier.documents[1].type".into(), "invalid_key"),
            ]
        );
    }

    #[test]
    fn submitting_reports_every_missing_item_at_once() {
        let d = standard();
        let mut sections = BTreeMap::new();
        sections.insert("need".to_string(), "社区独居老人多".to_string());
        sections.insert("goals".to_string(), "字".repeat(2001));
        let problems = codes(check_submission(&d, &sections, &[], &["charter", "登记证书"]));
        assert!(problems.contains(&("sections.goals".into(), "too_long")));
        assert!(problems.contains(&("sections.org_profile".into(), "required")));
        assert!(!problems.iter().any(|p| p.0 == "sections.need"));
        assert!(problems.contains(&("outputs".into(), "required")));
        assert!(problems.contains(&("documents.annual_report".into(), "missing")));
        assert!(!problems.iter().any(|p| p.0 == "documents.charter" || p.0 == "documents.registration_certificate"));
        // 5 sections missing, 1 too long, outputs, 2 documents.
        assert_eq!(problems.len(), 9, "{problems:?}");
        assert!(check_submission(&Dossier::default(), &BTreeMap::new(), &[], &[]).is_empty(), "no dossier, no demands");
    }

    #[test]
    fn drafts_refuse_only_what_cannot_be_kept() {
        let d = standard();
        let mut sections = BTreeMap::new();
        sections.insert("hobby".to_string(), "x".to_string());
        let outputs = vec![
            Output { indicator: "服务人次".into(), target: "1,200".into(), unit: "人次".into() },
            Output { indicator: " ".into(), target: "很多".into(), unit: String::new() },
        ];
        assert_eq!(
            codes(check_draft(&d, &sections, &outputs)),
            [
                ("sections.hobby".into(), "unknown_section"),
                ("outputs[1].indicator".into(), "invalid_indicator"),
                ("outputs[1].target".into(), "invalid_target"),
            ]
        );
    }
}
