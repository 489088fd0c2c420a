// Written by hand to match both migration trees; only portable column types.

diesel::table! {
    employers (id) {
        id -> Text,
        name -> Text,
        absence_email -> Text,
        arbodienst_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        mfa_required -> Bool,
        notification_language -> Text,
        arbodienst_id -> Nullable<Text>,
    }
}

diesel::table! {
    arbodiensten (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(employers -> arbodiensten (arbodienst_id));
diesel::allow_tables_to_appear_in_same_query!(employers, arbodiensten);

diesel::table! {
    api_clients (id) {
        id -> Text,
        employer_id -> Nullable<Text>,
        arbodienst_id -> Nullable<Text>,
        name -> Text,
        scopes -> Text,
        secret_hash -> Text,
        token_generation -> Integer,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(api_clients -> employers (employer_id));
diesel::allow_tables_to_appear_in_same_query!(employers, api_clients);

diesel::table! {
    employees (id) {
        id -> Text,
        employer_id -> Text,
        external_id -> Nullable<Text>,
        email -> Text,
        email_normalised -> Text,
        first_name -> Text,
        last_name -> Text,
        date_of_birth -> Date,
        language -> Text,
        notify_new_documents -> Bool,
        password_hash -> Nullable<Text>,
        activated_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        login_id -> Nullable<Text>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        employee_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        failed_checks -> Integer,
        used_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        login_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        employee_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (email_normalised) {
        email_normalised -> Text,
        failed_count -> Integer,
        blocked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        reserved_count -> Integer,
        reserved_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    service_status (id) {
        id -> Integer,
        message -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(employees -> employers (employer_id));
diesel::joinable!(invitations -> employees (employee_id));
diesel::joinable!(refresh_tokens -> employees (employee_id));
diesel::allow_tables_to_appear_in_same_query!(
    employers,
    employees,
    invitations,
    password_resets,
    refresh_tokens,
    logins,
    recovery_codes,
    mfa_challenges,
    email_changes,
    passkeys,
    webauthn_ceremonies,
    session_step_ups
);

diesel::table! {
    logins (id) {
        id -> Text,
        email_normalised -> Text,
        password_hash -> Text,
        totp_secret -> Nullable<Binary>,
        totp_confirmed_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        login_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mfa_challenges (id) {
        id -> Text,
        login_id -> Text,
        employee_id -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_changes (id) {
        id -> Text,
        employee_id -> Text,
        login_id -> Text,
        new_email -> Text,
        new_email_normalised -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(employees -> logins (login_id));
diesel::allow_tables_to_appear_in_same_query!(logins, login_attempts);
diesel::joinable!(password_resets -> logins (login_id));
diesel::joinable!(recovery_codes -> logins (login_id));
diesel::joinable!(mfa_challenges -> logins (login_id));
diesel::joinable!(email_changes -> employees (employee_id));

diesel::table! {
    passkeys (id) {
        id -> Text,
        login_id -> Text,
        credential_id -> Text,
        name -> Text,
        credential -> Text,
        last_used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webauthn_ceremonies (id) {
        id -> Text,
        purpose -> Text,
        login_id -> Nullable<Text>,
        employee_id -> Nullable<Text>,
        session_id -> Nullable<Text>,
        mfa_challenge_id -> Nullable<Text>,
        state -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    session_step_ups (session_id) {
        session_id -> Text,
        stepped_up_at -> Timestamp,
    }
}

diesel::joinable!(passkeys -> logins (login_id));

diesel::table! {
    outbox (id) {
        id -> BigInt,
        delivery_id -> Text,
        channel -> Text,
        kind -> Text,
        payload -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    absences (id) {
        id -> Text,
        employer_id -> Text,
        employee_id -> Text,
        first_sick_day -> Date,
        recovered_on -> Nullable<Date>,
        status -> Text,
        linked_to -> Nullable<Text>,
        counting_from -> Date,
        hours_worked_quarters -> Nullable<Integer>,
        phone -> Nullable<Text>,
        care_address -> Nullable<Text>,
        expected_duration -> Nullable<Text>,
        safety_net -> Nullable<Bool>,
        occupational_accident -> Nullable<Bool>,
        third_party_accident -> Nullable<Bool>,
        reported_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    absence_partial_recoveries (id) {
        id -> Text,
        absence_id -> Text,
        from_date -> Date,
        percentage -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    absence_corrections (id) {
        id -> Text,
        absence_id -> Text,
        field -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(absences -> employees (employee_id));
diesel::joinable!(absence_partial_recoveries -> absences (absence_id));
diesel::joinable!(absence_corrections -> absences (absence_id));
diesel::allow_tables_to_appear_in_same_query!(
    absences,
    absence_partial_recoveries,
    absence_corrections,
    employees
);
diesel::allow_tables_to_appear_in_same_query!(absences, employers);

diesel::table! {
    absence_steps (absence_id, step_key) {
        absence_id -> Text,
        step_key -> Text,
        done_on -> Date,
        note -> Nullable<Text>,
        recorded_by_type -> Text,
        recorded_by_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    overdue_steps (absence_id, step_key) {
        absence_id -> Text,
        step_key -> Text,
        due_on -> Date,
        raised_at -> Timestamp,
    }
}

diesel::joinable!(absence_steps -> absences (absence_id));
diesel::joinable!(overdue_steps -> absences (absence_id));
diesel::allow_tables_to_appear_in_same_query!(absences, absence_steps, overdue_steps);

diesel::table! {
    events (id) {
        id -> BigInt,
        event_id -> Text,
        employer_id -> Text,
        kind -> Text,
        data -> Text,
        created_at -> Timestamp,
        arbodienst_id -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(events, employers);

diesel::table! {
    webhooks (id) {
        id -> Text,
        employer_id -> Nullable<Text>,
        url -> Text,
        events -> Text,
        secret -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        arbodienst_id -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        webhook_id -> Text,
        delivery_id -> Text,
        event_id -> Text,
        event_type -> Text,
        attempt -> Integer,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
        succeeded -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        employer_id -> Text,
        actor_type -> Text,
        actor_id -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        at -> Timestamp,
        employee_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (client_id, idempotency_key) {
        client_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> Timestamp,
        required_scope -> Nullable<Text>,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        employer_id -> Text,
        employee_id -> Text,
        absence_id -> Nullable<Text>,
        title -> Text,
        category -> Text,
        document_date -> Date,
        visible_to_employee -> Bool,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        file_name -> Text,
        storage_key -> Text,
        published_by_role -> Text,
        published_by_client_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        response_requested -> Bool,
    }
}

diesel::table! {
    document_responses (id) {
        id -> Text,
        document_id -> Text,
        employer_id -> Text,
        employee_id -> Text,
        agreement -> Text,
        own_view -> Nullable<Text>,
        document_sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(document_responses -> documents (document_id));
diesel::allow_tables_to_appear_in_same_query!(documents, document_responses);

diesel::table! {
    dossier_contacts (id) {
        id -> Text,
        employer_id -> Text,
        employee_id -> Nullable<Text>,
        role -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}
