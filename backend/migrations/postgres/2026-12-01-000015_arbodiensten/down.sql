DROP INDEX employers_arbodienst_id;
ALTER TABLE employers DROP COLUMN arbodienst_id;
DROP TABLE arbodiensten;
