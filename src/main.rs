//! The `gongyi` command: serve, demo, migrate, user add / reset-password, audit verify.

use clap::{Parser, Subcommand};
use gongyi::config::Config;
use gongyi::service::{Ctx, Principal};
use std::net::TcpListener;
use std::process::ExitCode;

/// Every setting and role, shown by `gongyi --help` (the README's table says more).
const AFTER_HELP: &str = "\
Settings (environment variables; an invalid value stops the start with its name):
  GONGYI_DATABASE_URL   sqlite://PATH or postgres://… (default sqlite://data/gongyi.db)
  GONGYI_BIND           listen address (127.0.0.1:8080)
  GONGYI_PUBLIC_URL     the address users open, e.g. https://gongyi.example.gov.cn (behind a proxy)
  GONGYI_DATA_DIR       files, documents, .eml outbox, audit.key (data)
  GONGYI_AUDIT_KEY      audit chain key or its file (generated into DATA_DIR/audit.key)
  GONGYI_DB_POOL        database connections per instance (8 SQLite, 16 PostgreSQL)
  GONGYI_SMTP_URL, GONGYI_MAIL_FROM, GONGYI_MAIL_RETRY_SECS, GONGYI_MAIL_MAX_ATTEMPTS, GONGYI_MAIL_LEASE_SECS
  GONGYI_SECURE_COOKIES true behind HTTPS;  GONGYI_TRUSTED_PROXIES proxy addresses
  GONGYI_UPLOAD_LIMIT_MB, GONGYI_BODY_IDLE_SECS, GONGYI_BODY_TIMEOUT_SECS,
  GONGYI_MAX_CONNECTIONS_PER_CLIENT, GONGYI_REGISTRATIONS_PER_IP
  GONGYI_AUTHORITY, GONGYI_CONTACT, GONGYI_REGIONS_FILE, GONGYI_EVALUATION_GRACE_DAYS
  GONGYI_TRAINING, GONGYI_NOW (training databases only), GONGYI_LOG (info, warn, debug, …)

Roles for `gongyi user add --role`: admin, staff, finance, reviewer, evaluator, community, and
org with --organisation USCC (organisations otherwise get their account by registering).";

