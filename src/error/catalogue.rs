//! Every error code a client can meet at the top of DESIGN.md's error shape, with its HTTP
//! status and the Chinese message shown when the call site has nothing more specific to say.
//! `GET /api/v1/openapi.json` lists this table (`components.schemas.ErrorCode`). Field-level
//! codes inside `errors[]` come from the domain rules (`text`, `money`, `budget`, …) and are
//! always under a 422.

use super::AppError;
use actix_web::http::StatusCode;

macro_rules! catalogue {
    ($($v:ident = $code:literal / $status:ident / $msg:literal,)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($v),+ }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$v => $code),+ }
            }
            pub fn status(self) -> StatusCode {
                match self { $(Code::$v => StatusCode::$status),+ }
            }
            /// What the code means, in Chinese, when nothing more specific is said.
            pub fn message(self) -> &'static str {
                match self { $(Code::$v => $msg),+ }
            }
        }
    };
}

catalogue! {
    AffiliationsFrozen = "affiliations_frozen" / CONFLICT / "该专家已被抽取参加尚未结束的评审，关联机构在该批次项目确定前不能修改",
    AlreadyAnswered = "already_answered" / CONFLICT / "该异议已答复",
    AlreadyDecided = "already_decided" / CONFLICT / "资助结果已确定",
    AlreadyFinal = "already_final" / CONFLICT / "已确定立项",
    AlreadyPublished = "already_published" / CONFLICT / "该招标已发布",
    AlreadyScheduled = "already_scheduled" / CONFLICT / "有项目已安排在其他答辩场次",
    BudgetNotRebased = "budget_not_rebased" / CONFLICT / "核定金额低于申请金额：签约前社会组织须按核定金额调整预算（项目优化）",
    BudgetLocked = "budget_locked" / CONFLICT / "协议签订后预算不能直接修改，请提交项目变更申请",
    NoSuchVersion = "no_such_version" / NOT_FOUND / "没有这个预算版本",
    AlreadySigned = "already_signed" / CONFLICT / "协议签订已登记",
    AlreadySubmitted = "already_submitted" / CONFLICT / "该申报已提交",
    AlreadyTerminated = "already_terminated" / CONFLICT / "项目已终止",
    BadBody = "bad_body" / BAD_REQUEST / "请求内容读取失败",
    BadCredentials = "bad_credentials" / UNAUTHORIZED / "用户名或密码错误",
    BadForm = "bad_form" / BAD_REQUEST / "表单内容无法识别",
    BadMultipart = "bad_multipart" / BAD_REQUEST / "上传内容无法解析",
    BidLimitReached = "bid_limit_reached" / CONFLICT / "已达到本次招标每个组织的申报数量上限",
    BidsSealed = "bids_sealed" / CONFLICT / "申报截止前，申报材料仅申报单位可见",
    Busy = "busy" / CONFLICT / "系统繁忙，请重试",
    CallFrozen = "call_frozen" / CONFLICT / "招标已发布，规则已冻结，不能修改",
    CallNotClosed = "call_not_closed" / CONFLICT / "申报截止后才能进行此操作",
    CalendarMissing = "calendar_missing" / CONFLICT / "该年度的工作日历尚未导入",
    CallNotOpen = "call_not_open" / CONFLICT / "尚未到申报开始时间",
    ClosesNotLater = "closes_not_later" / CONFLICT / "截止时间已被修改，请刷新",
    CorrectionOverdue = "correction_overdue" / CONFLICT / "补正期限已过",
    CrossSite = "cross_site" / FORBIDDEN / "拒绝来自其他网站的请求",
    Csrf = "csrf" / FORBIDDEN / "页面已过期或来源不明，请返回刷新后重试",
    DeadlinePassed = "deadline_passed" / CONFLICT / "申报已截止",
    DistrictStaffOnly = "district_staff_only" / FORBIDDEN / "此操作仅限区级工作人员",
    Debarred = "debarred" / CONFLICT / "贵单位在禁止申报期内，不能提交申报",
    Duplicate = "duplicate" / CONFLICT / "该记录已存在",
    DuplicateLogin = "duplicate_login" / CONFLICT / "该用户名已被使用",
    DuplicateUscc = "duplicate_uscc" / CONFLICT / "该统一社会信用代码已注册",
    ExceedsTranche = "exceeds_tranche" / CONFLICT / "付款将超过该批次金额或项目核定金额",
    BelowCommitted = "below_committed" / CONFLICT / "专项资金金额不能低于已发布招标占用的金额",
    Forbidden = "forbidden" / FORBIDDEN / "您的角色无权进行此操作",
    FundExceeded = "fund_exceeded" / CONFLICT / "资金余额不足",
    FundExists = "fund_exists" / CONFLICT / "该地区本年度的资金已设立",
    FundPublished = "fund_published" / CONFLICT / "奖励已公布，不能再修改",
    OtherFund = "other_fund" / FORBIDDEN / "镇街工作人员只能操作本镇街专项资金及其招标",
    Internal = "internal" / INTERNAL_SERVER_ERROR / "服务器内部错误，请稍后再试",
    Invalid = "invalid" / UNPROCESSABLE_ENTITY / "提交的内容不符合要求",
    InvalidQuery = "invalid_query" / BAD_REQUEST / "查询参数不正确",
    InvalidType = "invalid_type" / BAD_REQUEST / "字段的类型不正确",
    MalformedJson = "malformed_json" / BAD_REQUEST / "请求内容不是有效的 JSON",
    MissingField = "missing_field" / BAD_REQUEST / "缺少必填字段",
    NoAwards = "no_awards" / CONFLICT / "还没有任何奖励，不能公布",
    NoEligibleBids = "no_eligible_bids" / CONFLICT / "没有通过资格审查的项目",
    NotANumber = "not_a_number" / UNPROCESSABLE_ENTITY / "请填写整数",
    NoShortlist = "no_shortlist" / CONFLICT / "请先确定进入该阶段的入围名单",
    NoSuchEndpoint = "no_such_endpoint" / NOT_FOUND / "没有这个接口",
    NoTranche = "no_tranche" / CONFLICT / "该节点不对应拨付批次",
    NotAccepted = "not_accepted" / CONFLICT / "请先确认与该项目无利益冲突",
    NotEditable = "not_editable" / CONFLICT / "申报当前状态不能修改",
    NotEnoughReviewers = "not_enough_reviewers" / CONFLICT / "无利益冲突的评审专家不足",
    NotFound = "not_found" / NOT_FOUND / "未找到，或您无权查看",
    NotLoggedIn = "not_logged_in" / UNAUTHORIZED / "请先登录",
    NotPublished = "not_published" / CONFLICT / "招标尚未发布，请直接修改草稿",
    NotPublishedYet = "not_published_yet" / NOT_FOUND / "评审结果公示发布后才公开数据",
    NotPayable = "not_payable" / CONFLICT / "本项目在结项评估核验合格后一次拨付，现在还不能拨付",
    NotReportable = "not_reportable" / CONFLICT / "该节点不能再上传材料",
    NotReported = "not_reported" / CONFLICT / "该节点尚未报告或已核验",
    NotSubmitted = "not_submitted" / CONFLICT / "该评分尚未提交",
    NotSuspended = "not_suspended" / CONFLICT / "只有评估不合格、拨付暂停的项目才能整改",
    NotWithdrawable = "not_withdrawable" / CONFLICT / "申报当前状态不能撤回",
    NoticeClosed = "notice_closed" / CONFLICT / "公示期已结束，不再受理异议",
    NoticeRunning = "notice_running" / CONFLICT / "公示期尚未结束，不能确定立项",
    ObjectionsPending = "objections_pending" / CONFLICT / "尚有未答复的异议：请在评审结果公示页逐条答复后再确定立项",
    OneFile = "one_file" / BAD_REQUEST / "每次只能上传一个文件",
    OrgNotVerified = "org_not_verified" / FORBIDDEN / "贵单位尚未通过民政部门审核，暂不能提交申报",
    OrgSuspended = "organisation_suspended" / CONFLICT / "贵单位已被暂停申报，恢复后方可提交申报",
    OrgUser = "org_user" / CONFLICT / "社会组织用户的账号由其组织管理，不能在此修改",
    PasswordChangeRequired = "password_change_required" / FORBIDDEN / "请先修改临时密码",
    PoolExhausted = "pool_exhausted" / CONFLICT / "资金池余额不足",
    ProjectSuspended = "project_suspended" / CONFLICT / "项目评估不合格，拨付已暂停",
    ProjectCompleted = "project_completed" / CONFLICT / "项目已结项",
    AlreadyAssigned = "already_assigned" / CONFLICT / "该评估人员已受托评估本项目",
    BadTransition = "bad_transition" / CONFLICT / "诉求当前状态不能这样处理",
    NothingToPublish = "nothing_to_publish" / CONFLICT / "没有新的已核验评估结果可公示",
    FinalNotPassed = "final_not_passed" / CONFLICT / "结项评估核验合格后才能申请结项",
    AuditMissing = "audit_missing" / CONFLICT / "本项目须先上传审计报告（附件类型 audit_report）才能申请结项",
    ClosureNotFiled = "closure_not_filed" / CONFLICT / "社会组织尚未提交决算",
    RefundOutstanding = "refund_outstanding" / CONFLICT / "应退回的结余资金尚未登记退回",
    PaymentOutstanding = "payment_outstanding" / CONFLICT / "决算支出超过已拨付金额，请先拨付应付款项",
    ProjectTerminated = "project_terminated" / CONFLICT / "项目已终止，不再拨付",
    RateLimited = "rate_limited" / TOO_MANY_REQUESTS / "尝试次数过多，请稍后再试",
    ResetLinkInvalid = "reset_link_invalid" / CONFLICT / "重置链接无效、已使用或已过期，请重新申请",
    Refused = "refused" / CONFLICT / "操作被拒绝",
    RenewalGradeTooLow = "renewal_grade_too_low" / CONFLICT / "上一期项目评估等次不足以续期",
    RenewalNotAccepted = "renewal_not_accepted" / CONFLICT / "本次招标不接受上一期已资助项目的续期申报",
    RenewalNotEvaluated = "renewal_not_evaluated" / CONFLICT / "上一期项目尚未完成末期评估",
    RepeatFundingRefused = "repeat_funding_refused" / CONFLICT / "本次招标不资助与上一期已资助项目重复的申报",
    ReviewLocked = "review_locked" / CONFLICT / "评分已提交并锁定，如需修改请联系工作人员",
    ScoreAnnounced = "score_announced" / CONFLICT / "该项目的现场评分已全部提交并当场公布，不能再修改",
    ScoresFrozen = "scores_frozen" / CONFLICT / "资助结果已确定，评分已冻结，不能再提交或修改",
    ScreeningClosed = "screening_closed" / CONFLICT / "专家评审已开始，资格审查已结束",
    ShortlistEmpty = "shortlist_empty" / CONFLICT / "按此规则没有项目入围，请调整名额或分数线",
    StageClosed = "stage_closed" / CONFLICT / "该阶段已确定下一阶段的入围名单",
    StageDrawn = "stage_drawn" / CONFLICT / "该阶段已抽取评审专家，入围名单已锁定",
    StageIncomplete = "stage_incomplete" / CONFLICT / "上一阶段评分尚未完成",
    StagesIncomplete = "stages_incomplete" / CONFLICT / "评审阶段尚未完成，不能确定资助结果",
    TooLarge = "too_large" / PAYLOAD_TOO_LARGE / "提交的内容过大",
    TooManyAttachments = "too_many_attachments" / CONFLICT / "附件数量已达上限",
    TooManyDrafts = "too_many_drafts" / CONFLICT / "草稿过多，请先删除或撤回不用的草稿",
    TooManyFields = "too_many_fields" / PAYLOAD_TOO_LARGE / "表单字段过多",
    TrancheNotPayable = "tranche_not_payable" / CONFLICT / "该批次对应的节点尚未核验，不能拨付",
    UnknownDocument = "unknown_document" / NOT_FOUND / "本平台没有发布过这个文件，或文件已被修改",
    UnsupportedMediaType = "unsupported_media_type" / UNSUPPORTED_MEDIA_TYPE / "请求内容的类型不受支持",
    WrongPhase = "wrong_phase" / CONFLICT / "招标当前所处阶段不能进行此操作",
    CatalogueFrozen = "catalogue_frozen" / CONFLICT / "该月积分项目清单已开始执行，不能再修改",
    NoCatalogue = "no_catalogue" / CONFLICT / "该月没有生效的积分项目清单",
    CapReached = "cap_reached" / CONFLICT / "该项目本月的申报次数已达上限",
    FirstReviewPending = "first_review_pending" / CONFLICT / "请先完成初审",
    SameReviewer = "same_reviewer" / CONFLICT / "初审和复审须由不同的人完成",
    NotAtStep = "not_at_step" / CONFLICT / "该积分申报不在此审核环节",
    MonthNotOver = "month_not_over" / CONFLICT / "当月结束后才能张榜公示",
    NothingToPost = "nothing_to_post" / CONFLICT / "该月没有待公示的已通过积分",
    ObjectionWindowClosed = "objection_window_closed" / CONFLICT / "公示异议期已过",
    InsufficientPoints = "insufficient_points" / CONFLICT / "可用积分不足",
    OutOfStock = "out_of_stock" / CONFLICT / "库存不足",
    WrongStatus = "wrong_status" / CONFLICT / "当前状态不能进行此操作，请刷新后重试",
    CommitteeInvalid = "committee_invalid" / CONFLICT / "管理委员会有表决权的委员应不少于 5 人且为单数，并至少有 1 名监督人",
    FundNotActive = "fund_not_active" / CONFLICT / "基金尚未启用，不能接受捐赠或拨付",
    AlreadyActive = "already_active" / CONFLICT / "基金已启用",
    InsufficientBalance = "insufficient_balance" / CONFLICT / "基金可用余额不足",
    ProjectNotRunning = "project_not_running" / CONFLICT / "项目已结项或终止，不能再安排配套资金",
}

impl Code {
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
    /// The error with a message that says more than the catalogue's (which object, which date).
    pub fn says(self, message: impl Into<String>) -> AppError {
        AppError::new(self.status(), self.as_str(), message)
    }
}

impl From<Code> for AppError {
    fn from(c: Code) -> AppError {
        AppError::new(c.status(), c.as_str(), c.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn each_code_once_with_a_client_error_status_and_a_chinese_message() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{} twice", c.as_str());
            assert_eq!(Code::parse(c.as_str()), Some(*c));
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'), "{}", c.as_str());
            assert!(c.status().is_client_error() || *c == Code::Internal, "{}", c.as_str());
            assert!(c.message().chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{}", c.as_str());
        }
    }
}
