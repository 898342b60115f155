use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    simfleet::cli::run().await
}
