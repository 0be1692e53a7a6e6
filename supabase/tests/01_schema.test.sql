-- Every table, view and column of the seed's design (plus the columns the seed's SQL uses
-- without declaring them), the seed's indexes, generated columns, partitioning, replica
-- identity and the optional pgvector column.
begin;
set search_path = public, extensions;
select plan(114);

-- Tables and views with their exact column lists -------------------------------------------
select columns_are(s, t, c, format('%s.%s has exactly the designed columns', s, t))
from (values
  ('public', 'users', array['id', 'auth_id', 'email', 'email_hash', 'username', 'user_tier', 'subscription_end', 'preferences', 'created_at', 'updated_at']),
  ('public', 'user_profiles', array['id', 'user_id', 'personality_vector', 'preferred_categories', 'preferred_keywords', 'time_preferences', 'context_preferences', 'profile_confidence', 'created_at', 'updated_at']
     || case when exists (select 1 from pg_available_extensions where name = 'vector') then array['embedding'] else '{}'::text[] end),
  ('public', 'search_sessions', array['id', 'user_id', 'session_id', 'search_type', 'keyword', 'conversation_context', 'results_count', 'response_time_ms', 'created_at']),
  ('public', 'video_interactions', array['id', 'user_id', 'video_id', 'search_session_id', 'session_id', 'interaction_type', 'watch_duration', 'total_duration', 'completion_rate', 'source_keyword', 'created_at', 'updated_at']),
  ('public', 'user_search_patterns', array['id', 'user_id', 'keyword', 'search_type', 'time_slot', 'day_of_week', 'search_count', 'click_count', 'avg_completion_rate', 'last_searched_at', 'created_at', 'updated_at']),
  ('public', 'cached_videos', array['id', 'video_id', 'title', 'description', 'channel_id', 'channel_title', 'view_count', 'like_count', 'comment_count', 'duration_seconds', 'published_at', 'is_shorts', 'quality_score', 'thumbnail_url', 'ai_analysis', 'search_vector', 'cached_at', 'expires_at', 'created_at', 'updated_at']),
  ('public', 'keyword_video_mappings', array['id', 'keyword', 'video_id', 'rank_position', 'relevance_score', 'source', 'click_count', 'created_at', 'updated_at']),
  ('public', 'trending_keywords', array['id', 'keyword', 'trend_score', 'source', 'category', 'time_slot', 'day_of_week', 'valid_from', 'valid_until', 'created_at', 'updated_at']),
  ('public', 'keyword_performance_cache', array['keyword', 'date', 'total_views', 'avg_completion_rate', 'total_likes', 'refreshed_at']),
  ('public', 'user_session_details', array['id', 'user_id', 'session_id', 'device_type', 'device_os', 'app_version', 'connection_type', 'session_start', 'session_end', 'total_videos_watched', 'total_watch_time', 'avg_load_time_ms', 'error_count']),
  ('public', 'user_feedback', array['id', 'user_id', 'video_id', 'session_id', 'event_id', 'feedback_type', 'reason', 'comment', 'source_keyword', 'position_in_list', 'occurred_at', 'created_at']),
  ('public', 'video_quality_scores', array['id', 'video_id', 'engagement_rate', 'retention_rate', 'content_quality', 'audio_quality', 'video_quality', 'relevance_score', 'trend_alignment', 'freshness_score', 'overall_score', 'calculated_at']),
  ('public', 'cached_channels', array['id', 'channel_id', 'channel_title', 'subscriber_count', 'video_count', 'total_view_count', 'primary_category', 'content_language', 'upload_frequency', 'avg_video_quality', 'verified', 'trust_score', 'last_updated']),
  ('public', 'watch_events', array['id', 'interaction_id', 'user_id', 'session_id', 'video_id', 'event_id', 'event_type', 'event_timestamp', 'video_timestamp', 'seek_from', 'seek_to', 'total_duration', 'source_keyword', 'event_date', 'received_at']),
  ('public', 'watch_event_receipts', array['user_id', 'event_id', 'watch_event_id', 'event_timestamp', 'received_at']),
  ('public', 'keyword_effectiveness', array['id', 'keyword', 'date', 'search_count', 'click_count', 'view_count', 'like_count', 'skip_count', 'total_watch_time', 'completion_sum', 'completion_samples', 'ctr', 'avg_completion_rate', 'like_rate', 'skip_rate', 'updated_at']),
  ('public', 'trend_predictions', array['id', 'keyword', 'prediction_date', 'predicted_for_date', 'predicted_score', 'confidence_interval', 'confidence_level', 'model_version', 'features_used', 'actual_score', 'prediction_error', 'created_at']),
  ('public', 'audit_logs_enhanced', array['id', 'event_type', 'table_name', 'function_name', 'user_id', 'user_role', 'session_id', 'query_text', 'query_params', 'affected_rows', 'old_data', 'new_data', 'changed_fields', 'ip_address', 'user_agent', 'request_id', 'execution_time_ms', 'created_at']),
  ('public', 'users_secure', array['id', 'username', 'email', 'user_tier', 'subscription_end', 'created_at']),
  ('public', 'category_trend_summary', array['trend_date', 'category', 'trending_keyword_count', 'avg_trend_score', 'top_keywords']),
  ('public', 'database_health_metrics', array['metric', 'value', 'unit']),
  ('public', 'index_recommendations', array['schemaname', 'tablename', 'seq_scan', 'idx_scan', 'avg_tuples_per_seq_scan', 'table_size', 'recommendation']),
  ('private', 'category_trend_summary', array['trend_date', 'category', 'trending_keyword_count', 'avg_trend_score', 'top_keywords']),
  ('private', 'encryption_keys', array['id', 'key_name', 'vault_secret_name', 'created_at', 'rotated_at', 'is_active']),
  ('private', 'daily_interaction_counts', array['user_id', 'day', 'interaction_count']),
  ('private', 'keyword_counter_deltas', array['id', 'keyword', 'video_id', 'day', 'searches', 'clicks', 'views', 'likes', 'skips', 'watch_time', 'completion_sum', 'completion_samples', 'recorded_at']),
  ('private', 'time_partitioned_tables', array['table_schema', 'table_name', 'months_ahead', 'retention_months'])
) as x(s, t, c);

