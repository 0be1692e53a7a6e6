//! `cargo xtask seed-data [--scale N] [--replace] [--plans]`: benchmark volumes in a running
//! stack (dev, or the one named by STACK_NAME), then the query-plan report.
//!
//! Scale 1.0 = 100k users, 100k cached videos, 1M keyword mappings, 1M video interactions,
//! ~5M watch events (plus 2k channels and ~3k trending keywords). Everything is generated inside
//! the database with set-based SQL (generate_series + a seeded hash), so a scale always yields
//! the same data, and every trigger runs as in production: sign-ups go through auth.users, the
//! trial limit and the keyword counters fire on video_interactions, trending keywords reach
//! trend-update through the webhook outbox.
//!
//! What the seed made is recognisable by marker — emails `@seed.invalid`, video ids `seed_…`,
//! channel ids `seed_ch_…`, trending source `seed-data` — so a second run refuses to mix with
//! it and `--replace` deletes it first.
//!
//! After loading (or alone, with `--plans`) the seed's four query patterns (spec §4.3.1) are
//! run as a signed-in user through RLS, 200 times each with varied parameters, and through the
//! API; docs/query-plans.md is rewritten with the figures.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::stack::Stack;
use crate::{db, ui, Result};

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

/// Row counts for one scale. Minimums keep tiny scales meaningful.
#[derive(Debug, Clone, Copy)]
struct Volumes {
    scale: f64,
    users: u64,
    channels: u64,
    videos: u64,
    keywords: u64,
    mappings_per_video: u64,
    interactions: u64,
    trending: u64,
}

impl Volumes {
    fn at(scale: f64) -> Self {
        let n = |base: f64, min: u64| {
            let v = (base * scale).round();
            // Bounded by parse_flags (scale <= 10), so the value fits comfortably.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let v = v as u64;
            v.max(min)
        };
        Self {
            scale,
            users: n(100_000.0, 100),
            channels: n(2_000.0, 10),
            videos: n(100_000.0, 100),
            keywords: n(20_000.0, 200),
            mappings_per_video: 10,
            interactions: n(1_000_000.0, 1_000),
            trending: n(3_000.0, 70),
        }
    }

    /// Placeholders every generating statement may use.
    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("users", self.users.to_string()),
            ("channels", self.channels.to_string()),
            ("videos", self.videos.to_string()),
            ("keywords", self.keywords.to_string()),
            ("per_video", self.mappings_per_video.to_string()),
            ("trending", self.trending.to_string()),
            ("words", sql_text_array(WORDS.iter().map(|(w, _)| *w))),
            ("categories", sql_text_array(WORDS.iter().map(|(_, c)| *c))),
            ("nwords", WORDS.len().to_string()),
            ("names", sql_text_array(NAMES.iter().copied())),
            ("ko_titles", sql_text_array(KO_TITLES.iter().copied())),
            ("en_titles", sql_text_array(EN_TITLES.iter().copied())),
        ]
    }
}

/// Statement sizes: large enough to amortise, small enough for a progress line and bounded
/// transactions (the counter trigger's transition table holds one batch).
const USER_BATCH: u64 = 20_000;
const VIDEO_BATCH: u64 = 25_000;
const INTERACTION_BATCH: u64 = 200_000;
const WATCH_EVENTS_PER_BATCH: u64 = 500_000;
/// Average of the generator below: 2..8 events per interaction.
const EVENTS_PER_INTERACTION: u64 = 5;

// ---------------------------------------------------------------------------------------------
// Vocabulary: Korean and English words (no spaces, so word combinations stay unique), each
// with the category its keywords and videos get. None of them is a keyword of supabase/seed.sql.
// ---------------------------------------------------------------------------------------------

const WORDS: &[(&str, &str)] = &[
    ("떡볶이", "food"), ("라면", "food"), ("삼겹살", "food"), ("치킨", "food"), ("마라탕", "food"),
    ("탕후루", "food"), ("편의점", "food"), ("디저트", "food"), ("홈카페", "food"), ("비빔밥", "food"),
    ("붕어빵", "food"), ("recipe", "food"), ("ramen", "food"), ("mukbang", "food"), ("streetfood", "food"),
    ("dessert", "food"), ("케이팝", "music"), ("커버곡", "music"), ("노래방", "music"), ("플레이리스트", "music"),
    ("버스킹", "music"), ("피아노", "music"), ("아이돌", "music"), ("kpop", "music"), ("cover", "music"),
    ("playlist", "music"), ("guitar", "music"), ("lofi", "music"), ("롤", "gaming"), ("배그", "gaming"),
    ("마인크래프트", "gaming"), ("발로란트", "gaming"), ("메이플", "gaming"), ("minecraft", "gaming"),
    ("fortnite", "gaming"), ("speedrun", "gaming"), ("roblox", "gaming"), ("몰카", "comedy"),
    ("상황극", "comedy"), ("웃긴영상", "comedy"), ("개그", "comedy"), ("밈", "comedy"), ("리액션", "comedy"),
    ("prank", "comedy"), ("meme", "comedy"), ("funny", "comedy"), ("skit", "comedy"), ("pov", "comedy"),
    ("메이크업", "beauty"), ("겟레디윗미", "beauty"), ("스킨케어", "beauty"), ("헤어스타일", "beauty"),
    ("네일아트", "beauty"), ("makeup", "beauty"), ("grwm", "beauty"), ("skincare", "beauty"),
    ("outfit", "beauty"), ("축구", "sports"), ("야구", "sports"), ("농구", "sports"), ("골프", "sports"),
    ("클라이밍", "sports"), ("football", "sports"), ("basketball", "sports"), ("highlights", "sports"),
    ("고양이", "pets"), ("강아지", "pets"), ("햄스터", "pets"), ("앵무새", "pets"), ("댕댕이", "pets"),
    ("cat", "pets"), ("dog", "pets"), ("puppy", "pets"), ("kitten", "pets"), ("제주도", "travel"),
    ("부산여행", "travel"), ("일본여행", "travel"), ("캠핑", "travel"), ("맛집투어", "travel"),
    ("seoul", "travel"), ("tokyo", "travel"), ("vlog", "travel"), ("roadtrip", "travel"),
    ("영어공부", "education"), ("공부자극", "education"), ("꿀팁", "education"), ("과학실험", "education"),
    ("lifehack", "education"), ("science", "education"), ("study", "education"), ("챌린지", "dance"),
    ("댄스커버", "dance"), ("안무", "dance"), ("스트릿댄스", "dance"), ("challenge", "dance"),
    ("dancecover", "dance"), ("choreography", "dance"), ("홈트", "fitness"), ("다이어트", "fitness"),
    ("필라테스", "fitness"), ("러닝", "fitness"), ("workout", "fitness"), ("gym", "fitness"),
    ("yoga", "fitness"), ("아이폰", "tech"), ("갤럭시", "tech"), ("언박싱", "tech"), ("리뷰", "tech"),
    ("인공지능", "tech"), ("iphone", "tech"), ("unboxing", "tech"), ("gadget", "tech"), ("ai", "tech"),
];

/// Romanised Korean and English first names: the local part of seeded emails (and so usernames).
const NAMES: &[&str] = &[
    "minji", "jiwoo", "seoyeon", "hayoon", "jiho", "minjun", "doyun", "seojun", "yuna", "eunji",
    "taehyun", "sora", "hyunwoo", "jisoo", "alex", "emma", "liam", "olivia", "noah", "mia",
    "lucas", "chloe", "daniel", "grace",
];

const KO_TITLES: &[&str] = &[
    "%s 이건 꼭 봐야 함 #shorts", "오늘의 %s 🔥", "1분 만에 보는 %s", "%s 레전드 모음",
    "이건 몰랐지? %s 꿀팁", "%s 도전해봤습니다", "요즘 난리난 %s", "%s 브이로그 | 일상 기록",
];

const EN_TITLES: &[&str] = &[
    "%s challenge 😂 #shorts", "Best %s moments", "%s in 60 seconds", "You won't believe this %s",
    "POV: %s", "%s compilation #shorts", "Trying %s for the first time",
];

// ---------------------------------------------------------------------------------------------
// Generating SQL. `{name}` placeholders are filled by `fill` with numbers, timestamps and
// array literals this module builds itself (never user input).
// ---------------------------------------------------------------------------------------------

/// Session-local helpers (pg_temp: nothing is added to the schema), sent before every
/// generating statement. Each is one SQL expression over immutable operators, so the planner
/// inlines it; hashes make the data a function of the scale only.
const PRELUDE: &str = r"
-- No JIT in the loading sessions: the cached_videos search_vector tokenizer would be compiled
-- once per row (see TOKENIZER_PROBE); everything else here is one big statement anyway.
set jit = off;
-- Uniform [0,1) from (i, salt): PostgreSQL's seeded 64-bit hash of a bigint / a uuid.
create function pg_temp.rnd(i bigint, salt integer) returns float8 language sql immutable parallel safe
  as $$ select (hashint8extended(i, salt) & 281474976710655)::float8 / 281474976710656.0 $$;
create function pg_temp.rndu(u uuid, salt integer) returns float8 language sql immutable parallel safe
  as $$ select (uuid_hash_extended(u, salt) & 281474976710655)::float8 / 281474976710656.0 $$;
-- Zipf (s = 1) rank in [0, n): (n+1)^u is log-uniform, P(rank = k) = ln((k+2)/(k+1)) / ln(n+1).
create function pg_temp.zipf(i bigint, salt integer, n bigint) returns bigint language sql immutable parallel safe
  as $$ select least(floor(exp(pg_temp.rnd(i, salt) * ln((n + 1)::float8)))::bigint - 1, n - 1) $$;
