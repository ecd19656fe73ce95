-- Full-text search over light Arabic stems of title and text (clean::arabic::search_terms),
-- so a query for ليبيا finds الليبية and بليبيا. Contentless: the text lives in `items`.
CREATE VIRTUAL TABLE items_fts USING fts5(terms, content = '', contentless_delete = 1, tokenize = 'unicode61');