select has_view('public', 'users_secure', 'users_secure view exists');
select has_view('public', 'category_trend_summary', 'category_trend_summary API view exists');
select has_view('public', 'database_health_metrics', 'database_health_metrics view exists');
select has_view('public', 'index_recommendations', 'index_recommendations view exists');
select has_materialized_view('private', 'category_trend_summary', 'category_trend_summary materialized view exists (unexposed schema)');

-- Column types that carry the spec's intent -------------------------------------------------
select col_type_is(s, t, c, ty, format('%s.%s.%s is %s', s, t, c, ty))
from (values
  ('public', 'users', 'email', 'text'),
  ('public', 'users', 'preferences', 'jsonb'),
  ('public', 'users', 'subscription_end', 'timestamp with time zone'),
  ('public', 'user_profiles', 'profile_confidence', 'numeric(3,2)'),
  ('public', 'user_profiles', 'preferred_categories', 'text[]'),
  ('public', 'video_interactions', 'completion_rate', 'numeric(3,2)'),
  ('public', 'keyword_video_mappings', 'click_count', 'bigint'),
  ('public', 'keyword_video_mappings', 'relevance_score', 'numeric(3,2)'),
  ('public', 'trending_keywords', 'trend_score', 'numeric(5,2)'),
  ('public', 'video_quality_scores', 'overall_score', 'numeric(3,2)'),
  ('public', 'keyword_effectiveness', 'ctr', 'numeric(14,2)'),
  ('public', 'keyword_effectiveness', 'total_watch_time', 'bigint'),
  ('public', 'trend_predictions', 'confidence_interval', 'numrange'),
  ('public', 'trend_predictions', 'predicted_score', 'numeric(5,2)'),
  ('public', 'trend_predictions', 'prediction_error', 'numeric(5,2)'),
  ('public', 'watch_events', 'event_date', 'date'),
  ('public', 'watch_events', 'video_timestamp', 'numeric(8,3)'),
  ('public', 'cached_channels', 'upload_frequency', 'numeric(6,2)'),
  ('public', 'cached_videos', 'search_vector', 'tsvector'),
  ('public', 'audit_logs_enhanced', 'ip_address', 'inet')
) as x(s, t, c, ty);

-- Generated (stored) columns
select is(
  (select array_agg(format('%s.%s', c.relname, a.attname)::text order by format('%s.%s', c.relname, a.attname)::text)
   from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and not c.relispartition and a.attgenerated = 's'),
  array['cached_videos.search_vector', 'keyword_effectiveness.avg_completion_rate', 'keyword_effectiveness.ctr',
        'keyword_effectiveness.like_rate', 'keyword_effectiveness.skip_rate', 'trend_predictions.prediction_error',
        'video_interactions.completion_rate', 'video_quality_scores.overall_score', 'watch_events.event_date'],
  'the generated columns are exactly the designed ones');

