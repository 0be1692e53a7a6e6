//! `cargo xtask fuzz [--seconds N] [--runs N] [--quick] [--sanitizer S] [target...]`: runs the
//! `cargo fuzz` (libFuzzer) targets of fuzz/ one after another, one job each, and prints
//! per target the executions, exec/s and crashes; fails on any crash.
//!
//! cargo-fuzz passes unstable rustc flags (sanitizer coverage, `-Zsanitizer`), which only a
//! nightly compiler takes; this machine has the stable toolchain alone, so every `cargo fuzz`
//! here runs with `RUSTC_BOOTSTRAP=1` (see fuzz/README.md).
//!
//! Each target reads its committed seeds (`fuzz/corpus/<target>/`) and grows a working corpus
//! under the git-ignored `fuzz/target/corpus/<target>/`; crash inputs land in the git-ignored
//! `fuzz/artifacts/<target>/`, the libFuzzer log in `fuzz/target/logs/<target>.log`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::process::{run_capture, run_inherit};
use crate::stack::repo_root;
use crate::{ui, Result};

/// Every target under fuzz/fuzz_targets/, in the order they run.
pub const TARGETS: [&str; 14] = [
    "check_request",
    "envelope",
    "timestamp",
    "uuid",
    "db_outcome",
    "feedback_plan",
    "watch_plan",
    "trend_delivery",
    "trend_notice",
    "trend_context",
    "trend_timestamp",
    "webhook_verify",
    "webhook_roundtrip",
    "upstream_classify",
];

/// The cargo-fuzz release the project was fuzzed with.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Seconds per target for `--quick` (the `cargo xtask test` suite): the 14 targets take
/// about 1.5 minutes, plus up to 40 s for a cold build of the fuzz targets.
pub const QUICK_SECONDS: u64 = 5;
/// Seconds per target when neither `--seconds` nor `--runs` is given.
const DEFAULT_SECONDS: u64 = 60;
/// libFuzzer reports a single input that runs longer than this as a crash (a hang).
const INPUT_TIMEOUT_SECS: u64 = 10;

/// How long each target runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub seconds: Option<u64>,
    pub runs: Option<u64>,
}

/// What one target's run came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub target: String,
    pub executions: u64,
    pub execs_per_sec: u64,
    pub seconds: f64,
    pub crashes: u64,
    /// Crash, timeout or out-of-memory inputs written by libFuzzer.
    pub artifacts: Vec<String>,
    pub log: PathBuf,
    pub exited_ok: bool,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.exited_ok && self.crashes == 0
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Options {
    budget: Budget,
    sanitizer: String,
    targets: Vec<String>,
}

