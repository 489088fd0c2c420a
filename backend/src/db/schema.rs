// Written by hand to match both migration trees; only portable column types.

diesel::table! {
    employers (id) {
        id -> Text,
        name -> Text,
        absence_email -> Text,
        arbodienst_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        employer_id -> Text,
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
        employee_id -> Text,
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
diesel::joinable!(password_resets -> employees (employee_id));
diesel::joinable!(refresh_tokens -> employees (employee_id));
diesel::allow_tables_to_appear_in_same_query!(
    employers,
    employees,
    invitations,
    password_resets,
    refresh_tokens
);

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
