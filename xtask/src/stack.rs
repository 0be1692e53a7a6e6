//! The local stack: where it lives, its ports and keys, and bringing it up and down.
//!
//! Stacks never collide: `dev` (what `up` starts; ports from supabase/config.toml),
//! `test` (what `cargo xtask test` starts; its own data folder and ports +100) and `soak`
//! (optional, for `STACK_NAME=soak cargo xtask soak`; ports +300).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::install::Tools;
use crate::process::{self, Service};
use crate::{db, ui, Result};
use stack_keys as jwt;

#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub slug: String,
    pub verify_jwt: bool,
    /// Absolute path of the entrypoint (index.ts).
    pub entrypoint: PathBuf,
    pub port: u16,
}

#[derive(Debug, Clone)]
pub struct Stack {
    pub name: &'static str,
    pub repo: PathBuf,
    /// `.stack/<name>`: database cluster, pid files, logs. Git-ignored.
    pub dir: PathBuf,
    pub api_port: u16,
    pub db_port: u16,
    pub rest_port: u16,
    pub functions: Vec<FunctionSpec>,
    pub jwt_secret: String,
    /// Signs trend-update deliveries (stored in Vault and given to the function).
    pub webhook_secret: String,
    /// Vault secret names the migrations read, from [db.vault].
    pub vault_names: Vec<String>,
}

