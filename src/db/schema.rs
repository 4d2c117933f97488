// Written by hand for both backends: ids and money are BigInt, instants Timestamp (UTC).

diesel::table! {
    meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
    }
}

diesel::table! {
    organisations (id) {
        id -> BigInt,
        uscc -> Text,
        uscc_override_reason -> Nullable<Text>,
        name -> Text,
        org_type -> Text,
        registered_on -> Date,
        region_code -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        email -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        login -> Text,
        password_hash -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        role -> Text,
        region_code -> Nullable<Text>,
        organisation_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        must_change_password -> Bool,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reviewer_affiliations (user_id, uscc) {
        user_id -> BigInt,
        uscc -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        key -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        bid_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(reviewer_affiliations -> users (user_id));

diesel::table! {
    calls (id) {
        id -> BigInt,
        year -> Integer,
        title -> Text,
        announcement -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        notice_days -> Integer,
        notice_working_days -> Bool,
        project_start -> Date,
        project_end -> Date,
        min_grant -> BigInt,
        max_grant -> BigInt,
        max_bids_per_org -> Integer,
        score_threshold -> BigInt,
        personnel_pct -> Nullable<Integer>,
        admin_pct -> Nullable<Integer>,
        forbidden_categories -> Text,
        tranches -> Text,
        fund_source -> Text,
        reference_prefix -> Text,
        status -> Text,
        next_seq -> BigInt,
        cloned_from -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    pools (id) {
        id -> BigInt,
        call_id -> BigInt,
        level -> Text,
        region_code -> Text,
        name -> Text,
        budget -> BigInt,
        reserved -> BigInt,
        fund_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    funds (id) {
        id -> BigInt,
        year -> Integer,
        region_code -> Text,
        level -> Text,
        name -> Text,
        amount -> BigInt,
        source -> Text,
        committed -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        loaded_by -> BigInt,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        year -> Integer,
        kind -> Text,
        name -> Text,
    }
}

diesel::table! {
    criteria (id) {
        id -> BigInt,
        call_id -> BigInt,
        position -> Integer,
        key -> Text,
        name -> Text,
        weight -> Integer,
        max_score -> BigInt,
        stage -> Integer,
    }
}

diesel::table! {
    call_categories (id) {
        id -> BigInt,
        call_id -> BigInt,
        position -> Integer,
        key -> Text,
        name -> Text,
        max_projects -> Nullable<Integer>,
        max_amount -> Nullable<BigInt>,
        scope -> Text,
    }
}

diesel::table! {
    call_stages (id) {
        id -> BigInt,
        call_id -> BigInt,
        position -> Integer,
        key -> Text,
        name -> Text,
        weight -> Integer,
        kind -> Text,
    }
}

diesel::table! {
    call_scoring (call_id) {
        call_id -> BigInt,
        repeat_rule -> Text,
        bonus_name -> Nullable<Text>,
        bonus_unit -> Nullable<BigInt>,
        bonus_step -> Nullable<BigInt>,
        bonus_cap -> Nullable<BigInt>,
        eligibility -> Nullable<Text>,
        screening_checklist -> Nullable<Text>,
        dossier -> Nullable<Text>,
        aftercare -> Nullable<Text>,
        topics -> Nullable<Text>,
    }
}

diesel::table! {
    bid_checklist (bid_id, key) {
        bid_id -> BigInt,
        key -> Text,
        ok -> Bool,
        note -> Text,
    }
}

diesel::joinable!(bid_checklist -> bids (bid_id));

diesel::table! {
    organisation_standing (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        kind -> Text,
        year -> Nullable<Integer>,
        result -> Text,
        since -> Nullable<Date>,
        until -> Nullable<Date>,
        note -> Text,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(organisation_standing -> organisations (organisation_id));

diesel::table! {
    organisation_documents (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        kind -> Text,
        original_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        valid_until -> Nullable<Date>,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(organisation_documents -> organisations (organisation_id));

diesel::table! {
    shortlists (call_id, stage, bid_id) {
        call_id -> BigInt,
        stage -> Integer,
        bid_id -> BigInt,
        rank -> Integer,
        score -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    defence_sessions (id) {
        id -> BigInt,
        call_id -> BigInt,
        stage -> Integer,
        venue -> Text,
        day -> Date,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    defence_slots (id) {
        id -> BigInt,
        session_id -> BigInt,
        call_id -> BigInt,
        stage -> Integer,
        bid_id -> BigInt,
        position -> Integer,
        starts -> Text,
    }
}

diesel::table! {
    bids (id) {
        id -> BigInt,
        call_id -> BigInt,
        pool_id -> BigInt,
        organisation_id -> BigInt,
        category -> Nullable<Text>,
        title -> Text,
        summary -> Text,
        service_region_code -> Nullable<Text>,
        beneficiary_kind -> Text,
        beneficiary_count -> Integer,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        requested -> BigInt,
        matching -> BigInt,
        status -> Text,
        seq -> Nullable<BigInt>,
        reference -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        withdrawn_at -> Nullable<Timestamp>,
        screening_note -> Nullable<Text>,
        correction_items -> Nullable<Text>,
        correction_due -> Nullable<Date>,
        screened_by -> Nullable<BigInt>,
        screened_at -> Nullable<Timestamp>,
        approved -> Nullable<BigInt>,
        finance_note -> Nullable<Text>,
        finance_by -> Nullable<BigInt>,
        finance_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        topic_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    bid_dossier (bid_id) {
        bid_id -> BigInt,
        sections -> Text,
        outputs -> Text,
    }
}

diesel::joinable!(bid_dossier -> bids (bid_id));

diesel::table! {
    bid_repeats (bid_id) {
        bid_id -> BigInt,
        renewal_of -> Nullable<BigInt>,
        repeat_of -> Nullable<BigInt>,
    }
}

diesel::table! {
    budget_lines (id) {
        id -> BigInt,
        bid_id -> BigInt,
        position -> Integer,
        category -> Text,
        item -> Text,
        quantity -> Nullable<Text>,
        unit_price -> Nullable<BigInt>,
        amount -> BigInt,
        note -> Text,
    }
}

diesel::table! {
    bid_milestones (id) {
        id -> BigInt,
        bid_id -> BigInt,
        position -> Integer,
        title -> Text,
        due_date -> Date,
        deliverable -> Text,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        bid_id -> BigInt,
        kind -> Text,
        original_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        milestone_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    reviewer_draws (id) {
        id -> BigInt,
        call_id -> BigInt,
        seed -> Text,
        reviewers_per_bid -> Integer,
        reason -> Nullable<Text>,
        due_on -> Nullable<Date>,
        active -> Bool,
        created_by -> BigInt,
        created_at -> Timestamp,
        stage -> Integer,
    }
}

diesel::table! {
    assignments (id) {
        id -> BigInt,
        draw_id -> BigInt,
        call_id -> BigInt,
        bid_id -> BigInt,
        reviewer_id -> BigInt,
        status -> Text,
        replacement_no -> Integer,
        conflict_reason -> Nullable<Text>,
        comment -> Text,
        created_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        reminded_before_at -> Nullable<Timestamp>,
        reminded_after_at -> Nullable<Timestamp>,
        total -> Nullable<Text>,
        first_score -> Nullable<BigInt>,
        stage -> Integer,
    }
}

diesel::table! {
    review_scores (assignment_id, criterion) {
        assignment_id -> BigInt,
        criterion -> Text,
        score -> BigInt,
        comment -> Text,
    }
}

diesel::table! {
    allocation_overrides (call_id, bid_id) {
        call_id -> BigInt,
        bid_id -> BigInt,
        fund -> Bool,
        reason -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notices (id) {
        id -> BigInt,
        call_id -> BigInt,
        title -> Text,
        published_at -> Timestamp,
        published_by -> BigInt,
        ends_on -> Date,
        days -> Integer,
        working_days -> Bool,
    }
}

diesel::table! {
    objections (id) {
        id -> BigInt,
        notice_id -> BigInt,
        bid_id -> BigInt,
        name -> Text,
        contact -> Text,
        text -> Text,
        ip -> Text,
        status -> Text,
        reply -> Nullable<Text>,
        cancel_funding -> Nullable<Bool>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        call_id -> BigInt,
        bid_id -> BigInt,
        organisation_id -> BigInt,
        agreement_no -> Text,
        approved -> BigInt,
        paid -> BigInt,
        status -> Text,
        signed_on -> Nullable<Date>,
        created_at -> Timestamp,
        clawback -> BigInt,
        ended_at -> Nullable<Timestamp>,
        end_note -> Nullable<Text>,
        welfare_matching -> BigInt,
    }
}

diesel::table! {
    evaluation_scores (milestone_id) {
        milestone_id -> BigInt,
        scores -> Text,
        total -> BigInt,
        scored_by -> BigInt,
        scored_at -> Timestamp,
        site_visit -> Nullable<Text>,
    }
}

diesel::table! {
    project_changes (id) {
        id -> BigInt,
        project_id -> BigInt,
        kind -> Text,
        description -> Text,
        budget_lines -> Nullable<Text>,
        new_end_date -> Nullable<Date>,
        moved -> BigInt,
        needs_finance -> Bool,
        status -> Text,
        staff_note -> Nullable<Text>,
        staff_by -> Nullable<BigInt>,
        staff_at -> Nullable<Timestamp>,
        finance_note -> Nullable<Text>,
        finance_by -> Nullable<BigInt>,
        finance_at -> Nullable<Timestamp>,
        budget_version -> Nullable<Integer>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(project_changes -> projects (project_id));

diesel::table! {
    topics (id) {
        id -> BigInt,
        year -> Integer,
        title -> Text,
        description -> Text,
        region_code -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    demands (id) {
        id -> BigInt,
        region_code -> Text,
        channel -> Text,
        category -> Text,
        body -> Text,
        reporter_name -> Nullable<Text>,
        reporter_contact -> Nullable<Text>,
        status -> Text,
        topic_id -> Nullable<BigInt>,
        escalated_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    demand_events (id) {
        id -> BigInt,
        demand_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        note -> Text,
        by_user -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    project_evaluators (project_id, user_id) {
        project_id -> BigInt,
        user_id -> BigInt,
        assigned_by -> BigInt,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_notices (id) {
        id -> BigInt,
        call_id -> BigInt,
        kind -> Text,
        seq -> Integer,
        title -> Text,
        entries -> Text,
        ends_on -> Date,
        published_by -> BigInt,
        published_at -> Timestamp,
    }
}

diesel::table! {
    project_budgets (project_id, version) {
        project_id -> BigInt,
        version -> Integer,
        lines -> Text,
        total -> BigInt,
        reason -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(project_budgets -> projects (project_id));

diesel::table! {
    project_closures (project_id) {
        project_id -> BigInt,
        final_accounts -> Text,
        spent -> BigInt,
        note -> Text,
        filed_by -> BigInt,
        filed_at -> Timestamp,
        refunded -> BigInt,
        refund_reference -> Nullable<Text>,
        refunded_on -> Nullable<Date>,
        released -> BigInt,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(project_closures -> projects (project_id));

diesel::table! {
    project_tranches (id) {
        id -> BigInt,
        project_id -> BigInt,
        seq -> Integer,
        pct -> Integer,
        amount -> BigInt,
        paid -> BigInt,
    }
}

diesel::table! {
    project_milestones (id) {
        id -> BigInt,
        project_id -> BigInt,
        seq -> Integer,
        kind -> Text,
        title -> Text,
        due_date -> Date,
        tranche_seq -> Nullable<Integer>,
        status -> Text,
        report_text -> Nullable<Text>,
        reported_at -> Nullable<Timestamp>,
        grade -> Nullable<Text>,
        note -> Nullable<Text>,
        verified_by -> Nullable<BigInt>,
        verified_at -> Nullable<Timestamp>,
        overdue_notified_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    milestone_actuals (milestone_id, category) {
        milestone_id -> BigInt,
        category -> Text,
        amount -> BigInt,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        project_id -> BigInt,
        milestone_id -> BigInt,
        tranche_seq -> Integer,
        amount -> BigInt,
        paid_on -> Date,
        reference -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        kind -> Text,
        entity_id -> BigInt,
        title -> Text,
        sha256 -> Text,
        size -> BigInt,
        published_at -> Timestamp,
        current -> Bool,
        audit_head -> Text,
    }
}

diesel::joinable!(assignments -> bids (bid_id));
diesel::joinable!(review_scores -> assignments (assignment_id));
diesel::joinable!(attachments -> bids (bid_id));
diesel::joinable!(pools -> calls (call_id));
diesel::joinable!(criteria -> calls (call_id));
diesel::joinable!(call_categories -> calls (call_id));
diesel::joinable!(bids -> calls (call_id));
diesel::joinable!(bids -> pools (pool_id));
diesel::joinable!(pools -> funds (fund_id));
diesel::joinable!(funds -> regions (region_code));
diesel::joinable!(bids -> organisations (organisation_id));
diesel::joinable!(defence_slots -> defence_sessions (session_id));
diesel::joinable!(defence_slots -> bids (bid_id));
diesel::joinable!(shortlists -> bids (bid_id));
diesel::joinable!(budget_lines -> bids (bid_id));
diesel::joinable!(bid_milestones -> bids (bid_id));

diesel::table! {
    award_funds (id) {
        id -> BigInt,
        year -> Integer,
        budget -> BigInt,
        awarded -> BigInt,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    awards (id) {
        id -> BigInt,
        fund_id -> BigInt,
        region_code -> Text,
        title -> Text,
        citation -> Text,
        amount -> BigInt,
        repeat_reason -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    promotion_meetings (id) {
        id -> BigInt,
        year -> Integer,
        held_on -> Date,
        place -> Text,
        host_region_code -> Text,
        agenda -> Text,
        attendees -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_showcases (meeting_id) {
        meeting_id -> BigInt,
        award_id -> Nullable<BigInt>,
        project_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    call_amendments (id) {
        id -> BigInt,
        call_id -> BigInt,
        no -> Integer,
        kind -> Text,
        body -> Text,
        old_closes_at -> Nullable<Timestamp>,
        new_closes_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(awards -> award_funds (fund_id));
diesel::joinable!(awards -> regions (region_code));
diesel::joinable!(points_ledger -> points_participants (participant_id));
diesel::joinable!(points_objections -> points_postings (posting_id));

diesel::table! {
    points_participants (id) {
        id -> BigInt,
        region_code -> Text,
        name -> Text,
        phone -> Nullable<Text>,
        kind -> Text,
        tags -> Text,
        spent -> BigInt,
        active -> Bool,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_settings (region_code) {
        region_code -> Text,
        claim_days -> Integer,
        objection_days -> Integer,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_catalogues (id) {
        id -> BigInt,
        region_code -> Text,
        month -> Text,
        version -> Integer,
        items -> Text,
        note -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_postings (id) {
        id -> BigInt,
        region_code -> Text,
        month -> Text,
        posted_on -> Date,
        objection_until -> Date,
        spendable_from -> Date,
        claims -> Integer,
        points -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_claims (id) {
        id -> BigInt,
        participant_id -> BigInt,
        region_code -> Text,
        catalogue_id -> BigInt,
        item_code -> Text,
        item_name -> Text,
        category -> Text,
        points -> Integer,
        activity_date -> Date,
        note -> Text,
        status -> Text,
        first_by -> Nullable<BigInt>,
        first_at -> Nullable<Timestamp>,
        first_note -> Nullable<Text>,
        second_by -> Nullable<BigInt>,
        second_at -> Nullable<Timestamp>,
        second_note -> Nullable<Text>,
        posting_id -> Nullable<BigInt>,
        filed_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_objections (id) {
        id -> BigInt,
        posting_id -> BigInt,
        claim_id -> Nullable<BigInt>,
        body -> Text,
        contact -> Nullable<Text>,
        status -> Text,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_store_items (id) {
        id -> BigInt,
        region_code -> Text,
        name -> Text,
        points_price -> Integer,
        stock -> Integer,
        active -> Bool,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_exchanges (id) {
        id -> BigInt,
        participant_id -> BigInt,
        code -> Text,
        points -> BigInt,
        lines -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    points_ledger (id) {
        id -> BigInt,
        participant_id -> BigInt,
        delta -> BigInt,
        kind -> Text,
        claim_id -> Nullable<BigInt>,
        exchange_id -> Nullable<BigInt>,
        available_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    welfare_funds (id) {
        id -> BigInt,
        name -> Text,
        region_code -> Text,
        host_name -> Text,
        host_uscc -> Text,
        host_certificate_no -> Text,
        host_certificate_until -> Date,
        purpose -> Text,
        receipt_prefix -> Text,
        status -> Text,
        last_receipt -> BigInt,
        activated_on -> Nullable<Date>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    welfare_committee_members (id) {
        id -> BigInt,
        fund_id -> BigInt,
        position -> Integer,
        name -> Text,
        role -> Text,
    }
}

diesel::table! {
    welfare_plans (fund_id, year) {
        fund_id -> BigInt,
        year -> Integer,
        target -> BigInt,
        channels -> Text,
        note -> Text,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    welfare_campaigns (id) {
        id -> BigInt,
        fund_id -> BigInt,
        title -> Text,
        filing_no -> Text,
        filed_on -> Date,
        starts_on -> Date,
        ends_on -> Date,
        target -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    welfare_donations (id) {
        id -> BigInt,
        fund_id -> BigInt,
        seq -> BigInt,
        receipt_no -> Text,
        campaign_id -> Nullable<BigInt>,
        donor_name -> Text,
        donor_kind -> Text,
        anonymous -> Bool,
        amount -> BigInt,
        received_on -> Date,
        channel -> Text,
        in_kind_items -> Nullable<Text>,
        valuation_basis -> Nullable<Text>,
        restricted_to -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    welfare_pots (fund_id, restriction) {
        fund_id -> BigInt,
        restriction -> Text,
        received -> BigInt,
        granted -> BigInt,
    }
}

diesel::table! {
    welfare_grants (id) {
        id -> BigInt,
        fund_id -> BigInt,
        target -> Text,
        project_id -> Nullable<BigInt>,
        amount -> BigInt,
        restriction -> Text,
        purpose -> Text,
        minutes_ref -> Text,
        decided_on -> Date,
        votes_for -> Nullable<Integer>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    welfare_disclosures (id) {
        id -> BigInt,
        fund_id -> BigInt,
        period_from -> Date,
        period_to -> Date,
        received -> BigInt,
        granted -> BigInt,
        balance -> BigInt,
        sha256 -> Text,
        published_by -> BigInt,
        published_at -> Timestamp,
    }
}

diesel::joinable!(welfare_donations -> welfare_campaigns (campaign_id));
diesel::joinable!(welfare_grants -> projects (project_id));

diesel::allow_tables_to_appear_in_same_query!(
    meta,
    points_participants,
    points_settings,
    points_catalogues,
    points_postings,
    points_claims,
    points_objections,
    points_store_items,
    points_exchanges,
    points_ledger,
    bid_dossier,
    bid_checklist,
    organisation_standing,
    organisation_documents,
    project_closures,
    project_budgets,
    project_changes,
    evaluation_scores,
    project_evaluators,
    evaluation_notices,
    topics,
    demands,
    demand_events,
    funds,
    calendar_years,
    calendar_days,
    regions,
    organisations,
    users,
    reviewer_affiliations,
    sessions,
    password_resets,
    login_failures,
    audit_log,
    outbox,
    calls,
    pools,
    criteria,
    call_categories,
    bids,
    budget_lines,
    bid_milestones,
    attachments,
    reviewer_draws,
    assignments,
    review_scores,
    allocation_overrides,
    notices,
    objections,
    projects,
    project_tranches,
    documents,
    project_milestones,
    milestone_actuals,
    payments,
    award_funds,
    awards,
    promotion_meetings,
    meeting_showcases,
    call_amendments,
    call_stages,
    call_scoring,
    shortlists,
    defence_sessions,
    defence_slots,
    bid_repeats,
    welfare_funds,
    welfare_committee_members,
    welfare_plans,
    welfare_campaigns,
    welfare_donations,
    welfare_pots,
    welfare_grants,
    welfare_disclosures,
);
