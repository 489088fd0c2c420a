//! Black-box API tests. Every rule runs twice, on SQLite and on PostgreSQL.

mod employer;
mod errors;
mod migrations;
mod oauth;
mod openapi;
mod operations;