-- Activity rank in [0, n): n * u^2, so rank k gets a share proportional to 1/sqrt(k).
create function pg_temp.skewed(i bigint, salt integer, n bigint) returns bigint language sql immutable parallel safe
  as $$ select least(floor(n * pg_temp.rnd(i, salt) ^ 2)::bigint, n - 1) $$;
create function pg_temp.pick(options text[], i bigint, salt integer) returns text language sql immutable parallel safe
  as $$ select options[1 + floor(pg_temp.rnd(i, salt) * cardinality(options))::integer] $$;
-- Deterministic ids: an entity has the same id in every statement of the run.
create function pg_temp.uid(kind text, n bigint) returns uuid language sql immutable parallel safe
  as $$ select md5(kind || ':' || n::text)::uuid $$;
-- Keyword of popularity rank r: single words first, then word pairs (both words varying),
-- then triples. Injective, since words contain no spaces.
create function pg_temp.kw_part(r bigint, pos integer) returns bigint language sql immutable parallel safe
  as $$ select case
    when r < {nwords} then case when pos = 0 then r end
    when r < {nwords} + {nwords} * {nwords} then case pos
      when 0 then (r - {nwords}) % {nwords}
      when 1 then ((r - {nwords}) / {nwords} + (r - {nwords}) % {nwords}) % {nwords} end
    else case pos
      when 0 then (r - {nwords} - {nwords} * {nwords}) % {nwords}
      when 1 then ((r - {nwords} - {nwords} * {nwords}) / {nwords}) % {nwords}
      when 2 then ((r - {nwords} - {nwords} * {nwords}) / ({nwords} * {nwords})) % {nwords} end
    end $$;
create function pg_temp.keyword(r bigint) returns text language sql immutable parallel safe
  as $$ select ({words})[pg_temp.kw_part(r, 0) + 1]
            || coalesce(' ' || ({words})[pg_temp.kw_part(r, 1) + 1], '')
            || coalesce(' ' || ({words})[pg_temp.kw_part(r, 2) + 1], '') $$;
create function pg_temp.keyword_category(r bigint) returns text language sql immutable parallel safe
  as $$ select ({categories})[pg_temp.kw_part(r, 0) + 1] $$;
-- Candidate j of video n's keywords (Zipf over all keywords); j = 0 is the video's topic.
create function pg_temp.video_keyword(n bigint, j integer) returns bigint language sql immutable parallel safe
  as $$ select pg_temp.zipf(n * 16 + j, 21, {keywords}) $$;
create function pg_temp.video_duration(n bigint) returns integer language sql immutable parallel safe
  as $$ select 10 + floor(51 * pg_temp.rnd(n, 41))::integer $$;
-- 80 % free, 8 % trial, 9 % premium, 3 % pro. The most active 1 % are never trial (a trial
-- account is new), which keeps trial users under the 50-a-day limit almost always.
create function pg_temp.tier(n bigint) returns text language sql immutable parallel safe
  as $$ select case
    when pg_temp.rnd(n, 5) < 0.80 then 'free'
    when pg_temp.rnd(n, 5) < 0.88 then case when n > {users} / 100 then 'trial' else 'free' end
    when pg_temp.rnd(n, 5) < 0.97 then 'premium'
    else 'pro' end $$;
create function pg_temp.channel_id(c bigint) returns text language sql immutable parallel safe
  as $$ select 'seed_ch_' || lpad(c::text, 8, '0') $$;
create function pg_temp.channel_title(c bigint) returns text language sql immutable parallel safe
  as $$ select ({words})[1 + c % {nwords}] || ' '
            || pg_temp.pick(array['TV', '채널', 'Shorts', 'Official', '일상', 'Studio'], c, 62) $$;
";

/// Sign-ups go through auth.users as GoTrue does: the on_auth_user_created trigger creates
/// each public.users row (encrypted email, blind index, username) - one trigger call per row.
const INSERT_USERS: &str = "
insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data,
                        created_at, updated_at, last_sign_in_at)
select pg_temp.uid('user', n), 'authenticated', 'authenticated',
       pg_temp.pick({names}, n, 1) || n::text || '@seed.invalid',
       s.signed_up, '{\"provider\": \"email\", \"providers\": [\"email\"]}', '{}', s.signed_up, s.signed_up,
       now() - interval '30 days' * pg_temp.rnd(n, 3)
from generate_series({lo}, {hi}) n
cross join lateral (select now() - interval '730 days' * pg_temp.rnd(n, 2) as signed_up) s";

/// Sign-up makes everyone 'free'; billing changes tiers later. Only non-free rows are
/// updated (each update fires the audit and notify triggers). ~8 % of subscriptions lapsed.
const SET_TIERS: &str = "
update public.users u
set user_tier = t.tier,
    subscription_end = case t.tier when 'trial' then now() + interval '14 days' * t.r
                                   else now() + interval '1 day' * (395 * t.r - 30) end
from (select pg_temp.uid('user', n) as id, pg_temp.tier(n) as tier, pg_temp.rnd(n, 6) as r
      from generate_series(1, {users}) n) t
where u.id = t.id and t.tier <> 'free'";

const INSERT_CHANNELS: &str = "
insert into public.cached_channels (channel_id, channel_title, subscriber_count, video_count, total_view_count,
  primary_category, content_language, upload_frequency, avg_video_quality, verified, trust_score)
select pg_temp.channel_id(c), pg_temp.channel_title(c),
       floor(5e6 / c ^ 0.8 * (0.5 + pg_temp.rnd(c, 61)))::bigint,
       50 + floor(2000 / sqrt(c))::integer,
       floor(2e9 / c ^ 0.8 * (0.5 + pg_temp.rnd(c, 63)))::bigint,
       ({categories})[1 + c % {nwords}],
       case when pg_temp.rnd(c, 64) < 0.75 then 'ko' else 'en' end,
       round((0.5 + 20 * pg_temp.rnd(c, 65) ^ 3)::numeric, 2),
       round((0.4 + 0.55 * pg_temp.rnd(c, 66))::numeric, 2),
       c <= greatest({channels} / 20, 1),
       round((0.3 + 0.7 * pg_temp.rnd(c, 67))::numeric, 2)
from generate_series(1, {channels}) c";

/// Video n is the n-th most popular (interactions pick videos by Zipf rank). Channel sizes
/// follow the 1/sqrt(rank) activity law; 70 % Korean titles; topic = first keyword.
const INSERT_VIDEOS: &str = "
insert into public.cached_videos (id, video_id, title, description, channel_id, channel_title, view_count,
  like_count, comment_count, duration_seconds, published_at, is_shorts, quality_score, thumbnail_url,
  ai_analysis, cached_at, expires_at)
select pg_temp.uid('video', v.n), v.video_id,
       replace(case when v.korean then pg_temp.pick({ko_titles}, v.n, 73) else pg_temp.pick({en_titles}, v.n, 73) end,
               '%s', v.topic),
       case when v.korean then v.topic || ' 관련 쇼츠입니다. 구독과 좋아요 부탁드려요!'
            else 'Daily ' || v.topic || ' shorts. Subscribe for more!' end
         || ' #' || replace(v.kw1, ' ', '') || ' #' || replace(v.kw2, ' ', ''),
       pg_temp.channel_id(v.channel), pg_temp.channel_title(v.channel),
       v.views, floor(v.views * v.like_rate)::bigint, floor(v.views * v.like_rate * (0.02 + 0.08 * pg_temp.rnd(v.n, 75)))::bigint,
       pg_temp.video_duration(v.n),
       now() - interval '365 days' * pg_temp.rnd(v.n, 76) ^ 2,
       pg_temp.rnd(v.n, 77) < 0.95,
       round((0.2 + 0.8 * pg_temp.rnd(v.n, 78))::numeric, 2),
       'https://i.ytimg.com/vi/' || v.video_id || '/hqdefault.jpg',
       jsonb_build_object('categories', jsonb_build_array(v.category), 'keywords', jsonb_build_array(v.topic, v.kw1, v.kw2),
                          'language', case when v.korean then 'ko' else 'en' end,
                          'emotions', jsonb_build_object('joy', round(pg_temp.rnd(v.n, 79)::numeric, 2))),
       v.cached_at, v.cached_at + interval '7 days'
from (
  select n, 'seed_' || lpad(n::text, 9, '0') as video_id, pg_temp.rnd(n, 71) < 0.7 as korean,
         pg_temp.keyword(pg_temp.video_keyword(n, 0)) as topic,
         pg_temp.keyword(pg_temp.video_keyword(n, 1)) as kw1,
         pg_temp.keyword(pg_temp.video_keyword(n, 2)) as kw2,
         pg_temp.keyword_category(pg_temp.video_keyword(n, 0)) as category,
         pg_temp.skewed(n, 51, {channels}) + 1 as channel,
         floor(2e7 / n ^ 0.9 * (0.2 + pg_temp.rnd(n, 72)))::bigint as views,
         0.01 + 0.05 * pg_temp.rnd(n, 74) as like_rate,
         now() - interval '3 days' * pg_temp.rnd(n, 80) as cached_at
  from generate_series({lo}, {hi}) n
) v";

/// Each video keeps the first {per_video} distinct keywords of 16 Zipf draws (the topic, j = 0,
/// always), so a keyword's mapping count follows its popularity. Relevance: topic 0.75-1,
/// others 0.3-0.95; rank_position follows relevance (trend-update re-ranks trending keywords).
const INSERT_MAPPINGS: &str = "
insert into public.keyword_video_mappings (keyword, video_id, rank_position, relevance_score, source)
select pg_temp.keyword(d.kw), pg_temp.uid('video', d.n), 1 + floor((1 - d.relevance) * 99)::integer, d.relevance,
       pg_temp.pick(array['search', 'ai_analysis', 'trend'], d.n * 16 + d.j, 82)
