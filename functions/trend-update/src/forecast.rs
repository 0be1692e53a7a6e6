//! Daily trend-score forecasts with Holt's linear trend method, i.e. the point forecasts of
//! ETS(A,A,N), and that model's closed-form prediction intervals (Hyndman & Athanasopoulos,
//! "Forecasting: Principles and Practice", 3rd ed., §8.7 Table 8.8).
//!
//! Two parameterisations of the trend smoothing are in use; this module keeps both apart:
//! Holt's β* (`beta` here, grid-searched in 0.05..=0.95) and the state-space β = α·β* that
//! the variance formula of FPP3 is written in.

use serde::Serialize;

use crate::payload::calendar::{day_of, format_day};
use crate::payload::ScorePoint;
use crate::strength::TrendStrength;

/// Names the whole procedure (fallbacks, grid, windows): change it when any of them changes,
/// since it is part of a prediction's natural key.
pub const MODEL_VERSION: &str = "holt-aan-1";
pub const MAX_HORIZON_DAYS: u32 = 7;
/// Days of history the model sees; older ones matter little to a trend and cost grid time.
pub const MAX_SERIES_DAYS: i64 = 90;
/// σ of one day's change (score points) assumed while the data cannot estimate it.
pub const DEFAULT_DAILY_SIGMA: f64 = 5.0;
/// Below this many informative residuals the fitted σ is not trusted below the default.
const MIN_RESIDUALS_FOR_SIGMA: usize = 3;
/// The prediction interval levels written, with their two-sided normal quantiles.
pub const INTERVAL_LEVELS: [(f64, f64); 2] = [(0.80, 1.281_551_565_544_600_4), (0.95, 1.959_963_984_540_054)];
/// α and β* candidates: 0.05, 0.10, …, 0.95.
const GRID: [f64; 19] =
    [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95];

/// One score per UTC day: the last observation of that day, carried forward over days
/// without one (a trend score holds until it changes). Never empty.
#[derive(Debug, Clone, PartialEq)]
pub struct DailySeries {
    first_day: i64,
    last_day: i64,
    values: Vec<f64>,
}

impl DailySeries {
    /// Builds the series up to `through_day` (or the last observation's day if later),
    /// keeping the last `MAX_SERIES_DAYS` days. `observations` must be oldest first, as
    /// `payload::parse_delivery` guarantees. None when there are no observations.
    pub fn from_observations(observations: &[ScorePoint], through_day: i64) -> Option<Self> {
        let (first, last) = (observations.first()?, observations.last()?);
        let last_day = through_day.max(day_of(last.at));
        let first_day = day_of(first.at).max(last_day - MAX_SERIES_DAYS + 1);

        let mut pending = observations.iter().peekable();
        let mut carried = first.score;
        let mut values = Vec::new();
        for day in first_day..=last_day {
            while let Some(point) = pending.next_if(|point| day_of(point.at) <= day) {
                carried = point.score;
            }
            values.push(carried);
        }
        Some(Self { first_day, last_day, values })
    }

    pub fn first_day(&self) -> i64 {
        self.first_day
    }

