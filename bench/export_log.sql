-- The export's baseline: the comment log of channel 1 by the sqlite3 shell, the same
-- columns, joins, order and filter as newsbot's export query (db/queries/export.py).
-- Run as: sqlite3 -csv -header DB < bench/export_log.sql
SELECT c.id, c.chat_id, c.message_id, coalesce(c.reply_to_message_id, c.thread_id),
       c.created_at, ch.key, ch.timezone, ch.discussion_username, a.id, a.title, s.id,
       s.position, l.position, c.user_id, u.first_name, u.last_name, u.username,
       c.sender_chat_id, c.sender_chat_title, c.text, c.media_kind, c.edited_at, c.hidden,
       c.erased_at,
       (SELECT count(e.id) FROM comment_edits e WHERE e.comment_id = c.id) AS edits
FROM comments c
JOIN segments s ON s.id = c.segment_id
JOIN articles a ON a.id = s.article_id
LEFT JOIN channels ch ON ch.id = s.channel_id
LEFT JOIN lessons l ON l.id = c.lesson_id
LEFT JOIN users u ON u.id = c.user_id
WHERE s.channel_id = 1 AND c.hidden = 0
ORDER BY s.id, c.created_at, c.id;
