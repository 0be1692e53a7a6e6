-- Full-text search that finds Korean words inside longer Korean words.
--
-- Stock PostgreSQL has no 'korean' text-search configuration (the seed's to_tsvector('korean',
-- …) fails), and Korean compounds are written without spaces: '김치' must match '김치찌개'.
-- Without a morphological analyser (mecab-ko is not available on Supabase) the standard answer
-- is character n-grams: every word is indexed as its overlapping 2-character grams
-- ('김치찌개' -> 김치 치찌 찌개, at consecutive positions, with a gap between words), and a query word becomes the phrase
-- of its grams ('김치' -> 김치; '치찌개' -> 치찌 <-> 찌개). A phrase match means the query word
-- occurs as a substring of a document word. One-character query words match any gram that
-- starts with that character (prefix query).
--
-- Word characters are listed explicitly (Latin, Greek, Cyrillic, kana, CJK, Hangul jamo and
-- syllables, digits) so tokenisation does not depend on the database's locale. Lexemes are
-- lower-cased; no stemming, no stop words (n-grams make them pointless).

create or replace function private.search_words(p_text text)
returns setof text
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select w
  from regexp_split_to_table(
         lower(p_text),
         '[^0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3]+') as w
  where w <> ''
$$;

-- Document side: tsvector of the bigrams of every word, positions consecutive within a word.
create or replace function private.korean_bigram_tsvector(p_text text)
returns tsvector
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(string_agg(format('%s:%s', quote_literal(g.gram), least(g.pos, 16383)), ' ' order by g.pos)::tsvector,
                  ''::tsvector)
  from (
    -- +ord: a one-position gap between words, so a phrase never spans two words.
    select gram, row_number() over (order by w.ord, i) + w.ord as pos
    from private.search_words(coalesce(p_text, '')) with ordinality as w(word, ord)
    cross join lateral (
      select case when char_length(w.word) = 1 then w.word else substr(w.word, i, 2) end as gram, i
      from generate_series(1, greatest(char_length(w.word) - 1, 1)) as i
    ) grams
  ) g
$$;

-- Query side: every query word must occur (AND); a word is the phrase of its bigrams.
create or replace function private.korean_bigram_tsquery(p_query text)
returns tsquery
language sql
immutable
parallel safe
set search_path = ''
as $$
  select string_agg(
           case when char_length(w.word) = 1 then quote_literal(w.word) || ':*'
                else '(' || (select string_agg(quote_literal(substr(w.word, i, 2)), ' <-> ' order by i)
                             from generate_series(1, char_length(w.word) - 1) as i) || ')'
           end,
           ' & ' order by w.ord)::tsquery
  from private.search_words(coalesce(p_query, '')) with ordinality as w(word, ord)
$$;

comment on function private.korean_bigram_tsvector(text) is
  'Bigram tsvector for Korean-aware substring search (pairs with private.korean_bigram_tsquery).';
comment on function private.korean_bigram_tsquery(text) is
  'Query for private.korean_bigram_tsvector: each word must appear as a substring of an indexed word. NULL for a query without word characters.';

-- Pure functions; the generated column on cached_videos and the public search RPC run them
-- as the calling role, so every API role may execute them.
grant execute on function private.search_words(text), private.korean_bigram_tsvector(text),
  private.korean_bigram_tsquery(text) to anon, authenticated, service_role;