fn parse_flags(flags: &[&str]) -> Result<Options> {
    let mut options = Options { budget: Budget { seconds: None, runs: None }, sanitizer: "none".into(), targets: vec![] };
    let mut quick = false;
    let mut rest = flags.iter();
    while let Some(&flag) = rest.next() {
        let mut number = |name: &str| -> Result<u64> {
            let value = rest.next().ok_or_else(|| format!("{name} needs a number"))?;
            value.parse().map_err(|_| format!("{name} {value}: not a number"))
        };
        match flag {
            "--seconds" => options.budget.seconds = Some(number("--seconds")?),
            "--runs" => options.budget.runs = Some(number("--runs")?),
            "--quick" => quick = true,
            "--sanitizer" => {
                options.sanitizer = rest.next().ok_or("--sanitizer needs one of none, address")?.to_string();
            }
            target if !target.starts_with('-') && TARGETS.contains(&target) => options.targets.push(target.into()),
            other => return Err(format!("unknown fuzz argument `{other}`; targets: {}", TARGETS.join(", "))),
        }
    }
    if quick {
        options.budget = Budget { seconds: Some(QUICK_SECONDS), runs: None };
    } else if options.budget == (Budget { seconds: None, runs: None }) {
        options.budget.seconds = Some(DEFAULT_SECONDS);
    }
    if options.targets.is_empty() {
        options.targets = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    Ok(options)
}

/// `cargo xtask fuzz …`: Err when a target crashed or could not run.
pub fn run(flags: &[&str]) -> Result<()> {
    let options = parse_flags(flags)?;
    let outcomes = fuzz_targets(&options.targets, options.budget, &options.sanitizer)?;
    let failed: Vec<&str> = outcomes.iter().filter(|o| !o.passed()).map(|o| o.target.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {} (their inputs and logs are listed above)", failed.join(", ")))
    }
}

/// The short run `cargo xtask test` makes: every target for [`QUICK_SECONDS`].
/// Returns (targets without a crash, targets with one); Err when fuzzing could not start
/// (cargo-fuzz not installable, the targets do not build).
pub fn quick_run() -> Result<(u64, u64)> {
    let targets: Vec<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    let outcomes = fuzz_targets(&targets, Budget { seconds: Some(QUICK_SECONDS), runs: None }, "none")?;
    let passed = outcomes.iter().filter(|o| o.passed()).count() as u64;
    Ok((passed, outcomes.len() as u64 - passed))
}

fn fuzz_dir() -> PathBuf {
    repo_root().join("fuzz")
}

/// `cargo fuzz <subcommand>` with the build settings every call here shares: release with
/// debug assertions and overflow checks, the given sanitizer, and a target directory per
/// sanitizer (so switching does not rebuild everything).
fn cargo_fuzz(fuzz_dir: &Path, subcommand: &str, sanitizer: &str) -> Command {
    let mut cmd = Command::new("cargo");
    // Lets the stable compiler take the `-Z` flags cargo-fuzz passes (see fuzz/README.md).
    cmd.args(["fuzz", subcommand, "-O", "-a", "-s", sanitizer]).current_dir(fuzz_dir).env("RUSTC_BOOTSTRAP", "1");
    if sanitizer != "none" {
        cmd.arg("--target-dir").arg(format!("target/sanitizer-{sanitizer}"));
    }
    cmd
}

/// Installs cargo-fuzz when it is missing: one progress line, skipped when present.
pub fn ensure_cargo_fuzz() -> Result<()> {
    ui::step(&format!("cargo-fuzz {CARGO_FUZZ_VERSION}"));
    if let Ok(version) = run_capture(Command::new("cargo").args(["fuzz", "--version"])) {
        ui::detail(&format!("present ({})", version.trim()));
        return Ok(());
    }
    ui::detail("installing (about 1 minute on 2 cores)");
    run_inherit(Command::new("cargo").args(["install", "--quiet", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION]))
}

fn fuzz_targets(targets: &[String], budget: Budget, sanitizer: &str) -> Result<Vec<Outcome>> {
    ensure_cargo_fuzz()?;
    let dir = fuzz_dir();
    ui::timed(&format!("building {} fuzz targets (release, debug assertions, sanitizer {sanitizer})", targets.len()), || {
        run_capture(&mut cargo_fuzz(&dir, "build", sanitizer)).map(|_| ())
    })?;
    let mut outcomes = Vec::new();
    for target in targets {
        ui::step(&format!("fuzz {target} ({})", describe(budget)));
        let outcome = fuzz_one(&dir, target, budget, sanitizer)?;
        ui::detail(&format!(
            "{target}: {} executions, {} exec/s, {:.0} s, {} crashes",
            outcome.executions, outcome.execs_per_sec, outcome.seconds, outcome.crashes
        ));
        if !outcome.passed() {
            if outcome.artifacts.is_empty() {
                ui::detail("the fuzzer stopped without saving an input (build error?)");
            }
            for artifact in &outcome.artifacts {
                ui::detail(&format!("input: {artifact}"));
            }
            ui::detail(&format!("log: {}", outcome.log.display()));
            let log = fs::read_to_string(&outcome.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().filter(|l| !l.starts_with('#')).collect();
            for line in &tail[tail.len().saturating_sub(25)..] {
                ui::detail(line);
            }
        }
        outcomes.push(outcome);
    }
    let crashed = outcomes.iter().filter(|o| !o.passed()).count();
    println!("fuzz: {} targets passed, {crashed} failed", outcomes.len() - crashed);
    Ok(outcomes)
}

fn describe(budget: Budget) -> String {
    match budget {
        Budget { seconds: Some(s), runs: Some(r) } => format!("{r} runs or {s} s"),
        Budget { seconds: Some(s), runs: None } => format!("{s} s"),
        Budget { seconds: None, runs: Some(r) } => format!("{r} runs"),
        Budget { seconds: None, runs: None } => "until a crash".into(),
    }
}

/// The libFuzzer flags of a budget, plus the target's dictionary.
pub fn libfuzzer_args(target: &str, budget: Budget) -> Vec<String> {
    let mut args = vec![
        format!("-timeout={INPUT_TIMEOUT_SECS}"),
        "-print_final_stats=1".to_owned(),
        format!("-dict=dicts/{}.dict", dictionary(target)),
    ];
    if let Some(runs) = budget.runs {
        args.push(format!("-runs={runs}"));
    }
    if let Some(seconds) = budget.seconds {
        args.push(format!("-max_total_time={seconds}"));
    }
    args
}

/// The JSON targets share one dictionary; the header and status targets another.
fn dictionary(target: &str) -> &'static str {
    match target {
        "check_request" | "webhook_verify" | "webhook_roundtrip" | "upstream_classify" => "webhook",
        _ => "json",
    }
}

fn fuzz_one(dir: &Path, target: &str, budget: Budget, sanitizer: &str) -> Result<Outcome> {
    let work_corpus = dir.join("target/corpus").join(target);
    let logs = dir.join("target/logs");
    for d in [&work_corpus, &logs, &dir.join("artifacts").join(target)] {
        fs::create_dir_all(d).map_err(|e| format!("create {}: {e}", d.display()))?;
    }
    let log = logs.join(format!("{target}.log"));
    let log_file = fs::File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
    let log_err = log_file.try_clone().map_err(|e| e.to_string())?;
    let started = Instant::now();
    // New inputs go to the first corpus directory (the working one); the seeds stay as committed.
    let status = cargo_fuzz(dir, "run", sanitizer)
        .arg(target)
        .arg(&work_corpus)
        .arg(Path::new("corpus").join(target))
        .arg("--")
        .args(libfuzzer_args(target, budget))
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .status()
        .map_err(|e| format!("run cargo fuzz: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let text = fs::read_to_string(&log).map_err(|e| format!("read {}: {e}", log.display()))?;
    let stats = parse_log(&text);
    Ok(Outcome {
        target: target.to_owned(),
        executions: stats.executions,
        execs_per_sec: stats.execs_per_sec,
        seconds,
        crashes: stats.artifacts.len() as u64,
        artifacts: stats.artifacts,
        log,
        exited_ok: status.success(),
    })
}

#[derive(Debug, Default, PartialEq)]
struct LogStats {
    executions: u64,
    execs_per_sec: u64,
    artifacts: Vec<String>,
}

/// Reads libFuzzer's final stats (`stat::number_of_executed_units: N`) and the inputs it
/// saved (`Test unit written to PATH`, for crashes, timeouts and out-of-memory alike).
fn parse_log(text: &str) -> LogStats {
    let stat = |name: &str| {
        text.lines()
            .rev()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim_start_matches(':').trim().parse().ok())
            .unwrap_or(0)
    };
    let artifacts = text
        .lines()
        .filter_map(|l| l.split("Test unit written to ").nth(1))
        .map(|path| path.trim().to_owned())
        .collect();
    LogStats {
        executions: stat("stat::number_of_executed_units"),
        execs_per_sec: stat("stat::average_exec_per_sec"),
        artifacts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_a_source_file_and_seeds() {
        let dir = fuzz_dir();
        for target in TARGETS {
            assert!(dir.join("fuzz_targets").join(format!("{target}.rs")).exists(), "{target}");
            assert!(dir.join("corpus").join(target).read_dir().is_ok_and(|mut d| d.next().is_some()), "{target}");
        }
        let sources = fs::read_dir(dir.join("fuzz_targets")).unwrap().count();
        assert_eq!(sources, TARGETS.len(), "a target file is not in TARGETS");
    }

    #[test]
    fn flags_choose_budget_and_targets() {
        let all = parse_flags(&[]).unwrap();
        assert_eq!(all.budget, Budget { seconds: Some(DEFAULT_SECONDS), runs: None });
        assert_eq!(all.targets.len(), TARGETS.len());
        let some = parse_flags(&["--runs", "10000000", "uuid", "envelope", "--sanitizer", "address"]).unwrap();
        assert_eq!(some.budget, Budget { seconds: None, runs: Some(10_000_000) });
        assert_eq!((some.targets, some.sanitizer.as_str()), (vec!["uuid".to_owned(), "envelope".to_owned()], "address"));
        assert_eq!(parse_flags(&["--quick", "--seconds", "99"]).unwrap().budget.seconds, Some(QUICK_SECONDS));
        assert!(parse_flags(&["nope"]).is_err());
        assert!(parse_flags(&["--runs"]).is_err());
    }

    #[test]
    fn reads_libfuzzer_stats_and_artifacts() {
        let log = "#2 INITED cov: 10\nDone 2000 runs in 1 second(s)\nstat::number_of_executed_units: 2000\nstat::average_exec_per_sec:     1998\nstat::new_units_added:          3\n";
        assert_eq!(parse_log(log), LogStats { executions: 2000, execs_per_sec: 1998, artifacts: vec![] });
        let crash = "==1== ERROR: libFuzzer: deadly signal\nartifact_prefix='/x/'; Test unit written to /x/crash-abc\nstat::number_of_executed_units: 7\n";
        assert_eq!(parse_log(crash).artifacts, vec!["/x/crash-abc".to_owned()]);
    }

    #[test]
    fn budgets_become_libfuzzer_flags() {
        let args = libfuzzer_args("uuid", Budget { seconds: Some(6), runs: Some(5) });
        assert!(args.contains(&"-runs=5".to_owned()) && args.contains(&"-max_total_time=6".to_owned()));
        assert!(args.contains(&"-dict=dicts/json.dict".to_owned()));
        assert!(libfuzzer_args("webhook_verify", Budget { seconds: None, runs: None }).contains(&"-dict=dicts/webhook.dict".to_owned()));
    }
}
