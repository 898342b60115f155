//! The command line: serving, migrating, and the operator's onboarding tools.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::authz::OperatorPermit;
use crate::config::Settings;
use crate::domain::Msisdn;
use crate::services::companies::{CompanyInput, add_staff, create};
use crate::services::{UseCaseError, catalogue, demo, lines, users};
use crate::startup::Application;
use crate::store::{Db, companies};
use crate::web::i18n::Lang;

#[derive(Parser)]
#[command(
    name = "simfleet",
    version,
    about = "Corporate mobile-line management cabinet"
)]
pub struct Cli {
    /// A TOML settings file (default: ./simfleet.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the cabinet.
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Create a demo company in the database, print how to log in, and serve.
    Demo {
        /// How many lines the demo company has.
        #[arg(long, default_value_t = 550)]
        lines: usize,
        /// Create the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Companies (operator side).
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Lines (operator side).
    #[command(subcommand)]
    Line(LineCommand),
    /// The tariff and service catalogue.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Operator staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// A person's account, in every company.
    #[command(subcommand)]
    User(UserCommand),
    /// Imports (operator side).
    #[command(subcommand)]
    Import(ImportCommand),
    /// One change over many lines of a company: prints the preview, then runs it and tells
    /// its progress.
    Bulk(BulkArgs),
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("lines").required(true).multiple(false))]
struct BulkArgs {
    /// The company's INN (or INN/KPP when several share the INN).
    #[arg(long)]
    company: String,
    /// enable_service, disable_service, change_tariff, suspend, resume, set_limit,
    /// remove_limit or reassign.
    #[arg(long)]
    action: String,
    /// A service code (enable_service, disable_service).
    #[arg(long)]
    service: Option<String>,
    /// A tariff code (change_tariff).
    #[arg(long)]
    tariff: Option<String>,
    /// Why (suspend).
    #[arg(long)]
    reason: Option<String>,
    /// The monthly limit in roubles (set_limit).
    #[arg(long)]
    amount: Option<String>,
    /// bar or employee_pays (set_limit; default: what each line does now).
    #[arg(long)]
    on_limit: Option<String>,
    /// The department to move the lines to, by name or id (reassign; none: out of every one).
    #[arg(long)]
    to_department: Option<String>,
    /// The lines' own cost centre (reassign).
    #[arg(long)]
    cost_centre: Option<String>,
    /// The lines: the numbers of a list file (XLSX, XLSM, XLS, ODS or CSV)…
    #[arg(long, group = "lines")]
    file: Option<PathBuf>,
    /// The list file's column with each line's own value, by letter or number (`B`, `2`): the
    /// tariff (code or name), limit amount or department (name or path) of that line.
    #[arg(long, requires = "file")]
    value_column: Option<String>,
    /// …or departments by name or id, with those under them (repeat for several)…
    #[arg(long, group = "lines")]
    department: Vec<String>,
    /// …or every line of the company.
    #[arg(long, group = "lines")]
    all: bool,
    /// Only show what would change.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A roster file: prints what it changes and its problems, then applies it all at once
    /// (nothing if it has problems, unless `--skip-errors`).
    Roster {
        file: PathBuf,
        /// The company's INN (or INN/KPP when several share the INN).
        #[arg(long)]
        company: String,
        /// The sheet (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Also remove employees the file does not have.
        #[arg(long)]
        sync: bool,
        /// Apply the rows without problems and leave the others (removes nobody).
        #[arg(long)]
        skip_errors: bool,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Disable the account: no sign-in anywhere, its sessions end at once.
    Disable {
        #[arg(long)]
        number: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        number: String,
    },
    /// Erase the personal data of someone who belongs to no company any more (152-ФЗ); the
    /// audit log, which names people only by id, is left as it is.
    Erase {
        #[arg(long)]
        number: String,
    },
}

#[derive(Subcommand)]
enum CompanyCommand {
    /// Onboard a company with its administrator's number.
    Create(CompanyArgs),
}

#[derive(Args)]
struct CompanyArgs {
    #[arg(long)]
    inn: String,
    #[arg(long)]
    kpp: String,
    /// Legal name, e.g. "ООО «Ромашка»".
    #[arg(long)]
    name: String,
    /// Region code from the catalogue, e.g. 77.
    #[arg(long)]
    region: String,
    #[arg(long)]
    admin_number: String,
    /// The administrator's password (generated and printed once if omitted).
    #[arg(long)]
    password: Option<String>,
    #[arg(long, default_value = "")]
    ogrn: String,
    #[arg(long, default_value = "")]
    address: String,
    #[arg(long, default_value = "")]
    contract: String,
    #[arg(long, default_value = "")]
    email: String,
    #[arg(long, default_value = "")]
    admin_name: String,
}

#[derive(Subcommand)]
enum LineCommand {
    /// Add numbers to a company.
    Add(LineAddArgs),
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("source").required(true).multiple(false))]
struct LineAddArgs {
    /// The company's INN (or INN/KPP when several share the INN).
    #[arg(long)]
    company: String,
    #[arg(long, group = "source")]
    number: Option<String>,
    /// FIRST-LAST, e.g. +79160000000-+79160000099.
    #[arg(long, group = "source")]
    range: Option<String>,
    /// A text or CSV file with one number per line.
    #[arg(long, group = "source")]
    file: Option<PathBuf>,
    /// Tariff code (default: the region's cheapest business tariff).
    #[arg(long)]
    tariff: Option<String>,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Load or refresh the shipped business catalogue.
    Load,
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create an operator staff account.
    Add {
        #[arg(long)]
        number: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        password: Option<String>,
    },
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn explain(e: UseCaseError) -> anyhow::Error {
    match e {
        UseCaseError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| {
                    let said = crate::web::i18n::problems::say(&e.problem, Lang::Ru);
                    format!("--{}: {said}", e.field.replace('_', "-"))
                })
                .collect::<Vec<_>>()
                .join("\n")
        ),
        UseCaseError::NotFound => anyhow::anyhow!("not found"),
        UseCaseError::Db(e) => e.into(),
        UseCaseError::Internal(e) => e,
    }
}