-- Keys the ingestion relies on ---------------------------------------------------------------
select col_is_pk('public', 'keyword_effectiveness', array['keyword', 'date'], 'keyword_effectiveness key is (keyword, date)');
select col_is_pk('public', 'keyword_performance_cache', array['keyword', 'date'], 'keyword_performance_cache key is (keyword, date)');
select col_is_pk('public', 'watch_event_receipts', array['user_id', 'event_id'], 'watch_event_receipts key is (user_id, event_id)');
select col_is_pk('public', 'video_interactions', array['id', 'created_at'], 'video_interactions key includes the partition key');
select col_is_pk('public', 'watch_events', array['id', 'event_timestamp'], 'watch_events key includes the partition key');
select col_is_pk('public', 'audit_logs_enhanced', array['id', 'created_at'], 'audit_logs_enhanced key includes the partition key');
select col_is_unique('public', 'user_feedback', array['user_id', 'event_id'], 'user_feedback.event_id is unique per user');
select col_is_unique('public', 'user_feedback', array['user_id', 'video_id', 'feedback_type'], 'one feedback of a type per user and video');
select col_is_unique('public', 'keyword_video_mappings', array['keyword', 'video_id'], 'one mapping per keyword and video');
select col_is_unique('public', 'trending_keywords', array['keyword'], 'trending keyword is unique');
select col_is_unique('public', 'trend_predictions', array['keyword', 'prediction_date', 'predicted_for_date', 'confidence_level', 'model_version'], 'trend_predictions natural key');
select col_is_unique('public', 'user_session_details', array['user_id', 'session_id'], 'one session row per user session');
select col_is_unique('public', 'users', array['username'], 'username is unique');
select col_is_unique('public', 'users', array['email_hash'], 'email is unique (blind index)');
select ok(exists (select 1 from pg_constraint where conrelid = 'public.users'::regclass and conname = 'users_id_is_auth_id'),
  'users.id = users.auth_id is enforced');

-- The seed's named indexes -------------------------------------------------------------------
select has_index(s, t, i, format('index %s on %s.%s', i, s, t))
from (values
  ('public', 'user_session_details', 'idx_session_user_time'),
  ('public', 'video_quality_scores', 'idx_quality_overall'),
  ('public', 'video_quality_scores', 'idx_quality_video'),
  ('public', 'cached_channels', 'idx_channel_trust'),
  ('public', 'cached_channels', 'idx_channel_category'),
  ('public', 'keyword_effectiveness', 'idx_effectiveness_date'),
  ('public', 'trend_predictions', 'idx_prediction_keyword_date'),
  ('private', 'category_trend_summary', 'idx_trend_summary_date'),
  ('private', 'category_trend_summary', 'idx_trend_summary_date_category'),
  ('public', 'video_interactions', 'idx_user_recent_watch'),
  ('public', 'keyword_video_mappings', 'idx_keyword_quality_videos'),
  ('public', 'trending_keywords', 'idx_trend_time_score'),
  ('public', 'cached_videos', 'idx_channel_recent_videos'),
  ('public', 'cached_videos', 'idx_ai_primary_category'),
  ('public', 'user_profiles', 'idx_user_morning_prefs'),
  ('public', 'cached_videos', 'idx_trending_music'),
  ('public', 'cached_videos', 'idx_ai_analysis_path'),
  ('public', 'cached_videos', 'idx_video_metadata')
) as x(s, t, i);
select index_is_unique('private', 'category_trend_summary', 'idx_trend_summary_date_category',
  'category_trend_summary has a unique index (REFRESH CONCURRENTLY)');

-- Partitioning --------------------------------------------------------------------------------
select is_partitioned('public', t, format('%s is partitioned', t))
from unnest(array['video_interactions', 'watch_events', 'audit_logs_enhanced']) t;
select is(
  (select pg_get_partkeydef(format('public.%I', t)::regclass)), k, format('%s is range-partitioned on %s', t, k))
from (values ('video_interactions', 'RANGE (created_at)'), ('watch_events', 'RANGE (event_timestamp)'),
             ('audit_logs_enhanced', 'RANGE (created_at)')) x(t, k);

-- Realtime needs old values -------------------------------------------------------------------
select is((select relreplident::text from pg_class where oid = format('public.%I', t)::regclass), 'f',
  format('%s has replica identity full', t))
from unnest(array['trending_keywords', 'user_feedback']) t;

-- pgvector: a real vector column when available, otherwise no column at all (never faked) --
select case
  when exists (select 1 from pg_available_extensions where name = 'vector')
    then col_type_is('public', 'user_profiles', 'embedding', 'extensions.vector(1536)', 'user_profiles.embedding is vector(1536)')
  else hasnt_column('public', 'user_profiles', 'embedding', 'without pgvector there is no embedding column (no fake type)')
end;

-- Functions the design provides ----------------------------------------------------------------
select has_function(s, f, format('function %s.%s exists', s, f))
from (values
  ('private', 'maintain_time_partitions'), ('private', 'roll_up_keyword_counters'),
  ('private', 'refresh_keyword_performance_cache'), ('private', 'refresh_category_trend_summary'),
  ('private', 'purge_expired_data'), ('private', 'encrypt_pii'), ('private', 'decrypt_pii'),
  ('private', 'rotate_pii_key'), ('private', 'pii_blind_index'), ('private', 'handle_auth_user_change'),
  ('private', 'enforce_trial_daily_limit'), ('private', 'audit_row_change'), ('private', 'notify_sensitive_operation'),
  ('private', 'is_admin'), ('private', 'has_active_premium'), ('private', 'korean_bigram_tsvector'),
  ('private', 'korean_bigram_tsquery'), ('public', 'search_videos')
) as x(s, f);

select * from finish();
rollback;