from (
  select n, j, kw, relevance, row_number() over (partition by n order by j) as nth
  from (
    select distinct on (n, kw) n, j, kw,
           round((case when j = 0 then 0.75 + 0.25 * pg_temp.rnd(n * 16 + j, 81)
                       else 0.3 + 0.65 * pg_temp.rnd(n * 16 + j, 81) ^ 0.8 end)::numeric, 2) as relevance
    from generate_series({lo}, {hi}) n
    cross join generate_series(0, 15) j
    cross join lateral (select pg_temp.video_keyword(n, j) as kw) k
    order by n, kw, j
  ) distinct_keywords
) d
where d.nth <= {per_video}";

/// Interaction i: user by activity (1/sqrt(rank)), video by Zipf popularity, time uniform over
/// the span of the existing partitions. 70 % views; 60 % came from a search (source_keyword is
/// one of the video's first three keywords, so the counter roll-up finds the mapping).
/// Sessions are 30-minute buckets per user. A trial user's rows beyond the daily limit are
/// left out (counting what earlier batches stored) - the app would have refused them; the
/// per-row trial trigger and the statement-level counter trigger run as for any insert.
const INSERT_INTERACTIONS: &str = "
with gen as (
  select i, u.n as user_n, pg_temp.uid('user', u.n) as user_id, pg_temp.tier(u.n) as tier,
         pg_temp.zipf(i, 32, {videos}) + 1 as video_n, t.at as created_at, (t.at at time zone 'UTC')::date as day,
         pg_temp.rnd(i, 34) as kind
  from generate_series({lo}, {hi}) i
  cross join lateral (select pg_temp.skewed(i, 31, {users}) + 1 as n) u
  cross join lateral (select '{start}'::timestamptz + ('{end}'::timestamptz - '{start}'::timestamptz) * pg_temp.rnd(i, 33) as at) t
), typed as (
  select g.*, pg_temp.video_duration(g.video_n) as total_duration,
         case when g.kind < 0.70 then 'view' when g.kind < 0.80 then 'click' when g.kind < 0.86 then 'like'
              when g.kind < 0.94 then 'skip' when g.kind < 0.96 then 'share' when g.kind < 0.98 then 'save'
              else 'dislike' end as interaction_type,
         case when g.tier = 'trial' then row_number() over (partition by g.user_id, g.day order by g.created_at) end as nth_today
  from gen g
)
insert into public.video_interactions (id, user_id, video_id, session_id, interaction_type, watch_duration,
  total_duration, source_keyword, created_at, updated_at)
select pg_temp.uid('interaction', x.i), x.user_id, pg_temp.uid('video', x.video_n),
       pg_temp.uid('session', x.user_n * 10000000 + floor(extract(epoch from x.created_at) / 1800)::bigint),
       x.interaction_type,
       case x.interaction_type
         when 'click' then null
         when 'skip' then ceil(x.total_duration * (0.05 + 0.25 * pg_temp.rnd(x.i, 35)))::integer
         when 'view' then round(x.total_duration * (0.2 + pg_temp.rnd(x.i, 35)))::integer
         else x.total_duration end,
       x.total_duration,
       case when pg_temp.rnd(x.i, 36) < 0.6
            then pg_temp.keyword(pg_temp.video_keyword(x.video_n, floor(3 * pg_temp.rnd(x.i, 37))::integer)) end,
       x.created_at, x.created_at
from typed x
where x.nth_today is null
   or x.nth_today + coalesce((select c.interaction_count from private.daily_interaction_counts c
                              where c.user_id = x.user_id and c.day = x.day), 0)
      <= private.trial_daily_interaction_limit()";

/// The seeded users (by their email marker), for statements that must not touch other data.
const SEED_USER_IDS: &str = "select id from auth.users where email like '%@seed.invalid'";

/// 2-8 events per stored interaction (read back, so each links to a real interaction_id and
/// session_id): play, then pause / play / seek / replay, then end (watched to the end, or a
/// like/share/save) or skip. Positions follow the watched time; received shortly after.
const INSERT_WATCH_EVENTS: &str = "
insert into public.watch_events (interaction_id, user_id, session_id, video_id, event_id, event_type, event_timestamp,
  video_timestamp, seek_from, seek_to, total_duration, source_keyword, received_at)
select vi.id, vi.user_id, vi.session_id, vi.video_id, gen_random_uuid(), e.event_type,
       vi.created_at + make_interval(secs => e.wall),
       e.position,
       case when e.event_type = 'seek' then e.position end,
       case when e.event_type = 'seek' then round(least(vi.total_duration, e.position + 1 + 9 * e.r)::numeric, 3) end,
       vi.total_duration, vi.source_keyword,
       vi.created_at + make_interval(secs => e.wall + 2 + 30 * e.r)
from public.video_interactions vi
cross join lateral (select 2 + floor(7 * pg_temp.rndu(vi.id, 91))::integer as events,
                           coalesce(vi.watch_duration, 3) as watched) s
cross join lateral generate_series(1, s.events) p
cross join lateral (
  select case when p = 1 then 'play'
              when p = s.events then case when vi.completion_rate >= 0.95 or vi.interaction_type in ('like', 'share', 'save')
                                          then 'end' else 'skip' end
              when x.r < 0.4 then 'pause' when x.r < 0.7 then 'play' when x.r < 0.9 then 'seek' else 'replay' end as event_type,
         round(least(x.f * s.watched, vi.total_duration)::numeric, 3) as position,
         x.f * s.watched * 1.15 as wall, x.r
  from (select pg_temp.rndu(vi.id, 100 + p) as r, (p - 1)::float8 / (s.events - 1) as f) x
) e
where vi.created_at >= '{from}' and vi.created_at < '{to}'
  and vi.user_id in (select id from auth.users where email like '%@seed.invalid')";

/// The most popular half of {trending} by rank plus as many from the long tail; a slot, a
/// weekday and the keyword's category each; validity windows of 1-7 days started up to 3 days
/// ago (a few already ended). The webhook trigger records history + outbox and calls
/// trend-update, as in production.
const INSERT_TRENDING: &str = "
insert into public.trending_keywords (keyword, trend_score, source, category, time_slot, day_of_week, valid_from, valid_until)
select pg_temp.keyword(k.r),
       round((20 + 80 * (1 - ln((k.r + 1)::float8) / ln(({keywords} + 1)::float8)) * (0.6 + 0.4 * pg_temp.rnd(k.r, 96)))::numeric, 2),
       'seed-data', pg_temp.keyword_category(k.r),
       pg_temp.pick(array['morning', 'afternoon', 'evening', 'night', 'all_day'], k.r, 97),
       floor(7 * pg_temp.rnd(k.r, 98))::smallint,
       w.valid_from, w.valid_from + interval '1 day' * (1 + 6 * pg_temp.rnd(k.r, 99))
from (select distinct case when t < {trending} / 2 then t
                           else {trending} / 2 + floor(pg_temp.rnd(t, 95) * ({keywords} - {trending} / 2))::bigint end as r
      from generate_series(0, {trending} - 1) t) k
cross join lateral (select now() - interval '3 days' * pg_temp.rnd(k.r, 94) as valid_from) w
on conflict (keyword) do nothing";

/// Milliseconds per call of the tokenizer behind cached_videos.search_vector with the session's
/// JIT setting (the server default) and with JIT off: its inner query's default row estimates
/// (1000 per set-returning function) put it above jit_above_cost, so with JIT on every insert
/// or title/description update of a video pays a JIT compilation.
const TOKENIZER_PROBE: &str = "
create function pg_temp.tokenizer_ms() returns float8 language plpgsql as $$
declare
  t0 timestamptz := clock_timestamp();
begin
  perform count(private.korean_bigram_tsvector('떡볶이 이건 꼭 봐야 함 #shorts 떡볶이 관련 쇼츠입니다 ' || g))
  from generate_series(1, 100) g;
  return extract(epoch from clock_timestamp() - t0) * 1000 / 100;
end $$;
select current_setting('jit') || '|' || pg_temp.tokenizer_ms();
set jit = off;
select pg_temp.tokenizer_ms();";

/// Trend changes of the seed still waiting for trend-update's acknowledgement.
const PENDING_TREND_DELIVERIES: &str = "
select count(*) from private.trend_outbox o
where o.acknowledged_at is null
  and o.keyword in (select keyword from public.trending_keywords where source = 'seed-data')";

/// The time span interactions may use: from the first month both partitioned tables have
/// (partitions exist from the first migration's month on, retired after 12 months) until a
/// few minutes ago, so every event of an interaction is in the past too.
const TIME_SPAN: &str = "
with months as (
  select i.inhparent::regclass::text as parent, to_date(right(c.relname, 7), 'YYYY_MM') as month
  from pg_inherits i join pg_class c on c.oid = i.inhrelid
  where i.inhparent in ('public.video_interactions'::regclass, 'public.watch_events'::regclass)
    and c.relname ~ '_[0-9]{4}_[0-9]{2}$'
)
select (select max(m) from (select min(month) as m from months group by parent) firsts)::timestamp at time zone 'UTC',
       now() - interval '10 minutes',
       (select string_agg(distinct to_char(month, 'YYYY-MM'), ', ' order by to_char(month, 'YYYY-MM'))
        from months where month <= now())";

/// What an earlier run left, by marker.
const EXISTING_SEED: &str = "
select (select count(*) from auth.users where email like '%@seed.invalid'),
       (select count(*) from public.cached_videos where video_id like 'seed\\_%'),
       (select count(*) from public.cached_channels where channel_id like 'seed\\_ch\\_%'),
       (select count(*) from public.trending_keywords where source = 'seed-data')";