async fn open(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database_url, settings.db_max_connections).await?;
    db.migrate().await?;
    Ok(db)
}

async fn execute(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref()).context("reading settings")?;
    crate::telemetry::init(settings.log_json);
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            open(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo { lines, no_serve } => {
            let db = open(&settings).await?;
            let started = std::time::Instant::now();
            let demo = demo::create_demo(&db, lines).await?;
            if demo.created {
                println!(
                    "demo company created: {} lines, {} employees in {:.1} s",
                    demo.lines,
                    demo.employees,
                    started.elapsed().as_secs_f64()
                );
            } else {
                println!("demo company already present");
            }
            println!("log in at {}/login", settings.public_url());
            println!("  number:   {}", Msisdn::parse(demo::DEMO_ADMIN)?.display());
            println!("  password: {}", demo::DEMO_PASSWORD);
            println!(
                "  or «{}»: with no SMS gateway set, codes are logged here",
                Lang::Ru.t("login.with_code")
            );
            if no_serve {
                Ok(())
            } else {
                serve(settings).await
            }
        }
        Command::Company(CompanyCommand::Create(a)) => {
            let db = open(&settings).await?;
            let input = CompanyInput {
                legal_name: a.name,
                inn: a.inn,
                kpp: a.kpp,
                ogrn: a.ogrn,
                legal_address: a.address,
                region: a.region,
                contract_number: a.contract,
                contact_email: a.email,
                admin_number: a.admin_number,
                admin_name: a.admin_name,
                admin_password: a.password,
            };
            let created = create(&db, &OperatorPermit::cli(), &input)
                .await
                .map_err(explain)?;
            println!(
                "company {} created: account {}, administrator {}",
                created.company.legal_name,
                created.company.account_number,
                created.admin_msisdn.display()
            );
            if let Some(pw) = created.generated_password {
                println!("administrator password (shown once): {pw}");
            }
            Ok(())
        }
        Command::Line(LineCommand::Add(a)) => {
            let db = open(&settings).await?;
            let company = company_by_inn(&db, &a.company).await?;
            let numbers = match (a.number, a.range, a.file) {
                (Some(n), _, _) => {
                    vec![Msisdn::parse(&n).map_err(|e| anyhow::anyhow!("--number: {}", said(&e)))?]
                }
                (_, Some(r), _) => {
                    lines::parse_range(&r).map_err(|e| anyhow::anyhow!("--range: {}", said(&e)))?
                }
                (_, _, Some(f)) => {
                    let text = std::fs::read_to_string(&f)
                        .with_context(|| format!("reading {}", f.display()))?;
                    lines::parse_list(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {}", f.display(), said(&e)))?
                }
                _ => anyhow::bail!("give --number, --range or --file"),
            };
            let permit = OperatorPermit::cli().in_company(company.id);
            let added = lines::add(&db, &permit, &numbers, a.tariff.as_deref())
                .await
                .map_err(explain)?;
            println!("{added} lines added to {}", company.legal_name);
            Ok(())
        }
        Command::Import(ImportCommand::Roster {
            file,
            company,
            sheet,
            sync,
            skip_errors,
            dry_run,
        }) => {
            use crate::services::roster::{Options, plan::Mode};
            let db = open(&settings).await?;
            let company = company_by_inn(&db, &company).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let options = Options {
                sheet,
                mode: if sync {
                    Mode::FullSync
                } else {
                    Mode::AddUpdate
                },
                mapping: Vec::new(),
                skip_errors,
            };
            roster_import(&db, company.id, &file, &bytes, &options, !dry_run).await
        }
        Command::Bulk(a) => {
            let db = open(&settings).await?;
            bulk(&db, &settings, a).await
        }
        Command::Catalogue(CatalogueCommand::Load) => {
            let db = open(&settings).await?;
            let loaded = catalogue::load_shipped(&db, &OperatorPermit::cli()).await?;
            println!(
                "catalogue loaded: {} regions, {} tariffs, {} services; {} lines repriced",
                loaded.regions, loaded.tariffs, loaded.services, loaded.repriced
            );
            Ok(())
        }
        Command::User(command) => {
            let db = open(&settings).await?;
            let operator = OperatorPermit::cli();
            let (number, done) = match command {
                UserCommand::Disable { number } => {
                    let r = users::set_disabled(&db, &operator, &number, true).await;
                    (number, r.map(|_| "disabled"))
                }
                UserCommand::Enable { number } => {
                    let r = users::set_disabled(&db, &operator, &number, false).await;
                    (number, r.map(|_| "enabled"))
                }
                UserCommand::Erase { number } => {
                    let r = users::erase(&db, &operator, &number).await;
                    (number, r.map(|_| "erased"))
                }
            };
            println!("{number}: {}", done.map_err(explain)?);
            Ok(())
        }
        Command::Staff(StaffCommand::Add {
            number,
            name,
            password,
        }) => {
            let db = open(&settings).await?;
            let (msisdn, generated) =
                add_staff(&db, &OperatorPermit::cli(), &number, &name, password)
                    .await
                    .map_err(explain)?;
            println!("staff account {} created", msisdn.display());
            if let Some(pw) = generated {
                println!("password (shown once): {pw}");
            }
            Ok(())
        }
    }
}

