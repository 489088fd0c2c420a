//! Verzuim: the absence portal's API server, SPA host and operator CLI as a library, so the
//! tests can build the very same application the binary runs.

pub mod absences;
pub mod accounts;
pub mod arbodienst;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod dossier;
pub mod employers;
pub mod error;
pub mod events;
pub mod operations;
pub mod routes;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod web;
