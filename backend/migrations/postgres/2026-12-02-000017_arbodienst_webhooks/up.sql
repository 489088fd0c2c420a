-- A webhook endpoint belongs to one party: an employer, or an arbodienst hearing the events of
-- every employer linked to it (SPEC §9).
ALTER TABLE webhooks ALTER COLUMN employer_id DROP NOT NULL;
ALTER TABLE webhooks ADD COLUMN arbodienst_id TEXT REFERENCES arbodiensten (id);
ALTER TABLE webhooks ADD CONSTRAINT webhooks_one_party
    CHECK ((employer_id IS NULL) <> (arbodienst_id IS NULL));
CREATE INDEX webhooks_arbodienst ON webhooks (arbodienst_id);