/// A company by `INN` or `INN/KPP`.
async fn company_by_inn(db: &Db, arg: &str) -> anyhow::Result<companies::Company> {
    let (inn, kpp) = match arg.split_once('/') {
        Some((i, k)) => (i.trim().to_owned(), Some(k.trim().to_owned())),
        None => (arg.trim().to_owned(), None),
    };
    let found = companies::find_by_inn(db, &OperatorPermit::cli(), &inn).await?;
    let company = match (found.as_slice(), kpp) {
        ([], _) => anyhow::bail!("--company: no company with INN {inn}"),
        (many, Some(kpp)) => many
            .iter()
            .find(|c| c.kpp == kpp)
            .with_context(|| format!("--company: no company with INN {inn} and KPP {kpp}"))?,
        ([one], None) => one,
        (_, None) => anyhow::bail!("--company: several companies have INN {inn}; write INN/KPP"),
    };
    Ok(company.clone())
}

/// Prints what the file would change (and its problems); with `apply`, applies it, telling
/// each step as it goes.
async fn roster_import(
    db: &Db,
    company_id: i64,
    file: &std::path::Path,
    bytes: &[u8],
    options: &crate::services::roster::Options,
    apply: bool,
) -> anyhow::Result<()> {
    use crate::services::roster;
    let permit = OperatorPermit::cli().in_company(company_id);
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    eprintln!("[1/3] reading {name}…");
    let now = crate::store::now_ms();
    let id = roster::upload(db, &permit, &name, bytes, now)
        .await
        .map_err(roster_refused)?;
    eprintln!("[2/3] comparing with the company's records…");
    let preview = roster::preview(db, &permit, id, options)
        .await
        .map_err(roster_refused)?;
    let c = &preview.plan.counts;
    println!(
        "new {} · changed {} · unchanged {} · with errors {}",
        c.new, c.changed, c.unchanged, c.errors
    );
    for p in &preview.plan.problems {
        println!("  {}", crate::web::i18n::problems::in_row(p, Lang::Ru));
    }
    for w in &preview.plan.warnings {
        println!(
            "  warning: {}",
            crate::web::i18n::problems::in_row(w, Lang::Ru)
        );
    }
    for e in &preview.plan.removals {
        println!("  removed (not in the file): {}", e.full_name);
    }
    if !apply {
        println!("nothing applied (--dry-run)");
        return Ok(());
    }
    let network = preview.plan.network.len();
    eprintln!("[3/3] applying…");
    let fingerprint = preview.fingerprint.clone();
    let prepared =
        roster::check(preview, &fingerprint, options.skip_errors).map_err(roster_refused)?;
    let applied = roster::apply(db, &permit, &prepared, options, crate::store::now_ms())
        .await
        .map_err(roster_refused)?;
    println!(
        "applied: {} lines, {} employees added, {} changed, {} removed, {} departments",
        applied.lines,
        applied.employees_added,
        applied.employees_changed,
        applied.employees_removed,
        applied.departments
    );
    if applied.rows_skipped > 0 {
        println!("rows with problems left out: {}", applied.rows_skipped);
    }
    if network > 0 {
        println!(
            "{network} lines have another tariff or limit in the file: changes to the network, \
             started from the import's page in the cabinet (/roster/{id})"
        );
    }
    Ok(())
}

