-- The summary's baseline: the week's figures by hand in the sqlite3 shell, for channel 1
-- and the week of 23-29 November 2026 (Monday to Sunday, Europe/Berlin), as
-- bench/million.py builds it and newsbot's default slot summarises it.
-- Run as: sqlite3 DB < bench/summary_figures.sql
.parameter init
.parameter set :start '2026-11-22 23:00:00.000000'
.parameter set :end '2026-11-29 23:00:00.000000'
-- Comments and commenters.
SELECT count(c.id), count(DISTINCT c.user_id)
FROM comments c JOIN segments s ON s.id = c.segment_id
WHERE s.channel_id = 1 AND c.created_at >= :start AND c.created_at < :end AND c.hidden = 0;
-- Commenters new this week.
SELECT count(*) FROM (
  SELECT DISTINCT c.user_id AS user_id FROM comments c JOIN segments s ON s.id = c.segment_id
  WHERE s.channel_id = 1 AND c.created_at >= :start AND c.created_at < :end AND c.hidden = 0
    AND c.user_id IS NOT NULL) people
WHERE NOT EXISTS (SELECT 1 FROM comments e JOIN segments es ON es.id = e.segment_id
                  WHERE e.user_id = people.user_id AND e.created_at < :start AND es.channel_id = 1);
-- The week before, for comparison.
SELECT count(c.id) FROM comments c JOIN segments s ON s.id = c.segment_id
WHERE s.channel_id = 1 AND c.created_at >= datetime(:start, '-7 days')
  AND c.created_at < :start AND c.hidden = 0;
-- Comments per lesson.
SELECT c.lesson_id, count(c.id) FROM comments c JOIN segments s ON s.id = c.segment_id
WHERE s.channel_id = 1 AND c.created_at >= :start AND c.created_at < :end AND c.hidden = 0
  AND c.lesson_id IS NOT NULL
GROUP BY c.lesson_id;
-- Lessons and their polls.
SELECT l.id, l.position, l.question, p.options, p.counts, p.closed
FROM lessons l JOIN segments s ON s.id = l.segment_id JOIN polls p ON p.lesson_id = l.id
WHERE s.channel_id = 1 AND p.companion = 0 ORDER BY s.id, l.position;
-- Comments per day per article (days cut at local midnight).
SELECT a.title, CAST((julianday(c.created_at) - julianday(:start)) AS INTEGER) AS day, count(c.id)
FROM comments c JOIN segments s ON s.id = c.segment_id JOIN articles a ON a.id = s.article_id
WHERE s.channel_id = 1 AND c.created_at >= :start AND c.created_at < :end AND c.hidden = 0
GROUP BY a.id, a.title, day ORDER BY a.id, day;
-- Liveliest posts.
SELECT c.segment_id, count(c.id) AS n FROM comments c JOIN segments s ON s.id = c.segment_id
WHERE s.channel_id = 1 AND c.created_at >= :start AND c.created_at < :end AND c.hidden = 0
GROUP BY c.segment_id ORDER BY n DESC LIMIT 3;
-- The most answered comments.
SELECT parent.id, parent.text, u.first_name, r.n
FROM (SELECT c.chat_id, c.reply_to_message_id AS message_id, count(c.id) AS n
      FROM comments c JOIN segments s ON s.id = c.segment_id
      WHERE s.channel_id = 1 AND c.created_at >= :start AND c.created_at < :end
        AND c.hidden = 0 AND c.reply_to_message_id IS NOT NULL
      GROUP BY c.chat_id, c.reply_to_message_id) r
JOIN comments parent ON parent.chat_id = r.chat_id AND parent.message_id = r.message_id
LEFT JOIN users u ON u.id = parent.user_id
WHERE parent.created_at >= :start AND parent.created_at < :end AND parent.hidden = 0
ORDER BY r.n DESC, parent.id LIMIT 3;
