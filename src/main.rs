//! The `gongyi` command: serve, demo, migrate, user add / reset-password, audit verify.

use clap::{Parser, Subcommand};
use gongyi::config::Config;
use gongyi::service::{Ctx, Principal};
use std::net::TcpListener;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "gongyi", version, about = "公益创投管理平台")]
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
    /// Create an admin, staff, finance or reviewer account.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        role: String,
        /// Town region code, for town staff.
        #[arg(long)]
        region: Option<String>,
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
enum AuditCmd {
    /// Walk the audit chain, report the first broken link, then replay scores, allocations and
    /// payments against the tables.
    Verify,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGYI_LOG")
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
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

fn run(cli: Cli) -> Result<ExitCode, String> {
    let mut config = Config::from_env();
    match cli.cmd {
        Cmd::Serve => serve(config, false),
        Cmd::Demo => {
            config.training = true;
            serve(config, true)
        }
        Cmd::Migrate => {
            gongyi::app::prepare(config, None)?;
            println!("数据库已是最新结构。");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::User { cmd: UserCmd::Add { login, password, role, region, email, name } } => {
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
        Cmd::Audit { cmd: AuditCmd::Verify } => {
            let p = gongyi::app::prepare(config, None)?;
            let mut conn = p.state.pool.get().map_err(|e| e.to_string())?;
            match gongyi::service::audit::verify(&mut conn, &p.state.audit_key).map_err(|e| e.describe())? {
                gongyi::service::audit::ChainReport::Intact { records, head } => {
                    println!("审计链完整：共 {records} 条记录，链头 {head}");
                    let anchored = gongyi::service::audit::check_anchors(&mut conn, &p.state.config.data_dir)
                        .map_err(|e| e.describe())?;
                    if !anchored.is_empty() {
                        println!("审计链与链外的锚点不符（{} 处）：", anchored.len());
                        for f in &anchored {
                            println!("  - {f}");
                        }
                        return Ok(ExitCode::from(2));
                    }
                    let r = gongyi::service::audit::replay(&mut conn).map_err(|e| e.describe())?;
                    if r.findings.is_empty() {
                        println!(
                            "回放一致：{} 份评分、{} 项资助决定、{} 笔付款与数据表相符",
                            r.reviews, r.allocations, r.payments
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