/// A department of the company by its id or its name.
fn department_of(all: &[crate::store::departments::Department], arg: &str) -> anyhow::Result<i64> {
    let arg = arg.trim();
    all.iter()
        .find(|d| d.id.to_string() == arg || d.name == arg)
        .map(|d| d.id)
        .with_context(|| format!("no department «{arg}» in the company"))
}

/// The change the arguments ask for, read as the API reads one.
fn bulk_change(
    a: &BulkArgs,
    departments: &[crate::store::departments::Department],
) -> anyhow::Result<crate::services::bulk::change::BulkChange> {
    let mut change = serde_json::Map::new();
    change.insert("action".into(), a.action.clone().into());
    for (name, value) in [
        ("service", &a.service),
        ("tariff", &a.tariff),
        ("reason", &a.reason),
        ("amount", &a.amount),
        ("on_limit", &a.on_limit),
        ("cost_centre", &a.cost_centre),
    ] {
        if let Some(v) = value {
            change.insert(name.into(), v.clone().into());
        }
    }
    // Each line's own value stands in for the change's, which may then be left out.
    let valued = match a.action.as_str() {
        "change_tariff" => Some("tariff"),
        "set_limit" => Some("amount"),
        _ => None,
    };
    if let (Some(name), Some(_)) = (valued, &a.value_column) {
        change.entry(name).or_insert_with(|| "".into());
    }
    if a.action == "reassign" {
        let to = a
            .to_department
            .as_deref()
            .map(|d| department_of(departments, d))
            .transpose()?;
        change.insert("department_id".into(), to.into());
        change
            .entry("cost_centre")
            .or_insert(serde_json::Value::Null);
    }
    serde_json::from_value(serde_json::Value::Object(change))
        .map_err(|e| anyhow::anyhow!("--action {}: {e}", a.action))
}

