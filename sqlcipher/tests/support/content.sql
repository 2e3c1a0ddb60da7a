-- What every compatibility check writes, whoever writes it: this crate, the `sqlcipher`
-- command-line tool, or the build that made tests/fixtures/. Plain SQL that any SQLCipher 4
-- shell runs; about a dozen 4 KiB pages, a table and an index.
CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX notes_title ON notes (title);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO notes (id, title, body)
SELECT i, printf('note %03d', i), printf('%d: ', i) || replace(hex(zeroblob(20 + i % 20)), '00', '病例')
FROM n;
