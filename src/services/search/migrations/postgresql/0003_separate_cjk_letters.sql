-- Puts the byte 0x01 before and after each CJK letter of the indexed text, as SeparateCjk in
-- search_text.cc does for new documents, so that the parser reads each letter as one word and a
-- word inside a run of CJK letters can be found. The generated tsvector follows the update.
-- The character class lists the blocks of IsCjk in search_text.cc.
UPDATE search_documents d
SET title = regexp_replace(d.title, p.cjk, E'\x01\\1\x01', 'g'),
    tags_text = regexp_replace(d.tags_text, p.cjk, E'\x01\\1\x01', 'g'),
    summary = regexp_replace(d.summary, p.cjk, E'\x01\\1\x01', 'g'),
    body = regexp_replace(d.body, p.cjk, E'\x01\\1\x01', 'g')
FROM (
  SELECT '([\u1100-\u11ff\u3040-\u309f\u30a0-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f\U00030000-\U0003134f])' AS cjk
) p
WHERE d.title ~ p.cjk OR d.tags_text ~ p.cjk OR d.summary ~ p.cjk OR d.body ~ p.cjk;