/// Prints the preview of a bulk change; unless `--dry-run`, runs it (with a runner of its own,
/// alongside any server's) and prints its progress to its end.
async fn bulk(db: &Db, settings: &Settings, a: BulkArgs) -> anyhow::Result<()> {
    use crate::services::bulk::{operation, preview, selection};
    let say = |p: &crate::domain::Problem| crate::web::i18n::problems::sentence(p, Lang::Ru);
    let company = company_by_inn(db, &a.company).await?;
    let permit = OperatorPermit::cli().in_company(company.id);
    let departments = crate::store::departments::list(db, &permit).await?;
    let change = bulk_change(&a, &departments)?;
    let (chosen, selection) = if let Some(file) = &a.file {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (
            operation::Chosen::List {
                file_name: name,
                rejected: 0,
            },
            selection::Selection::Numbers {
                file: bytes,
                sheet: None,
                column: None,
                value_column: a
                    .value_column
                    .as_deref()
                    .map(|c| {
                        selection::column_of(c).ok_or_else(|| {
                            anyhow::anyhow!("--value-column {c}: a letter or a number")
                        })
                    })
                    .transpose()?,
            },
        )
    } else if !a.department.is_empty() {
        let ids = a
            .department
            .iter()
            .map(|d| department_of(&departments, d))
            .collect::<anyhow::Result<Vec<i64>>>()?;
        (
            operation::Chosen::Departments { ids: ids.clone() },
            selection::Selection::Departments(ids),
        )
    } else {
        (
            operation::Chosen::Filter {
                query: String::new(),
            },
            selection::Selection::Filter(Default::default()),
        )
    };
    let resolved = selection::resolve(db, &permit, &selection)
        .await
        .map_err(|e| match e {
            selection::SelectionError::Refused(p) => anyhow::anyhow!("{}", say(&p)),
            selection::SelectionError::Db(e) => e.into(),
        })?;
    let refused = |e: preview::PreviewError| match e {
        preview::PreviewError::Invalid(f) => {
            anyhow::anyhow!("--{}: {}", f.field.replace('_', "-"), say(&f.problem))
        }
        preview::PreviewError::Db(e) => e.into(),
    };
    let p = preview::of(db, &permit, &permit, &resolved.lines(), &change)
        .await
        .map_err(refused)?;
    println!(
        "lines chosen: {}; to change: {}",
        resolved.line_ids.len(),
        p.changing.len()
    );
    for g in &p.groups {
        println!(
            "  {}: {} lines, {} a month",
            g.change.target(),
            g.changing,
            crate::web::format::kopecks(Lang::Ru, g.monthly_delta_kop)
        );
    }
    for (_, n, problem) in p.skipped_by_reason() {
        println!("  skipped {n}: {}", say(problem));
    }
    for r in &resolved.rejected {
        println!("  row {}: {} — {}", r.row, r.number, say(&r.problem));
    }
    println!(
        "monthly bill: {} a month, {} once",
        crate::web::format::kopecks(Lang::Ru, p.monthly_delta_kop),
        crate::web::format::kopecks(Lang::Ru, p.one_time_kop)
    );
    if a.dry_run {
        println!("nothing changed (--dry-run)");
        return Ok(());
    }
    let chosen = chosen.rejecting(resolved.rejected.len());
    let lines = resolved.lines();
    let confirmed = operation::confirm(
        db,
        &operation::Confirm {
            requester: &crate::authz::Requester::operator(&permit),
            permit: &permit,
            chosen_under: &permit,
            change: &change,
            lines: &lines,
            chosen: &chosen,
            key: &crate::services::auth::new_token(),
            retry_of: None,
        },
    )
    .await
    .map_err(|e| match e {
        operation::BulkError::Invalid(f) => anyhow::anyhow!("{}", say(&f.problem)),
        operation::BulkError::Refused(p) => anyhow::anyhow!("{}", say(&p)),
        operation::BulkError::NotFound => anyhow::anyhow!("not found"),
        operation::BulkError::Db(e) => e.into(),
    })?;
    let id = confirmed.operation_id;
    println!("operation {id} queued");
    let runner = crate::startup::standalone_runner(db, settings)
        .await?
        .spawn();
    let mut shown = -1;
    let status = loop {
        let status = operation::status(db, &permit, id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let reached = status.counts.reached();
        if reached != shown {
            eprintln!("{reached} / {}", status.operation.total);
            shown = reached;
        }
        if status.ended() {
            break status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    runner.abort();
    println!(
        "{}: changed {}, skipped {}, failed {}, not reached {}",
        serde_json::to_value(status.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        status.counts.changed,
        status.counts.skipped,
        status.counts.failed,
        status.not_reached()
    );
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = ?settings, "starting");
    let app = Application::build(settings.clone()).await?;
    tracing::info!(bind = %settings.bind, port = app.port(), "serving");
    app.serve().await?;
    Ok(())
}

/// A roster's refusal as the operator reads it.
fn roster_refused(e: crate::services::roster::RosterError) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        crate::web::i18n::problems::say(&e.problem(), Lang::Ru)
    )
}

/// A parse problem as the operator reads it (the CLI speaks Russian).
fn said(e: &crate::domain::ParseError) -> String {
    crate::web::i18n::problems::say(&e.0, Lang::Ru)
}
