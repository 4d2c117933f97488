//! Documents an organisation keeps in its profile (登记证书, 章程, 年报, 评估证书 …): each has a
//! type and may have a last valid day. Until then every bid of the organisation may count it
//! among the call's required documents, so a certificate is uploaded once a year, not per bid.

use chrono::NaiveDate;
use serde::Serialize;

/// How many days before its last valid day a document is shown as expiring soon.
pub const WARNING_DAYS: i64 = 30;
/// Documents one organisation may keep at once (removed ones do not count).
pub const MAX_PER_ORGANISATION: i64 = 50;

/// The usual profile documents, offered first on the upload form (a call may name others).
pub const COMMON: [(&str, &str); 6] = [
    ("registration_certificate", "登记证书"),
    ("charter", "章程"),
    ("annual_report", "上年度年报"),
    ("rating_certificate", "评估等级证书"),
    ("audit_report", "审计报告"),
    ("pledge", "承诺书"),
];

/// The Chinese name of a common type, or the type itself.
pub fn label(kind: &str) -> &str {
    COMMON.iter().find(|(k, _)| *k == kind).map_or(kind, |(_, l)| l)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// No last day, or more than `WARNING_DAYS` away.
    Valid,
    /// Usable, but its last day is at most `WARNING_DAYS` away.
    ExpiresSoon,
    Expired,
}

impl Validity {
    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "有效",
            Self::ExpiresSoon => "即将到期",
            Self::Expired => "已过期",
        }
    }
}

/// The document's validity on `today`: usable through its last valid day.
pub fn validity(valid_until: Option<NaiveDate>, today: NaiveDate) -> Validity {
    match valid_until {
        None => Validity::Valid,
        Some(d) if d < today => Validity::Expired,
        Some(d) if (d - today).num_days() <= WARNING_DAYS => Validity::ExpiresSoon,
        Some(_) => Validity::Valid,
    }
}

/// Whether a bid may count the document on `day`.
pub fn usable_on(valid_until: Option<NaiveDate>, day: NaiveDate) -> bool {
    validity(valid_until, day) != Validity::Expired
}

/// The type must be a key like a call's document types (so the two can match), and a new
/// document must not already have expired.
pub fn check_upload(
    kind: &str,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    if !super::dossier::key_ok(kind) {
        out.push(("type".into(), "invalid_key", "材料类型应为 1–32 位小写字母、数字或下划线，如 charter".into()));
    }
    if valid_until.is_some_and(|d| d < today) {
        out.push(("valid_until".into(), "expired", "有效期已过，请上传在有效期内的材料".into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_document_is_usable_through_its_last_day_and_warned_of_thirty_days_before() {
        let today = d("2027-03-01");
        assert_eq!(validity(None, today), Validity::Valid);
        assert_eq!(validity(Some(d("2027-04-01")), today), Validity::Valid);
        assert_eq!(validity(Some(d("2027-03-31")), today), Validity::ExpiresSoon);
        assert_eq!(validity(Some(d("2027-03-01")), today), Validity::ExpiresSoon);
        assert_eq!(validity(Some(d("2027-02-28")), today), Validity::Expired);
        assert!(usable_on(Some(d("2027-03-01")), today));
        assert!(!usable_on(Some(d("2027-02-28")), today));
        assert!(usable_on(None, d("2099-12-31")));
    }

    #[test]
    fn uploads_need_a_key_type_and_a_date_not_yet_past() {
        let today = d("2027-03-01");
        assert!(check_upload("charter", None, today).is_empty());
        assert!(check_upload("registration_certificate", Some(today), today).is_empty());
        let codes = |v: Vec<(String, &'static str, String)>| v.into_iter().map(|(f, c, _)| (f, c)).collect::<Vec<_>>();
        assert_eq!(codes(check_upload("章程", None, today)), [("type".to_string(), "invalid_key")]);
        assert_eq!(codes(check_upload("", None, today)), [("type".to_string(), "invalid_key")]);
        assert_eq!(
            codes(check_upload("Charter", Some(d("2027-02-28")), today)),
            [("type".to_string(), "invalid_key"), ("valid_until".to_string(), "expired")]
        );
    }

    #[test]
    fn common_types_have_chinese_names() {
        assert_eq!(label("charter"), "章程");
        assert_eq!(label("site_licence"), "site_licence");
        assert!(COMMON.iter().all(|(k, _)| super::super::dossier::key_ok(k)));
    }
}