    pub fn last_day(&self) -> i64 {
        self.last_day
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// (day, score) pairs, oldest first.
    pub fn days(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        (self.first_day..).zip(self.values.iter().copied())
    }
}

/// Which model produced a forecast: Holt needs 3 days, drift 2, naive 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Naive,
    Drift,
    Holt,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub method: Method,
    /// Holt only: level smoothing α and Holt's trend smoothing β*.
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub n_points: usize,
    /// One-step residual σ (or the default, see `DEFAULT_DAILY_SIGMA`).
    pub sigma: f64,
    pub horizons: Vec<HorizonForecast>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HorizonForecast {
    pub horizon_days: u32,
    /// `YYYY-MM-DD`: the series' last day + `horizon_days`.
    pub predicted_for: String,
    pub point: f64,
    pub intervals: [PredictionInterval; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PredictionInterval {
    pub level: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The fitted state of Holt's method after the last observation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoltFit {
    pub alpha: f64,
    /// Holt's β*; the state-space β is `alpha * beta`.
    pub beta: f64,
    pub level: f64,
    pub trend: f64,
    /// Sum of squared one-step errors over the informative residuals (t = 3..n).
    pub sse: f64,
}

/// Runs Holt's method with fixed parameters. Start: ℓ₁ = y₁, b₁ = y₂ − y₁, so the t = 2
/// error is zero by construction and the recursion starts at t = 3 from ℓ₂ = y₂, b₂ = b₁:
///   e_t = y_t − (ℓ_{t−1} + b_{t−1}),  ℓ_t = ℓ_{t−1} + b_{t−1} + α e_t,  b_t = b_{t−1} + α β* e_t.
/// None for fewer than two values.
pub fn fit_holt(values: &[f64], alpha: f64, beta: f64) -> Option<HoltFit> {
    let [first, second, rest @ ..] = values else { return None };
    let (mut level, mut trend, mut sse) = (*second, second - first, 0.0);
    for &y in rest {
        let error = y - (level + trend);
        level += trend + alpha * error;
        trend += alpha * beta * error;
        sse += error * error;
    }
    Some(HoltFit { alpha, beta, level, trend, sse })
}

/// The (α, β*) of `GRID` × `GRID` with the least SSE; ties go to the smaller α, then β*.
/// All 19 β* candidates of one α advance together through the series, so the data is
/// read 19 times instead of 361 and nothing is allocated.
pub fn fit_holt_grid(values: &[f64]) -> Option<HoltFit> {
    let [first, second, rest @ ..] = values else { return None };
    let mut best: Option<HoltFit> = None;
    for alpha in GRID {
        let mut level = [*second; GRID.len()];
        let mut trend = [second - first; GRID.len()];
        let mut sse = [0.0; GRID.len()];
        for &y in rest {
            for (j, beta) in GRID.iter().enumerate() {
                let error = y - (level[j] + trend[j]);
                level[j] += trend[j] + alpha * error;
                trend[j] += alpha * beta * error;
                sse[j] += error * error;
            }
        }
        for (j, beta) in GRID.iter().enumerate() {
            if best.is_none_or(|b| sse[j] < b.sse) {
                best = Some(HoltFit { alpha, beta: *beta, level: level[j], trend: trend[j], sse: sse[j] });
            }
        }
    }
    best
}

/// σ_h² / σ² for ETS(A,A,N) h steps ahead, FPP3 Table 8.8:
///   1 + (h − 1)[α² + αβh + β²h(2h − 1)/6]   with the state-space β = α·β*.
/// It is the closed form of 1 + Σ_{j=1}^{h−1} (α + βj)², the weight of each future shock.
pub fn holt_variance_factor(horizon: u32, alpha: f64, beta_star: f64) -> f64 {
    let beta = alpha * beta_star;
    let h = f64::from(horizon);
    1.0 + (h - 1.0) * (alpha * alpha + alpha * beta * h + beta * beta * h * (2.0 * h - 1.0) / 6.0)
}

/// Forecasts days 1..=`MAX_HORIZON_DAYS` after the series' last day.
pub fn forecast(series: &DailySeries) -> Forecast {
    let values = series.values();
    let n_points = values.len();
    let (model, sigma) = match *values {
        [last] => (Model::Naive { last }, DEFAULT_DAILY_SIGMA),
        [previous, last] => (Model::Drift { last, slope: last - previous }, DEFAULT_DAILY_SIGMA),
        _ => match fit_holt_grid(values) {
            Some(fit) => (Model::Holt(fit), holt_sigma(&fit, n_points)),
            // Only for an empty series, which DailySeries rules out.
            None => (Model::Naive { last: 0.0 }, DEFAULT_DAILY_SIGMA),
        },
    };

    let horizons = (1..=MAX_HORIZON_DAYS)
        .map(|horizon| {
            let point = model.point(horizon);
            let spread = sigma * model.spread_factor(horizon);
            HorizonForecast {
                horizon_days: horizon,
                predicted_for: format_day(series.last_day() + i64::from(horizon)),
                point: to_score(point),
                intervals: INTERVAL_LEVELS.map(|(level, z)| PredictionInterval {
                    level,
                    lower: to_score(point - z * spread),
                    upper: to_score(point + z * spread),
                }),
            }
        })
        .collect();
    let (alpha, beta) = match model {
        Model::Holt(fit) => (Some(fit.alpha), Some(fit.beta)),
        Model::Drift { .. } | Model::Naive { .. } => (None, None),
    };
    Forecast { method: model.method(), alpha, beta, n_points, sigma, horizons }
}

/// σ² = SSE / (n − 2): the mean square of the n − 2 informative one-step residuals; while
/// there are fewer than `MIN_RESIDUALS_FOR_SIGMA` of them, at least `DEFAULT_DAILY_SIGMA`.
fn holt_sigma(fit: &HoltFit, n_points: usize) -> f64 {
    let residuals = n_points.saturating_sub(2).max(1);
    let fitted = (fit.sse / residuals as f64).sqrt();
    if residuals < MIN_RESIDUALS_FOR_SIGMA {
        fitted.max(DEFAULT_DAILY_SIGMA)
    } else {
        fitted
    }
}

/// What a prediction row records about how it was made (`features_used`, a JSON object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeaturesUsed {
    pub method: Method,
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub n_points: usize,
    pub sigma: f64,
    pub strength: Option<TrendStrength>,
}

pub fn features_used(forecast: &Forecast, strength: Option<&TrendStrength>) -> FeaturesUsed {
    FeaturesUsed {
        method: forecast.method,
        alpha: forecast.alpha,
        beta: forecast.beta,
        n_points: forecast.n_points,
        sigma: forecast.sigma,
        strength: strength.copied(),
    }
}

enum Model {
    Naive {
        last: f64,
    },
    /// Random walk with drift estimated from the single step available (T = 2).
    Drift {
        last: f64,
        slope: f64,
    },
    Holt(HoltFit),
}

impl Model {
    fn method(&self) -> Method {
        match self {
            Self::Naive { .. } => Method::Naive,
            Self::Drift { .. } => Method::Drift,
            Self::Holt(_) => Method::Holt,
        }
    }

    fn point(&self, horizon: u32) -> f64 {
        let h = f64::from(horizon);
        match self {
            Self::Naive { last } => *last,
            Self::Drift { last, slope } => last + h * slope,
            Self::Holt(fit) => fit.level + h * fit.trend,
        }
    }

    /// σ_h / σ. Naive: √h. Drift with T observations: √(h(1 + h/(T − 1))), here T = 2
    /// (FPP3 §5.5 Table 5.2). Holt: see `holt_variance_factor`.
    fn spread_factor(&self, horizon: u32) -> f64 {
        let h = f64::from(horizon);
        match self {
            Self::Naive { .. } => h.sqrt(),
            Self::Drift { .. } => (h * (1.0 + h)).sqrt(),
            Self::Holt(fit) => holt_variance_factor(horizon, fit.alpha, fit.beta).sqrt(),
        }
    }
}

/// Into the `trend_score` domain: clamped to 0..=100 and rounded to DECIMAL(5,2).
fn to_score(value: f64) -> f64 {
    (value.clamp(0.0, 100.0) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    /// 2025-05-01 as a day number.
    const MAY_1: i64 = 20_209;

    /// One observation at noon of each consecutive day from May 1st.
    fn series(values: &[f64]) -> DailySeries {
        let points: Vec<ScorePoint> =
            (MAY_1..).zip(values).map(|(day, &score)| ScorePoint { at: day * DAY + DAY / 2, score }).collect();
        DailySeries::from_observations(&points, MAY_1).unwrap()
    }

    fn interval(forecast: &Forecast, horizon: usize, level: usize) -> PredictionInterval {
        forecast.horizons[horizon - 1].intervals[level]
    }

    /// Knuth's MMIX LCG and Box–Muller: reproducible normal noise without a rand crate.
    struct Noise(u64);

    impl Noise {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 11) as f64 + 0.5) / (1_u64 << 53) as f64
        }

        fn normal(&mut self, sigma: f64) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            sigma * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        }
    }

    #[test]
    fn daily_series_keeps_the_last_value_of_each_day_and_carries_it_over_gaps() {
        let points = [
            ScorePoint { at: MAY_1 * DAY + 100, score: 10.0 },
            ScorePoint { at: MAY_1 * DAY + 200, score: 12.0 },
            ScorePoint { at: (MAY_1 + 3) * DAY, score: 30.0 },
        ];
        let series = DailySeries::from_observations(&points, MAY_1 + 5).unwrap();
        assert_eq!(series.values(), &[12.0, 12.0, 12.0, 30.0, 30.0, 30.0]);
        assert_eq!((series.first_day(), series.last_day()), (MAY_1, MAY_1 + 5));
        assert_eq!(series.days().nth(3), Some((MAY_1 + 3, 30.0)));
        assert_eq!(DailySeries::from_observations(&[], MAY_1), None);
    }

    #[test]
    fn daily_series_window_starts_from_the_value_carried_into_it() {
        let points = [ScorePoint { at: 0, score: 1.0 }, ScorePoint { at: (MAY_1 - 200) * DAY, score: 2.0 }];
        let series = DailySeries::from_observations(&points, MAY_1).unwrap();
        assert_eq!(series.values().len(), 90);
        assert_eq!(series.first_day(), MAY_1 - 89);
        assert!(series.values().iter().all(|&v| v == 2.0));
    }

    #[test]
    fn holt_by_hand() {
        // y = 10, 12, 15, 15; α = β* = 0.5 (state-space β = 0.25). ℓ₂ = 12, b₂ = 2.
        // t=3: ŷ = 14, e = 1,     ℓ = 14.5,   b = 2.25
        // t=4: ŷ = 16.75, e = −1.75, ℓ = 15.875, b = 1.8125;  SSE = 1 + 3.0625
        let fit = fit_holt(&[10.0, 12.0, 15.0, 15.0], 0.5, 0.5).unwrap();
        assert_eq!((fit.level, fit.trend, fit.sse), (15.875, 1.8125, 4.0625));
        // h = 2: 1 + 1·(0.25 + 0.5·0.25·2 + 0.0625·2·3/6) = 1.5625
        assert_eq!(holt_variance_factor(1, 0.5, 0.5), 1.0);
        assert_eq!(holt_variance_factor(2, 0.5, 0.5), 1.5625);
        assert_eq!(fit_holt(&[1.0], 0.5, 0.5), None);
    }

    #[test]
    fn variance_factor_is_the_sum_of_squared_shock_weights() {
        for (alpha, beta_star) in [(0.05, 0.05), (0.3, 0.7), (0.95, 0.95), (0.5, 0.1)] {
            let beta = alpha * beta_star;
            for h in 1..=MAX_HORIZON_DAYS {
                let summed: f64 = 1.0 + (1..h).map(|j| (alpha + beta * f64::from(j)).powi(2)).sum::<f64>();
                assert!(
                    (holt_variance_factor(h, alpha, beta_star) - summed).abs() < 1e-12,
                    "α={alpha} β*={beta_star} h={h}"
                );
            }
        }
    }

    #[test]
    fn grid_search_matches_brute_force() {
        let mut noise = Noise(7);
        let values: Vec<f64> = (0..40).map(|t| 30.0 + 0.8 * f64::from(t) + noise.normal(3.0)).collect();
        let fast = fit_holt_grid(&values).unwrap();
        let mut slow: Option<HoltFit> = None;
        for alpha in GRID {
            for beta in GRID {
                let fit = fit_holt(&values, alpha, beta).unwrap();
                if slow.is_none_or(|best| fit.sse < best.sse) {
                    slow = Some(fit);
                }
            }
        }
        assert_eq!(Some(fast), slow);
    }

    #[test]
    fn exact_linear_series_is_continued_with_tight_intervals() {
        let values: Vec<f64> = (0..30).map(|t| 10.0 + 2.0 * f64::from(t)).collect(); // last = 68
        let forecast = forecast(&series(&values));
        assert_eq!(forecast.method, Method::Holt);
        assert!(forecast.sigma < 1e-9);
        for horizon in &forecast.horizons {
            assert_eq!(horizon.point, 68.0 + 2.0 * f64::from(horizon.horizon_days));
            for interval in horizon.intervals {
                assert!(interval.upper - interval.lower <= 0.01, "{interval:?}");
            }
        }
        assert_eq!(forecast.horizons[0].predicted_for, "2025-05-31");
        assert_eq!(forecast.horizons[6].predicted_for, "2025-06-06");
    }

    #[test]
    fn constant_series_forecasts_the_constant() {
        let forecast = forecast(&series(&[42.5; 20]));
        for horizon in &forecast.horizons {
            assert_eq!(horizon.point, 42.5);
            assert_eq!(horizon.intervals.map(|i| (i.lower, i.upper)), [(42.5, 42.5); 2]);
        }
    }

    #[test]
    fn noisy_linear_series_95_percent_intervals_cover_held_out_days() {
        let (mut covered, mut total) = (0_u32, 0_u32);
        for seed in 1..=200 {
            let mut noise = Noise(seed);
            let values: Vec<f64> = (0..67).map(|t| 20.0 + 0.5 * f64::from(t) + noise.normal(2.0)).collect();
            let (train, held_out) = values.split_at(60);
            let forecast = forecast(&series(train));
            for (horizon, actual) in forecast.horizons.iter().zip(held_out) {
                let interval = horizon.intervals[1];
                covered += u32::from(interval.lower <= *actual && *actual <= interval.upper);
                total += 1;
            }
        }
        let coverage = f64::from(covered) / f64::from(total);
        assert!((0.85..=1.0).contains(&coverage), "95 % interval coverage {coverage}");
    }

    #[test]
    fn step_change_moves_the_forecast_to_the_new_level() {
        let mut values = vec![20.0; 30];
        values.extend([60.0; 10]);
        let forecast = forecast(&series(&values));
        let next = &forecast.horizons[0];
        assert!((55.0..=65.0).contains(&next.point), "{next:?}");
        let wide = interval(&forecast, 1, 1);
        assert!(wide.lower <= 60.0 && 60.0 <= wide.upper && wide.upper - wide.lower > 1.0, "{wide:?}");
    }

    #[test]
    fn short_series_fall_back_to_naive_and_drift() {
        let naive = forecast(&series(&[40.0]));
        assert_eq!((naive.method, naive.alpha, naive.sigma), (Method::Naive, None, DEFAULT_DAILY_SIGMA));
        assert!(naive.horizons.iter().all(|h| h.point == 40.0));
        // h = 4: σ√4 = 10 → 40 ± 1.96·10
        assert_eq!(interval(&naive, 4, 1), PredictionInterval { level: 0.95, lower: 20.4, upper: 59.6 });

        let drift = forecast(&series(&[40.0, 43.0]));
        assert_eq!(drift.method, Method::Drift);
        assert_eq!(drift.horizons[1].point, 49.0);
        // h = 1: σ√(1·2) = 7.0711 → 46 ± 1.2816·7.0711 = 46 ± 9.06
        assert_eq!(interval(&drift, 1, 0), PredictionInterval { level: 0.8, lower: 36.94, upper: 55.06 });

        // Three days is Holt, with σ not trusted below the default yet.
        let holt = forecast(&series(&[40.0, 43.0, 46.0]));
        assert_eq!((holt.method, holt.sigma), (Method::Holt, DEFAULT_DAILY_SIGMA));
    }

    #[test]
    fn scores_are_clamped_to_the_domain_and_rounded() {
        let rising: Vec<f64> = (0..15).map(|t| 70.0 + 2.0 * f64::from(t)).collect(); // up to 98
        let forecast = forecast(&series(&rising));
        assert_eq!(forecast.horizons[0].point, 100.0);
        assert!(forecast.horizons.iter().flat_map(|h| h.intervals).all(|i| i.upper <= 100.0 && i.lower >= 0.0));

        let falling = forecast_of(&[9.0, 6.0]);
        assert_eq!(falling.horizons[6].point, 0.0); // 6 − 7·3 clamped
        assert_eq!(to_score(12.345_678), 12.35);
        assert_eq!(to_score(-3.0), 0.0);
    }

    fn forecast_of(values: &[f64]) -> Forecast {
        forecast(&series(values))
    }

    #[test]
    fn features_record_the_model() {
        let forecast = forecast_of(&[10.0, 20.0, 25.0, 40.0, 42.0]);
        let features = serde_json::to_value(features_used(&forecast, None)).unwrap();
        assert_eq!(features["method"], "holt");
        assert_eq!(features["n_points"], 5);
        assert!(features["alpha"].is_f64() && features["beta"].is_f64() && features["sigma"].is_f64());
        assert!(features["strength"].is_null());
    }
}
