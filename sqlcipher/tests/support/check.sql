-- One line: `content ok` when the database holds exactly what content.sql wrote, else what
-- differs. The figures are those of content.sql (200 rows, 12692 characters of body).
SELECT CASE
  WHEN (SELECT count(*) FROM notes) <> 200 THEN 'wrong row count'
  WHEN (SELECT sum(length(body)) FROM notes) <> 12692 THEN 'wrong body length'
  WHEN (SELECT title FROM notes WHERE body LIKE '137: %') IS NOT 'note 137' THEN 'wrong row 137'
  WHEN (SELECT count(*) FROM notes INDEXED BY notes_title WHERE title >= 'note 100') <> 101
    THEN 'wrong index'
  ELSE 'content ok'
END;