pub fn repo_root() -> PathBuf {
    // xtask/Cargo.toml sits one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}

fn env_port(var: &str, default: u16) -> Result<u16> {
    match std::env::var(var) {
        Ok(v) => v.parse().map_err(|_| format!("{var}={v} is not a port number")),
        Err(_) => Ok(default),
    }
}

impl Stack {
    pub fn dev() -> Result<Self> {
        Self::load("dev", 0)
    }

    pub fn by_name(name: &str) -> Result<Self> {
        match name {
            "" | "dev" => Self::dev(),
            "test" => Self::test(),
            "bench" => Self::bench(),
            "soak" => Self::soak(),
            other => Err(format!("STACK_NAME={other}: expected dev, test, bench or soak")),
        }
    }

    pub fn test() -> Result<Self> {
        Self::load("test", 100)
    }

    /// `STACK_NAME=soak cargo xtask soak`: a throw-away stack (`.stack/soak`, ports +300) for
    /// fault-injection runs that must not disturb dev, test or bench.
    pub fn soak() -> Result<Self> {
        Self::load("soak", 300)
    }

    /// `cargo xtask bench`: its own folder and ports (+200), so dev and test stay untouched.
    pub fn bench() -> Result<Self> {
        Self::load("bench", 200)
    }

    fn load(name: &'static str, port_offset: u16) -> Result<Self> {
        let repo = repo_root();
        let config_path = repo.join("supabase/config.toml");
        let text = fs::read_to_string(&config_path).map_err(|e| format!("read {}: {e}", config_path.display()))?;
        let config: toml::Value = text.parse().map_err(|e| format!("{}: {e}", config_path.display()))?;
        let int = |table: &str, key: &str, default: i64| {
            config.get(table).and_then(|t| t.get(key)).and_then(toml::Value::as_integer).unwrap_or(default)
        };
        let port_of = |v: i64| u16::try_from(v).map_err(|_| format!("port {v} in supabase/config.toml is out of range"));
        let api_port = env_port("SHORTS_API_PORT", port_of(int("api", "port", 54321))? + port_offset)?;
        let db_port = env_port("SHORTS_DB_PORT", port_of(int("db", "port", 54322))? + port_offset)?;

        let mut functions = Vec::new();
        if let Some(table) = config.get("functions").and_then(toml::Value::as_table) {
            for (i, (slug, spec)) in table.iter().enumerate() {
                if spec.get("enabled").and_then(toml::Value::as_bool) == Some(false) {
                    continue;
                }
                let entry = spec.get("entrypoint").and_then(toml::Value::as_str).map(str::to_owned)
                    .unwrap_or_else(|| format!("./functions/{slug}/index.ts"));
                let offset = u16::try_from(i).map_err(|_| "too many functions".to_string())?;
                functions.push(FunctionSpec {
                    slug: slug.clone(),
                    verify_jwt: spec.get("verify_jwt").and_then(toml::Value::as_bool).unwrap_or(true),
                    entrypoint: normalize(&repo.join("supabase").join(entry)),
                    port: api_port + 20 + offset,
                });
            }
        }
        let vault_names = config
            .get("db").and_then(|d| d.get("vault")).and_then(toml::Value::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();

        Ok(Self {
            name,
            dir: repo.join(".stack").join(name),
            repo,
            api_port,
            db_port,
            rest_port: api_port + 10,
            functions,
            jwt_secret: jwt::LOCAL_JWT_SECRET.to_owned(),
            webhook_secret: "whsec_bG9jYWwtb25seS10cmVuZC11cGRhdGUtc2lnbmluZy1rZXk=".to_owned(),
            vault_names,
        })
    }

    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }
    pub fn functions_url(&self) -> String {
        format!("{}/functions/v1", self.api_url())
    }
    /// Owner connection (the migration role), as `supabase status` prints it.
    pub fn db_url(&self) -> String {
        format!("postgresql://postgres:postgres@127.0.0.1:{}/postgres", self.db_port)
    }
    pub fn anon_key(&self) -> String {
        jwt::api_key(&self.jwt_secret, "anon")
    }
    pub fn service_role_key(&self) -> String {
        jwt::api_key(&self.jwt_secret, "service_role")
    }
    pub fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }
    pub fn service(&self, name: &str) -> Service {
        Service::new(&self.run_dir(), name)
    }

    /// Values for [db.vault] secrets on this stack.
    pub fn vault_value(&self, name: &str) -> Option<String> {
        match name {
            "trend_update_url" => Some(format!("{}/trend-update", self.functions_url())),
            "trend_webhook_secret" => Some(self.webhook_secret.clone()),
            _ => None,
        }
    }

    pub fn status_json(&self) -> serde_json::Value {
        serde_json::json!({
            "API_URL": self.api_url(),
            "DB_URL": self.db_url(),
            "ANON_KEY": self.anon_key(),
            "SERVICE_ROLE_KEY": self.service_role_key(),
            "JWT_SECRET": self.jwt_secret,
            "FUNCTIONS_URL": self.functions_url(),
        })
    }

    /// Environment every function process gets: what the hosted runtime provides, plus secrets.
    fn function_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("SUPABASE_URL".into(), self.api_url()),
            ("SUPABASE_ANON_KEY".into(), self.anon_key()),
            ("SUPABASE_SERVICE_ROLE_KEY".into(), self.service_role_key()),
            ("SUPABASE_DB_URL".into(), self.db_url()),
            ("TREND_WEBHOOK_SECRET".into(), self.webhook_secret.clone()),
        ];
        // Arms the test-only panic trigger (`x-test-panic`, crates/edge/src/testing.rs) on the
        // throw-away test stack only. Never set on dev, soak or Supabase.
        if self.name == "test" {
            env.push(("EDGE_TEST_PANICS".into(), "1".into()));
        }
        env
    }
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Brings every service up; reuses what already runs (idempotent).
pub fn up(stack: &Stack, tools: &Tools) -> Result<()> {
    fs::create_dir_all(stack.run_dir()).map_err(|e| e.to_string())?;
    db::ensure_running(stack)?;
    db::migrate(stack)?;
    start_rest(stack, tools)?;
    for function in &stack.functions {
        start_function(stack, tools, function)?;
    }
    // The gateway before the delivery worker: the worker sends what is already queued (the
    // seed's trend changes) at once, and those requests go through the gateway.
    start_gateway(stack, tools)?;
    start_pg_net_worker(stack, tools)?;
    Ok(())
}

