//! Trend strength: how unusual the current score is against the keyword's own baseline
//! (velocity against a baseline, not raw volume), in two figures:
//!
//! * a z-score against the mean/std of the same UTC (weekday, hour) slot, falling back to
//!   the whole history while the slot has fewer than 3 points;
//! * the Poisson figure of merit η of Gnip's "Trend Detection in Social Data" (2015):
//!   η = (|x − μ| / μ) / (W / μ) = |x − μ| / W, with W the width of the 99 % Poisson
//!   interval around the baseline mean μ.

use serde::Serialize;

use crate::payload::calendar::{hour_of, weekday_of};
use crate::payload::ScorePoint;

/// Fewer baseline points than this say nothing about what is normal for the keyword.
pub const MIN_BASELINE_POINTS: usize = 3;
pub const Z_THRESHOLD: f64 = 2.0;
pub const ETA_THRESHOLD: f64 = 1.0;
/// One trend-score point. Spreads and means below it are noise of a 0..100 score, so it
/// floors the std of the z-score and the denominator of the velocity: a flat baseline then
/// still gives finite, comparable figures.
const ONE_POINT: f64 = 1.0;
/// Two-sided 99 % normal quantile, z₀.₉₉₅.
const Z_99: f64 = 2.575_829_303_548_901;
/// Tail probability on each side of the 99 % interval.
const TAIL_99: f64 = 0.005;
/// From this mean on, Poisson(μ) ≈ Normal(μ, μ) is accurate enough for a 99 % interval.
const NORMAL_APPROXIMATION_FROM_MEAN: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendStrength {
    /// Relative change against the baseline: (x − μ) / max(μ, 1). 0.5 = 50 % above normal.
    pub velocity: f64,
    pub z_score: f64,
    pub poisson_eta: f64,
    pub baseline_mean: f64,
    /// Sample standard deviation of the baseline, before the one-point floor.
    pub baseline_std: f64,
    /// Points in the baseline actually used (the slot's, or the whole history's).
    pub baseline_points: usize,
    /// Points of the history in the current (weekday, hour) slot.
    pub slot_points: usize,
    pub is_trending: bool,
}

impl TrendStrength {
    /// How far the keyword is toward the trending threshold of either figure, in 0..=1
    /// (1 = at or past it). Zero for a falling score or too short a baseline.
    pub fn intensity(&self) -> f64 {
        if self.baseline_points < MIN_BASELINE_POINTS || self.velocity <= 0.0 {
            return 0.0;
        }
        (self.poisson_eta / ETA_THRESHOLD).max(self.z_score / Z_THRESHOLD).clamp(0.0, 1.0)
    }
}

/// Measures `current` against `history` (observations before it). None without history.
pub fn assess(history: &[ScorePoint], current: ScorePoint) -> Option<TrendStrength> {
    let slot = (weekday_of(current.at), hour_of(current.at));
    let mut whole = Moments::default();
    let mut in_slot = Moments::default();
    for point in history {
        whole.push(point.score);
        if (weekday_of(point.at), hour_of(point.at)) == slot {
            in_slot.push(point.score);
        }
    }
    if whole.count == 0 {
        return None;
    }
    let baseline = if in_slot.count >= MIN_BASELINE_POINTS { in_slot } else { whole };

    let x = current.score;
    let mean = baseline.mean;
    let std = baseline.sample_std();
    let z_score = (x - mean) / std.max(ONE_POINT);
    let poisson_eta = (x - mean).abs() / poisson_interval_99_width(mean);
    let is_trending =
        baseline.count >= MIN_BASELINE_POINTS && x > mean && (poisson_eta > ETA_THRESHOLD || z_score > Z_THRESHOLD);
    Some(TrendStrength {
        velocity: (x - mean) / mean.max(ONE_POINT),
        z_score,
        poisson_eta,
        baseline_mean: mean,
        baseline_std: std,
        baseline_points: baseline.count,
        slot_points: in_slot.count,
        is_trending,
    })
}

