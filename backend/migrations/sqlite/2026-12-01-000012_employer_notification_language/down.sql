ALTER TABLE employers DROP COLUMN notification_language;
