//! Re-ranking of one keyword's video mappings.
//!
//! score = 0.45·relevance + 0.25·quality + 0.15·freshness + 0.15·trend_boost, every term in 0..=1:
//! * relevance = `relevance_score`, quality = the video's `overall_score`;
//! * freshness = 2^(−age / 7 days) from `published_at`;
//! * trend_boost = intensity · (freshness + popularity) / 2, where intensity (0..=1) is how
//!   far the keyword is toward trending (`TrendStrength::intensity`) and popularity =
//!   ln(1 + clicks) / ln(1 + most clicks among the keyword's videos). While a keyword
//!   trends, the fresh and currently clicked videos move up; otherwise the term is 0.
//!
//! A term whose input is NULL takes the neutral 0.5. Ties go to the smaller `mapping_id`,
//! so the order is a pure function of the rows.

use serde::{Deserialize, Serialize};

use crate::payload::UnixSeconds;
use crate::strength::TrendStrength;

pub const RELEVANCE_WEIGHT: f64 = 0.45;
pub const QUALITY_WEIGHT: f64 = 0.25;
pub const FRESHNESS_WEIGHT: f64 = 0.15;
pub const TREND_WEIGHT: f64 = 0.15;
pub const FRESHNESS_HALF_LIFE_SECS: f64 = 7.0 * 86_400.0;
/// Stands in for a NULL term: the middle of its range, so missing data neither lifts a video
/// to the top (as NULLS FIRST would in a descending SQL sort) nor buries it.
const NEUTRAL: f64 = 0.5;

/// A `keyword_video_mappings` row joined with the fields of its video that ranking needs.
/// Extra columns in the source JSON are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MappingRow {
    pub mapping_id: String,
    pub keyword: String,
    pub video_id: String,
    /// 0..=1
    pub relevance_score: Option<f64>,
    /// The video's quality, 0..=1.
    pub overall_score: Option<f64>,
    pub published_at: Option<UnixSeconds>,
    pub click_count: i64,
    /// The rank stored now; None for a mapping never ranked.
    pub rank_position: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedMapping {
    pub mapping_id: String,
    /// 1 = first.
    pub rank_position: i64,
    pub previous_rank_position: Option<i64>,
    pub score: f64,
}

/// A rank to write: `UPDATE keyword_video_mappings SET rank_position = … WHERE id = mapping_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankUpdate {
    pub mapping_id: String,
    pub rank_position: i64,
}

/// Orders one keyword's mappings, best first.
pub fn rank_mappings<'a>(
    rows: impl IntoIterator<Item = &'a MappingRow>,
    strength: Option<&TrendStrength>,
    now: UnixSeconds,
) -> Vec<RankedMapping> {
    let rows: Vec<&MappingRow> = rows.into_iter().collect();
    let most_clicks = rows.iter().map(|row| row.click_count).max().unwrap_or(0);
    let intensity = strength.map_or(0.0, TrendStrength::intensity);

    let mut scored: Vec<(f64, &MappingRow)> =
        rows.into_iter().map(|row| (blended_score(row, most_clicks, intensity, now), row)).collect();
    scored
        .sort_by(|(score_a, a), (score_b, b)| score_b.total_cmp(score_a).then_with(|| a.mapping_id.cmp(&b.mapping_id)));

    (1..)
        .zip(scored)
        .map(|(rank_position, (score, row))| RankedMapping {
            mapping_id: row.mapping_id.clone(),
            rank_position,
            previous_rank_position: row.rank_position,
            score,
        })
        .collect()
}

/// The ranks that differ from the stored ones: the only rows worth writing.
pub fn rank_changes(ranked: &[RankedMapping]) -> Vec<RankUpdate> {
    ranked
        .iter()
        .filter(|mapping| mapping.previous_rank_position != Some(mapping.rank_position))
        .map(|mapping| RankUpdate { mapping_id: mapping.mapping_id.clone(), rank_position: mapping.rank_position })
        .collect()
}

fn blended_score(row: &MappingRow, most_clicks: i64, trend_intensity: f64, now: UnixSeconds) -> f64 {
    let relevance = row.relevance_score.map_or(NEUTRAL, |value| value.clamp(0.0, 1.0));
    let quality = row.overall_score.map_or(NEUTRAL, |value| value.clamp(0.0, 1.0));
    let freshness = row.published_at.map_or(NEUTRAL, |published| freshness(published, now));
    let trend_boost = trend_intensity * (freshness + popularity(row.click_count, most_clicks)) / 2.0;
    RELEVANCE_WEIGHT * relevance + QUALITY_WEIGHT * quality + FRESHNESS_WEIGHT * freshness + TREND_WEIGHT * trend_boost
}

/// 1 when just published, 0.5 after one half-life; a future date counts as now.
fn freshness(published: UnixSeconds, now: UnixSeconds) -> f64 {
    let age = now.saturating_sub(published).max(0) as f64;
    (-age / FRESHNESS_HALF_LIFE_SECS).exp2()
}

