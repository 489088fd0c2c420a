//! Black-box API tests. Every rule runs twice, on SQLite and on PostgreSQL.

mod accounts;
mod employees;
mod employer;
mod errors;
mod mail;
mod migrations;
mod oauth;
mod openapi;
mod operations;
