-- The indexed terms are already in matching form (clean::arabic::search_terms: letters and
-- digits, one space between terms), so unicode61's Unicode tables and diacritic folding
-- only cost time: about 5% of a first fetch pass. The 'ascii' tokenizer splits on ASCII
-- non-alphanumerics and keeps every non-ASCII byte inside a token, which gives the same
-- tokens for this input. The index is rebuilt from `items` when the store next opens
-- (Store::backfill_search indexes every item above the index's highest rowid).
DROP TABLE items_fts;
CREATE VIRTUAL TABLE items_fts USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'ascii');
