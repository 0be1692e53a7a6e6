-- Keeps the Korean bigram tokenizer cheap to call. Its set-returning helper had the default
-- estimate of 1,000 rows, which pushed every call over jit_above_cost: with the server default
-- jit = on, each cached_videos insert or title/description update paid a JIT compile for the
-- generated search_vector (measured 4.7–22 ms per call instead of 0.06–0.09 ms; see
-- docs/query-plans.md). A title has a handful of words, and JIT never pays off here.
alter function private.search_words(text) rows 8;
alter function private.korean_bigram_tsvector(text) set jit = off;
