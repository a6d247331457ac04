-- The JSON-lines baseline: the same query as export_log.sql, one json_object a line.
-- Run as: sqlite3 -list DB < bench/export_log_jsonl.sql
SELECT json_object(
         'comment_id', c.id, 'group_id', c.chat_id, 'message_id', c.message_id,
         'reply_to_message_id', coalesce(c.reply_to_message_id, c.thread_id),
         'time_utc', c.created_at, 'channel', ch.key, 'timezone', ch.timezone,
         'group_username', ch.discussion_username, 'article_id', a.id, 'article', a.title,
         'segment_id', s.id, 'post', s.position + 1, 'lesson', l.position + 1,
         'author_id', c.user_id, 'first_name', u.first_name, 'last_name', u.last_name,
         'username', u.username, 'sender_chat_id', c.sender_chat_id,
         'sender_chat_title', c.sender_chat_title, 'text', c.text, 'media', c.media_kind,
         'edited_at', c.edited_at, 'hidden', json(CASE WHEN c.hidden THEN 'true' ELSE 'false' END),
         'erased_at', c.erased_at,
         'edit_count', (SELECT count(e.id) FROM comment_edits e WHERE e.comment_id = c.id))
FROM comments c
JOIN segments s ON s.id = c.segment_id
JOIN articles a ON a.id = s.article_id
LEFT JOIN channels ch ON ch.id = s.channel_id
LEFT JOIN lessons l ON l.id = c.lesson_id
LEFT JOIN users u ON u.id = c.user_id
WHERE s.channel_id = 1 AND c.hidden = 0
ORDER BY s.id, c.created_at, c.id;
