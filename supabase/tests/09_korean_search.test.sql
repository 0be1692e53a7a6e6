-- Full-text search over title + description that finds Korean words inside longer words.
begin;
set search_path = public, extensions;
select plan(16);

insert into public.cached_videos (id, video_id, title, description) values
  ('20000000-0000-4000-8000-000000000051', 'search00051', '초간단 김치찌개 끓이는 법', '자취생 필수 레시피'),
  ('20000000-0000-4000-8000-000000000052', 'search00052', '된장찌개 황금 레시피', '구수한 집밥'),
  ('20000000-0000-4000-8000-000000000053', 'search00053', '여름 별미', '시원한 열무김치국수 만들기'),
  ('20000000-0000-4000-8000-000000000054', 'search00054', 'Best Kimchi Stew', 'Authentic Korean STEW recipe'),
  ('20000000-0000-4000-8000-000000000055', 'search00055', '김 굽는 법', '바삭한 김'),
  ('20000000-0000-4000-8000-000000000056', 'search00056', '만료된 김치찌개', '이 영상은 만료되었습니다');
update public.cached_videos set expires_at = now() - interval '1 minute' where id = '20000000-0000-4000-8000-000000000056';

create function pg_temp.found(q text) returns text[] language sql as $$
  select coalesce(array_agg(video_id::text order by video_id), '{}')
  from public.search_videos(q, 100) where video_id like 'search%'
$$;

select ok(private.korean_bigram_tsvector('김치찌개') @@ private.korean_bigram_tsquery('김치'), '''김치'' matches inside ''김치찌개''');
select ok(private.korean_bigram_tsvector('김치찌개') @@ private.korean_bigram_tsquery('찌개'), '''찌개'' matches the end of ''김치찌개''');
select ok(private.korean_bigram_tsvector('김치찌개') @@ private.korean_bigram_tsquery('치찌'), 'any inner substring matches');
select ok(not (private.korean_bigram_tsvector('김치찌개') @@ private.korean_bigram_tsquery('치개')), 'non-contiguous characters do not match');
select ok(not (private.korean_bigram_tsvector('김치 찌개') @@ private.korean_bigram_tsquery('김치찌개')), 'a phrase never spans two words');
select ok(not (private.korean_bigram_tsvector('김치 치찌') @@ private.korean_bigram_tsquery('김치찌')), 'word boundaries are respected inside a phrase');

select is(pg_temp.found('김치'), array['search00051', 'search00053'], 'search ''김치'' finds 김치찌개 (title) and 열무김치국수 (description)');
select is(pg_temp.found('찌개'), array['search00051', 'search00052'], 'search ''찌개'' finds 김치찌개 and 된장찌개');
select is(pg_temp.found('김치찌개'), array['search00051'], 'search ''김치찌개'' finds the exact compound');
select is(pg_temp.found('레시피 김치'), array['search00051'], 'all query words must match (AND)');
select is(pg_temp.found('kimchi'), array['search00054'], 'English search works');
select is(pg_temp.found('STEW'), array['search00054'], 'search is case-insensitive');
select is(pg_temp.found('김'), array['search00051', 'search00053', 'search00055'], 'a one-character query matches words starting with it');
select is(pg_temp.found('!!!'), '{}'::text[], 'a query without word characters finds nothing');
select ok((select video_id from public.cached_videos where id = '20000000-0000-4000-8000-000000000056') <> all (pg_temp.found('만료된')),
  'expired videos are not offered');
select ok(pg_get_indexdef('public.idx_video_metadata'::regclass) like '%USING gin (search_vector, ai_analysis)%',
  'title + description are indexed with GIN (together with ai_analysis)');

select * from finish();
rollback;
