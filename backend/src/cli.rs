//! The command line of the one binary (SPEC §6). Operator commands print JSON on success and a
//! clear message with a non-zero exit on bad input.

use crate::auth::Party;
use clap::{Parser, Subcommand};

use crate::accounts::service_status;
use crate::config::Settings;
use crate::db::Db;
use crate::employers::changes;
use crate::error::ApiError;

#[derive(Debug, Parser)]
#[command(
    name = "verzuim",
    version,
    about = "Verzuim absence portal: API server and operator commands"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the API and the web app (the default).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Print the OpenAPI document as YAML (the source of openapi.yaml).
    Openapi,
    /// Manage employers.
    #[command(subcommand)]
    Employer(EmployerCommand),
    /// Register occupational health services (arbodiensten).
    #[command(subcommand)]
    Arbodienst(ArbodienstCommand),
    /// Manage employer API clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// The service message shown on the login and help pages.
    #[command(subcommand)]
    Status(StatusCommand),
    /// Dossier documents.
    #[command(subcommand)]
    Documents(DocumentsCommand),
}

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// Remove stored files without a document row, and leftover upload staging files, older
    /// than the grace period (the server also does this every hour); prints what it removed.
    Sweep {
        /// Leave files younger than this alone (an upload may be in flight).
        #[arg(long, default_value_t = 60)]
        grace_minutes: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Show a message (a disruption, planned maintenance) to every visitor.
    Set {
        #[arg(long)]
        message: String,
    },
    /// Back to "no known disruptions".
    Clear,
}

#[derive(Debug, Subcommand)]
pub enum EmployerCommand {
    /// Create an employer; prints {"id": …}.
    Create {
        #[arg(long)]
        name: String,
        /// Receives sick and recovery reports.
        #[arg(long)]
        absence_email: String,
        #[arg(long)]
        arbodienst_email: Option<String>,
        /// Link a registered arbodienst (its id, from `verzuim arbodienst create`).
        #[arg(long)]
        arbodienst: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ArbodienstCommand {
    /// Register an arbodienst; prints {"id": …}. Employers link it with `--arbodienst ID` or
    /// `PATCH /employer {arbodienst_id}`.
    Create {
        #[arg(long)]
        name: String,
        /// Receives the absence e-mails of every linked employer.
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create an API client; prints its id and secret (the secret is shown only here).
    #[command(group = clap::ArgGroup::new("party").required(true).args(["employer", "arbodienst"]))]
    Create {
        /// The employer the client belongs to.
        #[arg(long)]
        employer: Option<String>,
        /// The arbodienst the client belongs to: it acts for every employer linked to it.
        #[arg(long)]
        arbodienst: Option<String>,
        #[arg(long)]
        name: String,
        /// Space-separated scopes; when left out all scopes (an employer's client) or
        /// `employees:read absences:read documents:read documents:write poortwachter:write`
        /// (an arbodienst's client, which may hold no more).
        #[arg(long)]
        scopes: Option<String>,
    },
    /// Replace a client's secret; the old secret and its tokens stop working at once.
    RotateSecret { client_id: String },
    /// Revoke a client; its tokens stop working at once.
    Revoke { client_id: String },
}

/// Why an operator command failed, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0:#}")]
    Failed(anyhow::Error),
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Validation(errors) => CliError::Invalid(
                errors
                    .iter()
                    .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ApiError::Internal(cause) => CliError::Failed(cause),
            other => CliError::Failed(anyhow::anyhow!(other.problem().detail)),
        }
    }
}

/// Runs an operator command (everything but `serve` and `openapi`) and returns its JSON output.
pub fn run_admin(command: Command, settings: &Settings) -> Result<serde_json::Value, CliError> {
    let db = Db::new(&settings.database);
    db.migrate()?;
    let output = match command {
        Command::Serve | Command::Openapi => {
            return Err(CliError::Failed(anyhow::anyhow!("not an operator command")))
        }
        Command::Migrate => serde_json::json!({ "migrated": true }),
        Command::Employer(EmployerCommand::Create {
            name,
            absence_email,
            arbodienst_email,
            arbodienst,
        }) => to_json(db.run_blocking(|conn| {
            changes::create_employer(
                conn,
                &name,
                &absence_email,
                arbodienst_email.as_deref(),
                arbodienst.as_deref(),
            )
        })?)?,
        Command::Arbodienst(ArbodienstCommand::Create { name, email }) => to_json(
            db.run_blocking(|conn| crate::arbodienst::changes::create(conn, &name, &email))?,
        )?,
        Command::Client(ClientCommand::Create {
            employer,
            arbodienst,
            name,
            scopes,
        }) => {
            let party = match (employer, arbodienst) {
                (Some(employer_id), None) => Party::Employer(employer_id),
                (None, Some(arbodienst_id)) => Party::Arbodienst(arbodienst_id),
                _ => {
                    return Err(CliError::Invalid(
                        "name either --employer or --arbodienst".into(),
                    ))
                }
            };
            to_json(db.run_blocking(|conn| {
                changes::create_client(conn, &party, &name, scopes.as_deref())
            })?)?
        }
        Command::Client(ClientCommand::RotateSecret { client_id }) => {
            to_json(db.run_blocking(|conn| changes::rotate_secret(conn, &client_id))?)?
        }
        Command::Client(ClientCommand::Revoke { client_id }) => {
            to_json(db.run_blocking(|conn| changes::revoke_client(conn, &client_id))?)?
        }
        Command::Status(StatusCommand::Set { message }) => {
            if message.trim().is_empty() {
                return Err(CliError::Invalid(
                    "--message: must not be empty; use `verzuim status clear` to remove it".into(),
                ));
            }
            to_json(db.run_blocking(|conn| service_status::write(conn, Some(&message)))?)?
        }
        Command::Status(StatusCommand::Clear) => {
            to_json(db.run_blocking(|conn| service_status::write(conn, None))?)?
        }
        Command::Documents(DocumentsCommand::Sweep { grace_minutes }) => {
            let grace = std::time::Duration::from_secs(grace_minutes.saturating_mul(60));
            to_json(
                crate::dossier::sweeper::sweep_once(&db, settings, grace)
                    .map_err(CliError::Failed)?,
            )?
        }
    };
    Ok(output)
}

fn to_json(value: impl serde::Serialize) -> Result<serde_json::Value, CliError> {
    serde_json::to_value(value).map_err(|e| CliError::Failed(e.into()))
}
