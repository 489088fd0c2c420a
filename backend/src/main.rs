use std::process::ExitCode;

use clap::Parser;
use verzuim::cli::{run_admin, Cli, CliError, Command};
use verzuim::config::Settings;
use verzuim::startup::Application;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        return match verzuim::routes::document_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("cannot render the OpenAPI document: {e:#}")),
        };
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => return fail(&format!("invalid setting {e}")),
    };
    match command {
        Command::Serve => serve(settings),
        admin => match run_admin(admin, &settings) {
            Ok(output) => {
                println!("{output}");
                ExitCode::SUCCESS
            }
            Err(CliError::Invalid(message)) => {
                eprintln!("verzuim: {message}");
                ExitCode::from(2)
            }
            Err(CliError::Failed(cause)) => fail(&format!("{cause:#}")),
        },
    }
}

fn serve(settings: Settings) -> ExitCode {
    if let Err(e) = verzuim::telemetry::init(&settings.log_filter) {
        return fail(&format!("{e:#}"));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async move {
        let bind = settings.bind.clone();
        let app = Application::build(settings).await?;
        tracing::info!(address = %bind, port = app.port(), "verzuim is listening");
        app.run_until_stopped().await?;
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "verzuim stopped");
            fail(&format!("{e:#}"))
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("verzuim: {message}");
    ExitCode::FAILURE
}
