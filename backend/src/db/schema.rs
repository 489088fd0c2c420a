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