fn start_rest(stack: &Stack, tools: &Tools) -> Result<()> {
    let service = stack.service("rest");
    if service.is_running() {
        ui::detail("rest (postrust) already running");
        return Ok(());
    }
    process::ensure_port_free(stack.rest_port, "PostgREST-compatible API", "[api] port in supabase/config.toml (the API listens on api.port + 10) or SHORTS_API_PORT")?;
    let mut cmd = Command::new(&tools.postrust);
    cmd.env("PGRST_DB_URI", format!("postgres://authenticator:postgres@127.0.0.1:{}/postgres", stack.db_port))
        .env_remove("DATABASE_URL")
        .env("PGRST_DB_SCHEMAS", "public")
        .env("PGRST_DB_ANON_ROLE", "anon")
        .env("PGRST_JWT_SECRET", &stack.jwt_secret)
        .env("PGRST_SERVER_HOST", "127.0.0.1")
        .env("PGRST_SERVER_PORT", stack.rest_port.to_string())
        .env("PGRST_COMPAT_MODE", "true")
        .env("PGRST_DB_CHANNEL_ENABLED", "true")
        .env("PGRST_DB_EXTRA_SEARCH_PATH", "public,extensions")
        .env("PGRST_DB_MAX_ROWS", "1000")
        .env("PGRST_DB_POOL", "10");
    ui::step(&format!("starting rest (postrust) on 127.0.0.1:{}", stack.rest_port));
    service.start(cmd)?;
    process::wait_ready(&service, Duration::from_secs(30), || process::http_get_status(stack.rest_port, "/healthz") == Some(200))
}

fn deno_cmd(stack: &Stack, tools: &Tools) -> Command {
    let mut cmd = Command::new(&tools.deno);
    cmd.current_dir(&stack.repo).envs(crate::install::deno_env(tools));
    cmd
}

fn start_function(stack: &Stack, tools: &Tools, function: &FunctionSpec) -> Result<()> {
    let service = stack.service(&format!("fn-{}", function.slug));
    if service.is_running() {
        ui::detail(&format!("function {} already running", function.slug));
        return Ok(());
    }
    process::ensure_port_free(function.port, &format!("function {}", function.slug), "[api] port in supabase/config.toml (functions listen on api.port + 20…) or SHORTS_API_PORT")?;
    let mut cmd = deno_cmd(stack, tools);
    cmd.args(["serve", "--quiet", "--allow-env", "--allow-net", "--allow-read"])
        .arg(format!("--port={}", function.port))
        .arg("--host=127.0.0.1")
        .arg(&function.entrypoint)
        .envs(stack.function_env());
    ui::step(&format!("starting function {} on 127.0.0.1:{}", function.slug, function.port));
    service.start(cmd)?;
    process::wait_ready(&service, Duration::from_secs(60), || process::port_open(function.port))
}

fn start_pg_net_worker(stack: &Stack, tools: &Tools) -> Result<()> {
    let service = stack.service("pg-net-worker");
    if service.is_running() {
        ui::detail("pg_net worker already running");
        return Ok(());
    }
    let mut cmd = deno_cmd(stack, tools);
    cmd.args(["run", "--quiet", "--allow-env", "--allow-net", "--allow-read", "local/pg_net_worker.ts"])
        .env("PG_NET_DATABASE_URL", db::admin_url(stack));
    ui::step("starting pg_net delivery worker");
    service.start(cmd)?;
    process::wait_ready(&service, Duration::from_secs(60), || db::pg_net_worker_up(stack))
}

