//! The emails state changes cause. Queued in the caller's transaction; the worker sends them.
//! Plain-text Chinese. Mail to an address nobody has confirmed yet carries no user-supplied text.

use super::Ctx;
use crate::db::{self, DbConn};
use crate::error::AppResult;

pub struct Mail {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
}

const SIGNATURE: &str = "\n\n——\n公益创投管理平台（本邮件由系统自动发送，请勿直接回复）";

pub fn queue(conn: &mut DbConn, ctx: &Ctx, m: Mail) -> AppResult<i64> {
    let body = format!("{}{SIGNATURE}", m.body);
    Ok(db::outbox::enqueue(conn, m.kind, &m.to, &m.subject, &body, crate::clock::db_time(ctx.now))?)
}

pub fn org_registration_received(to: &str) -> Mail {
    Mail {
        kind: "org_registration_received",
        to: to.into(),
        subject: "社会组织注册申请已收到".into(),
        body: "您好：\n\n您提交的社会组织注册申请已收到，民政部门工作人员将核验登记信息。\
               核验结果将通过邮件通知您，您也可以登录平台查看状态。\n\n\
               如非本人操作，请忽略本邮件。"
            .into(),
    }
}

pub fn org_verified(to: &str, org_name: &str) -> Mail {
    Mail {
        kind: "org_verified",
        to: to.into(),
        subject: "社会组织注册已通过审核".into(),
        body: format!("{org_name}：\n\n贵单位的注册信息已通过民政部门审核，现在可以登录平台参与公益创投项目申报。"),
    }
}

pub fn org_rejected(to: &str, org_name: &str, reason: &str) -> Mail {
    Mail {
        kind: "org_rejected",
        to: to.into(),
        subject: "社会组织注册未通过审核".into(),
        body: format!("{org_name}：\n\n贵单位的注册信息未通过审核。\n原因：{reason}\n\n请核对登记信息后联系民政部门。"),
    }
}