/// Log-scaled clicks relative to the keyword's most clicked video, 0..=1.
fn popularity(clicks: i64, most_clicks: i64) -> f64 {
    if most_clicks <= 0 {
        return 0.0;
    }
    (clicks.max(0) as f64).ln_1p() / (most_clicks as f64).ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_746_100_800;
    const DAY: i64 = 86_400;

    fn row(id: &str, relevance: Option<f64>, quality: Option<f64>) -> MappingRow {
        MappingRow {
            mapping_id: id.to_owned(),
            keyword: "lofi beats".to_owned(),
            video_id: format!("video-{id}"),
            relevance_score: relevance,
            overall_score: quality,
            published_at: Some(NOW - DAY),
            click_count: 0,
            rank_position: None,
        }
    }

    fn order(ranked: &[RankedMapping]) -> Vec<&str> {
        ranked.iter().map(|m| m.mapping_id.as_str()).collect()
    }

    fn trending() -> TrendStrength {
        TrendStrength {
            velocity: 1.0,
            z_score: 5.0,
            poisson_eta: 2.0,
            baseline_mean: 20.0,
            baseline_std: 2.0,
            baseline_points: 10,
            slot_points: 0,
            is_trending: true,
        }
    }

    #[test]
    fn relevance_then_quality_order_the_videos() {
        let rows = [row("a", Some(0.2), Some(0.9)), row("b", Some(0.9), Some(0.2)), row("c", Some(0.9), Some(0.8))];
        let ranked = rank_mappings(&rows, None, NOW);
        assert_eq!(order(&ranked), ["c", "b", "a"]);
        assert_eq!(ranked.iter().map(|m| m.rank_position).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(ranked.windows(2).all(|pair| pair[0].score >= pair[1].score));
    }

    #[test]
    fn null_terms_are_neutral_not_first() {
        let mut unknown = row("n", None, None);
        unknown.published_at = None;
        let rows = [row("low", Some(0.1), Some(0.1)), unknown, row("high", Some(0.9), Some(0.9))];
        assert_eq!(order(&rank_mappings(&rows, None, NOW)), ["high", "n", "low"]);
    }

    #[test]
    fn ties_break_by_mapping_id_whatever_the_input_order() {
        let rows = [row("c", Some(0.5), None), row("a", Some(0.5), None), row("b", Some(0.5), None)];
        let reversed: Vec<MappingRow> = rows.iter().rev().cloned().collect();
        assert_eq!(order(&rank_mappings(&rows, None, NOW)), ["a", "b", "c"]);
        assert_eq!(rank_mappings(&rows, None, NOW), rank_mappings(&reversed, None, NOW));
    }

    #[test]
    fn freshness_halves_every_seven_days() {
        assert_eq!(freshness(NOW, NOW), 1.0);
        assert_eq!(freshness(NOW - 7 * DAY, NOW), 0.5);
        assert_eq!(freshness(NOW - 14 * DAY, NOW), 0.25);
        assert_eq!(freshness(NOW + DAY, NOW), 1.0);

        let mut old = row("old", Some(0.6), Some(0.6));
        old.published_at = Some(NOW - 30 * DAY);
        let new = row("new", Some(0.6), Some(0.6));
        assert_eq!(order(&rank_mappings([&old, &new], None, NOW)), ["new", "old"]);
    }

    #[test]
    fn a_trend_lifts_fresh_popular_videos() {
        // a: relevance 0.80, 2 days old, no clicks  → 0.6080 calm, 0.6695 trending
        // b: relevance 0.75, 3 days old, 1000 clicks → 0.5739 calm, 0.7046 trending
        let mut a = row("a", Some(0.80), Some(0.5));
        a.published_at = Some(NOW - 2 * DAY);
        let mut b = row("b", Some(0.75), Some(0.5));
        b.published_at = Some(NOW - 3 * DAY);
        b.click_count = 1_000;
        let rows = [a, b];

        assert_eq!(order(&rank_mappings(&rows, None, NOW)), ["a", "b"]);
        let calm = TrendStrength { z_score: 0.0, poisson_eta: 0.0, velocity: 0.0, is_trending: false, ..trending() };
        assert_eq!(order(&rank_mappings(&rows, Some(&calm), NOW)), ["a", "b"]);
        let ranked = rank_mappings(&rows, Some(&trending()), NOW);
        assert_eq!(order(&ranked), ["b", "a"]);
        assert!((ranked[0].score - 0.7046).abs() < 1e-4 && (ranked[1].score - 0.6695).abs() < 1e-4);
    }

    #[test]
    fn popularity_is_log_scaled_and_safe_without_clicks() {
        assert_eq!(popularity(0, 0), 0.0);
        assert_eq!(popularity(99, 99), 1.0);
        assert!((popularity(9, 99) - 0.5).abs() < 1e-12); // ln 10 / ln 100
        assert_eq!(popularity(-5, 10), 0.0);
    }

    #[test]
    fn only_changed_ranks_are_written() {
        let mut first = row("first", Some(0.9), None);
        first.rank_position = Some(1);
        let mut second = row("second", Some(0.5), None);
        second.rank_position = Some(3);
        let new = row("new", Some(0.1), None);
        let updates = rank_changes(&rank_mappings(&[first, second, new], None, NOW));
        assert_eq!(
            updates,
            [
                RankUpdate { mapping_id: "second".to_owned(), rank_position: 2 },
                RankUpdate { mapping_id: "new".to_owned(), rank_position: 3 },
            ]
        );
        assert!(rank_mappings(std::iter::empty(), None, NOW).is_empty());
    }
}
