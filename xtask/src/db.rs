//! The private PostgreSQL 15 cluster: init, start/stop, the compat layer, migrations, seed.
//!
//! Server binaries refuse to run as root, so as root they run as the OS user `postgres`
//! (created by Debian's package). Only TCP on 127.0.0.1 is used; every role has a password.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{self, run_capture};
use crate::stack::Stack;
use crate::{ui, Result};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
/// Local-only password of every login role (as the Supabase CLI's local stack).
const LOCAL_PASSWORD: &str = "postgres";

fn data_dir(stack: &Stack) -> PathBuf {
    stack.dir.join("db")
}

fn is_root() -> bool {
    run_capture(Command::new("id").arg("-u")).map(|s| s.trim() == "0").unwrap_or(false)
}

/// A PostgreSQL server binary, run as the `postgres` OS user when we are root.
fn server_cmd(bin: &str) -> Command {
    let path = format!("{PG_BIN}/{bin}");
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", &path]);
        cmd
    } else {
        Command::new(path)
    }
}

pub fn admin_url(stack: &Stack) -> String {
    format!("postgres://supabase_admin:{LOCAL_PASSWORD}@127.0.0.1:{}/postgres", stack.db_port)
}

fn psql(stack: &Stack, user: &str) -> Command {
    let mut cmd = Command::new(format!("{PG_BIN}/psql"));
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-d", "postgres"])
        .arg("-p")
        .arg(stack.db_port.to_string())
        .arg("-U")
        .arg(user)
        .env("PGPASSWORD", LOCAL_PASSWORD)
        .env("PGOPTIONS", "--client-min-messages=warning");
    cmd
}

/// Runs SQL text as `user`; returns unaligned, tuples-only output.
pub fn query(stack: &Stack, user: &str, sql: &str) -> Result<String> {
    run_capture(psql(stack, user).args(["-A", "-t", "-c", sql]))
}

