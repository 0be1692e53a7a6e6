//! Figures as they go into BENCHMARKS.md and target/bench/results.json: each measured value
//! beside its baseline from the same run, as median and min–max over the rounds.

use serde::Serialize;
use serde_json::Value;

/// Median and range of one quantity over the rounds.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub rounds: Vec<f64>,
}

impl Stats {
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
        Some(Self { median, min: sorted[0], max: sorted[n - 1], rounds: values.to_vec() })
    }

    /// `12,345 (11,900–12,800)` with `unit` after the median.
    pub fn show(&self, unit: &str, decimals: usize) -> String {
        if self.rounds.len() == 1 {
            return format!("{}{unit}", num(self.median, decimals));
        }
        format!("{}{unit} ({}–{})", num(self.median, decimals), num(self.min, decimals), num(self.max, decimals))
    }
}

/// Thousands separators; `decimals` after the point.
pub fn num(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Met {
    Yes,
    No,
    /// No target, or not measurable in this run.
    NotApplicable,
}

impl Met {
    pub fn from_bool(ok: bool) -> Self {
        if ok {
            Self::Yes
        } else {
            Self::No
        }
    }
    fn cell(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "**no**",
            Self::NotApplicable => "—",
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: String,
    pub figure: String,
    pub value: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
    pub met: Met,
    /// Why a target is missed and what would close it; or a caveat.
    pub note: Option<String>,
}

impl Row {
    pub fn new(id: &str, figure: impl Into<String>) -> Self {
        Self {
            id: id.to_owned(),
            figure: figure.into(),
            value: "—".into(),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: Met::NotApplicable,
            note: None,
        }
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = v.into();
        self
    }
    pub fn baseline(mut self, v: impl Into<String>) -> Self {
        self.baseline = v.into();
        self
    }
    pub fn ratio(mut self, v: impl Into<String>) -> Self {
        self.ratio = v.into();
        self
    }
    pub fn target(mut self, v: impl Into<String>, met: Met) -> Self {
        self.target = v.into();
        self.met = met;
        self
    }
    pub fn note(mut self, v: impl Into<String>) -> Self {
        self.note = Some(v.into());
        self
    }
}

/// Everything one run produced.
#[derive(Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Raw numbers per figure (every round), for results.json.
    pub raw: serde_json::Map<String, Value>,
    /// Figures that could not run, with the reason.
    pub problems: Vec<String>,
}

impl Report {
    pub fn push(&mut self, row: Row) {
        crate::ui::detail(&format!("{} {}: {} | baseline {} | ratio {} | target {} ({:?})", row.id, row.figure, row.value, row.baseline, row.ratio, row.target, row.met));
        self.rows.push(row);
    }
    pub fn raw(&mut self, key: &str, value: Value) {
        self.raw.insert(key.to_owned(), value);
    }
    pub fn problem(&mut self, id: &str, message: &str) {
        crate::ui::error(&format!("{id}: {message}"));
        self.problems.push(format!("{id}: {message}"));
        self.rows.push(Row::new(id, "not measured").note(format!("the harness failed here: {message}")));
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The markdown document: machine at the top, the table, then the notes.
pub fn markdown(report: &Report, machine: &str, date: &str, command: &str, intro: &str) -> String {
    let mut out = String::new();
    out.push_str("# Benchmarks\n\n");
    out.push_str(intro);
    out.push_str("\n\n");
    out.push_str(&format!("**Machine:** {machine}  \n**Date:** {date}  \n**Command:** `{command}`\n\n"));
    out.push_str("| # | figure | value | baseline (same run) | ratio | target | met? | machine | date | command |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    let short_machine = machine.split(';').next().unwrap_or(machine);
    let short_date = date.split('T').next().unwrap_or(date);
    for row in &report.rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | `{}` |\n",
            cell(&row.id),
            cell(&row.figure),
            cell(&row.value),
            cell(&row.baseline),
            cell(&row.ratio),
            cell(&row.target),
            row.met.cell(),
            cell(short_machine),
            short_date,
            command
        ));
    }
    let notes: Vec<&Row> = report.rows.iter().filter(|r| r.note.is_some()).collect();
    if !notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for row in notes {
            let tag = if row.met == Met::No { " (target missed)" } else { "" };
            out.push_str(&format!("- **{} {}**{tag}: {}\n", row.id, row.figure, row.note.as_deref().unwrap_or_default()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_and_numbers() {
        let s = Stats::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 10.0));
        assert_eq!(num(12_345.678, 1), "12,345.7");
        assert_eq!(num(999.0, 0), "999");
        assert_eq!(num(-1_000.0, 0), "-1,000");
        assert_eq!(Stats::of(&[5.0]).unwrap().show(" ms", 1), "5.0 ms");
        assert!(Stats::of(&[]).is_none());
    }
}