/// Keywords only the seed uses (in seeded mappings or seeded trending rows and nowhere else):
/// their derived rows (counters, predictions, history) are the seed's too.
const SEED_ONLY_KEYWORDS: &str = "
  (select m.keyword from public.keyword_video_mappings m join public.cached_videos v on v.id = m.video_id
   where v.video_id like 'seed\\_%'
   union select keyword from public.trending_keywords where source = 'seed-data')
  except
  (select m.keyword from public.keyword_video_mappings m join public.cached_videos v on v.id = m.video_id
   where v.video_id not like 'seed\\_%'
   union select keyword from public.trending_keywords where source is distinct from 'seed-data')";

/// `--replace`, in dependency order: keyword-derived rows first (while the mappings that
/// identify seed keywords exist), then activity explicitly (a set-based delete instead of
/// millions of per-row cascades), then users (cascading their remaining rows), catalogue last.
/// audit_logs_enhanced keeps its rows: the audit trail records the seed and its removal.
const REPLACE_STEPS: &[(&str, &str)] = &[
    ("counter deltas", "delete from private.keyword_counter_deltas where keyword in ({seed_keywords})
        or video_id in (select id from public.cached_videos where video_id like 'seed\\_%')"),
    ("keyword_effectiveness", "delete from public.keyword_effectiveness where keyword in ({seed_keywords})"),
    ("keyword_performance_cache", "delete from public.keyword_performance_cache where keyword in ({seed_keywords})"),
    ("trend_predictions", "delete from public.trend_predictions where keyword in ({seed_keywords})"),
    ("trend history and outbox", "delete from private.trend_score_history where keyword in ({seed_keywords});
        delete from private.trend_outbox where keyword in ({seed_keywords})"),
    ("trending_keywords", "delete from public.trending_keywords where source = 'seed-data'"),
    ("watch_events", "delete from public.watch_events where user_id in ({seed_users})"),
    ("video_interactions", "delete from public.video_interactions where user_id in ({seed_users})"),
    ("users", "delete from auth.users where email like '%@seed.invalid'"),
    ("cached_videos (and their mappings)", "delete from public.cached_videos where video_id like 'seed\\_%'"),
    ("cached_channels", "delete from public.cached_channels where channel_id like 'seed\\_ch\\_%'"),
];

/// Statistics and the visibility map (index-only scans) for what was loaded; autovacuum
/// would get there on its own. As supabase_admin: auth.users is not owned by postgres.
const VACUUM_ANALYZE: &str = "vacuum (analyze) auth.users, public.users, public.cached_channels, public.cached_videos,
  public.keyword_video_mappings, public.video_interactions, public.watch_events, public.trending_keywords,
  public.keyword_effectiveness, public.audit_logs_enhanced, private.daily_interaction_counts";

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

struct Flags {
    scale: f64,
    replace: bool,
    plans_only: bool,
}

fn parse_flags(flags: &[&str]) -> Result<Flags> {
    let mut out = Flags { scale: 1.0, replace: false, plans_only: false };
    let mut it = flags.iter();
    while let Some(flag) = it.next() {
        match *flag {
            "--scale" => {
                let value = it.next().ok_or("--scale needs a number, e.g. --scale 0.01")?;
                out.scale = value.parse().map_err(|_| format!("--scale {value}: not a number"))?;
                if !(out.scale > 0.0 && out.scale <= 10.0) {
                    return Err(format!("--scale {value}: expected a number in (0, 10]"));
                }
            }
            "--replace" => out.replace = true,
            "--plans" => out.plans_only = true,
            other => return Err(format!("seed-data: unknown flag {other}; use --scale N, --replace, --plans")),
        }
    }
    Ok(out)
}

pub fn run(stack: &Stack, flags: &[&str]) -> Result<()> {
    let flags = parse_flags(flags)?;
    if !db::is_running(stack) {
        return Err(format!("the {} stack's database is not running; start it with `cargo xtask up`", stack.name));
    }
    let load = if flags.plans_only {
        None
    } else {
        Some(load(stack, Volumes::at(flags.scale), flags.replace)?)
    };
    let report = measure(stack)?;
    write_report(stack, load.as_ref(), &report)
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// One progress line's worth: what was loaded, how many rows, how long.
struct Timing {
    table: String,
    rows: u64,
    seconds: f64,
}

struct LoadReport {
    volumes: Volumes,
    span: String,
    /// The tokenizer probe's sentence (ms per call with the server's JIT setting and without).
    tokenizer: String,
    timings: Vec<Timing>,
}

fn load(stack: &Stack, volumes: Volumes, replace: bool) -> Result<LoadReport> {
    let existing = sql_row(stack, "postgres", EXISTING_SEED)?;
    let mut timings = Vec::new();
    if existing.iter().any(|n| n != "0") {
        if !replace {
            return Err(format!(
                "data from an earlier seed-data run is present ({} users @seed.invalid, {} videos seed_*, {} channels seed_ch_*, {} trending keywords source 'seed-data'); run with --replace to delete it first",
                existing[0], existing[1], existing[2], existing[3]
            ));
        }
        timings = remove_previous(stack)?;
    }
    let [start, end, months] = span(stack)?;
    ui::step(&format!(
        "seed-data at scale {} into the {} stack (interactions {start} .. {end}, months {months})",
        volumes.scale, stack.name
    ));
    let started = Instant::now();
    let mut params = volumes.params();
    params.push(("start", start.clone()));
    params.push(("end", end.clone()));
    let tokenizer = probe_tokenizer(stack)?;
    timings.extend([
        load_users(stack, &params, volumes.users)?,
        timed_table(stack, "cached_channels", &params, INSERT_CHANNELS)?,
        batched(stack, "cached_videos", &params, INSERT_VIDEOS, volumes.videos, VIDEO_BATCH)?,
        batched(stack, "keyword_video_mappings", &params, INSERT_MAPPINGS, volumes.videos, VIDEO_BATCH)?,
        batched(stack, "video_interactions", &params, INSERT_INTERACTIONS, volumes.interactions, INTERACTION_BATCH)?,
        load_watch_events(stack, &params, &start, &end, volumes.interactions * EVENTS_PER_INTERACTION)?,
        load_trending(stack, &params)?,
        roll_up_counters(stack)?,
        vacuum_analyze(stack)?,
    ]);
    ui::step(&format!("seed-data loaded in {:.0} s", started.elapsed().as_secs_f64()));
    Ok(LoadReport { volumes, span: format!("{start} .. {end} (partitions {months})"), tokenizer, timings })
}

fn probe_tokenizer(stack: &Stack) -> Result<String> {
    let out = db::query(stack, "postgres", TOKENIZER_PROBE)?;
    let lines: Vec<&str> = out.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let (jit, with_default) = lines.first().and_then(|l| l.split_once('|')).unwrap_or(("?", "?"));
    let ms = |v: &str| v.parse::<f64>().map(|x| format!("{x:.2} ms")).unwrap_or_else(|_| v.to_owned());
    let text = format!(
        "private.korean_bigram_tsvector (cached_videos.search_vector) per call: {} with the server's jit = {jit}, {} with jit = off; the load runs with jit = off",
        ms(with_default),
        ms(lines.get(1).copied().unwrap_or("?"))
    );
    ui::detail(&text);
    Ok(text)
}

fn span(stack: &Stack) -> Result<[String; 3]> {
    let row = sql_row(stack, "postgres", TIME_SPAN)?;
    match row.as_slice() {
        [start, end, months] if !start.is_empty() => Ok([start.clone(), end.clone(), months.clone()]),
        _ => Err("video_interactions / watch_events have no monthly partitions; run `cargo xtask up` (migrations) first".into()),
    }
}

fn remove_previous(stack: &Stack) -> Result<Vec<Timing>> {
    ui::step("--replace: deleting the previous seed-data run");
    REPLACE_STEPS
        .iter()
        .map(|(what, template)| {
            let sql = fill(template, &[("seed_keywords", SEED_ONLY_KEYWORDS.to_owned()), ("seed_users", SEED_USER_IDS.to_owned())]);
            let started = Instant::now();
            db::query(stack, "postgres", &sql).map_err(|e| format!("deleting {what}: {e}"))?;
            let timing = Timing { table: format!("--replace: delete {what}"), rows: 0, seconds: started.elapsed().as_secs_f64() };
            progress(&timing);
            Ok(timing)
        })
        .collect()
}

/// Loads `table` with `template` over 1..=total in batches; returns the rows added and time.
fn batched(stack: &Stack, table: &str, params: &[(&'static str, String)], template: &str, total: u64, batch: u64) -> Result<Timing> {
    let started = Instant::now();
    let before = count(stack, table)?;
    run_batches(stack, table, params, template, total, batch)?;
    finish(stack, table, before, started)
}

/// Runs `template` (after the prelude) once per [lo, hi] range of 1..=total.
fn run_batches(stack: &Stack, table: &str, params: &[(&'static str, String)], template: &str, total: u64, batch: u64) -> Result<()> {
    let mut lo = 1;
    while lo <= total {
        let hi = (lo + batch - 1).min(total);
        run_generating(stack, table, params, template, &[("lo", lo.to_string()), ("hi", hi.to_string())])?;
        lo = hi + 1;
    }
    Ok(())
}

fn timed_table(stack: &Stack, table: &str, params: &[(&'static str, String)], template: &str) -> Result<Timing> {
    let started = Instant::now();
    let before = count(stack, table)?;
    run_generating(stack, table, params, template, &[])?;
    finish(stack, table, before, started)
}

fn load_users(stack: &Stack, params: &[(&'static str, String)], users: u64) -> Result<Timing> {
    let started = Instant::now();
    let before = count(stack, "users")?;
    run_batches(stack, "users", params, INSERT_USERS, users, USER_BATCH)?;
    run_generating(stack, "users", params, SET_TIERS, &[])?;
    let timing = finish(stack, "users", before, started)?;
    let tiers = db::query(
        stack,
        "postgres",
        &format!("select string_agg(user_tier || ' ' || n, ', ' order by user_tier) from (select user_tier, count(*) n from public.users where id in ({SEED_USER_IDS}) group by 1) t"),
    )?;
    ui::detail(&format!("tiers: {}", tiers.trim()));
    Ok(timing)
}

/// Watch events in time windows of the interactions (~500k events per statement).
fn load_watch_events(stack: &Stack, params: &[(&'static str, String)], start: &str, end: &str, expected: u64) -> Result<Timing> {
    let started = Instant::now();
    let before = count(stack, "watch_events")?;
    let windows = expected.div_ceil(WATCH_EVENTS_PER_BATCH).max(1);
    // Window bounds; the last is just past `end`, so an interaction stamped exactly `end` is in.
    let bounds = db::query(
        stack,
        "postgres",
        &format!(
            "select string_agg(b::text, '|' order by g) from (
               select g, case when g = {windows} then '{end}'::timestamptz + interval '1 second'
                              else '{start}'::timestamptz + ('{end}'::timestamptz - '{start}'::timestamptz) * g / {windows} end as b
               from generate_series(0, {windows}) g) x"
        ),
    )?;
    let bounds: Vec<&str> = bounds.trim().split('|').collect();
    for pair in bounds.windows(2) {
        run_generating(stack, "watch_events", params, INSERT_WATCH_EVENTS, &[("from", pair[0].to_owned()), ("to", pair[1].to_owned())])?;
    }
    finish(stack, "watch_events", before, started)
}

/// Trending keywords, then the wait for trend-update to acknowledge their deliveries (so the
/// measurement does not share the machine with the trend engine).
fn load_trending(stack: &Stack, params: &[(&'static str, String)]) -> Result<Timing> {
    let started = Instant::now();
    let before = count(stack, "trending_keywords")?;
    run_generating(stack, "trending_keywords", params, INSERT_TRENDING, &[])?;
    let timing = finish(stack, "trending_keywords", before, started)?;
    wait_for_trend_deliveries(stack)?;
    Ok(timing)
}

fn wait_for_trend_deliveries(stack: &Stack) -> Result<()> {
    let started = Instant::now();
    let limit = Duration::from_secs(600);
    loop {
        let pending: u64 = db::query(stack, "postgres", PENDING_TREND_DELIVERIES)?.trim().parse().unwrap_or(0);
        if pending == 0 {
            ui::detail(&format!("trend-update acknowledged every change in {:.0} s", started.elapsed().as_secs_f64()));
            return Ok(());
        }
        if started.elapsed() > limit {
            ui::detail(&format!(
                "{pending} trend changes still unacknowledged after {} s (is trend-update running? see private.trend_outbox.last_error); continuing",
                limit.as_secs()
            ));
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// What pg_cron's keyword-counter-rollup (every minute) has not folded yet, folded now so the
/// counters are settled before measuring.
fn roll_up_counters(stack: &Stack) -> Result<Timing> {
    let started = Instant::now();
    let rows: u64 = db::query(stack, "postgres", "select private.roll_up_keyword_counters()")?.trim().parse().unwrap_or(0);
    let timing = Timing { table: "counter roll-up (deltas pg_cron left)".into(), rows, seconds: started.elapsed().as_secs_f64() };
    progress(&timing);
    Ok(timing)
}

fn vacuum_analyze(stack: &Stack) -> Result<Timing> {
    let started = Instant::now();
    db::query(stack, "supabase_admin", VACUUM_ANALYZE)?;
    let timing = Timing { table: "VACUUM (ANALYZE)".into(), rows: 0, seconds: started.elapsed().as_secs_f64() };
    progress(&timing);
    Ok(timing)
}

fn run_generating(stack: &Stack, table: &str, params: &[(&'static str, String)], template: &str, extra: &[(&'static str, String)]) -> Result<()> {
    let mut all = params.to_vec();
    all.extend_from_slice(extra);
    let sql = format!("{}\n{}", fill(PRELUDE, &all), fill(template, &all));
    db::query(stack, "postgres", &sql).map(|_| ()).map_err(|e| format!("loading {table}: {e}"))
}

fn count(stack: &Stack, table: &str) -> Result<u64> {
    let out = db::query(stack, "postgres", &format!("select count(*) from public.{table}"))?;
    out.trim().parse().map_err(|_| format!("count of {table}: unexpected output {out:?}"))
}

fn finish(stack: &Stack, table: &str, before: u64, started: Instant) -> Result<Timing> {
    let rows = count(stack, table)?.saturating_sub(before);
    let timing = Timing { table: table.to_owned(), rows, seconds: started.elapsed().as_secs_f64() };
    progress(&timing);
    Ok(timing)
}

fn progress(t: &Timing) {
    let rate = if t.seconds > 0.0 && t.rows > 0 { format!(" ({}/s)", thousands(per_second(t.rows, t.seconds))) } else { String::new() };
    ui::detail(&format!("{:<50} {:>10} rows {:>8.1} s{rate}", t.table, thousands(t.rows), t.seconds));
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

const RUNS: usize = 200;
const TARGET_P99_MS: f64 = 2.0;

/// One of the seed's four query patterns (spec §4.3.1).
struct Pattern {
    title: &'static str,
    index: &'static str,
    /// `{p1}` / `{p2}`: parameters from `params`; the literal constants match the partial
    /// indexes' predicates, as the application's queries do.
    sql: &'static str,
    /// One parameter set per row (`a|b`), popular values more often, deterministic order.
    params: &'static str,
    /// The heaviest parameter set, whose plan the report shows.
    hottest: &'static str,
    /// The same query through PostgREST.
    api: &'static str,
    /// Picks this pattern's statement out of pg_stat_statements.
    api_match: &'static str,
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        title: "1. A user's recent views",
        index: "idx_user_recent_watch",
        sql: "select video_id, watch_duration, completion_rate, created_at from public.video_interactions where user_id = '{p1}' and interaction_type = 'view' order by created_at desc limit 20",
        // Users of sampled view rows: active users are asked for more often, as in real traffic.
        params: "select user_id from (select user_id, min(h) as h from (select user_id, hashtext(id::text) as h from public.video_interactions where interaction_type = 'view' order by 2 limit 1000) s group by user_id) t order by h limit 200",
        hottest: "select user_id from public.video_interactions where interaction_type = 'view' group by user_id order by count(*) desc limit 1",
        api: "/rest/v1/video_interactions?select=video_id,watch_duration,completion_rate,created_at&user_id=eq.{p1}&interaction_type=eq.view&order=created_at.desc&limit=20",
        api_match: "%FROM \"public\".\"video_interactions\"%",
    },
    Pattern {
        title: "2. High-quality videos for a keyword",
        index: "idx_keyword_quality_videos",
        sql: "select video_id, relevance_score, rank_position from public.keyword_video_mappings where keyword = '{p1}' and relevance_score > 0.7 order by relevance_score desc limit 20",
        params: "select keyword from (select keyword, min(h) as h from (select keyword, hashtext(id::text) as h from public.keyword_video_mappings order by 2 limit 1000) s group by keyword) t order by h limit 200",
        hottest: "select keyword from public.keyword_video_mappings group by keyword order by count(*) desc limit 1",
        api: "/rest/v1/keyword_video_mappings?select=video_id,relevance_score,rank_position&keyword=eq.{p1}&relevance_score=gt.0.7&order=relevance_score.desc&limit=20",
        api_match: "%FROM \"public\".\"keyword_video_mappings\"%",
    },
    Pattern {
        title: "3. Trending keywords by time slot and weekday",
        index: "idx_trend_time_score",
        sql: "select keyword, category, trend_score, valid_until from public.trending_keywords where time_slot = '{p1}' and day_of_week = {p2} and valid_until > now() order by trend_score desc limit 20",
        params: "select s || '|' || d from unnest(array['morning', 'afternoon', 'evening', 'night', 'all_day']) s cross join generate_series(0, 6) d order by hashtext(s || d)",
        hottest: "select time_slot || '|' || day_of_week from public.trending_keywords where valid_until > now() and time_slot is not null and day_of_week is not null group by 1 order by count(*) desc limit 1",
        api: "/rest/v1/trending_keywords?select=keyword,category,trend_score,valid_until&time_slot=eq.{p1}&day_of_week=eq.{p2}&valid_until=gt.now&order=trend_score.desc&limit=20",
        api_match: "%FROM \"public\".\"trending_keywords\"%",
    },
    Pattern {
        title: "4. A channel's recent good Shorts",
        index: "idx_channel_recent_videos",
        sql: "select video_id, title, view_count, published_at from public.cached_videos where channel_id = '{p1}' and is_shorts and quality_score > 0.6 order by published_at desc limit 20",
        params: "select channel_id from (select channel_id, min(h) as h from (select channel_id, hashtext(id::text) as h from public.cached_videos where channel_id is not null order by 2 limit 1000) s group by channel_id) t order by h limit 200",
        hottest: "select channel_id from public.cached_videos where is_shorts and quality_score > 0.6 group by channel_id order by count(*) desc limit 1",
        api: "/rest/v1/cached_videos?select=video_id,title,view_count,published_at&channel_id=eq.{p1}&is_shorts=eq.true&quality_score=gt.0.6&order=published_at.desc&limit=20",
        api_match: "%FROM \"public\".\"cached_videos\"%",
    },
];

/// Runs each statement as `authenticated` with the JWT claims of its user, through RLS, and
/// reads EXPLAIN ANALYZE's Execution Time (TIMING OFF: no per-node clock overhead) plus what
/// the plan touched. The whole list runs twice; only the second (warm) pass is returned.
const BENCH_FUNCTION: &str = r#"
create function pg_temp.bench(p_sql text[], p_sub text[])
returns table (run integer, exec_ms float8, plan_ms float8, buffers bigint, heap_fetches bigint, scans text)
language plpgsql as $$
declare
  v_plan jsonb;
begin
  for v_pass in 1 .. 2 loop
    for v_i in 1 .. cardinality(p_sql) loop
      perform set_config('request.jwt.claims', json_build_object('sub', p_sub[v_i], 'role', 'authenticated')::text, true);
      execute 'explain (analyze, timing off, buffers, format json) ' || p_sql[v_i] into v_plan;
      continue when v_pass = 1;
      run := v_i;
      exec_ms := (v_plan -> 0 ->> 'Execution Time')::float8;
      plan_ms := (v_plan -> 0 ->> 'Planning Time')::float8;
      buffers := coalesce((v_plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint, 0)
               + coalesce((v_plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint, 0);
      -- Every node that reads a relation: the index (the parent's name for a partition's index),
      -- or the relation, marked (empty) when it has no rows (future partitions).
      select coalesce(sum((n ->> 'Heap Fetches')::bigint), 0),
             string_agg(distinct (n ->> 'Node Type') || coalesce(' using ' || coalesce(
               (select i.inhparent::regclass::text from pg_catalog.pg_inherits i
                where i.inhrelid = to_regclass('public.' || quote_ident(n ->> 'Index Name'))),
               n ->> 'Index Name'), ' on ' || (n ->> 'Relation Name') || case when
                 (select c.reltuples from pg_catalog.pg_class c where c.oid = to_regclass('public.' || quote_ident(n ->> 'Relation Name'))) <= 0
                 then ' (empty)' else '' end), '; ')
        into heap_fetches, scans
        from jsonb_path_query(v_plan, 'strict $.** ? (exists (@."Relation Name"))') n;
      return next;
    end loop;
  end loop;
end $$;
"#;

struct PatternReport {
    title: &'static str,
    index: &'static str,
    sql: String,
    plan: String,
    hottest: String,
    runs: Vec<Run>,
    api: std::result::Result<ApiReport, String>,
}

struct Run {
    param: String,
    exec_ms: f64,
    plan_ms: f64,
    buffers: u64,
    heap_fetches: u64,
    scans: String,
}

struct ApiReport {
    statement: String,
    plan: String,
    /// The same statement with plan_cache_mode = force_generic_plan: what a generic plan costs.
    generic_plan: String,
    calls: u64,
    mean_exec_ms: f64,
    buffers_per_call: f64,
    http_ms: Vec<f64>,
    rows_returned: u64,
}

struct Report {
    /// /proc/loadavg after the measurement (the machine may be shared).
    load_after: String,
    machine: Vec<(String, String)>,
    dataset: Vec<(String, String)>,
    patterns: Vec<PatternReport>,
}

fn measure(stack: &Stack) -> Result<Report> {
    ui::step("measuring the four query patterns (as a signed-in user, through RLS)");
    let machine = machine(stack)?;
    let dataset = dataset(stack)?;
    let users = sample(stack, PATTERNS[0].params)?;
    if users.is_empty() {
        return Err("no video interactions to measure; load data first (cargo xtask seed-data)".into());
    }
    let mut patterns = Vec::new();
    for pattern in PATTERNS {
        let report = measure_pattern(stack, pattern, &users)?;
        let times = sorted(report.runs.iter().map(|r| r.exec_ms));
        ui::detail(&format!(
            "{:<48} p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  {}",
            pattern.title,
            percentile(&times, 0.50),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(0.0),
            distinct_scans(&report.runs)
        ));
        patterns.push(report);
    }
    Ok(Report { load_after: load_average(), machine, dataset, patterns })
}

fn measure_pattern(stack: &Stack, pattern: &Pattern, users: &[String]) -> Result<PatternReport> {
    let params = cycle(&sample(stack, pattern.params)?, RUNS);
    let subs = cycle(users, RUNS);
    // Pattern 1 asks for the signed-in user's own rows: the parameter is the user.
    let subs: Vec<String> = if pattern.index == "idx_user_recent_watch" { params.clone() } else { subs };
    let statements: Vec<String> = params.iter().map(|p| bind(pattern.sql, p)).collect();
    let mut runs = bench(stack, &statements, &subs)?;
    for (run, param) in runs.iter_mut().zip(&params) {
        run.param.clone_from(param);
    }
    let hottest = db::query(stack, "postgres", pattern.hottest)?.trim().to_owned();
    let hottest_sub = if pattern.index == "idx_user_recent_watch" { hottest.clone() } else { users[0].clone() };
    let sql = bind(pattern.sql, &hottest);
    let plan = explain_as_user(stack, "", &sql, &hottest_sub)?;
    let api = api_check(stack, pattern, &params, &subs, &hottest, &hottest_sub);
    Ok(PatternReport { title: pattern.title, index: pattern.index, sql, plan, hottest, runs, api })
}

fn bench(stack: &Stack, statements: &[String], subs: &[String]) -> Result<Vec<Run>> {
    let sql = format!(
        "begin;\n{BENCH_FUNCTION}\nset local role authenticated;\nselect exec_ms, plan_ms, buffers, heap_fetches, scans from pg_temp.bench({}, {}) order by run;\ncommit;",
        sql_text_array(statements.iter().map(String::as_str)),
        sql_text_array(subs.iter().map(String::as_str)),
    );
    let out = db::query(stack, "postgres", &sql)?;
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.splitn(5, '|').collect();
            let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).ok_or_else(|| format!("bench output: {line:?}"));
            let int = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| format!("bench output: {line:?}"));
            Ok(Run { param: String::new(), exec_ms: num(0)?, plan_ms: num(1)?, buffers: int(2)?, heap_fetches: int(3)?, scans: f.get(4).unwrap_or(&"").to_string() })
        })
        .collect()
}

const PLAN_MARKER: &str = "--- plan ---";

/// EXPLAIN (ANALYZE, BUFFERS) in text, as `authenticated` with `sub`'s claims, after `setup`.
fn explain_as_user(stack: &Stack, setup: &str, sql: &str, sub: &str) -> Result<String> {
    let claims = format!(r#"{{"sub":"{sub}","role":"authenticated"}}"#);
    let sql = format!(
        "begin; set local role authenticated; select set_config('request.jwt.claims', '{claims}', true) is null;
         {setup} {sql}; select '{PLAN_MARKER}'; explain (analyze, buffers) {sql}; commit;"
    );
    let out = db::query(stack, "postgres", &sql)?;
    // The statement runs once first (warm cache, like the timed runs); the plan follows the marker.
    Ok(out.split_once(PLAN_MARKER).map(|(_, plan)| plan.trim().to_owned()).unwrap_or(out))
}

fn sample(stack: &Stack, sql: &str) -> Result<Vec<String>> {
    Ok(db::query(stack, "postgres", sql)?.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect())
}

// ---------------------------------------------------------------------------------------------
// The API check: the same queries through the gateway and PostgREST with a user's JWT.
// ---------------------------------------------------------------------------------------------

/// Per pattern: the statements PostgREST ran as `authenticated`, cumulative (the report
/// uses the difference across the API calls).
const API_STATEMENTS: &str = "
select queryid, calls, total_exec_time, shared_blks_hit + shared_blks_read, rows, regexp_replace(query, '\\s+', ' ', 'g')
from extensions.pg_stat_statements
where userid = 'authenticated'::regrole and query like '{like}' and query like '%LIMIT%'";

#[derive(Clone)]
struct Statement {
    calls: u64,
    exec_ms: f64,
    buffers: u64,
    query: String,
}

fn api_statements(stack: &Stack, like: &str) -> Result<std::collections::HashMap<String, Statement>> {
    // pg_stat_statements shows other roles' query text only to superusers / pg_read_all_stats.
    let out = db::query(stack, "supabase_admin", &fill(API_STATEMENTS, &[("like", like.replace('\'', "''"))]))?;
    Ok(out
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(6, '|').collect();
            let statement = Statement {
                calls: f.get(1)?.parse().ok()?,
                exec_ms: f.get(2)?.parse().ok()?,
                buffers: f.get(3)?.parse().ok()?,
                query: (*f.get(5)?).to_owned(),
            };
            Some(((*f.first()?).to_owned(), statement))
        })
        .collect())
}

fn api_check(stack: &Stack, pattern: &Pattern, params: &[String], subs: &[String], hottest: &str, hottest_sub: &str) -> std::result::Result<ApiReport, String> {
    let before = api_statements(stack, pattern.api_match)?;
    let mut http_ms = Vec::new();
    let mut rows_returned = 0;
    for (param, sub) in params.iter().zip(subs) {
        let started = Instant::now();
        let rows = api_get(stack, &bind_url(pattern.api, param), sub)?;
        http_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        rows_returned += rows;
    }
    let after = api_statements(stack, pattern.api_match)?;
    // The statement whose call count grew the most is the one these requests ran.
    let (calls, exec_ms, buffers, query) = after
        .iter()
        .map(|(id, s)| {
            let b = before.get(id).cloned().unwrap_or(Statement { calls: 0, exec_ms: 0.0, buffers: 0, query: String::new() });
            (s.calls.saturating_sub(b.calls), s.exec_ms - b.exec_ms, s.buffers.saturating_sub(b.buffers), s.query.clone())
        })
        .max_by_key(|(calls, ..)| *calls)
        .filter(|(calls, ..)| *calls > 0)
        .ok_or("the API requests left no statement in pg_stat_statements")?;
    // As a prepared statement (PostgREST prepares its statements): five executions with custom
    // plans, then the plan cache may switch to a generic plan - the one shown is what it chose.
    let values = postgrest_values(&query, pattern, hottest)?;
    let execute = format!("execute api_statement({})", values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect::<Vec<_>>().join(", "));
    let setup = format!("prepare api_statement as {query}; {}", format!("{execute}; ").repeat(5));
    let plan = explain_as_user(stack, &setup, &execute, hottest_sub)?;
    // PostgREST sends the partial indexes' constants (0.7, 0.6, 'view', true) as parameters: a
    // generic plan cannot prove the index predicates from `$n`, so show what it would cost.
    let generic_setup = format!("set local plan_cache_mode = force_generic_plan; prepare api_statement as {query};");
    let generic_plan = explain_as_user(stack, &generic_setup, &execute, hottest_sub)?;
    let calls_f = calls as f64;
    Ok(ApiReport {
        statement: query,
        plan,
        generic_plan,
        calls,
        mean_exec_ms: exec_ms / calls_f,
        buffers_per_call: buffers as f64 / calls_f,
        http_ms: sorted(http_ms.into_iter()),
        rows_returned,
    })
}

/// GET through the gateway as `sub`; returns the number of rows (from Content-Range).
fn api_get(stack: &Stack, path: &str, sub: &str) -> Result<u64> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
    let token = stack_keys::user_token(&stack.jwt_secret, sub, "{}", now);
    let mut stream = TcpStream::connect(("127.0.0.1", stack.api_port)).map_err(|e| format!("API {}: {e}", stack.api_url()))?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\napikey: {}\r\nAuthorization: Bearer {token}\r\nPrefer: count=none\r\nConnection: close\r\n\r\n",
        stack.anon_key()
    )
    .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(|e| format!("API read: {e}"))?;
    let text = String::from_utf8_lossy(&response);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let status = head.split_whitespace().nth(1).unwrap_or_default();
    if status != "200" {
        return Err(format!("GET {path} answered {status}: {}", text.chars().take(400).collect::<String>()));
    }
    // content-range: 0-19/* (or */* for no rows).
    let range = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-range:").map(|v| v.trim().to_owned())).unwrap_or_default();
    let span = range.split('/').next().unwrap_or_default();
    Ok(match span.split_once('-') {
        Some((a, b)) => b.parse::<u64>().unwrap_or(0).saturating_sub(a.parse().unwrap_or(0)) + 1,
        None => 0,
    })
}

/// The values of PostgREST's `$1..$n` for the hottest parameter set: each is the value of the
/// column it is compared with (from the pattern's API query string), or the LIMIT / OFFSET.
fn postgrest_values(query: &str, pattern: &Pattern, hottest: &str) -> Result<Vec<String>> {
    let url = bind_url(pattern.api, hottest);
    let filters: Vec<(String, String)> = url
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| !matches!(*k, "select" | "order" | "limit"))
        .map(|(k, v)| (k.to_owned(), percent_decode(v.split_once('.').map_or(v, |(_, value)| value))))
        .collect();
    let mut values = Vec::new();
    for n in 1.. {
        let marker = format!("${n}");
        let Some(at) = query.match_indices(&marker).find(|(i, _)| !query[i + marker.len()..].starts_with(|c: char| c.is_ascii_digit())).map(|(i, _)| i) else {
            break;
        };
        let before = query[..at].trim_end().to_ascii_uppercase();
        let value = if before.ends_with("LIMIT") {
            "20".to_owned()
        } else if before.ends_with("OFFSET") {
            "0".to_owned()
        } else {
            let column = query[..at].rsplit('"').nth(1).ok_or_else(|| format!("no column before {marker} in {query}"))?;
            filters.iter().find(|(k, _)| k == column).map(|(_, v)| v.clone()).ok_or_else(|| format!("no value for column {column} ({marker}) in {query}"))?
        };
        values.push(value);
    }
    Ok(values)
}

// ---------------------------------------------------------------------------------------------
// Context for the report
// ---------------------------------------------------------------------------------------------

fn machine(stack: &Stack) -> Result<Vec<(String, String)>> {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo.lines().find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned())).unwrap_or_default();
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram_kb: u64 = meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let load = load_average();
    let pg = sql_row(stack, "postgres", "select now() at time zone 'UTC', split_part(version(), ' on ', 1), current_setting('shared_buffers'), current_setting('work_mem'), current_setting('fsync')")?;
    Ok(vec![
        ("date (UTC)".into(), pg.first().cloned().unwrap_or_default()),
        ("CPU".into(), format!("{cores} × {cpu} (nproc {cores})")),
        ("RAM".into(), format!("{:.1} GiB", ram_kb as f64 / 1024.0 / 1024.0)),
        ("load average at start".into(), load),
        ("PostgreSQL".into(), pg.get(1).cloned().unwrap_or_default()),
        ("settings".into(), format!("shared_buffers {}, work_mem {}, fsync {}", pg.get(2).cloned().unwrap_or_default(), pg.get(3).cloned().unwrap_or_default(), pg.get(4).cloned().unwrap_or_default())),
        ("stack".into(), format!("{} (database 127.0.0.1:{}, API {})", stack.name, stack.db_port, stack.api_url())),
    ])
}

/// Rows and size (with indexes, over all partitions) of each table the patterns read.
const TABLE_SIZE: &str = "
select count(*), pg_size_pretty((select sum(pg_total_relation_size(c.oid))::bigint from pg_class c
                                 where c.oid = 'public.{table}'::regclass
                                    or c.oid in (select inhrelid from pg_inherits where inhparent = 'public.{table}'::regclass)))
from public.{table}";

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn dataset(stack: &Stack) -> Result<Vec<(String, String)>> {
    let tables = ["users", "cached_channels", "cached_videos", "keyword_video_mappings", "video_interactions", "watch_events", "trending_keywords", "keyword_effectiveness"];
    tables
        .iter()
        .map(|table| {
            let row = sql_row(stack, "postgres", &fill(TABLE_SIZE, &[("table", (*table).to_owned())]))?;
            let rows: u64 = row[0].parse().unwrap_or(0);
            Ok(((*table).to_owned(), format!("{} rows, {}", thousands(rows), row.get(1).cloned().unwrap_or_default())))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// docs/query-plans.md
// ---------------------------------------------------------------------------------------------

const LOAD_BEGIN: &str = "<!-- seed-data:load -->";
const LOAD_END: &str = "<!-- /seed-data:load -->";

fn write_report(stack: &Stack, load: Option<&LoadReport>, report: &Report) -> Result<()> {
    let path = stack.repo.join("docs/query-plans.md");
    let previous = fs::read_to_string(&path).unwrap_or_default();
    let load_section = match load {
        Some(load) => load_markdown(load),
        None => previous
            .split_once(LOAD_BEGIN)
            .and_then(|(_, rest)| rest.split_once(LOAD_END))
            .map(|(section, _)| section.trim().to_owned())
            .unwrap_or_else(|| "No load recorded yet: run `cargo xtask seed-data`.".into()),
    };
    let text = report_markdown(&load_section, report);
    fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    ui::step(&format!("wrote {}", path.display()));
    Ok(())
}

fn load_markdown(load: &LoadReport) -> String {
    let v = &load.volumes;
    let mut s = String::new();
    let _ = writeln!(s, "`cargo xtask seed-data --scale {}`: {} users, {} channels, {} videos, ~{} distinct keywords ({} mappings per video), {} interactions, ~{} watch events, {} trending keywords.", v.scale, thousands(v.users), thousands(v.channels), thousands(v.videos), thousands(v.keywords), v.mappings_per_video, thousands(v.interactions), thousands(v.interactions * EVENTS_PER_INTERACTION), thousands(v.trending));
    let _ = writeln!(s, "Interaction time span: {}.\n", load.span);
    let _ = writeln!(s, "Tokenizer probe: {}.\n", load.tokenizer);
    let _ = writeln!(s, "| step | rows | seconds | rows/s |\n|---|---:|---:|---:|");
    let mut total = 0.0;
    for t in &load.timings {
        total += t.seconds;
        let rate = if t.rows > 0 && t.seconds > 0.0 { thousands(per_second(t.rows, t.seconds)) } else { String::new() };
        let rows = if t.rows > 0 { thousands(t.rows) } else { String::new() };
        let _ = writeln!(s, "| {} | {} | {:.1} | {} |", t.table, rows, t.seconds, rate);
    }
    let _ = writeln!(s, "| **total** | | **{total:.0}** | |");
    s
}

fn report_markdown(load_section: &str, report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Query plans at benchmark scale\n");
    let _ = writeln!(s, "Generated by `cargo xtask seed-data` (load + measurement) or `cargo xtask seed-data --plans` (measurement only; the load section below is kept). Do not edit by hand.\n");
    let _ = writeln!(s, "## Machine\n\n| | |\n|---|---|");
    for (k, v) in &report.machine {
        let _ = writeln!(s, "| {k} | {v} |");
    }
    let _ = writeln!(s, "| load average after measuring | {} |", report.load_after);
    let _ = writeln!(s, "\n## Load\n\n{LOAD_BEGIN}\n{load_section}\n{LOAD_END}\n");
    let _ = writeln!(s, "## Data measured\n\n| table | rows, size with indexes |\n|---|---|");
    for (k, v) in &report.dataset {
        let _ = writeln!(s, "| {k} | {v} |");
    }
    let _ = writeln!(s, "\n## Method\n");
    let _ = writeln!(s, "Each pattern runs {RUNS} times with varied parameters (users, keywords and channels drawn from sampled rows, so popular ones come up as often as in real traffic; all 35 slot/weekday pairs for pattern 3) as role `authenticated` with `request.jwt.claims` of a seeded user, inside one transaction (`set local role authenticated`), so RLS applies. Times are EXPLAIN (ANALYZE, TIMING OFF, BUFFERS)'s **Execution Time** (database execution, without planning or network), from a second, warm pass over the same {RUNS} statements; planning time is listed separately. Target: p99 ≤ {TARGET_P99_MS} ms. The plan shown is EXPLAIN (ANALYZE, BUFFERS) for the heaviest parameter (most active user, most mapped keyword, fullest slot, largest channel).\n");
    let _ = writeln!(s, "The API check sends the same {RUNS} requests through the gateway (`/rest/v1/…`) with each user's JWT, finds the statement PostgREST ran in `pg_stat_statements`, and EXPLAINs that exact statement text with the heaviest parameter bound, as the same user - as a prepared statement executed five times first, like PostgREST's prepared statements, so the plan shown is the one PostgreSQL's plan cache settles on (`$n` in it means the generic plan).\n\nOn a shared 2-core machine a run can be descheduled mid-query: an outlier with the usual buffer count is CPU contention, not the plan (see the slowest runs listed per pattern and the load average above).\n");
    let _ = writeln!(s, "## Summary\n\n| pattern | index | plan nodes (all runs) | p50 ms | p99 ms | max ms | planning p50 ms | verdict |\n|---|---|---|---:|---:|---:|---:|---|");
    for p in &report.patterns {
        let times = sorted(p.runs.iter().map(|r| r.exec_ms));
        let planning = sorted(p.runs.iter().map(|r| r.plan_ms));
        let _ = writeln!(s, "| {} | `{}` | {} | {:.3} | {:.3} | {:.3} | {:.3} | {} |", p.title, p.index, distinct_scans(&p.runs), percentile(&times, 0.5), percentile(&times, 0.99), times.last().copied().unwrap_or(0.0), percentile(&planning, 0.5), verdict(p));
    }
    for p in &report.patterns {
        pattern_markdown(&mut s, p);
    }
    s
}

fn pattern_markdown(s: &mut String, p: &PatternReport) {
    let times = sorted(p.runs.iter().map(|r| r.exec_ms));
    let buffers = sorted(p.runs.iter().map(|r| r.buffers as f64));
    let heap: u64 = p.runs.iter().map(|r| r.heap_fetches).sum();
    let _ = writeln!(s, "\n## {}\n", p.title);
    let _ = writeln!(s, "```sql\n{}\n```\n", p.sql);
    let _ = writeln!(s, "Heaviest parameter: `{}`. Plan as `authenticated` through RLS:\n\n```text\n{}\n```\n", p.hottest, p.plan.trim_end());
    let _ = writeln!(s, "{} runs: execution p50 **{:.3} ms**, p99 **{:.3} ms**, max {:.3} ms; buffers p50 {:.0}, max {:.0}; heap fetches (all runs) {}; nodes: {}. Verdict: **{}**.\n", p.runs.len(), percentile(&times, 0.5), percentile(&times, 0.99), times.last().copied().unwrap_or(0.0), percentile(&buffers, 0.5), buffers.last().copied().unwrap_or(0.0), heap, distinct_scans(&p.runs), verdict(p));
    let mut slowest: Vec<&Run> = p.runs.iter().collect();
    slowest.sort_by(|a, b| b.exec_ms.total_cmp(&a.exec_ms));
    let list: Vec<String> = slowest.iter().take(3).map(|r| format!("{:.3} ms / {} buffers (`{}`)", r.exec_ms, r.buffers, r.param)).collect();
    let _ = writeln!(s, "Slowest runs: {}.\n", list.join("; "));
    match &p.api {
        Ok(api) => {
            let _ = writeln!(s, "Through the API ({} requests, {} rows returned): PostgREST ran\n\n```sql\n{}\n```\n", api.calls, thousands(api.rows_returned), api.statement);
            let _ = writeln!(s, "mean execution {:.3} ms and {:.1} buffers per call (pg_stat_statements); HTTP round trip p50 {:.1} ms, p99 {:.1} ms (client side, new connection per request). Its plan with the heaviest parameter, as the same user:\n\n```text\n{}\n```\n", api.mean_exec_ms, api.buffers_per_call, percentile(&api.http_ms, 0.5), percentile(&api.http_ms, 0.99), api.plan.trim_end());
            let _ = writeln!(s, "For comparison, the generic plan (`plan_cache_mode = force_generic_plan`), which PostgreSQL's default `auto` mode only adopts when it is not costlier than the custom plans:\n\n```text\n{}\n```", api.generic_plan.trim_end());
        }
        Err(e) => {
            let _ = writeln!(s, "API check failed: {e}");
        }
    }
}

fn verdict(p: &PatternReport) -> String {
    let times = sorted(p.runs.iter().map(|r| r.exec_ms));
    let p99 = percentile(&times, 0.99);
    // A sequential scan of an empty (future) partition reads nothing; anything else must be an index.
    let index_only = p.runs.iter().all(|r| {
        !r.scans.is_empty() && r.scans.split("; ").all(|n| n.starts_with("Index Scan") || n.starts_with("Index Only Scan") || n.ends_with("(empty)"))
    });
    match (index_only, p99 <= TARGET_P99_MS) {
        (true, true) => format!("meets target (p99 {p99:.3} ≤ {TARGET_P99_MS} ms, index scans)"),
        (true, false) => format!("MISSES target: p99 {p99:.3} ms > {TARGET_P99_MS} ms"),
        (false, _) => "MISSES: a run used a non-index scan".into(),
    }
}

fn distinct_scans(runs: &[Run]) -> String {
    let mut all: Vec<&str> = runs.iter().flat_map(|r| r.scans.split("; ")).filter(|s| !s.is_empty()).collect();
    all.sort_unstable();
    all.dedup();
    all.join("; ")
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// Replaces `{name}` with its value for each given name (other braces are left alone).
fn fill(template: &str, params: &[(&str, String)]) -> String {
    params.iter().fold(template.to_owned(), |sql, (name, value)| sql.replace(&format!("{{{name}}}"), value))
}

/// A pattern's SQL with `{p1}`/`{p2}` from an `a|b` parameter set (values quoted by the template).
fn bind(template: &str, params: &str) -> String {
    let mut parts = params.split('|');
    let p1 = parts.next().unwrap_or_default().replace('\'', "''");
    let p2 = parts.next().unwrap_or_default().replace('\'', "''");
    fill(template, &[("p1", p1), ("p2", p2)])
}

fn bind_url(template: &str, params: &str) -> String {
    let mut parts = params.split('|');
    let p1 = percent_encode(parts.next().unwrap_or_default());
    let p2 = percent_encode(parts.next().unwrap_or_default());
    fill(template, &[("p1", p1), ("p2", p2)])
}

/// `'{a,b}'::text[]` with each element double-quoted and escaped.
fn sql_text_array<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let elements: Vec<String> = items.map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("'{{{}}}'::text[]", elements.join(",").replace('\'', "''"))
}

/// One row of `|`-separated fields.
fn sql_row(stack: &Stack, user: &str, sql: &str) -> Result<Vec<String>> {
    Ok(db::query(stack, user, sql)?.trim().split('|').map(str::to_owned).collect())
}

fn cycle(items: &[String], n: usize) -> Vec<String> {
    items.iter().cycle().take(if items.is_empty() { 0 } else { n }).cloned().collect()
}

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0);
    // rank is within 1..=len by construction.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = rank as usize - 1;
    sorted[index.min(sorted.len() - 1)]
}

fn per_second(rows: u64, seconds: f64) -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let rate = (rows as f64 / seconds).round() as u64;
    rate
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_only_named_placeholders() {
        assert_eq!(fill("select '{}'::jsonb, {n}, {n}", &[("n", "3".into())]), "select '{}'::jsonb, 3, 3");
    }

    #[test]
    fn text_array_literal_escapes_quotes() {
        assert_eq!(sql_text_array(["a b", "it's", "q\""].into_iter()), r#"'{"a b","it''s","q\""}'::text[]"#);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 100.0);
        assert_eq!(percentile(&v, 0.99), 198.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn percent_coding_round_trips_korean() {
        assert_eq!(percent_encode("고양이 asmr"), "%EA%B3%A0%EC%96%91%EC%9D%B4%20asmr");
        assert_eq!(percent_decode(&percent_encode("고양이 asmr")), "고양이 asmr");
    }

    #[test]
    fn postgrest_parameters_are_bound_by_column() {
        let q = r#"SELECT "video_id" FROM "public"."keyword_video_mappings" WHERE "relevance_score" > $2::numeric AND "keyword" = $1::text ORDER BY "relevance_score" DESC LIMIT $3"#;
        assert_eq!(postgrest_values(q, &PATTERNS[1], "고양이 asmr").unwrap(), ["고양이 asmr", "0.7", "20"]);
        let q = r#"SELECT "keyword" FROM "public"."trending_keywords" WHERE "day_of_week" = $1::int2 AND "time_slot" = $2::text AND "valid_until" > $3::timestamptz ORDER BY "trend_score" DESC LIMIT $4"#;
        assert_eq!(postgrest_values(q, &PATTERNS[2], "night|3").unwrap(), ["3", "night", "now", "20"]);
    }

    #[test]
    fn scales_have_floors() {
        let tiny = Volumes::at(0.0001);
        assert_eq!((tiny.users, tiny.videos, tiny.interactions), (100, 100, 1_000));
        let full = Volumes::at(1.0);
        assert_eq!((full.users, full.videos, full.interactions, full.videos * full.mappings_per_video), (100_000, 100_000, 1_000_000, 1_000_000));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
