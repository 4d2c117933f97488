//! Whether a queued mail is still true when the worker gets to it. Mail can wait in the queue
//! for hours while the SMTP relay is down; a receipt for a bid the organisation has withdrawn
//! meanwhile would only confuse, so the worker re-checks the bid it is about before sending.

/// `None`: send it. `Some(reason)`: cancel it, with this reason recorded on the row.
pub fn cancel_reason(kind: &str, bid_status: Option<&str>) -> Option<&'static str> {
    let status = bid_status?;
    match kind {
        // The mail that says the bid is withdrawn is the one that stays true.
        "bid_withdrawn" => None,
        "bid_funded" if !matches!(status, "funded") => Some("该申报已不在资助名单中"),
        _ if status == "withdrawn" => Some("该申报已撤回"),
        _ => None,
    }
}

/// What an outbox status means to the admin reading the queue.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "待发送",
        "sent" => "已发送",
        "dead" => "发送失败",
        "cancelled" => "已取消",
        _ => "未知",
    }
}

#[cfg(test)]
mod tests {
    use super::cancel_reason;

    #[test]
    fn mail_about_a_withdrawn_bid_is_cancelled_except_the_withdrawal_itself() {
        assert_eq!(cancel_reason("bid_received", Some("submitted")), None);
        assert_eq!(cancel_reason("bid_received", Some("withdrawn")), Some("该申报已撤回"));
        assert_eq!(cancel_reason("bid_screened", Some("withdrawn")), Some("该申报已撤回"));
        assert_eq!(cancel_reason("bid_withdrawn", Some("withdrawn")), None);
        assert_eq!(cancel_reason("bid_funded", Some("funded")), None);
        assert_eq!(cancel_reason("bid_funded", Some("not_funded")), Some("该申报已不在资助名单中"));
        // Mail not about a bid is sent as queued.
        assert_eq!(cancel_reason("org_verified", None), None);
    }
}

#[test]
fn every_status_reads_in_chinese() {
    for (s, l) in [("pending", "待发送"), ("sent", "已发送"), ("dead", "发送失败"), ("cancelled", "已取消")]
    {
        assert_eq!(status_label(s), l);
    }
}