/// Width (upper − lower) of the central 99 % interval of Poisson(μ), at least one count:
/// for tiny μ both quantiles are 0 and a zero width would make η infinite.
fn poisson_interval_99_width(mean: f64) -> f64 {
    let width = if mean >= NORMAL_APPROXIMATION_FROM_MEAN {
        2.0 * Z_99 * mean.sqrt()
    } else {
        let (lower, upper) = poisson_quantiles(mean, TAIL_99, 1.0 - TAIL_99);
        upper - lower
    };
    width.max(1.0)
}

/// Exact quantiles of Poisson(μ) by summing the pmf: the smallest k with P(X ≤ k) ≥ q
/// (scipy's `poisson.ppf`, which Gnip's implementation uses). Meant for μ < 10, where the
/// upper 99.5 % quantile is below 25; the loop bound only guards against misuse.
fn poisson_quantiles(mean: f64, lower_q: f64, upper_q: f64) -> (f64, f64) {
    let mut pmf = (-mean).exp();
    let mut cdf = pmf;
    let mut lower = None;
    let mut k = 0.0;
    while k < 1_000.0 {
        if lower.is_none() && cdf >= lower_q {
            lower = Some(k);
        }
        if cdf >= upper_q {
            break;
        }
        k += 1.0;
        pmf *= mean / k;
        cdf += pmf;
    }
    (lower.unwrap_or(k), k)
}

/// Running mean and sum of squared deviations (Welford), so no scores are buffered.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    count: usize,
    mean: f64,
    squared_deviations: f64,
}

impl Moments {
    fn push(&mut self, value: f64) {
        self.count += 1;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.squared_deviations += delta * (value - self.mean);
    }

    /// With n − 1 in the denominator; 0 for a single point.
    fn sample_std(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            (self.squared_deviations / (self.count - 1) as f64).sqrt()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;
    /// Thursday 2025-05-01T12:00:00Z.
    const NOON: i64 = 1_746_100_800;

    fn at(time: i64, score: f64) -> ScorePoint {
        ScorePoint { at: time, score }
    }

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
    }

    #[test]
    fn no_history_no_strength() {
        assert_eq!(assess(&[], at(NOON, 50.0)), None);
    }

    #[test]
    fn whole_history_baseline_with_normal_poisson_approximation() {
        // Different hours than the current one: the slot is empty, so all three count.
        // μ = 12, s = 2 → z = (20 − 12) / 2 = 4; W = 2·2.5758·√12 = 17.8458 → η = 8 / W.
        let history = [at(NOON - 3 * HOUR, 10.0), at(NOON - 2 * HOUR, 12.0), at(NOON - HOUR, 14.0)];
        let strength = assess(&history, at(NOON, 20.0)).unwrap();
        close(strength.baseline_mean, 12.0);
        close(strength.baseline_std, 2.0);
        close(strength.z_score, 4.0);
        close(strength.velocity, 8.0 / 12.0);
        close(strength.poisson_eta, 8.0 / (2.0 * Z_99 * 12.0_f64.sqrt()));
        assert!((strength.poisson_eta - 0.448_28).abs() < 1e-5);
        assert_eq!((strength.baseline_points, strength.slot_points), (3, 0));
        assert!(strength.is_trending, "z = 4 > 2");
        assert_eq!(strength.intensity(), 1.0);
    }

    #[test]
    fn same_slot_baseline_wins_once_it_has_three_points() {
        // Three Thursdays at noon around 30, plus many other hours near 5.
        let mut history: Vec<ScorePoint> = (1..=20).map(|h| at(NOON - 7 * DAY + h * HOUR, 5.0)).collect();
        history.extend([at(NOON - 21 * DAY, 28.0), at(NOON - 14 * DAY, 30.0), at(NOON - 7 * DAY, 32.0)]);
        history.sort_by_key(|p| p.at);
        let strength = assess(&history, at(NOON + 59 * 60, 31.0)).unwrap();
        assert_eq!((strength.slot_points, strength.baseline_points), (3, 3));
        close(strength.baseline_mean, 30.0);
        close(strength.z_score, 0.5);
        assert!(!strength.is_trending, "31 is normal for Thursday noon");

        // Two slot points are not enough: the whole history (mean ≈ 7.4) is the baseline.
        let fallback = assess(&history[1..], at(NOON, 31.0)).unwrap();
        assert_eq!((fallback.slot_points, fallback.baseline_points), (2, 22));
        assert!(fallback.is_trending);
    }