#[derive(Parser)]
#[command(name = "gongyi", version, about = "公益创投管理平台", after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Migrate the database and serve HTTP (GONGYI_BIND, default 127.0.0.1:8080).
    Serve,
    /// Serve a training database with demo data (芜湖市鸠江区), printing the demo logins.
    Demo,
    /// Run the database migrations and exit.
    Migrate,
    /// Copy the SQLite database (a consistent snapshot, also while serving) and the data
    /// directory into DIR (absent or empty), with DIR/MANIFEST.sha256. PostgreSQL: see README.
    Backup { dir: std::path::PathBuf },
    /// Restore a backup from DIR into a database that does not exist yet and an empty data
    /// directory, after checking every file against its manifest.
    Restore { dir: std::path::PathBuf },
    /// Load data in bulk.
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Audit chain.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an admin, staff, finance, reviewer, evaluator, community or organisation account. The password
    /// is asked for on the terminal (not shown), or read from the first line of stdin.
    Add {
        #[arg(long)]
        login: String,
        /// Discouraged: a password on the command line stays in the shell history and the process
        /// list. Leave it out to be asked.
        #[arg(long)]
        password: Option<String>,
        /// admin · staff · finance · reviewer · evaluator · community · org (with --organisation)
        #[arg(long)]
        role: String,
        /// Town region code for town staff; village code for a community account.
        #[arg(long)]
        region: Option<String>,
        /// The 统一社会信用代码 of the organisation an `org` account acts for (e.g. one loaded by
        /// `gongyi import organisations`).
        #[arg(long)]
        organisation: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a temporary password for LOGIN (printed once; it must be changed at the next login):
    /// the way back in when the only admin has lost theirs.
    ResetPassword {
        #[arg(long)]
        login: String,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// The civil-affairs registry's organisations from FILE (.xlsx, .xls or .csv with the columns
    /// 名称, 统一社会信用代码, 类型, 登记日期, 住所区划, 联系人, 联系电话). Every row is checked first;
    /// the accepted rows go in together as verified organisations, the refused ones are listed.
    Organisations {
        file: std::path::PathBuf,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the audit chain, report the first broken link, then replay scores, allocations and
    /// payments against the tables.
    Verify,
}

/// glibc's defaults let a long-running server keep what it once needed: the mmap threshold
/// rises after the first large free, so every later Argon2 buffer (19 MiB) and PDF font buffer
/// comes from a per-thread arena and stays there; and each of the many worker and blocking
/// threads may get an arena of its own. A fixed threshold returns large buffers to the system
/// when freed; four arenas are plenty on the machines this runs on. (A demo walkthrough: 306 MiB
/// peak without, see bench/README.md.)
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called once, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    // A log level that is no level is refused before anything is logged (it would otherwise
    // quietly log nothing useful).
    let filter = std::env::var("GONGYI_LOG").ok().filter(|v| !v.trim().is_empty());
    if let Some(Err(e)) = filter.as_deref().map(gongyi::config::check_log_filter) {
        eprintln!("错误：{e}");
        return ExitCode::FAILURE;
    }
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter.unwrap_or_else(|| "info,actix_server=warn".into()))
        // Colour codes only on a terminal: a log file or journald gets plain text.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}

/// The new account's password: asked twice on a terminal (not shown), else stdin's first line.
fn read_password() -> Result<String, String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("密码：").map_err(|e| e.to_string())?;
        let b = rpassword::prompt_password("再输入一次：").map_err(|e| e.to_string())?;
        if a != b {
            return Err("两次输入的密码不一致".into());
        }
        return Ok(a);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        return Err("没有读到密码：请在终端输入，或从标准输入传入（echo 密码 | gongyi user add …）".into());
    }
    Ok(p)
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let mut config = Config::load()?;
    match cli.cmd {
        Cmd::Serve => serve(config, false),
        Cmd::Demo => {
            config.training = true;
            serve(config, true)
        }
        Cmd::Backup { dir } => {
            let s = gongyi::backup::backup(&config, &dir)?;
            println!(
                "已备份到 {}：{} 个文件，共 {} 字节；清单 {}",
                dir.display(),
                s.files,
                s.bytes,
                gongyi::backup::MANIFEST
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Restore { dir } => {
            let s = gongyi::backup::restore(&config, &dir)?;
            println!(
                "已从 {} 恢复 {} 个文件（{} 字节）。请用原来的审计密钥运行 gongyi audit verify 核验。",
                dir.display(),
                s.files,
                s.bytes
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Migrate => {
            gongyi::app::prepare(config, None)?;
            println!("数据库已是最新结构。");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::User { cmd: UserCmd::Add { login, password, role, region, organisation, email, name } } => {
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            let p = gongyi::app::prepare(config, None)?;
            let st = p.state;
            let ctx =
                Ctx { principal: Principal::System, now: st.clock.now(), audit_key: st.audit_key.clone(), ip: None };
            let mut conn = st.pool.get().map_err(|e| e.to_string())?;
            let input = gongyi::service::accounts::NewUserInput {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                password,
                email,
                role,
                region_code: region,
                affiliations: vec![],
                organisation,
            };
            match gongyi::service::accounts::create_user(&mut conn, &ctx, &st.hasher, &input) {
                Ok(u) => {
                    println!("已创建用户 {}（{}），编号 {}", u.login, u.role.label(), u.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    let details: Vec<String> = e.errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
                    Err(if details.is_empty() { e.describe() } else { details.join("；") })
                }
            }
        }
        Cmd::User { cmd: UserCmd::ResetPassword { login } } => {
            let p = gongyi::app::prepare(config, None)?;
            let st = p.state;
            let ctx =
                Ctx { principal: Principal::System, now: st.clock.now(), audit_key: st.audit_key.clone(), ip: None };
            let mut conn = st.pool.get().map_err(|e| e.to_string())?;
            let user = gongyi::db::users::by_login(&mut conn, &login.trim().to_ascii_lowercase())
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("没有用户名为 {login} 的用户"))?;
            let t = gongyi::service::passwords::admin_reset(&mut conn, &ctx, &st.hasher, user.id)
                .map_err(|e| e.describe())?;
            println!("用户 {} 的临时密码：{}", user.login, t.temporary);
            println!("请告知本人；登录后必须先修改密码。");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Import { cmd: ImportCmd::Organisations { file, dry_run } } => import_organisations(config, &file, dry_run),
        Cmd::Audit { cmd: AuditCmd::Verify } => {
            // Read-only: the database is checked as it is, never migrated or seeded.
            let (mut conn, key) = gongyi::app::open_for_audit(&config)?;
            match gongyi::service::audit::verify(&mut conn, &key).map_err(|e| e.describe())? {
                gongyi::service::audit::ChainReport::Intact { records, head } => {
                    println!("审计链完整：共 {records} 条记录，链头 {head}");
                    let anchored =
                        gongyi::service::audit::check_anchors(&mut conn, &config.data_dir).map_err(|e| e.describe())?;
                    if !anchored.is_empty() {
                        println!("审计链与链外的锚点不符（{} 处）：", anchored.len());
                        for f in &anchored {
                            println!("  - {f}");
                        }
                        return Ok(ExitCode::from(2));
                    }
                    let mut r = gongyi::service::audit::replay(&mut conn).map_err(|e| e.describe())?;
                    let (entries, points) =
                        gongyi::service::audit::replay_points(&mut conn).map_err(|e| e.describe())?;
                    r.findings.extend(points);
                    let (movements, welfare) =
                        gongyi::service::audit::replay_welfare(&mut conn).map_err(|e| e.describe())?;
                    r.findings.extend(welfare);
                    if r.findings.is_empty() {
                        println!(
                            "回放一致：{} 份评分、{} 项资助决定、{} 笔付款、{} 笔积分台账、{} 笔公益基金收支与数据表相符",
                            r.reviews, r.allocations, r.payments, entries, movements
                        );
                        return Ok(ExitCode::SUCCESS);
                    }
                    println!("回放发现 {} 处数据表与审计记录不符：", r.findings.len());
                    for f in &r.findings {
                        println!("  - {f}");
                    }
                    Ok(ExitCode::from(2))
                }
                gongyi::service::audit::ChainReport::Broken { at_id, reason } => {
                    println!("审计链断裂：第 {at_id} 条记录，{reason}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}

fn import_organisations(config: Config, file: &std::path::Path, dry_run: bool) -> Result<ExitCode, String> {
    use std::io::IsTerminal;
    let f = gongyi::registry_file::read(file)?;
    let p = gongyi::app::prepare(config, None)?;
    let st = p.state;
    let ctx = Ctx { principal: Principal::System, now: st.clock.now(), audit_key: st.audit_key.clone(), ip: None };
    let mut conn = st.pool.get().map_err(|e| e.to_string())?;
    // A bar on a terminal only: a log or a pipe gets the report alone.
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(f.rows.len().saturating_sub(1) as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("检查 {bar:40} {pos}/{len} 行 {elapsed}") {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source = gongyi::service::registry_import::Source { name: &name, sha256: &f.sha256 };
    let report =
        gongyi::service::registry_import::import_organisations(&mut conn, &ctx, &source, &f.rows, dry_run, &mut |n| {
            bar.set_position(n as u64)
        })
        .map_err(|e| e.describe())?;
    bar.finish_and_clear();
    for r in &report.refused {
        println!("第 {} 行未导入：{}", r.line, r.reasons.join("；"));
    }
    let verb = if report.written {
        "已导入"
    } else if dry_run {
        "试运行（未写入）：可导入"
    } else {
        "未写入：可导入"
    };
    println!("共 {} 行，{verb} {} 个组织（已认证），{} 行未导入。", report.rows, report.accepted, report.refused.len());
    // Refused rows make the exit status 2, so a script notices even when the rest went in.
    Ok(if report.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn serve(config: Config, demo: bool) -> Result<ExitCode, String> {
    let bind = config.bind.clone();
    actix_web::rt::System::new().block_on(async move {
        let p = gongyi::app::prepare(config, None)?;
        if demo {
            let st = p.state.clone();
            let ctx = st.ctx(Principal::System, None);
            let hasher = st.hasher.clone();
            let docs = st.doc_settings();
            let loaded = st.db(move |c| gongyi::demo::load(c, &ctx, &hasher, &docs)).await.map_err(|e| e.describe())?;
            print_demo(loaded);
        }
        let listener = TcpListener::bind(&bind).map_err(|e| format!("无法监听 {bind}: {e}"))?;
        let running = gongyi::app::start(p, listener)?;
        println!("公益创投管理平台已启动：http://{bind}/");
        running.server.await.map_err(|e| e.to_string())?;
        Ok(ExitCode::SUCCESS)
    })
}

fn print_demo(loaded: bool) {
    if loaded {
        println!("已载入演示数据（芜湖市鸠江区）。");
    }
    println!("演示账号（密码均为 {}）：", gongyi::demo::DEMO_PASSWORD);
    for (login, _, name, _) in gongyi::demo::DEMO_USERS {
        println!("  {login:<12} {name}");
    }
    for (login, name, .., verified) in gongyi::demo::DEMO_ORGS {
        println!("  {login:<12} {name}（社会组织{}）", if *verified { "，已认证" } else { "，待审核" });
    }
}
