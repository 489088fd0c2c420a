//! Black-box API tests. Every rule runs twice, on SQLite and on PostgreSQL.

mod absences;
mod access_log;
mod accounts;
mod arbodienst;
mod arbodienst_clients;
mod audit;
mod cached_reads;
mod documents;
mod employees;
mod employer;
mod errors;
mod events_feed;
mod idempotency;
mod logins;
mod mail;
mod migrations;
mod oauth;
mod openapi;
mod operations;
mod passkeys;
mod poortwachter;
mod resilience;
mod security;
mod webhooks;