    #[test]
    fn exact_poisson_quantiles_for_small_means() {
        // Poisson(4): P(X ≤ 0) = 0.0183 ≥ 0.005, P(X ≤ 9) = 0.9919, P(X ≤ 10) = 0.99716.
        assert_eq!(poisson_quantiles(4.0, TAIL_99, 1.0 - TAIL_99), (0.0, 10.0));
        // Poisson(9): P(X ≤ 1) = 0.00123, P(X ≤ 2) = 0.00623; P(X ≤ 17) = 0.99468, P(X ≤ 18) = 0.99757.
        assert_eq!(poisson_quantiles(9.0, TAIL_99, 1.0 - TAIL_99), (2.0, 18.0));
        // Tiny means have a zero-width interval, floored to one count.
        assert_eq!(poisson_interval_99_width(0.0), 1.0);
        assert_eq!(poisson_interval_99_width(0.001), 1.0);

        // Baseline 4, 4, 4 (σ = 0 → floored to 1): x = 14 → η = 10 / 10 = 1, not > 1;
        // x = 15 → η = 1.1. Both are far past z = 2 anyway.
        let history = [at(NOON - 3 * HOUR, 4.0), at(NOON - 2 * HOUR, 4.0), at(NOON - HOUR, 4.0)];
        close(assess(&history, at(NOON, 14.0)).unwrap().poisson_eta, 1.0);
        close(assess(&history, at(NOON, 15.0)).unwrap().poisson_eta, 1.1);
        close(assess(&history, at(NOON, 15.0)).unwrap().z_score, 11.0);
    }

    #[test]
    fn eta_alone_can_flag_a_trend_on_a_noisy_baseline() {
        // μ = 50, s = 30 (z = 1.33), W = 2·2.5758·√50 = 36.43: x = 90 → η = 1.098.
        let history = [at(NOON - 3 * HOUR, 20.0), at(NOON - 2 * HOUR, 80.0), at(NOON - HOUR, 50.0)];
        let strength = assess(&history, at(NOON, 90.0)).unwrap();
        assert!(strength.z_score < Z_THRESHOLD);
        assert!(strength.poisson_eta > ETA_THRESHOLD);
        assert!(strength.is_trending);
    }

    #[test]
    fn falls_and_short_baselines_are_never_trending() {
        let history = [at(NOON - 3 * HOUR, 60.0), at(NOON - 2 * HOUR, 61.0), at(NOON - HOUR, 59.0)];
        let fall = assess(&history, at(NOON, 5.0)).unwrap();
        assert!(fall.poisson_eta > 1.0 && fall.velocity < 0.0);
        assert!(!fall.is_trending);
        assert_eq!(fall.intensity(), 0.0);

        let short = assess(&history[..2], at(NOON, 99.0)).unwrap();
        assert!(short.z_score > Z_THRESHOLD);
        assert!(!short.is_trending);
        assert_eq!(short.intensity(), 0.0);
    }

    #[test]
    fn single_point_baseline_has_zero_std_and_floored_ratios() {
        let strength = assess(&[at(NOON - HOUR, 0.5)], at(NOON, 3.5)).unwrap();
        close(strength.baseline_std, 0.0);
        close(strength.z_score, 3.0);
        close(strength.velocity, 3.0); // (3.5 − 0.5) / max(0.5, 1)
        assert!(strength.z_score.is_finite() && strength.poisson_eta.is_finite());
    }

    #[test]
    fn intensity_is_the_fraction_of_the_nearest_threshold() {
        // μ = 50, s = 10: x = 60 → z = 1 (half of 2); η = 10 / 36.43 = 0.27.
        let history = [at(NOON - 3 * HOUR, 40.0), at(NOON - 2 * HOUR, 50.0), at(NOON - HOUR, 60.0)];
        close(assess(&history, at(NOON, 60.0)).unwrap().intensity(), 0.5);
    }
}
