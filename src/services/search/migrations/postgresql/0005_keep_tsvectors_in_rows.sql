-- Keeps each row's tsvector in the row itself instead of the TOAST table. A search ranks every
-- match with ts_rank_cd, which reads the match's whole tsvector. A tsvector of over about 2 kB
-- (2.6 kB on average in the 100,000 documents of bench/generate_content.py) was stored out of
-- line and uncompressed, so each read took a TOAST index lookup and two or more chunk fetches.
-- With STORAGE MAIN, PostgreSQL moves the other text columns out of line first and moves the
-- tsvector out only when the row would not fit in a page.
ALTER TABLE search_documents ALTER COLUMN document SET STORAGE MAIN;

-- The storage applies to values written from now on. Setting a column computes the generated
-- tsvector again, which rewrites every existing row with the new storage.
-- NOTE: this parses every document again: about 5 minutes for 100,000 generated documents on a
-- 2-core VM under other load. The old row versions stay in the file until VACUUM reuses them.
UPDATE search_documents SET title = title;