fn start_gateway(stack: &Stack, tools: &Tools) -> Result<()> {
    let service = stack.service("gateway");
    if service.is_running() {
        ui::detail("gateway already running");
        return Ok(());
    }
    process::ensure_port_free(stack.api_port, "API gateway", "[api] port in supabase/config.toml or SHORTS_API_PORT")?;
    let routes: serde_json::Value = stack
        .functions
        .iter()
        .map(|f| (f.slug.clone(), serde_json::json!({ "port": f.port, "verify_jwt": f.verify_jwt })))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let mut cmd = deno_cmd(stack, tools);
    cmd.args(["run", "--quiet", "--allow-env", "--allow-net", "local/gateway.ts"])
        .env("GATEWAY_PORT", stack.api_port.to_string())
        .env("GATEWAY_REST_UPSTREAM", format!("http://127.0.0.1:{}", stack.rest_port))
        .env("GATEWAY_FUNCTIONS", routes.to_string())
        .env("GATEWAY_JWT_SECRET", &stack.jwt_secret);
    ui::step(&format!("starting gateway on {}", stack.api_url()));
    service.start(cmd)?;
    process::wait_ready(&service, Duration::from_secs(60), || process::http_get_status(stack.api_port, "/health") == Some(200))
}

/// `service stop|start <name>`: one service of a running stack, for fault-injection tests.
pub fn service_command(stack: &Stack, args: &[&str]) -> Result<()> {
    let (action, name) = match args {
        [action, name] => (*action, *name),
        _ => return Err("usage: cargo xtask service stop|start <db|rest|gateway|pg-net-worker|fn-<slug>>".into()),
    };
    match (action, name) {
        ("stop", "db") => db::stop(stack),
        ("start", "db") => db::ensure_running(stack),
        ("stop", _) => {
            stack.service(name).stop();
            Ok(())
        }
        ("start", _) => {
            let tools = crate::install::ensure_build_tools_quietly()?;
            match name {
                "rest" => start_rest(stack, &tools),
                "gateway" => start_gateway(stack, &tools),
                "pg-net-worker" => start_pg_net_worker(stack, &tools),
                _ => match stack.functions.iter().find(|f| format!("fn-{}", f.slug) == name) {
                    Some(function) => start_function(stack, &tools, function),
                    None => Err(format!("no service named {name}")),
                },
            }
        }
        _ => Err(format!("unknown action {action}; use stop or start")),
    }
}

pub fn down(stack: &Stack) -> Result<()> {
    for name in ["gateway", "pg-net-worker"] {
        stack.service(name).stop();
    }
    for function in &stack.functions {
        stack.service(&format!("fn-{}", function.slug)).stop();
    }
    stack.service("rest").stop();
    db::stop(stack)?;
    ui::step(&format!("{} stack stopped", stack.name));
    Ok(())
}

pub fn reset(stack: &Stack) -> Result<()> {
    db::reset(stack)?;
    // PostgREST reloads its schema cache on the DDL notifications; nothing else to restart.
    ui::step("database reset: compat layer, migrations and seed applied");
    Ok(())
}

pub fn status(stack: &Stack, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&stack.status_json()).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let running = |name: &str| if stack.service(name).is_running() { "running" } else { "stopped" };
    println!();
    println!("{} stack ({}):", stack.name, if db::is_running(stack) { "database running" } else { "database stopped" });
    println!("         API URL: {}", stack.api_url());
    println!("       REST URL: {}/rest/v1", stack.api_url());
    println!("  Functions URL: {}", stack.functions_url());
    println!("          DB URL: {}", stack.db_url());
    println!("      JWT secret: {}", stack.jwt_secret);
    println!("        anon key: {}", stack.anon_key());
    println!("service_role key: {}", stack.service_role_key());
    println!();
    println!("  services: rest {}, gateway {}, pg_net worker {}", running("rest"), running("gateway"), running("pg-net-worker"));
    for f in &stack.functions {
        println!("  function {:<16} {} (verify_jwt = {})", f.slug, running(&format!("fn-{}", f.slug)), f.verify_jwt);
    }
    println!("  logs: {}", stack.run_dir().display());
    Ok(())
}
