//! What each field of a refused form is called on its page, so an error reads "项目名称：此项不能为空"
//! and "预算明细第 2 行 · 金额" rather than `title` or `budget_lines[1].amount`; and the form input
//! an error belongs beside.

/// The label of a plain field, as the forms print it.
fn plain(field: &str) -> Option<&'static str> {
    Some(match field {
        "title" => "项目名称",
        "summary" => "项目简介",
        "pool_id" => "申报资金池",
        "category" => "项目类别",
        "service_region_code" => "服务区域",
        "beneficiaries" | "beneficiary_kind" => "受益对象",
        "beneficiary_count" => "受益人数",
        "start_date" => "项目开始日期",
        "end_date" => "项目结束日期",
        "requested_amount" => "申请金额",
        "matching_funds" => "配套资金",
        "budget_lines" => "预算明细",
        "milestones" => "进度安排",
        "renewal_of" => "续期项目",
        "login" => "用户名",
        "password" => "密码",
        "current" => "当前密码",
        "new" => "新密码",
        "confirm" => "再次输入新密码",
        "display_name" => "姓名",
        "email" => "邮箱",
        "name" => "名称",
        "uscc" => "统一社会信用代码",
        "uscc_override_reason" => "人工确认理由",
        "org_type" => "组织类型",
        "registered_on" => "登记日期",
        "region_code" => "所属区划",
        "contact_name" => "联系人",
        "contact_phone" => "联系电话",
        "role" => "角色",
        "affiliations" => "关联机构",
        "year" => "年度",
        "opens_at" => "申报开始时间",
        "closes_at" => "申报截止时间",
        "project_start" => "项目开始日期",
        "project_end" => "项目结束日期",
        "min_grant" => "单个项目最低资助额",
        "max_grant" => "单个项目最高资助额",
        "max_bids_per_org" => "每个组织最多申报数",
        "score_threshold" => "资助分数线",
        "notice_days" => "公示天数",
        "tranches" => "拨付比例",
        "fund_source" | "source" => "资金来源",
        "announcement" => "公告正文",
        "reference_prefix" => "编号前缀",
        "repeat_funding" => "往年项目",
        "amount" => "金额",
        "paid_on" => "拨付日期",
        "reference" => "凭证号",
        "signed_on" => "签订日期",
        "due_date" => "完成日期",
        "grade" => "评估等级",
        "text" => "内容",
        "approved_amount" => "核定金额",
        "citation" => "推荐理由",
        "held_on" => "会议日期",
        "place" | "venue" => "地点",
        "date" => "日期",
        "reviewers_per_bid" => "每个项目的评审专家人数",
        "file" => "文件",
        "outcome" => "审查结论",
        "outputs" => "产出指标",
        "kind" => "类型",
        "result" => "结论或情况",
        "since" => "起始日期",
        "until" => "截止日期",
        "reason" => "理由",
        "note" => "依据",
        _ => return None,
    })
}

fn row_part(part: &str) -> &'static str {
    match part {
        "category" => "科目",
        "item" => "明细",
        "quantity" => "数量",
        "unit_price" => "单价",
        "amount" => "金额",
        "note" => "说明",
        "title" => "节点名称",
        "due_date" => "完成日期",
        "deliverable" => "成果",
        "budget" => "预算",
        "region_code" => "区划",
        "name" => "名称",
        "score" => "分数",
        "comment" => "评语",
        "weight" => "权重",
        "indicator" => "指标",
        "target" => "目标值",
        "unit" => "单位",
        _ => "",
    }
}

/// `budget_lines[1].amount` → ("budget_lines", 1, "amount").
fn row(field: &str) -> Option<(&str, usize, &str)> {
    let (list, rest) = field.split_once('[')?;
    let (n, part) = rest.split_once(']')?;
    Some((list, n.parse().ok()?, part.trim_start_matches('.')))
}

/// The words a person reads for `field`, rows counted from 1; `None` for a field no form shows.
pub fn label(field: &str) -> Option<String> {
    if let Some(c) = field.strip_prefix("actual_").and_then(crate::domain::budget::BudgetCategory::parse) {
        return Some(format!("累计支出 · {}", c.label()));
    }
    if let Some((list, n, part)) = row(field) {
        let what = match list {
            "budget_lines" => "预算明细",
            "milestones" => "进度安排",
            "pools" => "资金池",
            "categories" => "项目类别",
            "criteria" => "评分标准",
            "stages" => "评审阶段",
            "scores" => "评分",
            "outputs" => "产出指标",
            _ => return None,
        };
        let part = row_part(part);
        return Some(if part.is_empty() {
            format!("{what}第 {} 行", n + 1)
        } else {
            format!("{what}第 {} 行 · {part}", n + 1)
        });
    }
    plain(field).map(str::to_string)
}

/// The message as a person reads it: prefixed with the field's label unless it already names it.
pub fn message(field: &str, message: &str) -> String {
    match label(field) {
        Some(l) if !message.starts_with(&l) => format!("{l}：{message}"),
        _ => message.to_string(),
    }
}

/// The bid form's input for a service field: `budget_lines[1].amount` → `line_amount_1`,
/// `milestones[0].due_date` → `ms_due_0`; other fields keep their name.
pub fn bid_input(field: &str) -> String {
    match row(field) {
        Some(("budget_lines", n, part)) => format!("line_{part}_{n}"),
        Some(("milestones", n, "due_date")) => format!("ms_due_{n}"),
        Some(("milestones", n, part)) => format!("ms_{part}_{n}"),
        Some(("outputs", n, part)) => format!("out_{part}_{n}"),
        _ if field.starts_with("beneficiaries") => "beneficiary_kind".into(),
        _ if field.starts_with("sections.") => format!("sec_{}", &field["sections.".len()..]),
        _ if field.starts_with("outputs") => "out_indicator_0".into(),
        _ => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_from_one_in_words() {
        assert_eq!(label("budget_lines[1].amount").as_deref(), Some("预算明细第 2 行 · 金额"));
        assert_eq!(label("milestones[0].due_date").as_deref(), Some("进度安排第 1 行 · 完成日期"));
        assert_eq!(label("pools[2]").as_deref(), Some("资金池第 3 行"));
        assert_eq!(label("title").as_deref(), Some("项目名称"));
        assert_eq!(label("no_such_field"), None);
        assert_eq!(label("budget_lines[x].amount"), None);
    }

    #[test]
    fn messages_name_their_field_once() {
        assert_eq!(message("title", "此项不能为空"), "项目名称：此项不能为空");
        assert_eq!(message("login", "用户名为 3–32 位"), "用户名为 3–32 位");
        assert_eq!(message("whatever", "格式不正确"), "格式不正确");
    }

    #[test]
    fn errors_find_their_inputs() {
        assert_eq!(bid_input("budget_lines[1].amount"), "line_amount_1");
        assert_eq!(bid_input("budget_lines[0].unit_price"), "line_unit_price_0");
        assert_eq!(bid_input("milestones[2].due_date"), "ms_due_2");
        assert_eq!(bid_input("milestones[2].title"), "ms_title_2");
        assert_eq!(bid_input("summary"), "summary");
    }
}