fn apply_file(stack: &Stack, user: &str, file: &Path) -> Result<()> {
    let out = psql(stack, user).arg("-f").arg(file).output().map_err(|e| format!("run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{} failed:\n{}", file.display(), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

pub fn is_running(stack: &Stack) -> bool {
    data_dir(stack).join("postmaster.pid").exists()
        && server_cmd("pg_ctl").arg("status").arg("-D").arg(data_dir(stack)).output().is_ok_and(|o| o.status.success())
}

/// The postgres OS user must reach the data folder: grant traverse (x) on its ancestors.
fn ensure_traversable(dir: &Path) -> Result<()> {
    if !is_root() {
        return Ok(());
    }
    for ancestor in dir.ancestors().skip(1) {
        let ok = Command::new("runuser").args(["-u", "postgres", "--", "test", "-x"]).arg(ancestor).status().is_ok_and(|s| s.success());
        if !ok {
            ui::detail(&format!("granting traverse permission on {} to the postgres OS user", ancestor.display()));
            run_capture(Command::new("chmod").arg("o+x").arg(ancestor))?;
        }
    }
    Ok(())
}

fn init_cluster(stack: &Stack) -> Result<()> {
    let data = data_dir(stack);
    fs::create_dir_all(&data).map_err(|e| format!("create {}: {e}", data.display()))?;
    ensure_traversable(&data)?;
    let pwfile = stack.dir.join("pwfile");
    fs::write(&pwfile, LOCAL_PASSWORD).map_err(|e| e.to_string())?;
    if is_root() {
        run_capture(Command::new("chown").args(["-R", "postgres"]).arg(&data).arg(&pwfile))?;
    }
    ui::step(&format!("initialising PostgreSQL 15 cluster in {}", data.display()));
    run_capture(
        server_cmd("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "supabase_admin", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
            .arg(format!("--pwfile={}", pwfile.display())),
    )?;
    let _ = fs::remove_file(&pwfile);
    let conf = format!(
        "\n# --- local Supabase stack (cargo xtask) ---\n\
         listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n\
         shared_preload_libraries = 'pg_cron,pg_stat_statements'\ncron.database_name = 'postgres'\n\
         cron.use_background_workers = on\nmax_worker_processes = 32\n\
         wal_level = logical\nmax_replication_slots = 10\nmax_wal_senders = 10\n\
         max_connections = 200\nshared_buffers = '256MB'\nfsync = {fsync}\nfull_page_writes = {fsync}\n\
         log_min_messages = warning\nlog_line_prefix = '%m [%p] %u@%d '\n",
        port = stack.db_port,
        // The test stack is thrown away after the run: durability buys nothing there. (Not
        // synchronous_commit: logical decoding reads only flushed WAL, and the realtime test
        // reads right after committing.)
        fsync = if stack.name == "test" { "off" } else { "on" },
    );
    let conf_path = data.join("postgresql.conf");
    let mut text = fs::read_to_string(&conf_path).map_err(|e| e.to_string())?;
    text.push_str(&conf);
    fs::write(&conf_path, text).map_err(|e| e.to_string())?;
    Ok(())
}

pub fn ensure_running(stack: &Stack) -> Result<()> {
    if is_running(stack) {
        ui::detail("database already running");
        return Ok(());
    }
    let data = data_dir(stack);
    if !data.join("PG_VERSION").exists() {
        init_cluster(stack)?;
    }
    process::ensure_port_free(stack.db_port, "database", "[db] port in supabase/config.toml or SHORTS_DB_PORT")?;
    ui::step(&format!("starting PostgreSQL on 127.0.0.1:{}", stack.db_port));
    let log = stack.dir.join("postgres.log");
    if is_root() {
        fs::write(&log, "").map_err(|e| e.to_string())?;
        run_capture(Command::new("chown").arg("postgres").arg(&log))?;
    }
    run_capture(server_cmd("pg_ctl").arg("start").arg("-w").arg("-t").arg("60").arg("-D").arg(&data).arg("-l").arg(&log))
        .map_err(|e| format!("{e}\nserver log ({}):\n{}", log.display(), fs::read_to_string(&log).unwrap_or_default()))?;
    Ok(())
}

pub fn stop(stack: &Stack) -> Result<()> {
    if is_running(stack) {
        run_capture(server_cmd("pg_ctl").args(["stop", "-m", "fast", "-w", "-D"]).arg(data_dir(stack)))?;
    }
    Ok(())
}

fn sorted_sql_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "sql")).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    Ok(files)
}

/// Installs the local stand-in extensions (pg_net, supabase_vault) into PostgreSQL's
/// extension folder, where CREATE EXTENSION looks for them.
pub fn install_stand_in_extensions(repo: &Path) -> Result<()> {
    let sharedir = run_capture(Command::new(format!("{PG_BIN}/pg_config")).arg("--sharedir"))?;
    let target = PathBuf::from(sharedir.trim()).join("extension");
    for file in fs::read_dir(repo.join("local/extensions")).map_err(|e| e.to_string())? {
        let path = file.map_err(|e| e.to_string())?.path();
        let dest = target.join(path.file_name().expect("file has a name"));
        let wanted = fs::read(&path).map_err(|e| e.to_string())?;
        if fs::read(&dest).ok().as_deref() != Some(wanted.as_slice()) {
            fs::write(&dest, wanted).map_err(|e| format!("install {} (run as root once, or copy it there): {e}", dest.display()))?;
        }
    }
    Ok(())
}

const BOOKKEEPING: &str = "create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text primary key, name text, applied_at timestamptz default now());";

/// First run: compat layer, every migration, vault secrets, seed. Later runs: only migrations
/// not yet applied (like `supabase migration up`); the seed runs on a fresh database only.
pub fn migrate(stack: &Stack) -> Result<()> {
    let fresh = query(stack, "supabase_admin", "select to_regclass('supabase_migrations.schema_migrations') is null")?.trim() == "t";
    if fresh {
        ui::step("applying the platform compatibility layer (local/compat)");
        for file in sorted_sql_files(&stack.repo.join("local/compat"))? {
            apply_file(stack, "supabase_admin", &file)?;
        }
        query(stack, "supabase_admin", BOOKKEEPING)?;
        query(stack, "supabase_admin", "grant usage on schema supabase_migrations to postgres; grant select on all tables in schema supabase_migrations to postgres")?;
        store_vault_secrets(stack)?;
    }
    let applied = query(stack, "supabase_admin", "select version from supabase_migrations.schema_migrations")?;
    let applied: std::collections::HashSet<&str> = applied.lines().collect();
    let mut count = 0;
    for file in sorted_sql_files(&stack.repo.join("supabase/migrations"))? {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let (version, name) = stem.split_once('_').ok_or_else(|| format!("{}: migration names are <timestamp>_<name>.sql", file.display()))?;
        if applied.contains(version) {
            continue;
        }
        if count == 0 {
            ui::step("applying migrations (as role postgres)");
        }
        apply_file(stack, "postgres", &file).map_err(|e| format!("migration {e}\nStopped; fix the file and run again."))?;
        query(stack, "supabase_admin", &format!("insert into supabase_migrations.schema_migrations (version, name) values ('{version}', '{}')", name.replace('\'', "''")))?;
        ui::detail(&format!("applied {}", file.file_name().and_then(|s| s.to_str()).unwrap_or_default()));
        count += 1;
    }
    if count == 0 {
        ui::detail("migrations up to date");
    }
    if fresh {
        let seed = stack.repo.join("supabase/seed.sql");
        if seed.exists() {
            ui::step("applying supabase/seed.sql");
            apply_file(stack, "postgres", &seed).map_err(|e| format!("seed {e}"))?;
        }
    }
    Ok(())
}

/// [db.vault] in config.toml: create or update each secret (as the CLI does for `[db.vault]`).
fn store_vault_secrets(stack: &Stack) -> Result<()> {
    for name in &stack.vault_names {
        let Some(value) = stack.vault_value(name) else { continue };
        let sql = format!(
            "select case when exists (select 1 from vault.secrets where name = '{n}')
                then (select vault.update_secret(id, '{v}') from vault.secrets where name = '{n}')::text
                else vault.create_secret('{v}', '{n}')::text end",
            n = name.replace('\'', "''"),
            v = value.replace('\'', "''")
        );
        query(stack, "postgres", &sql)?;
    }
    Ok(())
}

/// Drops the cluster and builds it again from the compat layer, migrations and seed.
pub fn reset(stack: &Stack) -> Result<()> {
    stop(stack)?;
    let data = data_dir(stack);
    if data.exists() {
        fs::remove_dir_all(&data).map_err(|e| format!("remove {}: {e}", data.display()))?;
    }
    ensure_running(stack)?;
    migrate(stack)
}

pub fn pg_net_worker_up(stack: &Stack) -> bool {
    query(stack, "supabase_admin", "select net.check_worker_is_up()").is_ok_and(|s| s.trim() == "t")
}
