-- One message for the next page after an action («Сотрудник «…» добавлен»), kept with the
-- session so whichever instance serves that page shows it, once.
ALTER TABLE sessions ADD COLUMN flash TEXT;
